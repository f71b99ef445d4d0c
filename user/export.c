/* export.c - `loopscope export`: a trace file as Chrome/Perfetto
 * trace-event JSON (one track per thread, a slice per followed syscall,
 * instants for wakeups, flow arrows from a waker's write to the wait it
 * ended, counters for events per turn and drops) or as JSON lines, one
 * object per record.
 *
 * Which write woke which wait is the model's decision, not the exporter's:
 * every record goes through trace_apply() and a flow is drawn exactly when
 * a waker's wake count moved, so the arrows and the "wakes" of a replay
 * agree.  Events are collected compactly and sorted by time, so every
 * thread's events come out in order, each B before its E. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <json-c/json.h>

#include "export.h"
#include "model.h"
#include "rectypes.h"
#include "report.h"
#include "syscalls.h"
#include "trace.h"

enum ev_kind {
	EV_SYSCALL,   /* B/E: a == end ts for E; sc, fd, ret; b: events (wait) */
	EV_CTL,       /* i: epoll_ctl; fd = fd, a = epfd, b = events, c = op */
	EV_WAKEUP,    /* i: on the woken thread; a = waker tid, b = waker pid, sc = waker's syscall */
	EV_TASK,      /* i: task_new (a = child tid) or task_exit */
	EV_FLOW,      /* s/f: a = flow id */
	EV_TURN,      /* C: events per turn, ret = events */
	EV_DROPS,     /* C: a = ringbuf, b = inflight, c = recorder */
};

struct ev {
	uint64_t ts, rts;  /* the event's time; the record's, for --from/--to */
	uint64_t a, b, c;
	int64_t ret;
	uint32_t pid, tid;
	uint32_t seq;      /* record index: ties keep file order */
	int32_t fd;
	uint16_t sc;
	uint8_t ph, kind, sub, fdkind;
};

struct exporter {
	const struct export_opts *o;
	struct model *m;
	struct ev *ev;
	size_t nev, cap;
	uint32_t seq;
	uint64_t first_ts, flows;
	FILE *f;
	gzFile gz;
	int werr;
};

/* ---------------------------------------------------------------- output */

static void out_write(struct exporter *x, const char *s, size_t len)
{
	if (x->werr)
		return;
	if (x->gz) {
		if (len && gzwrite(x->gz, s, (unsigned)len) != (int)len)
			x->werr = EIO;
	} else if (fwrite(s, 1, len, x->f) != len) {
		x->werr = errno ? errno : EIO;
	}
}

static void out_str(struct exporter *x, const char *s)
{
	out_write(x, s, strlen(s));
}

static void out_json(struct exporter *x, json_object *j)
{
	out_str(x, json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	json_object_put(j);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

static bool is_stdout(const char *path)
{
	return !strcmp(path, "-");
}

/* "-" is standard output, as for most tools that take -o.  Never through
 * a symbolic link or into another user's file (open_output). */
static int out_open(struct exporter *x, const char *path, char *err, size_t n)
{
	int fd;

	if (is_stdout(path)) {
		x->f = stdout;
		return 0;
	}
	fd = open_output(path, err, n);
	if (fd < 0)
		return -1;
	if (ends_with(path, ".gz"))
		x->gz = gzdopen(fd, "wb6");
	else
		x->f = fdopen(fd, "w");
	if (x->gz || x->f)
		return 0;
	snprintf(err, n, "cannot write %s: %s", path, strerror(errno ? errno : ENOMEM));
	close(fd);
	return -1;
}

static int out_close(struct exporter *x)
{
	int err = x->werr;

	if (x->gz && gzclose(x->gz) != Z_OK && !err)
		err = EIO;
	if (x->f == stdout && fflush(stdout) && !err)
		err = errno;
	else if (x->f && x->f != stdout && fclose(x->f) && !err)
		err = errno;
	x->gz = NULL;
	x->f = NULL;
	return err;
}

/* ---------------------------------------------------------------- collecting */

static bool wanted(const struct exporter *x, uint32_t pid, uint32_t tid)
{
	return (!x->o->pid || (pid_t)pid == x->o->pid) && (!x->o->tid || (pid_t)tid == x->o->tid);
}

static struct ev *push(struct exporter *x, uint8_t ph, uint8_t kind, uint64_t ts, uint32_t pid,
		       uint32_t tid, uint8_t sub)
{
	struct ev *e;

	if (x->nev == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 4096;
		struct ev *n = realloc(x->ev, cap * sizeof(*n));

		if (!n)
			return NULL;
		x->ev = n;
		x->cap = cap;
	}
	e = &x->ev[x->nev++];
	memset(e, 0, sizeof(*e));
	e->ph = ph;
	e->kind = kind;
	e->ts = e->rts = ts;
	e->pid = pid;
	e->tid = tid;
	e->seq = x->seq;
	e->sub = sub;
	return e;
}

/* A B/E pair for a syscall [start, end]. */
static void slice(struct exporter *x, const struct ls_hdr *h, uint64_t start, uint16_t sc, int32_t fd,
		  int64_t ret, uint8_t fdkind, uint64_t extra)
{
	struct ev *b, *e;

	if (!wanted(x, h->tgid, h->tid))
		return;
	if (!start || start > h->ts)
		start = h->ts;
	b = push(x, 'B', EV_SYSCALL, start, h->tgid, h->tid, 0);
	if (!b)
		return;
	b->rts = h->ts;
	e = push(x, 'E', EV_SYSCALL, h->ts, h->tgid, h->tid, 3);
	if (!e)
		return;
	e->sc = sc;
	e->fd = fd;
	e->ret = ret;
	e->fdkind = fdkind;
	e->b = extra;
	e->a = start;
	x->ev[x->nev - 2].sc = sc;
}

/* An arrow from the waker's write (entry at from_ts) to the end of the
 * wait it ended. */
static void flow(struct exporter *x, uint32_t from_pid, uint32_t from_tid, uint64_t from_ts,
		 uint32_t to_pid, uint32_t to_tid, uint64_t to_ts, uint64_t rts)
{
	struct ev *s, *f;

	if (!wanted(x, from_pid, from_tid) || !wanted(x, to_pid, to_tid))
		return;
	x->flows++;
	s = push(x, 's', EV_FLOW, from_ts, from_pid, from_tid, 1);
	if (!s)
		return;
	s->a = x->flows;
	s->rts = rts;
	f = push(x, 'f', EV_FLOW, to_ts, to_pid, to_tid, 2);
	if (!f)
		return;
	f->a = x->flows;
	f->rts = rts;
}

static struct waker *waker_of(struct model *m, uint64_t addr)
{
	struct object *o = model_object(m, addr);

	return o && (o->kind == LS_FD_EVENTFD || o->kind == LS_FD_PIPE) ? (struct waker *)o : NULL;
}

/* The wakers this wait's events name, with what they were before it. */
struct wake_before {
	struct waker *w;
	uint64_t wakes, pending_ts;
	pid_t pending_tid;
};

static int wakers_of_wait(struct model *m, const struct ls_rec_wait *w, struct wake_before *out)
{
	struct object *o = model_object(m, w->obj);
	struct reactor *r = o && o->kind == LS_FD_EPOLL ? (struct reactor *)o : NULL;
	int n = 0;

	for (int i = 0; r && i < w->nev && i < LS_WAIT_EVENTS_MAX; i++) {
		for (int j = 0; j < r->ninterest; j++) {
			struct waker *k;

			if (r->interest[j].token != w->ev[i].data)
				continue;
			k = waker_of(m, r->interest[j].addr);
			if (k && k->pending_tid)
				out[n++] = (struct wake_before){k, k->wakes, k->pending_ts, k->pending_tid};
			break;
		}
	}
	return n;
}

static void collect_wait(struct exporter *x, const struct ls_rec_wait *w, size_t len)
{
	struct wake_before before[LS_WAIT_EVENTS_MAX];
	int n = wakers_of_wait(x->m, w, before);
	uint64_t start = w->start && w->start <= w->h.ts ? w->start : w->h.ts;

	trace_apply(x->m, w, len);
	slice(x, &w->h, w->start, w->sc, w->epfd, w->ret, LS_FD_EPOLL, w->nev);
	if (wanted(x, w->h.tgid, w->h.tid)) {
		struct ev *c = push(x, 'C', EV_TURN, w->h.ts, w->h.tgid, w->h.tid, 4);

		if (c)
			c->ret = w->ret > 0 ? w->ret : 0;
	}
	for (int i = 0; i < n; i++) {
		struct waker *k = before[i].w;
		struct task *t;

		if (k->wakes == before[i].wakes)
			continue;
		t = model_task(x->m, before[i].pending_tid);
		/* the arrow ends inside the wait's slice, just before its end */
		flow(x, t ? (uint32_t)t->pid : w->h.tgid, (uint32_t)before[i].pending_tid,
		     before[i].pending_ts, w->h.tgid, w->h.tid, w->h.ts > start ? w->h.ts - 1 : w->h.ts,
		     w->h.ts);
	}
}

static void collect_io(struct exporter *x, const struct ls_rec_io *io, size_t len)
{
	struct waker *k = waker_of(x->m, io->obj);
	uint64_t wakes = k ? k->wakes : 0, orphan_ts = k ? k->orphan_ts : 0;
	pid_t orphan = k ? k->orphan_tid : 0;

	trace_apply(x->m, io, len);
	slice(x, &io->h, io->start, io->sc, io->fd, io->ret, io->kind, 0);
	if (k && orphan && k->wakes != wakes) { /* the wait returned before this write's record came */
		struct task *t = model_task(x->m, orphan);
		uint64_t from = io->start && io->start <= io->h.ts ? io->start : io->h.ts;

		flow(x, io->h.tgid, io->h.tid, from, t ? (uint32_t)t->pid : io->h.tgid, (uint32_t)orphan,
		     orphan_ts > 0 ? orphan_ts - 1 : 0, io->h.ts);
	}
}

static void collect(struct exporter *x, struct trace_reader *rd, const void *rec, size_t len)
{
	const struct ls_hdr *h = rec;
	const struct rec_type *t = rec_type(h->type);
	struct ev *e;

	if (h->ts && (!x->first_ts || h->ts < x->first_ts))
		x->first_ts = h->ts;
	switch (t && len >= t->size ? h->type : 0) { /* 0: garbled, only applied */
	case LS_REC_WAIT:
		return collect_wait(x, rec, len);
	case LS_REC_IO:
		return collect_io(x, rec, len);
	case LS_REC_FD_NEW: {
		const struct ls_rec_fd_new *f = rec;

		slice(x, h, f->start, f->sc, f->fd[0], f->ret, f->kind[0], 0);
		break;
	}
	case LS_REC_CLOSE: {
		const struct ls_rec_close *c = rec;

		slice(x, h, c->start, LS_SC_CLOSE, c->fd, c->ret, c->kind, 0);
		break;
	}
	case LS_REC_SOCK_OP: {
		const struct ls_rec_sock_op *s = rec;

		slice(x, h, s->start, s->sc, s->fd, s->ret, LS_FD_SOCKET, 0);
		break;
	}
	case LS_REC_CTL:
		if (wanted(x, h->tgid, h->tid) &&
		    (e = push(x, 'i', EV_CTL, h->ts, h->tgid, h->tid, 2))) {
			const struct ls_rec_ctl *c = rec;

			e->fd = c->fd;
			e->a = (uint64_t)(int64_t)c->epfd;
			e->b = c->events;
			e->c = (uint64_t)(int64_t)c->op;
			e->ret = c->ret;
			e->fdkind = c->fd_kind;
		}
		break;
	case LS_REC_WAKEUP: {
		const struct ls_rec_wakeup *w = rec;

		if (wanted(x, w->tgid, w->tid) &&
		    (e = push(x, 'i', EV_WAKEUP, h->ts, w->tgid, w->tid, 2))) {
			e->a = h->tid;
			e->b = h->tgid;
			e->sc = w->wsc;
		}
		break;
	}
	case LS_REC_TASK_NEW:
	case LS_REC_TASK_EXIT:
		if (wanted(x, h->tgid, h->tid) &&
		    (e = push(x, 'i', EV_TASK, h->ts, h->tgid, h->tid, 2))) {
			e->sc = h->type;
			e->a = ((const struct ls_rec_task *)rec)->child_tid;
		}
		break;
	case TREC_TICK:
		if ((e = push(x, 'C', EV_DROPS, h->ts, 0, 0, 2))) {
			const struct trec_tick *tk = rec;

			e->a = tk->ringbuf_drops;
			e->b = tk->inflight_drops;
			e->c = trace_dropped(rd);
		}
		break;
	}
	trace_apply(x->m, rec, len);
}

/* ---------------------------------------------------------------- writing */

static int cmp_ev(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return (x->sub > y->sub) - (x->sub < y->sub);
}

static json_object *us(const struct exporter *x, uint64_t ts)
{
	uint64_t rel = ts > x->first_ts ? ts - x->first_ts : 0;
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu.%03llu", (unsigned long long)(rel / 1000),
		 (unsigned long long)(rel % 1000));
	return json_object_new_double_s(rel / 1000.0, buf);
}

static const char *sc_name(uint16_t sc)
{
	const char *n = ls_syscall_name(sc);

	return n ? n : "syscall";
}

static json_object *event_json(const struct exporter *x, const struct ev *e)
{
	json_object *j = json_object_new_object(), *args = json_object_new_object();
	const char *name = "", *cat = "";
	char buf[48];

	switch (e->kind) {
	case EV_SYSCALL:
		name = sc_name(e->sc);
		cat = e->sc >= LS_SC_EPOLL_WAIT && e->sc <= LS_SC_EPOLL_PWAIT2 ? "wait" : "syscall";
		if (e->ph == 'E') {
			json_object_object_add(args, "fd", json_object_new_int(e->fd));
			json_object_object_add(args, "kind", json_object_new_string(fd_kind_name(e->fdkind)));
			json_object_object_add(args, "result", json_object_new_int64(e->ret));
			if (!strcmp(cat, "wait"))
				json_object_object_add(args, "events", json_object_new_int64(e->ret > 0 ? e->ret : 0));
			else if (e->sc >= LS_SC_READ && e->sc <= LS_SC_SENDMSG)
				json_object_object_add(args, "bytes", json_object_new_int64(e->ret > 0 ? e->ret : 0));
		}
		break;
	case EV_CTL:
		name = "epoll_ctl";
		cat = "syscall";
		json_object_object_add(args, "epfd", json_object_new_int64((int64_t)e->a));
		json_object_object_add(args, "fd", json_object_new_int(e->fd));
		json_object_object_add(args, "op", json_object_new_int64((int64_t)e->c));
		json_object_object_add(args, "events", json_object_new_uint64(e->b));
		json_object_object_add(args, "result", json_object_new_int64(e->ret));
		break;
	case EV_WAKEUP:
		name = "wakeup";
		cat = "wake";
		json_object_object_add(args, "waker_tid", json_object_new_uint64(e->a));
		json_object_object_add(args, "waker_pid", json_object_new_uint64(e->b));
		if (e->sc)
			json_object_object_add(args, "waker_syscall", json_object_new_string(sc_name(e->sc)));
		break;
	case EV_TASK:
		name = e->sc == LS_REC_TASK_NEW ? "task_new" : "task_exit";
		cat = "task";
		if (e->sc == LS_REC_TASK_NEW)
			json_object_object_add(args, "child_tid", json_object_new_uint64(e->a));
		break;
	case EV_FLOW:
		name = "wake";
		cat = "wake";
		json_object_object_add(j, "id", json_object_new_uint64(e->a));
		if (e->ph == 'f')
			json_object_object_add(j, "bp", json_object_new_string("e"));
		break;
	case EV_TURN:
		snprintf(buf, sizeof(buf), "events per turn %u", e->tid);
		name = buf;
		json_object_object_add(args, "value", json_object_new_int64(e->ret));
		break;
	case EV_DROPS:
		name = "drops";
		json_object_object_add(args, "ringbuf", json_object_new_uint64(e->a));
		json_object_object_add(args, "inflight", json_object_new_uint64(e->b));
		json_object_object_add(args, "recorder", json_object_new_uint64(e->c));
		break;
	}
	json_object_object_add(j, "name", json_object_new_string(name));
	if (*cat)
		json_object_object_add(j, "cat", json_object_new_string(cat));
	snprintf(buf, sizeof(buf), "%c", e->ph);
	json_object_object_add(j, "ph", json_object_new_string(buf));
	json_object_object_add(j, "ts", us(x, e->ts));
	json_object_object_add(j, "pid", json_object_new_uint64(e->pid));
	json_object_object_add(j, "tid", json_object_new_uint64(e->tid));
	if (e->ph == 'i')
		json_object_object_add(j, "s", json_object_new_string("t"));
	if (json_object_object_length(args))
		json_object_object_add(j, "args", args);
	else
		json_object_put(args);
	return j;
}

static void meta_event(struct exporter *x, const char *what, uint32_t pid, uint32_t tid,
		       const char *name)
{
	json_object *j = json_object_new_object(), *args = json_object_new_object();

	json_object_object_add(j, "name", json_object_new_string(what));
	json_object_object_add(j, "ph", json_object_new_string("M"));
	json_object_object_add(j, "pid", json_object_new_uint64(pid));
	json_object_object_add(j, "tid", json_object_new_uint64(tid));
	json_object_object_add(args, "name", json_object_new_string(name));
	json_object_object_add(j, "args", args);
	out_str(x, ",\n");
	out_json(x, j);
}

static bool in_window(const struct exporter *x, uint64_t ts)
{
	uint64_t rel = ts > x->first_ts ? ts - x->first_ts : 0;

	return (!x->o->has_from || rel >= x->o->from_ns) && (!x->o->has_to || rel <= x->o->to_ns);
}

static void write_perfetto(struct exporter *x, const struct trace_meta *meta)
{
	json_object *other = json_object_new_object();
	struct task **tasks;
	size_t n, written = 0;
	void *v;
	char buf[64];

	json_object_object_add(other, "host", json_object_new_string(meta->host));
	json_object_object_add(other, "kernel", json_object_new_string(meta->kernel));
	json_object_object_add(other, "clock", json_object_new_string(meta->clock));
	json_object_object_add(other, "command", json_object_new_string(meta->command));
	/* ts 0 is the first record; this is its wall-clock time */
	snprintf(buf, sizeof(buf), "%llu",
		 (unsigned long long)(x->first_ts ? meta->wall_ns + (x->first_ts - meta->mono_ns)
						  : meta->wall_ns));
	json_object_object_add(other, "first_record_wall_ns", json_object_new_string(buf));
	out_str(x, "{\"displayTimeUnit\":\"ns\",\"otherData\":");
	out_json(x, other);
	out_str(x, ",\"traceEvents\":[\n");
	{
		json_object *j = json_object_new_object(), *args = json_object_new_object();

		json_object_object_add(j, "name", json_object_new_string("process_name"));
		json_object_object_add(j, "ph", json_object_new_string("M"));
		json_object_object_add(j, "pid", json_object_new_int(0));
		json_object_object_add(j, "tid", json_object_new_int(0));
		json_object_object_add(args, "name", json_object_new_string("loopscope collector"));
		json_object_object_add(j, "args", args);
		out_json(x, j);
	}
	for (size_t i = 0; omap_next(&x->m->targets, &i, NULL, &v);) {
		const struct target *t = v;

		if (wanted(x, t->pid, 0) || x->o->tid)
			if (!x->o->pid || t->pid == x->o->pid)
				meta_event(x, "process_name", t->pid, 0, t->name);
	}
	tasks = report_tasks(x->m, &n);
	for (size_t i = 0; i < n; i++)
		if (wanted(x, tasks[i]->pid, tasks[i]->tid))
			meta_event(x, "thread_name", tasks[i]->pid, tasks[i]->tid, tasks[i]->name);
	free(tasks);
	if (x->nev) /* none in a file with no records: and qsort wants an array */
		qsort(x->ev, x->nev, sizeof(*x->ev), cmp_ev);
	for (size_t i = 0; i < x->nev; i++) {
		if (!in_window(x, x->ev[i].rts))
			continue;
		out_str(x, ",\n");
		out_json(x, event_json(x, &x->ev[i]));
		written++;
	}
	out_str(x, "\n]}\n");
	fprintf(stderr, "loopscope: wrote %zu trace events (%llu wake flows) to %s\n", written,
		(unsigned long long)x->flows, x->o->output);
}

/* ---------------------------------------------------------------- JSON lines */

static void add_hex(json_object *j, const char *k, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)v);
	json_object_object_add(j, k, json_object_new_string(buf));
}

static void add_name(json_object *j, const char *k, const char name[LS_COMM_LEN])
{
	char n[LS_COMM_LEN + 1];

	memcpy(n, name, LS_COMM_LEN);
	n[LS_COMM_LEN] = 0;
	json_add_str(j, k, n);
}

static void add_addr(json_object *j, const struct ls_sockaddr *a)
{
	char buf[64];

	if (!a->family)
		return;
	json_add_u64(j, "family", a->family);
	report_addr(a, false, buf, sizeof(buf));
	json_add_str(j, "local", buf);
	report_addr(a, true, buf, sizeof(buf));
	json_add_str(j, "remote", buf);
}

/* The record's fields; objects are the file's hashed identities, named
 * by the table of record types (rectypes.h), the one list of them. */
static json_object *record_json(const void *rec, size_t len)
{
	const struct ls_hdr *h = rec;
	const struct rec_type *t = rec_type(h->type);
	json_object *j = json_object_new_object();

	json_add_str(j, "type", t ? t->name : "unknown");
	if (!t)
		json_add_u64(j, "type_id", h->type);
	json_add_u64(j, "ts", h->ts);
	json_add_u64(j, "pid", h->tgid);
	json_add_u64(j, "tid", h->tid);
	json_add_u64(j, "cpu", h->cpu);
	for (int i = 0; t && len >= t->size && i < t->nids; i++)
		if (rec_id_is(&t->ids[i], rec))
			add_hex(j, t->ids[i].name, rec_id_get(&t->ids[i], rec));
	if (!t || len < t->size) /* the table's size: the fields below are there */
		return j;
	switch (h->type) {
	case LS_REC_WAIT: {
		const struct ls_rec_wait *w = rec;
		json_object *a = json_object_new_array();

		json_add_u64(j, "start", w->start);
		json_add_int(j, "timeout_ns", w->timeout_ns);
		json_add_int(j, "epfd", w->epfd);
		json_add_int(j, "ret", w->ret);
		json_add_str(j, "syscall", ls_syscall_name(w->sc));
		json_add_u64(j, "cpu_enter", w->cpu_enter);
		json_add_u64(j, "cpu_exit", w->cpu_exit);
		for (int i = 0; i < w->nev && i < LS_WAIT_EVENTS_MAX; i++) {
			json_object *e = json_object_new_object();

			json_add_u64(e, "events", w->ev[i].events);
			json_add_u64(e, "token", w->ev[i].data);
			json_object_array_add(a, e);
		}
		json_object_object_add(j, "ev", a);
		break;
	}
	case LS_REC_CTL: {
		const struct ls_rec_ctl *c = rec;

		json_add_u64(j, "token", c->data);
		json_add_int(j, "epfd", c->epfd);
		json_add_int(j, "fd", c->fd);
		json_add_int(j, "op", c->op);
		json_add_u64(j, "events", c->events);
		json_add_int(j, "ret", c->ret);
		json_add_str(j, "kind", fd_kind_name(c->fd_kind));
		break;
	}
	case LS_REC_FD_NEW: {
		const struct ls_rec_fd_new *f = rec;

		json_add_u64(j, "start", f->start);
		json_add_int(j, "fd", f->fd[0]);
		json_add_int(j, "fd2", f->fd[1]);
		json_add_int(j, "ret", f->ret);
		json_add_str(j, "syscall", ls_syscall_name(f->sc));
		json_add_str(j, "kind", fd_kind_name(f->kind[0]));
		json_add_u64(j, "sock_type", f->sock_type);
		add_addr(j, &f->addr);
		break;
	}
	case LS_REC_IO: {
		const struct ls_rec_io *io = rec;

		json_add_u64(j, "start", io->start);
		json_add_int(j, "ret", io->ret);
		json_add_u64(j, "value", io->value);
		json_add_u64(j, "before", io->before);
		json_add_int(j, "fd", io->fd);
		json_add_str(j, "syscall", ls_syscall_name(io->sc));
		json_add_str(j, "kind", fd_kind_name(io->kind));
		json_add_str(j, "dir", io->dir == LS_DIR_WRITE ? "write" : "read");
		break;
	}
	case LS_REC_CLOSE: {
		const struct ls_rec_close *c = rec;

		json_add_u64(j, "start", c->start);
		json_add_int(j, "fd", c->fd);
		json_add_int(j, "ret", c->ret);
		json_add_str(j, "kind", fd_kind_name(c->kind));
		break;
	}
	case LS_REC_SOCK_OP: {
		const struct ls_rec_sock_op *s = rec;

		json_add_u64(j, "start", s->start);
		json_add_int(j, "fd", s->fd);
		json_add_int(j, "ret", s->ret);
		json_add_int(j, "arg", s->arg);
		json_add_str(j, "syscall", ls_syscall_name(s->sc));
		add_addr(j, &s->addr);
		break;
	}
	case LS_REC_SWITCH: {
		const struct ls_rec_switch *s = rec;

		json_add_u64(j, "prev_tid", s->prev_tid);
		json_add_u64(j, "prev_pid", s->prev_tgid);
		json_add_u64(j, "next_tid", s->next_tid);
		json_add_u64(j, "next_pid", s->next_tgid);
		json_add_u64(j, "prev_state", s->prev_state);
		json_add_int(j, "prev_sc", s->prev_sc);
		break;
	}
	case LS_REC_WAKEUP: {
		const struct ls_rec_wakeup *w = rec;

		json_add_u64(j, "woken_tid", w->tid);
		json_add_u64(j, "woken_pid", w->tgid);
		json_add_str(j, "waker_syscall", ls_syscall_name(w->wsc));
		break;
	}
	case LS_REC_TASK_NEW:
	case LS_REC_TASK_EXIT: {
		const struct ls_rec_task *t = rec;

		json_add_u64(j, "child_tid", t->child_tid);
		json_add_u64(j, "child_pid", t->child_tgid);
		json_add_u64(j, "group_dead", t->group_dead);
		json_add_int(j, "exit_code", t->exit_code);
		add_name(j, "comm", t->comm);
		break;
	}
	case LS_REC_FD_INFO: {
		const struct ls_rec_fd_info *f = rec;

		json_add_u64(j, "ino", f->ino);
		if (f->kind != LS_FD_SOCKET) /* else it is `peer`, an identity */
			json_add_u64(j, "count", f->count);
		json_add_int(j, "fd", f->fd);
		json_add_str(j, "kind", fd_kind_name(f->kind));
		add_addr(j, &f->addr);
		break;
	}
	case TREC_ADD_TARGET:
		add_name(j, "name", ((const struct trec_target *)rec)->name);
		break;
	case TREC_SEED_TASK: {
		add_name(j, "name", ((const struct trec_seed_task *)rec)->name);
		json_add_int(j, "syscall_nr", ((const struct trec_seed_task *)rec)->syscall_nr);
		break;
	}
	case TREC_SEED_INTEREST: {
		const struct trec_seed_interest *s = rec;

		json_add_int(j, "epfd", s->epfd);
		json_add_int(j, "fd", s->tfd);
		json_add_u64(j, "events", s->events);
		json_add_u64(j, "token", s->token);
		break;
	}
	case TREC_EVENTFD_COUNT: {
		json_add_int(j, "fd", ((const struct trec_eventfd_count *)rec)->fd);
		json_add_u64(j, "count", ((const struct trec_eventfd_count *)rec)->count);
		break;
	}
	case TREC_RENAME_TASK:
		add_name(j, "name", ((const struct trec_rename *)rec)->name);
		break;
	case TREC_TASK_CPU:
		json_add_u64(j, "cpu_ns", ((const struct trec_task_cpu *)rec)->cpu_ns);
		break;
	case TREC_SEED_WAIT:
		json_add_int(j, "epfd", ((const struct trec_seed_wait *)rec)->epfd);
		json_add_int(j, "timeout_ns", ((const struct trec_seed_wait *)rec)->timeout_ns);
		break;
	case TREC_TICK: {
		const struct trec_tick *t = rec;

		json_add_u64(j, "ringbuf_drops", t->ringbuf_drops);
		json_add_u64(j, "inflight_drops", t->inflight_drops);
		json_object_object_add(j, "final", json_object_new_boolean(t->final));
		break;
	}
	}
	return j;
}

/* Whose record it is, for --pid/--tid: a wakeup belongs to the woken. */
static void record_owner(const void *rec, size_t len, uint32_t *pid, uint32_t *tid)
{
	const struct ls_hdr *h = rec;

	*pid = h->tgid;
	*tid = h->tid;
	if (h->type == LS_REC_WAKEUP && len >= sizeof(struct ls_rec_wakeup)) {
		*pid = ((const struct ls_rec_wakeup *)rec)->tgid;
		*tid = ((const struct ls_rec_wakeup *)rec)->tid;
	}
}

static int write_jsonl(struct exporter *x, struct trace_reader *rd)
{
	const void *rec;
	size_t len, written = 0;
	int rc;

	while ((rc = trace_next(rd, &rec, &len)) == 1) {
		const struct ls_hdr *h = rec;
		uint32_t pid, tid;

		if (h->ts && (!x->first_ts || h->ts < x->first_ts))
			x->first_ts = h->ts; /* --from/--to count from the first record */
		record_owner(rec, len, &pid, &tid);
		if (!wanted(x, pid, tid) || !in_window(x, h->ts))
			continue;
		out_json(x, record_json(rec, len));
		out_str(x, "\n");
		written++;
	}
	if (rc == 0)
		fprintf(stderr, "loopscope: wrote %zu records to %s\n", written, x->o->output);
	return rc;
}

int export_run(const struct export_opts *o)
{
	struct exporter x = {.o = o};
	struct trace_meta meta;
	struct trace_reader *rd;
	const void *rec;
	size_t len;
	char err[600];
	int rc, ret = 1;

	rd = trace_open(o->path, &meta, err, sizeof(err));
	if (!rd) {
		fprintf(stderr, "loopscope: %s\n", err);
		return 1;
	}
	x.m = model_new(random_secret(), meta.retain_ns, meta.start_ns);
	model_set_keys(x.m, meta.secret_id, 0);
	if (o->format == EXPORT_PERFETTO) {
		while ((rc = trace_next(rd, &rec, &len)) == 1) {
			collect(&x, rd, rec, len);
			x.seq++;
		}
		if (rc < 0)
			goto corrupt;
	}
	if (out_open(&x, o->output, err, sizeof(err))) {
		fprintf(stderr, "loopscope: %s\n", err);
		goto out;
	}
	if (o->format == EXPORT_PERFETTO)
		write_perfetto(&x, &meta);
	else if (write_jsonl(&x, rd) < 0)
		goto corrupt;
	if ((rc = out_close(&x))) {
		fprintf(stderr, "loopscope: writing %s failed: %s\n", o->output, strerror(rc));
		goto out;
	}
	if (trace_truncated(rd, err, sizeof(err)))
		fprintf(stderr, "loopscope: %s\n", err);
	ret = 0;
	goto out;
corrupt:
	fprintf(stderr, "loopscope: %s\n", trace_error(rd));
	out_close(&x);
	if ((x.f || x.gz || o->format == EXPORT_JSONL) && !is_stdout(o->output))
		remove(o->output); /* half an export is worse than none */
out:
	free(x.ev);
	model_free(x.m);
	trace_close(rd);
	return ret;
}
