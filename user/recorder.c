/* recorder.c - writes a trace file beside a live collector.  The ring
 * buffer consumer only copies a record into the current block buffer;
 * a writer thread compresses full blocks and writes them.  The buffers are
 * a fixed set: when the writer falls behind and none is free, records are
 * dropped and counted rather than the consumer waiting (the kernel would
 * then drop instead, uncounted per record and for every viewer). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "model.h"
#include "recorder.h"
#include "util.h"

#define REC_BUF_SIZE (256u * 1024)
#define REC_NBUF 16 /* 4 MiB queued at most */

struct block {
	uint8_t *data;
	size_t used;
	uint32_t nrec, dropped;
};

struct recorder {
	int fd;
	char *path;
	uint64_t secret;
	pthread_t writer;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct block bufs[REC_NBUF];
	struct block *free[REC_NBUF], *queue[REC_NBUF];
	int nfree, qhead, qlen;
	bool stop;
	int write_err;          /* the first write error, under lock */
	uint64_t write_lost;    /* records of blocks that could not be written, under lock */
	uint64_t bytes;         /* written; __atomic */
	/* the consumer's own */
	struct block *cur;
	uint64_t records, dropped, dropped_pending;
	uint64_t first_ts, last_ts;
	uint64_t stat_ts, stat_bytes;
};

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int write_block(struct recorder *r, uint32_t kind, const void *raw, size_t len, uint32_t nrec,
		       uint32_t dropped)
{
	uint8_t *b;
	size_t n = trace_block_encode(kind, raw, len, nrec, dropped, &b);
	int err;

	if (!n)
		return -ENOMEM;
	err = write_all(r->fd, b, n);
	free(b);
	if (!err)
		__atomic_add_fetch(&r->bytes, n, __ATOMIC_RELAXED);
	return err;
}

static void *writer_main(void *arg)
{
	struct recorder *r = arg;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		struct block *b;
		int err;

		while (!r->qlen && !r->stop)
			pthread_cond_wait(&r->cond, &r->lock);
		if (!r->qlen)
			break;
		b = r->queue[r->qhead];
		r->qhead = (r->qhead + 1) % REC_NBUF;
		r->qlen--;
		pthread_mutex_unlock(&r->lock);
		err = write_block(r, TRACE_BLOCK_RECORDS, b->data, b->used, b->nrec, b->dropped);
		pthread_mutex_lock(&r->lock);
		if (err) {
			if (!r->write_err)
				r->write_err = err;
			r->write_lost += b->nrec;
		}
		b->used = b->nrec = b->dropped = 0;
		r->free[r->nfree++] = b;
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static void fill_meta(struct trace_meta *meta)
{
	struct utsname u;
	struct timespec mono, wall;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &wall);
	meta->mono_ns = (uint64_t)mono.tv_sec * 1000000000ULL + mono.tv_nsec;
	meta->wall_ns = (uint64_t)wall.tv_sec * 1000000000ULL + wall.tv_nsec;
	if (uname(&u) == 0) {
		snprintf(meta->host, sizeof(meta->host), "%s", u.nodename);
		snprintf(meta->kernel, sizeof(meta->kernel), "%s", u.release);
	}
	snprintf(meta->clock, sizeof(meta->clock), "CLOCK_MONOTONIC");
	meta->secret_id = random_secret();
	meta->major = TRACE_MAJOR;
	meta->minor = TRACE_MINOR;
}

struct recorder *recorder_open(const char *path, struct trace_meta *meta, char *err, size_t n)
{
	struct recorder *r = xcalloc(1, sizeof(*r));
	uint8_t *hdr = xcalloc(1, TRACE_HEADER_MAX);
	size_t hlen;
	int e;

	r->fd = open_output(path, err, n); /* no symlink, no other user's file */
	if (r->fd < 0)
		goto fail;
	fill_meta(meta);
	hlen = trace_header_encode(meta, hdr, TRACE_HEADER_MAX);
	e = write_all(r->fd, hdr, hlen);
	if (e) {
		snprintf(err, n, "cannot write %s: %s", path, strerror(-e));
		goto fail;
	}
	r->bytes = hlen;
	r->path = strdup(path);
	r->secret = random_secret();
	for (int i = 0; i < REC_NBUF; i++) {
		r->bufs[i].data = xcalloc(1, REC_BUF_SIZE);
		r->free[r->nfree++] = &r->bufs[i];
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	e = pthread_create(&r->writer, NULL, writer_main, r);
	if (e) {
		snprintf(err, n, "cannot start the trace writer: %s", strerror(e));
		for (int i = 0; i < REC_NBUF; i++)
			free(r->bufs[i].data);
		goto fail;
	}
	free(hdr);
	return r;
fail:
	if (r->fd >= 0)
		close(r->fd);
	free(r->path);
	free(hdr);
	free(r);
	return NULL;
}

static void submit(struct recorder *r)
{
	if (!r->cur)
		return;
	pthread_mutex_lock(&r->lock);
	r->queue[(r->qhead + r->qlen) % REC_NBUF] = r->cur;
	r->qlen++;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	r->cur = NULL;
}

static bool take_buffer(struct recorder *r)
{
	pthread_mutex_lock(&r->lock);
	r->cur = r->nfree ? r->free[--r->nfree] : NULL;
	pthread_mutex_unlock(&r->lock);
	if (!r->cur)
		return false;
	r->cur->dropped = r->dropped_pending > UINT32_MAX ? UINT32_MAX : (uint32_t)r->dropped_pending;
	r->dropped_pending -= r->cur->dropped;
	return true;
}

/* Appends rec (already in its final form) to the current block. */
static void append(struct recorder *r, const void *rec, size_t len)
{
	const struct ls_hdr *h = rec;

	for (int attempt = 0; attempt < 2; attempt++) {
		size_t k;

		if (!r->cur && !take_buffer(r))
			break;
		k = trace_payload_add(r->cur->data, r->cur->used, REC_BUF_SIZE, rec, len);
		if (k) {
			r->cur->used += k;
			r->cur->nrec++;
			r->records++;
			if (!r->first_ts || h->ts < r->first_ts)
				r->first_ts = h->ts;
			if (h->ts > r->last_ts)
				r->last_ts = h->ts;
			return;
		}
		if (!r->cur->used)
			break; /* larger than a block: cannot be */
		submit(r);
	}
	r->dropped++;
	r->dropped_pending++;
}

void recorder_put(struct recorder *r, const void *rec, size_t len)
{
	uint64_t copy[TRACE_REC_MAX / 8 + 1];

	if (!r)
		return;
	if (len < sizeof(struct ls_hdr) || len > TRACE_REC_MAX) {
		r->dropped++;
		r->dropped_pending++;
		return;
	}
	memcpy(copy, rec, len);
	trace_hide_addrs(copy, len, r->secret);
	append(r, copy, len);
}

void recorder_flush(struct recorder *r)
{
	if (r && r->cur && r->cur->used)
		submit(r);
}

uint64_t recorder_dropped(const struct recorder *r)
{
	return r ? r->dropped : 0;
}

void recorder_stats(struct recorder *r, uint64_t now, struct recording_stats *out)
{
	uint64_t bytes = __atomic_load_n(&r->bytes, __ATOMIC_RELAXED);

	memset(out, 0, sizeof(*out));
	out->path = r->path;
	out->bytes = bytes;
	out->records = r->records;
	pthread_mutex_lock(&r->lock);
	out->dropped = r->dropped + r->write_lost;
	pthread_mutex_unlock(&r->lock);
	if (r->stat_ts && now > r->stat_ts)
		out->bytes_per_s = (bytes - r->stat_bytes) * 1e9 / (now - r->stat_ts);
	r->stat_ts = now;
	r->stat_bytes = bytes;
}

int recorder_close(struct recorder *r)
{
	struct trace_end end;
	uint8_t raw[32];
	int err;

	if (!r)
		return 0;
	recorder_flush(r);
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->writer, NULL);
	err = r->write_err;
	end = (struct trace_end){.records = r->records - r->write_lost,
				 .dropped = r->dropped + r->write_lost,
				 .first_ts = r->first_ts, .last_ts = r->last_ts};
	trace_end_encode(&end, raw);
	if (!err)
		err = write_block(r, TRACE_BLOCK_END, raw, sizeof(raw), 0,
				  r->dropped_pending > UINT32_MAX ? UINT32_MAX : (uint32_t)r->dropped_pending);
	if (!err && fdatasync(r->fd) && errno != EINVAL)
		err = -errno;
	if (close(r->fd) && !err)
		err = -errno;
	if (err)
		fprintf(stderr, "loopscope: writing %s failed: %s; it is readable up to the last whole block\n",
			r->path, strerror(-err));
	for (int i = 0; i < REC_NBUF; i++)
		free(r->bufs[i].data);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r->path);
	free(r);
	return err;
}

/* ---------------------------------------------------------------- model calls */

static void hdr_init(struct ls_hdr *h, uint16_t type, uint16_t size, pid_t pid, pid_t tid,
		     uint64_t now)
{
	h->ts = now;
	h->tgid = (__u32)pid;
	h->tid = (__u32)tid;
	h->type = type;
	h->size = size;
	h->cpu = 0;
}

static void record_and_apply(struct recorder *r, struct model *m, const void *rec, size_t len)
{
	if (r)
		append(r, rec, len);
	trace_apply(m, rec, len);
}

static void copy_name(char dst[LS_COMM_LEN], const char *name)
{
	memset(dst, 0, LS_COMM_LEN);
	if (name)
		strncpy(dst, name, LS_COMM_LEN - 1);
}

void rec_add_target(struct recorder *r, struct model *m, pid_t pid, const char *name, uint64_t now)
{
	struct trec_target t = {0};

	hdr_init(&t.h, TREC_ADD_TARGET, sizeof(t), pid, pid, now);
	copy_name(t.name, name);
	record_and_apply(r, m, &t, sizeof(t));
}

void rec_seed_task(struct recorder *r, struct model *m, pid_t pid, pid_t tid, const char *name,
		   long syscall_nr, uint64_t now)
{
	struct trec_seed_task t = {0};

	hdr_init(&t.h, TREC_SEED_TASK, sizeof(t), pid, tid, now);
	t.syscall_nr = syscall_nr;
	copy_name(t.name, name);
	record_and_apply(r, m, &t, sizeof(t));
}

void rec_seed_wait(struct recorder *r, struct model *m, pid_t pid, pid_t tid, int epfd,
		   int64_t timeout_ns, uint64_t now)
{
	struct trec_seed_wait t = {0};

	hdr_init(&t.h, TREC_SEED_WAIT, sizeof(t), pid, tid, now);
	t.epfd = epfd;
	t.timeout_ns = timeout_ns;
	record_and_apply(r, m, &t, sizeof(t));
}

uint64_t recorder_addr_key(const struct recorder *r)
{
	return r ? r->secret : 0;
}

void rec_seed_interest(struct recorder *r, struct model *m, pid_t pid, int epfd, int tfd,
		       uint32_t events, uint64_t token, uint64_t now)
{
	struct trec_seed_interest t = {0};

	hdr_init(&t.h, TREC_SEED_INTEREST, sizeof(t), pid, pid, now);
	t.epfd = epfd;
	t.tfd = tfd;
	t.events = events;
	t.token = token;
	record_and_apply(r, m, &t, sizeof(t));
}

void rec_set_eventfd_count(struct recorder *r, struct model *m, pid_t pid, int fd, uint64_t count,
			   uint64_t now)
{
	struct trec_eventfd_count t = {0};

	hdr_init(&t.h, TREC_EVENTFD_COUNT, sizeof(t), pid, pid, now);
	t.fd = fd;
	t.count = count;
	record_and_apply(r, m, &t, sizeof(t));
}

void rec_rename_task(struct recorder *r, struct model *m, pid_t tid, const char *name, uint64_t now)
{
	struct task *task = model_task(m, tid);
	struct trec_rename t = {0};

	if (!task || !strncmp(task->name, name, sizeof(task->name) - 1))
		return;
	hdr_init(&t.h, TREC_RENAME_TASK, sizeof(t), task->pid, tid, now);
	copy_name(t.name, name);
	record_and_apply(r, m, &t, sizeof(t));
}

void rec_target_exited(struct recorder *r, struct model *m, pid_t pid, uint64_t now)
{
	struct ls_hdr h;

	hdr_init(&h, TREC_TARGET_EXITED, sizeof(h), pid, pid, now);
	record_and_apply(r, m, &h, sizeof(h));
}

void rec_task_cpu(struct recorder *r, struct model *m, pid_t pid, pid_t tid, uint64_t cpu_ns,
		  uint64_t now)
{
	struct trec_task_cpu t = {0};

	hdr_init(&t.h, TREC_TASK_CPU, sizeof(t), pid, tid, now);
	t.cpu_ns = cpu_ns;
	record_and_apply(r, m, &t, sizeof(t));
}

void rec_tick(struct recorder *r, struct model *m, uint64_t now, uint64_t ringbuf_drops,
	      uint64_t inflight_drops, bool final)
{
	struct trec_tick t = {0};

	hdr_init(&t.h, TREC_TICK, sizeof(t), 0, 0, now);
	t.ringbuf_drops = ringbuf_drops;
	t.inflight_drops = inflight_drops;
	t.final = final;
	record_and_apply(r, m, &t, sizeof(t));
}
