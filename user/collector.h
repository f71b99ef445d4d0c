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
	bool json, follow_forks, verbose;
	uint64_t interval_ns, duration_ns, retain_ns;
	struct diagnoses *diag; /* configured by --allow/--warn; NULL: no diagnoses */
};

/* The process exit code: 0, 1 on a failure (already explained on stderr),
 * or for `run` the child's own status. */
int collector_run(const struct collector_opts *o);

#endif
