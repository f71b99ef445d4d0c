/* viewer.h - `loopscope view`: the terminal viewer (ncurses) of a running
 * collector, or of any other view_source (a replay). */
#ifndef LS_VIEWER_H
#define LS_VIEWER_H

#include "source.h"

/* `loopscope view [--socket PATH]`; argv[0] is "view".  The exit status. */
int viewer_main(int argc, char **argv);
/* The UI over src until the user quits: 0, or 1 when the terminal cannot
 * be used or the source speaks another protocol (one line on stderr). */
int viewer_run(struct view_source *src, const char *title);

#endif
