/* commands.h - `dump`, `status`, `pause`, `resume`, `watch`: scripts'
 * clients of the running collector (docs/protocol.md). */
#ifndef LS_COMMANDS_H
#define LS_COMMANDS_H

#include <stdbool.h>

bool commands_has(const char *cmd);
/* argv[0] is the command.  The process exit status. */
int commands_main(int argc, char **argv);

#endif
