/* diagnose.h - the diagnosis engine: the classic event-loop bugs (a lost
 * waker, a self-waking task, a blocking call in a loop, a runtime inside a
 * runtime, an orphaned reactor, a half-duplex socket, a spinning poll)
 * found from kernel facts alone, by rules run over the model every tick.
 * Each rule can be turned off (--allow NAME) or its thresholds changed
 * (--warn NAME=VALUE, --warn NAME.PARAM=VALUE).  docs/diagnoses.md says
 * what each one sees. */
#ifndef LS_DIAGNOSE_H
#define LS_DIAGNOSE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

#include "model.h"

#define DIAG_WINDOW_NS 1000000000ULL /* rates and shares are taken over 1 s */
#define DIAG_MAX_WARNINGS 256        /* kept at once; the oldest inactive go first */

struct diagnoses;

struct diagnoses *diagnose_new(void);
void diagnose_free(struct diagnoses *d);

/* allow: "NAME" turns a diagnosis off.  Otherwise "NAME=VALUE" sets its
 * main threshold and "NAME.PARAM=VALUE" another one.  0, or -1 with the
 * reason in diagnose_error(). */
int diagnose_configure(struct diagnoses *d, const char *arg, bool allow);
const char *diagnose_error(const struct diagnoses *d);

/* Subscribes to the model's turns; call once, before feeding it. */
void diagnose_attach(struct diagnoses *d, struct model *m);

/* Every tick: evaluates the rules at `now` and ages the warnings. */
void diagnose_run(struct diagnoses *d, const struct model *m, uint64_t now);

/* The "warnings" array of docs/json.md: every warning kept, active or not. */
json_object *diagnose_json(const struct diagnoses *d, const struct model *m, uint64_t now);
/* The same, cut to what a viewer may see: only the warnings all of whose
 * objects are in processes visible(ctx, pid) accepts (NULL: all). */
json_object *diagnose_json_for(const struct diagnoses *d, const struct model *m, uint64_t now,
			       bool (*visible)(const void *ctx, pid_t pid), const void *ctx);

/* The diagnoses, their parameters and current values, one per line. */
void diagnose_list(const struct diagnoses *d, FILE *f);

#endif
