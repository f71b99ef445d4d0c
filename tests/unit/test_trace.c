/* test_trace.c - the trace file (user/trace.c), the recorder
 * (user/recorder.c) and replay (user/replay.c) without BPF: a scenario of
 * synthetic records recorded beside a live model and replayed into a fresh
 * one gives the same JSON; cut, flipped and foreign files give their exact
 * messages; a writer that cannot write makes the recorder drop an exact
 * number of records instead of waiting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"
#include "model.h"
#include "recorder.h"
#include "replay.h"
#include "report.h"
#include "trace.h"
#include "rectypes.h"
#include "records.h"

#define T0 UINT64_C(5000000000)
#define A_EP UINT64_C(0xffff888000002000)
#define A_EFD UINT64_C(0xffff888000004000)
#define PID 100
#define POLLER 101
#define ROUNDS 10
#define TOKEN 0xE1

static char *tmp_path(const char *tag)
{
	char *p = malloc(64);
	int fd;

	snprintf(p, 64, "/tmp/test_trace_%s_XXXXXX", tag);
	fd = mkstemp(p);
	assert_true(fd >= 0);
	close(fd);
	return p;
}

static long file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (long)st.st_size;
}

/* The collector's feed(): the recorder first, then the model. */
static void live(struct recorder *r, struct model *m, const void *rec, size_t len)
{
	recorder_put(r, rec, len);
	model_feed(m, rec, len);
}

static void fd_new(struct recorder *r, struct model *m, uint64_t addr, int fd, uint8_t kind,
		   uint16_t sc, uint64_t ts)
{
	struct ls_rec_fd_new f = {0};

	rec_hdr(&f.h, LS_REC_FD_NEW, sizeof(f), ts, PID, PID);
	f.obj[0] = addr;
	f.fd[0] = fd;
	f.fd[1] = -1;
	f.kind[0] = kind;
	f.sc = sc;
	f.ret = fd;
	f.start = ts - 100;
	live(r, m, &f, sizeof(f));
}

static void io(struct recorder *r, struct model *m, uint32_t tid, uint8_t dir, uint64_t ts)
{
	struct ls_rec_io x = {0};

	rec_hdr(&x.h, LS_REC_IO, sizeof(x), ts, PID, tid);
	x.obj = A_EFD;
	x.start = ts - 500;
	x.ret = 8;
	x.value = 1;
	x.fd = 4;
	x.sc = dir == LS_DIR_WRITE ? LS_SC_WRITE : LS_SC_READ;
	x.kind = LS_FD_EVENTFD;
	x.dir = dir;
	live(r, m, &x, sizeof(x));
}

static void wait_ret(struct recorder *r, struct model *m, uint64_t start, uint64_t ts)
{
	struct ls_rec_wait w = {0};

	rec_hdr(&w.h, LS_REC_WAIT, sizeof(w), ts, PID, POLLER);
	w.obj = A_EP;
	w.start = start;
	w.timeout_ns = -1;
	w.epfd = 3;
	w.ret = 1;
	w.sc = LS_SC_EPOLL_WAIT;
	w.nev = 1;
	w.ev[0].events = EPOLLIN;
	w.ev[0].data = TOKEN;
	live(r, m, &w, sizeof(w));
}

/* A poller woken ROUNDS times through an eventfd by the main thread; the
 * state before attach comes from rec_* calls, as in the collector.  The
 * recorder's buffer goes to the writer every few records, as every tick. */
static uint64_t scenario(struct recorder *r, struct model *m)
{
	struct ls_rec_ctl c = {0};
	uint64_t ts = T0 + 1000;

	rec_add_target(r, m, PID, "srv", T0);
	rec_seed_task(r, m, PID, PID, "srv", -1, T0);
	rec_seed_task(r, m, PID, POLLER, "srv", 232, T0);
	fd_new(r, m, A_EP, 3, LS_FD_EPOLL, LS_SC_EPOLL_CREATE1, ts += 1000);
	fd_new(r, m, A_EFD, 4, LS_FD_EVENTFD, LS_SC_EVENTFD2, ts += 1000);
	rec_hdr(&c.h, LS_REC_CTL, sizeof(c), ts += 1000, PID, PID);
	c.obj = A_EP;
	c.fd_obj = A_EFD;
	c.data = TOKEN;
	c.epfd = 3;
	c.fd = 4;
	c.op = EPOLL_CTL_ADD;
	c.events = EPOLLIN;
	c.fd_kind = LS_FD_EVENTFD;
	live(r, m, &c, sizeof(c));
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t start = ts;

		io(r, m, PID, LS_DIR_WRITE, ts += 10000);
		wait_ret(r, m, start, ts += 10000);
		io(r, m, POLLER, LS_DIR_READ, ts += 10000);
		if (i % 3 == 2)
			recorder_flush(r);
	}
	rec_rename_task(r, m, POLLER, "poller", ts);
	rec_rename_task(r, m, POLLER, "poller", ts); /* unchanged: not recorded */
	rec_tick(r, m, ts += 1000, 3, 1, true);
	return ts;
}

/* report_json without what differs by design between two models of one
 * trace: ids are keyed per model. */
static void strip_ids(json_object *j)
{
	if (json_object_is_type(j, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(j); i++)
			strip_ids(json_object_array_get_idx(j, i));
		return;
	}
	if (!json_object_is_type(j, json_type_object))
		return;
	json_object_object_del(j, "id");
	json_object_object_del(j, "object");
	json_object_object_del(j, "reactors");
	json_object_object_foreach(j, k, v) {
		(void)k;
		strip_ids(v);
	}
}

static json_object *final_json(const struct model *m, uint64_t now)
{
	struct report_info ri = {.now = now, .final = true};
	json_object *j = report_json(m, &ri);

	strip_ids(j);
	return j;
}

static json_object *find(json_object *list, const char *key, int64_t want)
{
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *o = json_object_array_get_idx(list, i), *v;

		if (json_object_object_get_ex(o, key, &v) && json_object_get_int64(v) == want)
			return o;
	}
	fail_msg("no entry with %s == %lld", key, (long long)want);
	return NULL;
}

static int64_t get(json_object *o, const char *path)
{
	char buf[128], *save, *k;
	json_object *v = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(v, k, &v))
			fail_msg("no %s", path);
	return json_object_get_int64(v);
}

static char *record_scenario(struct model **live_model, uint64_t *end)
{
	char *path = tmp_path("rt"), err[256];
	struct trace_meta meta = {.start_ns = T0, .retain_ns = UINT64_C(6000000000),
				  .interval_ns = 1000000000, .ntargets = 1, .targets = {PID}};
	struct recorder *r;

	snprintf(meta.version, sizeof(meta.version), "loopscope test");
	r = recorder_open(path, &meta, err, sizeof(err));
	assert_non_null(r);
	*live_model = model_new(42, UINT64_C(6000000000), T0);
	*end = scenario(r, *live_model);
	assert_int_equal(recorder_dropped(r), 0);
	assert_int_equal(recorder_close(r), 0);
	return path;
}

/* A wait record as format 1.0 wrote it, 16 bytes shorter: read back at
 * today's length with its CPU times 0 (unknown); today's keeps them. */
static void test_wait_record_of_format_1_0(void **state)
{
	char *path = tmp_path("v10"), err[256];
	struct trace_meta meta = {.start_ns = T0, .interval_ns = 1000000000, .ntargets = 1,
				  .targets = {PID}};
	struct ls_rec_wait w = {0};
	struct recorder *r;
	struct trace_reader *rd;
	const struct ls_rec_wait *got;
	const void *rec;
	size_t len;

	(void)state;
	snprintf(meta.version, sizeof(meta.version), "loopscope test");
	r = recorder_open(path, &meta, err, sizeof(err));
	assert_non_null(r);
	rec_hdr(&w.h, LS_REC_WAIT, LS_REC_WAIT_V10_SIZE, T0 + 10, PID, POLLER);
	w.start = T0 + 5;
	w.ret = 0;
	w.cpu_enter = 111; /* beyond the old length: not written */
	recorder_put(r, &w, LS_REC_WAIT_V10_SIZE);
	rec_hdr(&w.h, LS_REC_WAIT, sizeof(w), T0 + 20, PID, POLLER);
	w.cpu_enter = 7000;
	w.cpu_exit = 9000;
	recorder_put(r, &w, sizeof(w));
	assert_int_equal(recorder_close(r), 0);

	rd = trace_open(path, &meta, err, sizeof(err));
	assert_non_null(rd);
	assert_int_equal(meta.minor, TRACE_MINOR);
	assert_int_equal(trace_next(rd, &rec, &len), 1);
	got = rec;
	assert_int_equal(len, sizeof(struct ls_rec_wait));
	assert_int_equal(got->h.ts, T0 + 10);
	assert_int_equal(got->start, T0 + 5);
	assert_int_equal(got->cpu_enter, 0);
	assert_int_equal(got->cpu_exit, 0);
	assert_int_equal(trace_next(rd, &rec, &len), 1);
	got = rec;
	assert_int_equal(len, sizeof(struct ls_rec_wait));
	assert_int_equal(got->cpu_enter, 7000);
	assert_int_equal(got->cpu_exit, 9000);
	assert_int_equal(trace_next(rd, &rec, &len), 0);
	trace_close(rd);
	unlink(path);
	free(path);
}

/* A close record as format 1.1 wrote it, without a socket's addresses:
 * read back at today's length with none. */
static void test_close_record_of_format_1_1(void **state)
{
	char *path = tmp_path("v11"), err[256];
	struct trace_meta meta = {.start_ns = T0, .interval_ns = 1000000000, .ntargets = 1,
				  .targets = {PID}};
	struct ls_rec_close c = {0};
	struct recorder *r;
	struct trace_reader *rd;
	const struct ls_rec_close *got;
	const void *rec;
	size_t len;

	(void)state;
	snprintf(meta.version, sizeof(meta.version), "loopscope test");
	r = recorder_open(path, &meta, err, sizeof(err));
	assert_non_null(r);
	rec_hdr(&c.h, LS_REC_CLOSE, LS_REC_CLOSE_V11_SIZE, T0 + 10, PID, POLLER);
	c.fd = 4;
	c.kind = LS_FD_SOCKET;
	c.addr.family = AF_INET; /* beyond the old length: not written */
	recorder_put(r, &c, LS_REC_CLOSE_V11_SIZE);
	rec_hdr(&c.h, LS_REC_CLOSE, sizeof(c), T0 + 20, PID, POLLER);
	c.addr.lport = 8080;
	recorder_put(r, &c, sizeof(c));
	assert_int_equal(recorder_close(r), 0);

	rd = trace_open(path, &meta, err, sizeof(err));
	assert_non_null(rd);
	assert_int_equal(trace_next(rd, &rec, &len), 1);
	got = rec;
	assert_int_equal(len, sizeof(struct ls_rec_close));
	assert_int_equal(got->fd, 4);
	assert_int_equal(got->addr.family, 0);
	assert_int_equal(trace_next(rd, &rec, &len), 1);
	got = rec;
	assert_int_equal(got->addr.family, AF_INET);
	assert_int_equal(got->addr.lport, 8080);
	assert_int_equal(trace_next(rd, &rec, &len), 0);
	trace_close(rd);
	unlink(path);
	free(path);
}

static void test_round_trip(void **state)
{
	struct model *m;
	uint64_t end;
	char *path = record_scenario(&m, &end), err[256];
	struct replay *rp = replay_open(path, NULL, err, sizeof(err));
	json_object *a, *b, *w;

	assert_non_null(rp);
	assert_int_equal(replay_start_ts(rp), T0);
	assert_int_equal(replay_final_ts(rp), end);
	assert_int_equal(replay_records(rp), 3 + 3 + 3 * ROUNDS + 1 + 1);
	assert_int_equal(replay_advance(rp, T0 + 1000), 0); /* the seeds, then the first later record */
	assert_int_equal(replay_model(rp)->stats.records, 0);
	assert_non_null(model_task(replay_model(rp), POLLER));
	assert_int_equal(replay_advance(rp, UINT64_MAX), 1);
	assert_false(replay_truncated(rp, err, sizeof(err)));

	a = final_json(m, end);
	b = final_json(replay_model(rp), end);
	if (!json_object_equal(a, b))
		fail_msg("live and replay differ:\n%s\n%s", json_object_to_json_string(a),
			 json_object_to_json_string(b));
	w = json_object_array_get_idx(json_object_object_get(b, "wakers"), 0);
	assert_int_equal(get(w, "writes"), ROUNDS);
	assert_int_equal(get(w, "wakes"), ROUNDS);
	assert_int_equal(get(find(json_object_object_get(b, "tasks"), "tid", POLLER), "wakes.waker"),
			 ROUNDS);
	assert_string_equal(json_object_get_string(json_object_object_get(
				    find(json_object_object_get(b, "tasks"), "tid", POLLER), "name")),
			    "poller");
	assert_int_equal(get(b, "drops.ringbuf"), 3);
	assert_int_equal(get(b, "drops.inflight"), 1);
	assert_int_equal(get(b, "records"), 2 + 1 + 3 * ROUNDS);
	json_object_put(a);
	json_object_put(b);
	replay_close(rp);
	model_free(m);
	unlink(path);
	free(path);
}

static void test_header_and_hidden_addresses(void **state)
{
	struct model *m;
	uint64_t end;
	char *path = record_scenario(&m, &end), err[256];
	struct trace_meta meta;
	struct trace_reader *rd = trace_open(path, &meta, err, sizeof(err));
	const void *rec;
	size_t len;
	int n = 0, fd_news = 0;
	uint64_t ep = 0;

	assert_non_null(rd);
	assert_int_equal(meta.major, TRACE_MAJOR);
	assert_int_equal(meta.start_ns, T0);
	assert_int_equal(meta.ntargets, 1);
	assert_int_equal(meta.targets[0], PID);
	assert_string_equal(meta.clock, "CLOCK_MONOTONIC");
	assert_string_equal(meta.version, "loopscope test");
	assert_true(meta.host[0] && meta.kernel[0]);
	while (trace_next(rd, &rec, &len) == 1) {
		const struct ls_hdr *h = rec;

		if (n++ == 0)
			assert_int_equal(h->type, TREC_ADD_TARGET);
		if (h->type == LS_REC_FD_NEW) {
			const struct ls_rec_fd_new *f = rec;

			assert_int_equal(len, sizeof(*f));
			assert_true(f->obj[0] != 0 && f->obj[0] != A_EP && f->obj[0] != A_EFD);
			assert_int_equal(f->obj[1], 0); /* "none" stays none */
			if (!fd_news++)
				ep = f->obj[0];
		}
		if (h->type == LS_REC_WAIT)
			assert_int_equal(((const struct ls_rec_wait *)rec)->obj, ep); /* one key */
	}
	assert_int_equal(n, 3 + 3 + 3 * ROUNDS + 2);
	assert_int_equal(fd_news, 2);
	assert_non_null(trace_end(rd));
	assert_int_equal(trace_end(rd)->records, n);
	assert_int_equal(trace_end(rd)->last_ts, end);
	trace_close(rd);
	model_free(m);
	unlink(path);
	free(path);
}

/* Block offsets, from the block headers. */
static int block_offsets(const uint8_t *buf, long size, long *off, int max)
{
	long at = (long)(buf[12] | buf[13] << 8 | buf[14] << 16 | (uint32_t)buf[15] << 24);
	int n = 0;

	while (at + TRACE_BLOCK_HDR_LEN <= size && n < max) {
		uint32_t clen = buf[at + 8] | buf[at + 9] << 8 | buf[at + 10] << 16 |
				(uint32_t)buf[at + 11] << 24;

		off[n++] = at;
		at += TRACE_BLOCK_HDR_LEN + clen;
	}
	assert_int_equal(at, size);
	return n;
}

static uint8_t *slurp(const char *path, long *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;

	*size = file_size(path);
	buf = malloc(*size);
	assert_int_equal(fread(buf, 1, *size, f), (size_t)*size);
	fclose(f);
	return buf;
}

/* Every identity field of every record type, listed here by hand (not from
 * the table it checks): the table names exactly these, trace_hide_addrs()
 * hashes each (to a value that is no kernel address), and an export of a
 * file holding every type carries no kernel address anywhere. */
#define KADDR UINT64_C(0xffff888000000000)
#define KADDR_MIN UINT64_C(0xffff800000000000)

static const struct {
	uint16_t type;
	size_t off;
	bool socket_only; /* fd_info's count: an AF_UNIX socket's peer */
} identities[] = {
	{LS_REC_WAIT, offsetof(struct ls_rec_wait, obj), false},
	{LS_REC_CTL, offsetof(struct ls_rec_ctl, obj), false},
	{LS_REC_CTL, offsetof(struct ls_rec_ctl, fd_obj), false},
	{LS_REC_FD_NEW, offsetof(struct ls_rec_fd_new, obj), false},
	{LS_REC_FD_NEW, offsetof(struct ls_rec_fd_new, obj) + 8, false},
	{LS_REC_FD_NEW, offsetof(struct ls_rec_fd_new, parent), false},
	{LS_REC_IO, offsetof(struct ls_rec_io, obj), false},
	{LS_REC_CLOSE, offsetof(struct ls_rec_close, obj), false},
	{LS_REC_SOCK_OP, offsetof(struct ls_rec_sock_op, obj), false},
	{LS_REC_SWITCH, offsetof(struct ls_rec_switch, prev_obj), false},
	{LS_REC_WAKEUP, offsetof(struct ls_rec_wakeup, wobj), false},
	{LS_REC_FD_INFO, offsetof(struct ls_rec_fd_info, obj), false},
	{LS_REC_FD_INFO, offsetof(struct ls_rec_fd_info, peer), true},
};
#define NIDENT (sizeof(identities) / sizeof(identities[0]))

/* A record of type (its table size) with a kernel address in every
 * identity field, valid ids in its header; kind: fd_info's. */
static size_t every_id_record(uint64_t *buf, uint16_t type, uint8_t kind)
{
	const struct rec_type *t = rec_type(type);
	struct ls_hdr *h = (struct ls_hdr *)buf;

	memset(buf, 0, 512);
	rec_hdr(h, type, t->size, T0 + type, PID, PID);
	for (size_t i = 0; i < NIDENT; i++)
		if (identities[i].type == type) {
			uint64_t a = KADDR + 0x1000 * (i + 1);

			memcpy((uint8_t *)buf + identities[i].off, &a, 8);
		}
	if (type == LS_REC_FD_INFO)
		((struct ls_rec_fd_info *)buf)->kind = kind;
	if (type == LS_REC_WAKEUP)
		((struct ls_rec_wakeup *)buf)->tid = ((struct ls_rec_wakeup *)buf)->tgid = PID;
	if (type == LS_REC_TASK_NEW)
		((struct ls_rec_task *)buf)->child_tid = ((struct ls_rec_task *)buf)->child_tgid = PID + 1;
	return t->size;
}

static void assert_no_kernel_address(const char *text)
{
	for (const char *p = text; *p; p++) {
		unsigned long long v;
		char *end;

		if (!(p[0] >= '0' && p[0] <= '9') && !((p[0] >= 'a' && p[0] <= 'f') && p > text && p[-1] == '"'))
			continue;
		if (p > text && ((p[-1] >= '0' && p[-1] <= '9') || (p[-1] >= 'a' && p[-1] <= 'f')))
			continue;
		v = strtoull(p, &end, 10);
		if (v >= KADDR_MIN)
			fail_msg("a kernel address in decimal: %.40s", p);
		if (p > text && p[-1] == '"') {
			v = strtoull(p, &end, 16);
			if (*end == '"' && end - p == 16 && v >= KADDR_MIN)
				fail_msg("a kernel address in hex: %.40s", p);
		}
	}
}

static void test_every_identity_hashed(void **state)
{
	uint64_t buf[64], secret = 0x1234567890abcdefULL;
	struct trace_meta meta = {.start_ns = T0, .retain_ns = 6000000000ULL, .interval_ns = 1000000000ULL};
	char *path = tmp_path("ids"), *out = tmp_path("ids_jsonl"), err[256], *text;
	struct recorder *r;
	struct model *m = model_new(42, 6000000000ULL, T0);
	int nids = 0;
	long size;

	for (uint16_t type = 1; type < LS_REC_TYPE_MAX; type++) {
		const struct rec_type *t = rec_type(type);
		int want = 0;

		assert_non_null(t);
		for (size_t i = 0; i < NIDENT; i++) {
			bool found = false;

			if (identities[i].type != type)
				continue;
			want++;
			for (int k = 0; k < t->nids; k++)
				found |= t->ids[k].off == identities[i].off &&
					 !!t->ids[k].kind_off == identities[i].socket_only;
			if (!found)
				fail_msg("the table misses identity at offset %zu of %s", identities[i].off, t->name);
		}
		assert_int_equal(t->nids, want);
		for (int kind = 0; kind < (type == LS_REC_FD_INFO ? LS_FD_KIND_MAX : 1); kind++) {
			size_t len = every_id_record(buf, type, (uint8_t)kind);

			trace_hide_addrs(buf, len, secret);
			for (size_t i = 0; i < NIDENT; i++) {
				uint64_t v, was = KADDR + 0x1000 * (i + 1);

				if (identities[i].type != type)
					continue;
				memcpy(&v, (uint8_t *)buf + identities[i].off, 8);
				if (identities[i].socket_only && kind != LS_FD_SOCKET) {
					assert_int_equal(v, was); /* an eventfd's counter, not an identity */
					continue;
				}
				assert_true(v != 0 && v != was && v < KADDR_MIN);
				nids += type != LS_REC_FD_INFO || kind == LS_FD_SOCKET;
			}
		}
	}
	assert_int_equal(nids, NIDENT);

	/* a file with every type (fd_info of a socket: its peer), exported */
	r = recorder_open(path, &meta, err, sizeof(err));
	assert_non_null(r);
	rec_add_target(r, m, PID, "srv", T0);
	for (uint16_t type = 1; type < LS_REC_TYPE_MAX; type++) {
		size_t len = every_id_record(buf, type, LS_FD_SOCKET);

		live(r, m, buf, len);
	}
	assert_int_equal(recorder_close(r), 0);
	{
		struct export_opts eo = {.path = path, .output = out, .format = EXPORT_JSONL};
		FILE *f;

		assert_int_equal(export_run(&eo), 0);
		text = (char *)slurp(out, &size);
		text = realloc(text, size + 1);
		text[size] = 0;
		assert_non_null(strstr(text, "\"peer\":\""));
		assert_null(strstr(text, "\"count\""));
		assert_no_kernel_address(text);
		free(text);
		eo.format = EXPORT_PERFETTO;
		assert_int_equal(export_run(&eo), 0);
		f = fopen(out, "r");
		assert_non_null(f);
		fclose(f);
		text = (char *)slurp(out, &size);
		text = realloc(text, size + 1);
		text[size] = 0;
		assert_no_kernel_address(text);
		free(text);
	}
	model_free(m);
	unlink(path);
	unlink(out);
	free(path);
	free(out);
}

/* Reads a trace from memory; returns the records read, -1 on an error
 * (its message in err), -2 when the header was refused. */
static int read_mem(const uint8_t *buf, size_t size, char *err, size_t n, bool *cut)
{
	FILE *f = fmemopen((void *)buf, size ? size : 1, "rb");
	struct trace_reader *rd;
	const void *rec;
	size_t len;
	int k = 0, rc;

	if (!size) /* fmemopen wants a size: an empty stream at the end */
		fseek(f, 0, SEEK_END);
	rd = trace_open_stream(f, "t.trace", NULL, err, n);
	if (!rd) {
		fclose(f);
		return -2;
	}
	while ((rc = trace_next(rd, &rec, &len)) == 1)
		k++;
	if (rc < 0)
		snprintf(err, n, "%s", trace_error(rd));
	*cut = rc == 0 && trace_truncated(rd, err, n);
	trace_close(rd);
	fclose(f);
	return rc < 0 ? -1 : k;
}

static void test_truncated(void **state)
{
	struct model *m;
	uint64_t end;
	char *path = record_scenario(&m, &end), err[512], want[512];
	long size, off[16], hlen;
	uint8_t *buf = slurp(path, &size);
	int nb = block_offsets(buf, size, off, 16), whole = 0, k;
	bool cut;

	/* blocks of 15 records (seeds, fds, 3 rounds), 9, 9, 5 (a round, the rename, the
	 * tick), then the end block */
	assert_int_equal(nb, 5);
	hlen = off[0];
	assert_int_equal(read_mem(buf, size, err, sizeof(err), &cut), 3 + 3 + 3 * ROUNDS + 2);
	assert_false(cut);
	/* every cut: what is whole is read, never an error */
	for (long s = hlen; s < size; s++) {
		k = read_mem(buf, s, err, sizeof(err), &cut);
		assert_true(cut);
		assert_true(k >= whole);
		whole = k;
	}
	/* the end block gone: everything else is whole */
	k = read_mem(buf, off[4], err, sizeof(err), &cut);
	assert_int_equal(k, 3 + 3 + 3 * ROUNDS + 2);
	snprintf(want, sizeof(want),
		 "t.trace: not closed (no end block after offset %ld): read %d records; "
		 "what the recorder had not written yet is lost", off[4], k);
	assert_string_equal(err, want);
	/* cut inside the second block: the first block's 15 records */
	k = read_mem(buf, off[1] + 40, err, sizeof(err), &cut);
	assert_int_equal(k, 3 + 3 + 9);
	snprintf(want, sizeof(want),
		 "t.trace: cut short: the last block (offset %ld) has 40 of its %ld bytes; "
		 "read 15 records, the records of that block are lost", off[1], off[2] - off[1]);
	assert_string_equal(err, want);
	/* cut inside the header */
	assert_int_equal(read_mem(buf, 30, err, sizeof(err), &cut), -2);
	assert_string_equal(err, "t.trace: header cut short at offset 30: nothing to read");
	free(buf);
	model_free(m);
	unlink(path);
	free(path);
}

static void test_bit_flips(void **state)
{
	struct model *m;
	uint64_t end;
	char *path = record_scenario(&m, &end), err[512], want[512];
	long size, off[16];
	uint8_t *buf = slurp(path, &size);
	int nb = block_offsets(buf, size, off, 16);
	bool cut;

	for (int b = 0; b < nb; b++) {
		/* the payload: the checksum names the block */
		buf[off[b] + TRACE_BLOCK_HDR_LEN + 3] ^= 0x10;
		assert_int_equal(read_mem(buf, size, err, sizeof(err), &cut), -1);
		snprintf(want, sizeof(want), "t.trace: corrupt block at offset %ld (checksum mismatch)", off[b]);
		assert_string_equal(err, want);
		buf[off[b] + TRACE_BLOCK_HDR_LEN + 3] ^= 0x10;
		/* its length field */
		buf[off[b] + 9] ^= 0x01;
		assert_int_equal(read_mem(buf, size, err, sizeof(err), &cut), -1);
		snprintf(want, sizeof(want), "t.trace: corrupt block header at offset %ld", off[b]);
		assert_string_equal(err, want);
		buf[off[b] + 9] ^= 0x01;
	}
	/* every single bit anywhere: an error or all records, never a crash */
	for (long i = 0; i < size; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			int k;

			buf[i] ^= 1 << bit;
			k = read_mem(buf, size, err, sizeof(err), &cut);
			assert_true(k < 0 || k == 3 + 3 + 3 * ROUNDS + 2);
			buf[i] ^= 1 << bit;
		}
	}
	/* the header's checksum */
	buf[40] ^= 1;
	assert_int_equal(read_mem(buf, size, err, sizeof(err), &cut), -2);
	assert_string_equal(err, "t.trace: corrupt header at offset 0 (checksum mismatch)");
	buf[40] ^= 1;
	free(buf);
	model_free(m);
	unlink(path);
	free(path);
}

static void test_foreign_and_newer(void **state)
{
	static const uint8_t gif[] = "GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!";
	struct model *m;
	uint64_t end;
	char *path = record_scenario(&m, &end), err[512];
	long size;
	uint8_t *buf = slurp(path, &size);
	bool cut;

	assert_int_equal(read_mem(gif, sizeof(gif), err, sizeof(err), &cut), -2);
	assert_string_equal(err, "t.trace: not a loopscope trace (bad magic at offset 0)");
	assert_int_equal(read_mem(gif, 0, err, sizeof(err), &cut), -2);
	assert_string_equal(err, "t.trace: empty file, not a loopscope trace");
	assert_int_equal(read_mem((const uint8_t *)"LSTR", 4, err, sizeof(err), &cut), -2);
	assert_string_equal(err, "t.trace: header cut short at offset 4: nothing to read");
	buf[8] = TRACE_MAJOR + 1;
	buf[10] = 3;
	assert_int_equal(read_mem(buf, size, err, sizeof(err), &cut), -2);
	assert_string_equal(err, "t.trace: trace format version 2.3 is newer than this loopscope reads (1.x)");
	/* a newer minor version reads */
	buf[8] = TRACE_MAJOR;
	assert_int_equal(read_mem(buf, size, err, sizeof(err), &cut), 3 + 3 + 3 * ROUNDS + 2);
	assert_null(trace_open("/nonexistent/x.trace", NULL, err, sizeof(err)));
	assert_string_equal(err, "/nonexistent/x.trace: No such file or directory");
	free(buf);
	model_free(m);
	unlink(path);
	free(path);
}

static void test_apply_synthetic(void **state)
{
	struct model *m = model_new(1, 1000, T0);
	struct trec_target t = {.h = {.ts = T0, .tgid = 0, .tid = 0, .type = TREC_ADD_TARGET,
				      .size = sizeof(t)}};
	struct ls_hdr future = {.ts = T0, .tgid = 7, .tid = 7, .type = TREC_TYPE_END + 5,
				.size = sizeof(future)};

	assert_int_equal(trace_apply(m, &t, sizeof(t)), -EINVAL); /* pid 0 */
	assert_int_equal(m->stats.garbled, 1);
	t.h.tgid = 9;
	memcpy(t.name, "0123456789abcdefXYZ", LS_COMM_LEN); /* no NUL: cut at 16 */
	assert_int_equal(trace_apply(m, &t, sizeof(t) - 1), -EINVAL); /* short */
	assert_int_equal(trace_apply(m, &t, sizeof(t)), 0);
	assert_string_equal(((struct target *)omap_get(&m->targets, 9))->name, "0123456789abcde");
	assert_int_equal(trace_apply(m, &future, sizeof(future)), 0); /* newer: skipped */
	assert_int_equal(m->stats.garbled, 2);
	assert_int_equal(m->stats.records, 0);
	assert_string_equal(trace_rec_name(TREC_TICK), "tick");
	assert_string_equal(trace_rec_name(LS_REC_WAIT), "wait");
	assert_null(trace_rec_name(TREC_TYPE_END));
	model_free(m);
}

/* ---- a writer that cannot write: the consumer drops, never waits ---- */

struct drain {
	int fd;
	uint8_t *buf;
	size_t len, cap;
};

static void *drain_main(void *arg)
{
	struct drain *d = arg;

	for (;;) {
		ssize_t n;

		if (d->len + 65536 > d->cap) {
			d->cap = d->cap ? d->cap * 2 : 1 << 20;
			d->buf = realloc(d->buf, d->cap);
		}
		n = read(d->fd, d->buf + d->len, 65536);
		if (n <= 0)
			break;
		d->len += n;
	}
	return NULL;
}

#define BIG 1000 /* bytes per record: a 256 KiB block holds 260 */

static void test_drops_when_disk_stalls(void **state)
{
	struct trace_meta meta = {.start_ns = T0};
	struct recording_stats st;
	struct drain d = {0};
	struct recorder *r;
	pthread_t th;
	uint64_t rec[BIG / 8];
	char path[64], err[256];
	int p[2], k = 0, rc;
	uint32_t seed = 1;
	FILE *f;
	struct trace_reader *rd;
	const void *out;
	size_t len;

	/* a pipe nobody reads yet: the writer blocks in its first block (random
	 * bytes do not compress below the pipe's 64 KiB) */
	assert_int_equal(pipe(p), 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[1]);
	r = recorder_open(path, &meta, err, sizeof(err));
	assert_non_null(r);
	close(p[1]);
	for (int i = 0; i < 5000; i++) {
		struct ls_hdr *h = (struct ls_hdr *)rec;

		for (size_t j = 0; j < BIG / 8; j++) {
			seed = seed * 1103515245 + 12345;
			rec[j] = (uint64_t)seed << 32 | (seed * 2654435761u);
		}
		h->ts = T0 + i;
		h->tgid = h->tid = PID;
		h->type = 200; /* a type nobody knows: the model counts it garbled */
		h->size = BIG;
		recorder_put(r, rec, BIG);
	}
	recorder_stats(r, T0, &st);
	assert_int_equal(st.records, 16 * 260);
	assert_int_equal(st.dropped, 5000 - 16 * 260);
	d.fd = p[0];
	assert_int_equal(pthread_create(&th, NULL, drain_main, &d), 0);
	assert_int_equal(recorder_close(r), 0);
	pthread_join(th, NULL);
	close(p[0]);

	f = fmemopen(d.buf, d.len, "rb");
	rd = trace_open_stream(f, "pipe", NULL, err, sizeof(err));
	assert_non_null(rd);
	while ((rc = trace_next(rd, &out, &len)) == 1) {
		assert_int_equal(len, BIG);
		assert_int_equal(((const struct ls_hdr *)out)->ts, T0 + k); /* the first ones kept, in order */
		k++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(k, 16 * 260);
	assert_non_null(trace_end(rd));
	assert_int_equal(trace_end(rd)->dropped, 5000 - 16 * 260);
	assert_int_equal(trace_dropped(rd), 5000 - 16 * 260);
	trace_close(rd);
	fclose(f);
	free(d.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_wait_record_of_format_1_0),
		cmocka_unit_test(test_close_record_of_format_1_1),
		cmocka_unit_test(test_header_and_hidden_addresses),
		cmocka_unit_test(test_every_identity_hashed),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_foreign_and_newer),
		cmocka_unit_test(test_apply_synthetic),
		cmocka_unit_test(test_drops_when_disk_stalls),
	};

	return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
