/* probes.h - the kernel side's lifecycle: open, load and attach the BPF
 * programs (mounting tracefs first if needed), name the traced processes,
 * read the ring buffer, walk the fds that existed at attach, detach. */
#ifndef LS_PROBES_H
#define LS_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct probes;

typedef int (*record_fn)(void *ctx, const void *rec, size_t len);

/* 0, or -errno after printing one line that says what failed and why. */
int probes_open(struct probes **out, bool follow_forks, bool verbose, record_fn fn, void *ctx);
int probes_trace(struct probes *p, pid_t pid);
/* Feeds fn one LS_REC_FD_INFO per socket/pipe/eventfd/epoll... fd of the
 * traced processes.  Returns the number of records or -errno. */
int probes_dump_fds(struct probes *p);
/* Reads what the ring buffer holds, waiting up to timeout_ms for some. */
int probes_poll(struct probes *p, int timeout_ms);
/* An fd that is readable when records wait: for the collector's loop. */
int probes_fd(const struct probes *p);
/* Reads every record committed so far, without waiting. */
int probes_drain(struct probes *p);
void probes_drops(const struct probes *p, uint64_t *ringbuf, uint64_t *inflight);
int probes_count(const struct probes *p);
void probes_close(struct probes *p);

#endif
