/* collector.h - `attach` and `run`: load the probes, follow the targets,
 * feed the model, report every tick. */
#ifndef LS_COLLECTOR_H
#define LS_COLLECTOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>


struct collector_opts {
	pid_t *pids;      /* attach: the targets */
	int npids;
	char **argv;      /* run: the command, NULL for attach */
	const char *output; /* NULL: stdout */
	const char *record; /* --record FILE, else NULL */
	bool json, follow_forks, verbose;
	uint64_t interval_ns, duration_ns, retain_ns;
	/* the viewers' socket (docs/protocol.md) */
	bool no_server;
	const char *socket;       /* NULL: $LOOPSCOPE_SOCKET or the default */
	unsigned int socket_mode; /* default 0660 */
	const char *socket_group; /* NULL: "loopscope" if it exists, else root's */
	uint64_t stall_ns;        /* drop a viewer that reads nothing this long */
	int viewers_per_user;     /* connections of one uid but root; 0: the default */
	struct diagnoses *diag; /* configured by --allow/--warn; NULL: no diagnoses */
};

/* The process exit code: 0, 1 on a failure (already explained on stderr),
 * or for `run` the child's own status. */
int collector_run(const struct collector_opts *o);

#endif
