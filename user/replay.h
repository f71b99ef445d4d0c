/* replay.h - a trace file fed through a fresh model, tick by tick, by the
 * records' own timestamps.  The terminal viewer drives the same calls
 * (open, advance to a time, read the model) that `loopscope replay` does. */
#ifndef LS_REPLAY_H
#define LS_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "trace.h"

struct replay;
struct model;

struct diagnoses;

/* Opens and checks the whole file (every block's checksum) before the
 * first record is fed.  The diagnoses run with diag's thresholds (the
 * caller's, freed by the caller after replay_close), or with a live
 * attach's defaults when diag is NULL.  NULL on error, with one line in
 * err naming the file and the offset. */
struct replay *replay_open(const char *path, struct diagnoses *diag, char *err, size_t n);
/* Feeds the records, in file order, up to the first one later than
 * until_ts.  0: more to come; 1: the end; <0 an error (replay_error). */
int replay_advance(struct replay *r, uint64_t until_ts);
/* After the tick ending at tick was advanced to: the end of the next tick
 * (tick + interval), or of the tick that holds the next record when none
 * comes for over two of the recording's intervals (a hole: its empty ticks
 * are skipped); UINT64_MAX past the end of time. */
uint64_t replay_next_tick(const struct replay *r, uint64_t tick, uint64_t interval);
const struct model *replay_model(const struct replay *r);
const struct trace_meta *replay_meta(const struct replay *r);
uint64_t replay_first_ts(const struct replay *r);
uint64_t replay_last_ts(const struct replay *r);
/* Where ticks count from: the recording collector's start. */
uint64_t replay_start_ts(const struct replay *r);
/* The time of the recording's final report, else the last record's. */
uint64_t replay_final_ts(const struct replay *r);
uint64_t replay_records(const struct replay *r);  /* in the file */
uint64_t replay_dropped(const struct replay *r);  /* by the recorder */
/* The file was cut short: what was lost, in buf. */
bool replay_truncated(const struct replay *r, char *buf, size_t n);
const char *replay_error(const struct replay *r);
/* Runs the diagnoses over the model at now (once per tick): the warnings
 * array for report_info.warnings (the caller puts it). */
json_object *replay_warnings(struct replay *r, uint64_t now);
void replay_close(struct replay *r);

struct replay_opts {
	const char *path;
	const char *output;   /* NULL: stdout */
	bool json;
	uint64_t interval_ns;
	double speed;         /* 1: real time; 0: as fast as possible */
	struct diagnoses *diag; /* --allow/--warn; NULL: the defaults */
};

/* `loopscope replay`: a report per tick, then the final one.  The exit
 * code: 0, or 1 after one error line. */
int replay_run(const struct replay_opts *o);

#endif
