/* trace.h - the trace file: a versioned header, then zlib-compressed blocks
 * of records, each block with its length and checksums, so a file cut short
 * is readable up to its last whole block.  The byte layout and what a
 * reader does with a bad file are in docs/trace-format.md.
 *
 * The records are the ring buffer's (bpf/loopscope.h) plus synthetic ones,
 * defined here, for every call that changes the model outside model_feed:
 * trace_apply() makes that call, so a replay feeds a fresh model exactly
 * what the live one was fed, in the same order. */
#ifndef LS_TRACE_H
#define LS_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <linux/types.h>
#include "loopscope.h"

struct model;

#define TRACE_MAGIC "LSTRACE\n"
#define TRACE_MAJOR 1 /* readers refuse a newer major version */
#define TRACE_MINOR 2 /* additions older readers can skip; 1.1: wait records' cpu_enter/cpu_exit; 1.2: seed_wait */
#define TRACE_FIXED_LEN 72
#define TRACE_HEADER_MAX 65536
#define TRACE_BLOCK_HDR_LEN 32
#define TRACE_BLOCK_MAX (1u << 20) /* uncompressed bytes in one block */
#define TRACE_REC_MAX 65535

enum trace_block_kind {
	TRACE_BLOCK_RECORDS = 1,
	TRACE_BLOCK_END = 2,
};

/* Synthetic records: a range the BPF side never emits.  Each starts with
 * struct ls_hdr like the others. */
enum trace_rec_type {
	TREC_ADD_TARGET = 0x100, /* model_add_target */
	TREC_SEED_TASK,          /* model_seed_task */
	TREC_SEED_INTEREST,      /* model_seed_interest */
	TREC_EVENTFD_COUNT,      /* model_set_eventfd_count */
	TREC_RENAME_TASK,        /* model_rename_task */
	TREC_TARGET_EXITED,      /* model_target_exited */
	TREC_TICK,               /* the collector reported: drop counters, final flag */
	TREC_TASK_CPU,           /* model_task_cpu (1.1): a thread's CPU time from /proc */
	TREC_SEED_WAIT,          /* model_seed_wait (1.2): a thread asleep in an epoll wait at attach */
	TREC_TYPE_END,
};

struct trec_target {
	struct ls_hdr h;  /* ts: when; tgid: the pid */
	char name[LS_COMM_LEN];
};

struct trec_seed_task {
	struct ls_hdr h;  /* tgid, tid */
	__s64 syscall_nr; /* -1: running */
	char name[LS_COMM_LEN];
};

struct trec_seed_interest {
	struct ls_hdr h;  /* tgid */
	__u64 token;
	__s32 epfd;
	__s32 tfd;
	__u32 events;
	__u32 pad;
};

struct trec_eventfd_count {
	struct ls_hdr h;  /* tgid */
	__u64 count;
	__s32 fd;
	__u32 pad;
};

struct trec_rename {
	struct ls_hdr h;  /* tid */
	char name[LS_COMM_LEN];
};

struct trec_seed_wait {
	struct ls_hdr h;   /* tgid, tid; ts: attach */
	__s64 timeout_ns;  /* the wait's timeout argument, -1: none */
	__s32 epfd;        /* from /proc/TID/syscall */
	__u32 pad;
};

struct trec_task_cpu {
	struct ls_hdr h;  /* tid; ts: when it was read */
	__u64 cpu_ns;     /* the kernel's count of the thread's CPU time */
};

struct trec_tick {
	struct ls_hdr h;  /* ts: the report's time */
	__u64 ringbuf_drops, inflight_drops; /* cumulative, from the kernel */
	__u32 final;
	__u32 pad;
};

/* What the header says.  Strings are NUL-terminated, cut to fit. */
#define TRACE_TARGETS_MAX 64
struct trace_meta {
	uint16_t major, minor;
	uint64_t mono_ns, wall_ns; /* CLOCK_MONOTONIC and CLOCK_REALTIME read together */
	uint64_t start_ns;         /* the model's start (CLOCK_MONOTONIC) */
	uint64_t retain_ns, interval_ns;
	uint64_t secret_id;        /* which key hid the kernel addresses (not the key) */
	char host[65], kernel[65], clock[32], command[256], version[32];
	int ntargets;
	uint32_t targets[TRACE_TARGETS_MAX];
};

/* The end block: totals for the whole file. */
struct trace_end {
	uint64_t records, dropped, first_ts, last_ts;
};

/* ---- writing ---- */

/* Serialise meta into buf (at most TRACE_HEADER_MAX); returns the length. */
size_t trace_header_encode(const struct trace_meta *meta, uint8_t *buf, size_t cap);
/* One block: header + compressed payload in *out (malloc'ed); returns its
 * length, or 0 when zlib fails. */
size_t trace_block_encode(uint32_t kind, const void *raw, size_t rawlen, uint32_t nrec,
			  uint32_t dropped, uint8_t **out);
/* Append one record to a block payload; returns the bytes used, 0 if it
 * does not fit in cap - used. */
size_t trace_payload_add(uint8_t *payload, size_t used, size_t cap, const void *rec, size_t len);
void trace_end_encode(const struct trace_end *e, uint8_t out[32]);

/* ---- reading ---- */

struct trace_reader;

/* NULL on error with one line in err ("FILE: ...offset N..."). */
struct trace_reader *trace_open(const char *path, struct trace_meta *meta, char *err, size_t n);
/* Reading from a stream instead (fuzzing, tests); name is for messages. */
struct trace_reader *trace_open_stream(FILE *f, const char *name, struct trace_meta *meta,
				       char *err, size_t n);
/* 1 with the next record in *rec (8-byte aligned, valid until the next
 * call), 0 at the end of what is readable, -1 on a corrupt file (the
 * reason in trace_error()). */
int trace_next(struct trace_reader *r, const void **rec, size_t *len);
const char *trace_error(const struct trace_reader *r);
/* After trace_next returned 0: the file ended without its end block.
 * Says why and how much was lost in buf; false when the file is whole. */
bool trace_truncated(const struct trace_reader *r, char *buf, size_t n);
/* The end block when there was one (else NULL), and the recorder's drops
 * counted in the blocks read so far. */
const struct trace_end *trace_end(const struct trace_reader *r);
uint64_t trace_dropped(const struct trace_reader *r);
uint64_t trace_offset(const struct trace_reader *r); /* of the block being read */
int trace_rewind(struct trace_reader *r);
void trace_close(struct trace_reader *r);

/* ---- records ---- */

/* Apply one record, ring-buffer or synthetic, to a model; 0, or -EINVAL
 * for a garbled or unknown record (model_feed's rule). */
int trace_apply(struct model *m, const void *rec, size_t len);
/* A record type's name: "wait", "seed_task"...; NULL when unknown. */
const char *trace_rec_name(uint16_t type);
/* Replace every kernel address in a ring-buffer record by its keyed hash
 * (0 stays 0) so a trace file holds no kernel address. */
void trace_hide_addrs(void *rec, size_t len, uint64_t secret);

#endif
