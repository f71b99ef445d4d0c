/* recorder.h - `--record FILE`: the collector side of a trace file.  The
 * ring buffer consumer hands records over without ever waiting for the
 * disk: they go into a bounded set of block buffers that a writer thread
 * compresses and writes; when every buffer is full the record is dropped
 * and counted (in the file, and in the "recording" JSON).
 *
 * The rec_* calls are the model calls the collector makes outside
 * model_feed (state from before attach, names, exits, ticks): each is
 * written as a synthetic record (user/trace.h) and applied through
 * trace_apply(), so a replay makes the same calls in the same order.  They
 * work with a NULL recorder too (not recording). */
#ifndef LS_RECORDER_H
#define LS_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "report.h"
#include "trace.h"

struct recorder;
struct model;

/* The host, kernel, clock and version fields of meta are filled here.
 * NULL on error, with one line in err. */
struct recorder *recorder_open(const char *path, struct trace_meta *meta, char *err, size_t n);
/* One ring-buffer record; never blocks on the disk. */
void recorder_put(struct recorder *r, const void *rec, size_t len);
/* Hand the partial block to the writer (the collector does so every tick,
 * so a crash loses at most about a tick). */
void recorder_flush(struct recorder *r);
/* Sizes so far; the rate is over the time since the previous call. */
void recorder_stats(struct recorder *r, uint64_t now, struct recording_stats *out);
/* Writes what is queued and the end block, closes the file.  0, or -errno
 * after saying why on stderr.  NULL is fine. */
int recorder_close(struct recorder *r);

/* How many records were dropped because the disk could not keep up. */
uint64_t recorder_dropped(const struct recorder *r);

void rec_add_target(struct recorder *r, struct model *m, pid_t pid, const char *name, uint64_t now);
void rec_seed_task(struct recorder *r, struct model *m, pid_t pid, pid_t tid, const char *name,
		   long syscall_nr, uint64_t now);
void rec_seed_interest(struct recorder *r, struct model *m, pid_t pid, int epfd, int tfd,
		       uint32_t events, uint64_t token, uint64_t now);
void rec_set_eventfd_count(struct recorder *r, struct model *m, pid_t pid, int fd, uint64_t count,
			   uint64_t now);
void rec_seed_wait(struct recorder *r, struct model *m, pid_t pid, pid_t tid, int epfd,
		   int64_t timeout_ns, uint64_t now);
/* The key the file's addresses are hidden with (0: no recorder), for
 * model_set_keys: ids the same live as in a replay. */
uint64_t recorder_addr_key(const struct recorder *r);
/* Only a name that changed is recorded. */
void rec_rename_task(struct recorder *r, struct model *m, pid_t tid, const char *name, uint64_t now);
void rec_target_exited(struct recorder *r, struct model *m, pid_t pid, uint64_t now);
/* The kernel's drop counters at a report, into the model (and the file). */
/* A thread's CPU time read from /proc at a tick (procfs_thread_cpu). */
void rec_task_cpu(struct recorder *r, struct model *m, pid_t pid, pid_t tid, uint64_t cpu_ns,
		  uint64_t now);
void rec_tick(struct recorder *r, struct model *m, uint64_t now, uint64_t ringbuf_drops,
	      uint64_t inflight_drops, bool final);

#endif
