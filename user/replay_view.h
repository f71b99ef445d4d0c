/* replay_view.h - `loopscope replay FILE` in the terminal viewer. */
#ifndef LS_REPLAY_VIEW_H
#define LS_REPLAY_VIEW_H

#include "replay.h"

/* The viewer over the file at o->speed: 0, or 1 after one error line. */
int replay_view(const struct replay_opts *o);

#endif
