/* report.h - the model rendered for scripts (JSON, docs/json.md) and for
 * people (a compact text table per tick). */
#ifndef LS_REPORT_H
#define LS_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

#include "model.h"

#define REPORT_VERSION 1

/* A trace file being written (user/recorder.h). */
struct recording_stats {
	const char *path;
	uint64_t bytes;   /* compressed bytes written so far */
	uint64_t records, dropped;
	double bytes_per_s;
};

struct report_info {
	uint64_t now;   /* CLOCK_MONOTONIC ns the report is taken at */
	uint64_t tick;
	bool final;
	double records_per_s;
	/* A viewer that is not root counts only its processes' records: these
	 * instead of the model's count when own_records. */
	bool own_records;
	uint64_t records;
	/* Only what this says a viewer may see (NULL: everything). */
	bool (*visible)(const void *ctx, pid_t pid);
	const void *visible_ctx;
	const struct recording_stats *recording; /* NULL: not recording */
	bool head_only; /* the counters and targets, none of the object lists */
	json_object *warnings; /* diagnose_json()'s array, or NULL: "warnings": [] */
};

struct task_times {
	uint64_t total, busy, polling, runnable, blocked;
};

json_object *report_json(const struct model *m, const struct report_info *ri);
/* The same JSON as report_json's (JSON_C_TO_STRING_PLAIN), and a newline,
 * written as it is made: one object of the lists at a time, so a tick never
 * holds the whole tree (10,000 sockets: some 60 MiB of json-c objects). */
void report_json_write(FILE *f, const struct model *m, const struct report_info *ri);

/* One member of a JSON object (a NULL string is ""): report.c and export.c. */
void json_add_u64(json_object *o, const char *k, uint64_t v);
void json_add_int(json_object *o, const char *k, int64_t v);
void json_add_str(json_object *o, const char *k, const char *v);
void report_text(FILE *f, const struct model *m, const struct report_info *ri);

/* Pieces the viewer will reuse. */
struct task **report_tasks(const struct model *m, size_t *n);
struct object **report_objects(const struct model *m, uint8_t kind, size_t *n); /* LS_FD_EVENTFD: all wakers */
void report_task_times(const struct task *t, uint64_t now, struct task_times *out);
void report_addr(const struct ls_sockaddr *a, bool remote, char *buf, size_t len);
uint64_t report_closed_ago(const struct object *o, uint64_t now);

#endif
