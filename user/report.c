/* report.c - the model as people and scripts see it: a JSON object per tick
 * (schema in docs/json.md) and a compact text table.  Kernel addresses never
 * leave here: objects are named by model_id(). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "report.h"
#include "syscalls.h"

/* The histogram folded into powers of two, for a viewer to draw as bars:
 * [[lo, count], ...] for each non-empty range [lo, 2*lo) (lo 0: [0, 16)). */
static json_object *hist_bars(const struct hist *h)
{
	json_object *a = json_object_new_array();
	uint64_t lo = 0, n = 0;

	/* i == HIST_BUCKETS flushes the last range */
	for (unsigned int i = 0; h && i <= HIST_BUCKETS; i++) {
		uint64_t b = i < HIST_BUCKETS ? hist_bucket_low(i) : UINT64_MAX;
		uint64_t range = b < HIST_SUB ? 0 : (uint64_t)1 << (63 - __builtin_clzll(b));

		if (range != lo && n) {
			json_object *p = json_object_new_array();

			json_object_array_add(p, json_object_new_uint64(lo));
			json_object_array_add(p, json_object_new_uint64(n));
			json_object_array_add(a, p);
			n = 0;
		}
		lo = range;
		if (i < HIST_BUCKETS)
			n += h->buckets[i];
	}
	return a;
}

static json_object *hist_json(const struct hist *h)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "count", json_object_new_uint64(h ? h->count : 0));
	json_object_object_add(o, "min", json_object_new_uint64(h ? hist_min(h) : 0));
	json_object_object_add(o, "mean", json_object_new_uint64(h ? hist_mean(h) : 0));
	json_object_object_add(o, "p50", json_object_new_uint64(h ? hist_percentile(h, 50) : 0));
	json_object_object_add(o, "p90", json_object_new_uint64(h ? hist_percentile(h, 90) : 0));
	json_object_object_add(o, "p99", json_object_new_uint64(h ? hist_percentile(h, 99) : 0));
	json_object_object_add(o, "max", json_object_new_uint64(h ? h->max : 0));
	json_object_object_add(o, "buckets", hist_bars(h));
	return o;
}

void json_add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

void json_add_int(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

void json_add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static const char *id_of(const struct model *m, const struct object *o, char *buf, size_t len)
{
	char c = o->kind == LS_FD_EPOLL ? 'r' : o->kind == LS_FD_SOCKET ? 's' : 'w';

	snprintf(buf, len, "%c:%016llx", c, (unsigned long long)model_id(m, o));
	return buf;
}

/* Tasks sorted by (pid, tid); objects by (pid, first fd, id). */
static int cmp_task(const void *a, const void *b)
{
	const struct task *x = *(struct task *const *)a, *y = *(struct task *const *)b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

static int cmp_object(const void *a, const void *b)
{
	const struct object *x = *(struct object *const *)a, *y = *(struct object *const *)b;
	int fx = x->nfds ? x->fds[0] : 1 << 30, fy = y->nfds ? y->fds[0] : 1 << 30;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (fx != fy)
		return fx < fy ? -1 : 1;
	return (x->created_ts > y->created_ts) - (x->created_ts < y->created_ts);
}

struct task **report_tasks(const struct model *m, size_t *n)
{
	struct task **v = xcalloc(m->tasks.len + m->nexited + 1, sizeof(*v));
	void *t;
	size_t k = 0;

	for (size_t i = 0; omap_next(&m->tasks, &i, NULL, &t);)
		v[k++] = t;
	for (int i = 0; i < m->nexited; i++)
		v[k++] = m->exited[i];
	qsort(v, k, sizeof(*v), cmp_task);
	*n = k;
	return v;
}

static bool listed(const struct object *o)
{
	if (o->kind == LS_FD_PIPE)
		return ((const struct waker *)o)->registered;
	return o->kind == LS_FD_EPOLL || o->kind == LS_FD_EVENTFD || o->kind == LS_FD_SOCKET;
}

struct object **report_objects(const struct model *m, uint8_t kind, size_t *n)
{
	size_t cap = m->objects.len + 1, k = 0;
	struct object **v, *c;
	void *o;

	for (c = m->closed; c; c = c->next_closed)
		cap++;
	v = xcalloc(cap, sizeof(*v));
	for (size_t i = 0; omap_next(&m->objects, &i, NULL, &o);)
		v[k++] = o;
	for (c = m->closed; c; c = c->next_closed)
		v[k++] = c;
	size_t j = 0;
	for (size_t i = 0; i < k; i++) {
		bool waker = v[i]->kind == LS_FD_EVENTFD || v[i]->kind == LS_FD_PIPE;
		bool want = kind == LS_FD_EVENTFD ? waker : v[i]->kind == kind;

		if (want && listed(v[i]))
			v[j++] = v[i];
	}
	qsort(v, j, sizeof(*v), cmp_object);
	*n = j;
	return v;
}

void report_addr(const struct ls_sockaddr *a, bool remote, char *buf, size_t len)
{
	const uint8_t *ip = remote ? a->raddr : a->laddr;
	uint16_t port = remote ? a->rport : a->lport;
	char host[INET6_ADDRSTRLEN] = "";

	if (a->family == AF_INET)
		inet_ntop(AF_INET, ip, host, sizeof(host));
	else if (a->family == AF_INET6)
		inet_ntop(AF_INET6, ip, host, sizeof(host));
	if (!host[0] || (remote && !port && a->family != AF_UNIX)) {
		snprintf(buf, len, "%s", "");
		return;
	}
	snprintf(buf, len, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, port);
}

static const char *family_name(uint16_t f)
{
	switch (f) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	case AF_UNIX:
		return "unix";
	case AF_NETLINK:
		return "netlink";
	case 0:
		return "unknown";
	}
	return "other";
}

static const char *socktype_name(uint16_t t)
{
	switch (t) {
	case SOCK_STREAM:
		return "stream";
	case SOCK_DGRAM:
		return "dgram";
	case SOCK_SEQPACKET:
		return "seqpacket";
	case SOCK_RAW:
		return "raw";
	}
	return "unknown";
}

uint64_t report_closed_ago(const struct object *o, uint64_t now)
{
	return now > o->closed_ts ? now - o->closed_ts : 0;
}

/* Time in each state up to now, the current stretch included. */
void report_task_times(const struct task *t, uint64_t now, struct task_times *out)
{
	uint64_t end = t->alive ? now : t->exit_ts;

	out->total = end > t->first_ts ? end - t->first_ts : 0;
	out->busy = t->alive ? task_busy_at(t, now) : t->t_busy;
	out->polling = t->t_polling;
	out->runnable = t->t_runnable;
	out->blocked = t->t_blocked;
	if (t->alive && t->state == TASK_RUNNABLE && t->runnable_since && now > t->runnable_since)
		out->runnable += now - t->runnable_since;
	if (t->alive && t->state == TASK_BLOCKED && t->sleep_since && now > t->sleep_since)
		out->blocked += now - t->sleep_since;
	/* a recorded wait in progress: from its first sleep until its record
	 * comes, woken or not (its record counts entry to return, which is
	 * more: polling time never goes back when it comes) */
	if (t->alive && t->poll_since && t->poll_turns == t->turns && !t->wait_unrecorded &&
	    (t->state == TASK_POLLING || t->state == TASK_RUNNABLE || t->on_cpu)) {
		if (now > t->poll_since)
			out->polling += now - t->poll_since;
	} else if (t->alive && t->state == TASK_POLLING && t->sleep_since && now > t->sleep_since) {
		out->polling += now - t->sleep_since;
	}
}

static json_object *task_json(const struct task *t, uint64_t now)
{
	json_object *o = json_object_new_object(), *tm = json_object_new_object();
	json_object *wk = json_object_new_object();
	struct task_times tt;

	json_add_int(o, "tid", t->tid);
	json_add_int(o, "pid", t->pid);
	json_add_str(o, "name", t->name);
	json_object_object_add(o, "alive", json_object_new_boolean(t->alive));
	json_add_str(o, "state", task_state_name(t->state));
	if (t->state == TASK_BLOCKED) {
		const char *n = raw_syscall_name(t->blocked_nr);
		char buf[32];

		if (!n) {
			snprintf(buf, sizeof(buf), t->blocked_nr < 0 ? "no syscall" : "syscall %ld",
				 t->blocked_nr);
			n = buf;
		}
		json_add_str(o, "blocked_in", n);
	}
	if (!t->alive)
		json_object_object_add(o, "closed_ago_s",
				       json_object_new_double((now > t->exit_ts ? now - t->exit_ts : 0) / 1e9));
	report_task_times(t, now, &tt);
	json_add_u64(tm, "total", tt.total);
	json_add_u64(tm, "busy", tt.busy);
	json_add_u64(tm, "polling", tt.polling);
	json_add_u64(tm, "runnable", tt.runnable);
	json_add_u64(tm, "blocked", tt.blocked);
	json_object_object_add(o, "time", tm);
	json_add_u64(o, "turns", t->turns);
	json_add_u64(o, "events", t->events);
	json_object_object_add(o, "events_per_turn",
			       json_object_new_double(t->turns ? (double)t->events / t->turns : 0));
	json_add_u64(wk, "waker", t->wakes_waker);
	json_add_u64(wk, "socket", t->wakes_socket);
	json_add_u64(wk, "timeout", t->wakes_timeout);
	json_add_u64(wk, "other", t->wakes_other);
	json_add_u64(wk, "self", t->wakes_self);
	json_object_object_add(o, "wakes", wk);
	json_object_object_add(o, "turn_ns", hist_json(&t->turn_ns));
	json_object_object_add(o, "wake_to_run_ns", hist_json(&t->wake_to_run_ns));
	return o;
}

static void add_object_common(const struct model *m, json_object *j, const struct object *o,
			      uint64_t now)
{
	json_object *fds = json_object_new_array();
	char id[32];

	json_add_str(j, "id", id_of(m, o, id, sizeof(id)));
	json_add_int(j, "pid", o->pid);
	for (int i = 0; i < o->nfds; i++)
		json_object_array_add(fds, json_object_new_int(o->fds[i]));
	json_object_object_add(j, "fds", fds);
	json_object_object_add(j, "open", json_object_new_boolean(o->open));
	if (!o->open)
		json_object_object_add(j, "closed_ago_s",
				       json_object_new_double(report_closed_ago(o, now) / 1e9));
}

static json_object *reactor_json(const struct model *m, const struct reactor *r, uint64_t now)
{
	json_object *o = json_object_new_object(), *in = json_object_new_array();
	json_object *waiting = json_object_new_array(), *pollers = json_object_new_array();
	json_object *bykind = json_object_new_object();
	int counts[LS_FD_KIND_MAX] = {0};
	void *v;
	char id[32];

	add_object_common(m, o, &r->o, now);
	json_add_int(o, "creator_tid", r->o.creator);
	for (size_t i = 0; omap_next(&m->tasks, &i, NULL, &v);) {
		const struct task *t = v;

		if (t->state == TASK_POLLING && t->waiting_on == r->o.addr)
			json_object_array_add(waiting, json_object_new_int(t->tid));
	}
	json_object_object_add(o, "waiting", waiting);
	for (int i = 0; i < r->npollers; i++)
		json_object_array_add(pollers, json_object_new_int(r->pollers[i]));
	json_object_object_add(o, "pollers", pollers);
	for (int i = 0; i < r->ninterest; i++) {
		const struct interest *e = &r->interest[i];
		const struct object *eo = model_object(m, e->addr);
		json_object *x = json_object_new_object();
		/* one kind per object: a socketpair made a waker is one here too */
		uint8_t kind = eo ? eo->kind : e->kind < LS_FD_KIND_MAX ? e->kind : LS_FD_OTHER;

		json_add_int(x, "fd", e->fd);
		json_add_str(x, "kind", eo ? model_kind_name(eo) : fd_kind_name(kind));
		if (eo && (kind == LS_FD_SOCKET || kind == LS_FD_EVENTFD || kind == LS_FD_PIPE ||
			   kind == LS_FD_EPOLL))
			json_add_str(x, "object", id_of(m, eo, id, sizeof(id)));
		json_add_u64(x, "events", e->events);
		json_add_u64(x, "token", e->token);
		json_object_array_add(in, x);
		counts[kind]++;
	}
	json_object_object_add(o, "interest", in);
	for (int k = 0; k < LS_FD_KIND_MAX; k++)
		if (counts[k])
			json_add_int(bykind, fd_kind_name(k), counts[k]);
	json_object_object_add(o, "interest_by_kind", bykind);
	json_add_u64(o, "turns", r->turns);
	json_add_u64(o, "events", r->events);
	json_add_u64(o, "timeouts", r->timeouts);
	return o;
}

/* The reactors a waker is registered in. */
static json_object *waker_reactors(const struct model *m, const struct waker *w)
{
	json_object *a = json_object_new_array();
	void *v;
	char id[32];

	for (size_t i = 0; omap_next(&m->reactors, &i, NULL, &v);) {
		const struct reactor *r = v;

		for (int j = 0; j < r->ninterest; j++) {
			if (r->interest[j].addr == w->o.addr) {
				json_object_array_add(a, json_object_new_string(id_of(m, &r->o, id, sizeof(id))));
				break;
			}
		}
	}
	return a;
}

static json_object *waker_json(const struct model *m, const struct waker *w, uint64_t now)
{
	json_object *o = json_object_new_object(), *edges = json_object_new_array();

	add_object_common(m, o, &w->o, now);
	json_add_str(o, "kind", model_kind_name(&w->o));
	json_object_object_add(o, "reactors", waker_reactors(m, w));
	json_add_u64(o, "count", w->count0);
	json_add_u64(o, "writes", w->writes);
	json_add_u64(o, "reads", w->reads);
	json_add_u64(o, "coalesced", w->coalesced);
	json_add_u64(o, "wakes", w->wakes);
	for (int i = 0; i < w->nedges; i++) {
		json_object *e = json_object_new_object();

		json_add_int(e, "from", w->edges[i].from);
		json_add_int(e, "to", w->edges[i].to);
		json_add_u64(e, "count", w->edges[i].count);
		json_object_array_add(edges, e);
	}
	json_object_object_add(o, "edges", edges);
	json_object_object_add(o, "latency_ns", hist_json(&w->latency_ns));
	return o;
}

static json_object *side_json(const struct io_side *s)
{
	json_object *o = json_object_new_object();

	json_add_u64(o, "bytes", s->bytes);
	json_add_u64(o, "ops", s->ops);
	json_add_u64(o, "eagain", s->eagain);
	json_add_u64(o, "eof", s->eof);
	json_add_u64(o, "errors", s->errors);
	json_add_u64(o, "syscall_ns", s->syscall_ns);
	json_add_u64(o, "blocked_ns", s->blocked_ns);
	return o;
}

static json_object *socket_json(const struct model *m, const struct socket *s, uint64_t now)
{
	json_object *o = json_object_new_object();
	char buf[64];

	add_object_common(m, o, &s->o, now);
	json_add_str(o, "family", family_name(s->addr.family));
	json_add_str(o, "type", socktype_name(s->type));
	report_addr(&s->addr, false, buf, sizeof(buf));
	json_add_str(o, "local", buf);
	report_addr(&s->addr, true, buf, sizeof(buf));
	json_add_str(o, "remote", buf);
	json_object_object_add(o, "read", side_json(&s->rd));
	json_object_object_add(o, "write", side_json(&s->wr));
	json_object_object_add(o, "readiness_ns", hist_json(s->readiness_ns));
	return o;
}

static bool shown(const struct report_info *ri, pid_t pid)
{
	return !ri->visible || ri->visible(ri->visible_ctx, pid);
}

static json_object *recording_json(const struct recording_stats *r)
{
	json_object *o;

	if (!r)
		return NULL; /* null: not recording */
	o = json_object_new_object();
	json_add_str(o, "path", r->path ? r->path : "");
	json_add_u64(o, "bytes", r->bytes);
	json_add_u64(o, "records", r->records);
	json_add_u64(o, "dropped", r->dropped);
	json_object_object_add(o, "bytes_per_s", json_object_new_double(r->bytes_per_s));
	return o;
}

/* The head of a report: counters, targets and warnings, none of the lists. */
static json_object *report_head(const struct model *m, const struct report_info *ri)
{
	json_object *root = json_object_new_object(), *drops = json_object_new_object();
	json_object *targets = json_object_new_array();
	void *v;

	json_add_int(root, "version", REPORT_VERSION);
	json_object_object_add(root, "final", json_object_new_boolean(ri->final));
	json_add_u64(root, "tick", ri->tick);
	json_object_object_add(root, "uptime_s",
			       json_object_new_double((ri->now - m->stats.start_ts) / 1e9));
	json_add_u64(root, "records", ri->own_records ? ri->records : m->stats.records);
	json_object_object_add(root, "records_per_s", json_object_new_double(ri->records_per_s));
	json_add_u64(drops, "ringbuf", m->stats.ringbuf_drops);
	json_add_u64(drops, "inflight", m->stats.inflight_drops);
	json_add_u64(drops, "garbled", m->stats.garbled);
	json_object_object_add(root, "drops", drops);
	json_add_u64(root, "unseen_switch_ins", m->stats.unseen_switch_ins);
	json_object_object_add(root, "recording", recording_json(ri->recording));
	for (size_t i = 0; omap_next(&m->targets, &i, NULL, &v);) {
		const struct target *t = v;
		json_object *o;

		if (!shown(ri, t->pid))
			continue;
		o = json_object_new_object();
		json_add_int(o, "pid", t->pid);
		json_add_str(o, "name", t->name);
		json_object_object_add(o, "alive", json_object_new_boolean(t->alive));
		json_object_array_add(targets, o);
	}
	json_object_object_add(root, "targets", targets);
	json_object_object_add(root, "warnings", ri->warnings ? json_object_get(ri->warnings)
							      : json_object_new_array());
	return root;
}

/* Where the object lists go: out to a stream one object at a time (f), or
 * else into the tree root.  sink_begin(name), sink_item(o) for each (the
 * sink owns o), sink_end(). */
struct sink {
	FILE *f;
	json_object *root, *array;
	size_t n; /* items in this list so far */
};

static void sink_begin(struct sink *k, const char *name)
{
	k->n = 0;
	if (k->f) {
		fprintf(k->f, ",\"%s\":[", name);
	} else {
		k->array = json_object_new_array();
		json_object_object_add(k->root, name, k->array);
	}
}

static void sink_item(struct sink *k, json_object *o)
{
	if (!k->f) {
		json_object_array_add(k->array, o);
		return;
	}
	fprintf(k->f, "%s%s", k->n++ ? "," : "", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

static void sink_end(struct sink *k)
{
	if (k->f)
		fputc(']', k->f);
}

/* The four object lists, in docs/json.md's order. */
static void report_lists(const struct model *m, const struct report_info *ri, struct sink *k)
{
	static const struct {
		const char *name;
		uint8_t kind;
	} lists[] = {{"reactors", LS_FD_EPOLL}, {"wakers", LS_FD_EVENTFD}, {"sockets", LS_FD_SOCKET}};
	struct task **tasks;
	struct object **objs;
	size_t n;

	tasks = report_tasks(m, &n);
	sink_begin(k, "tasks");
	for (size_t i = 0; i < n; i++)
		if (shown(ri, tasks[i]->pid))
			sink_item(k, task_json(tasks[i], ri->now));
	sink_end(k);
	free(tasks);

	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		objs = report_objects(m, lists[l].kind, &n);
		sink_begin(k, lists[l].name);
		for (size_t i = 0; i < n; i++) {
			if (!shown(ri, objs[i]->pid))
				continue;
			if (lists[l].kind == LS_FD_EPOLL)
				sink_item(k, reactor_json(m, (struct reactor *)objs[i], ri->now));
			else if (lists[l].kind == LS_FD_EVENTFD)
				sink_item(k, waker_json(m, (struct waker *)objs[i], ri->now));
			else
				sink_item(k, socket_json(m, (struct socket *)objs[i], ri->now));
		}
		sink_end(k);
		free(objs);
	}
}

json_object *report_json(const struct model *m, const struct report_info *ri)
{
	struct sink k = {.root = report_head(m, ri)};

	if (!ri->head_only)
		report_lists(m, ri, &k);
	return k.root;
}

void report_json_write(FILE *f, const struct model *m, const struct report_info *ri)
{
	struct sink k = {.f = f};
	json_object *head = report_head(m, ri);
	const char *s = json_object_to_json_string_ext(head, JSON_C_TO_STRING_PLAIN);

	/* the head's members, then the lists as members of the same object */
	fwrite(s, 1, strlen(s) - 1, f);
	json_object_put(head);
	if (!ri->head_only)
		report_lists(m, ri, &k);
	fputs("}\n", f);
}

static void fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns < 10000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 10000000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 10000000000ULL)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else
		snprintf(buf, len, "%.1fs", ns / 1e9);
}

/* Active warnings, one line each: "! lost-waker (error): summary". */
static void report_warnings_text(FILE *f, json_object *warnings)
{
	size_t n = warnings ? json_object_array_length(warnings) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *w = json_object_array_get_idx(warnings, i), *v;

		if (!json_object_object_get_ex(w, "active", &v) || !json_object_get_boolean(v))
			continue;
		fprintf(f, "! %s", json_object_object_get_ex(w, "name", &v) ? json_object_get_string(v) : "?");
		fprintf(f, " (%s)", json_object_object_get_ex(w, "severity", &v) ? json_object_get_string(v) : "?");
		fprintf(f, ": %s\n", json_object_object_get_ex(w, "summary", &v) ? json_object_get_string(v) : "");
	}
}

void report_text(FILE *f, const struct model *m, const struct report_info *ri)
{
	struct object **objs;
	struct task **tasks;
	size_t n;
	char a[16], b[16], c[16], la[64], ra[64];

	fprintf(f, "%s %.1fs  records %llu (%.0f/s)  drops %llu\n", ri->final ? "== final" : "==",
		(ri->now - m->stats.start_ts) / 1e9, (unsigned long long)m->stats.records,
		ri->records_per_s,
		(unsigned long long)(m->stats.ringbuf_drops + m->stats.inflight_drops));
	if (ri->recording)
		fprintf(f, "recording %s  %.1f KiB (%.1f KiB/s)  %llu records, %llu dropped\n",
			ri->recording->path, ri->recording->bytes / 1024.0,
			ri->recording->bytes_per_s / 1024.0, (unsigned long long)ri->recording->records,
			(unsigned long long)ri->recording->dropped);
	tasks = report_tasks(m, &n);
	if (n)
		fprintf(f, "%-7s %-7s %-15s %-9s %7s %7s %9s %9s %9s\n", "PID", "TID", "TASK", "STATE",
			"BUSY%", "POLL%", "TURNS", "TURN p50", "TURN p99");
	for (size_t i = 0; i < n; i++) {
		const struct task *t = tasks[i];
		struct task_times tt;

		report_task_times(t, ri->now, &tt);
		fmt_ns(a, sizeof(a), hist_percentile(&t->turn_ns, 50));
		fmt_ns(b, sizeof(b), hist_percentile(&t->turn_ns, 99));
		fprintf(f, "%-7d %-7d %-15s %-9s %6.1f%% %6.1f%% %9llu %9s %9s\n", t->pid, t->tid,
			t->name, task_state_name(t->state),
			tt.total ? 100.0 * tt.busy / tt.total : 0,
			tt.total ? 100.0 * tt.polling / tt.total : 0, (unsigned long long)t->turns, a, b);
	}
	free(tasks);

	objs = report_objects(m, LS_FD_EPOLL, &n);
	if (n)
		fprintf(f, "%-7s %-5s %-9s %9s %9s %9s %s\n", "PID", "FD", "REACTOR", "TURNS", "EVENTS",
			"TIMEOUTS", "INTEREST");
	for (size_t i = 0; i < n; i++) {
		const struct reactor *r = (const struct reactor *)objs[i];

		fprintf(f, "%-7d %-5d %-9s %9llu %9llu %9llu %d fds%s\n", r->o.pid,
			r->o.nfds ? r->o.fds[0] : -1, "epoll", (unsigned long long)r->turns,
			(unsigned long long)r->events, (unsigned long long)r->timeouts, r->ninterest,
			r->o.open ? "" : " (closed)");
	}
	free(objs);

	objs = report_objects(m, LS_FD_EVENTFD, &n);
	if (n)
		fprintf(f, "%-7s %-5s %-10s %9s %9s %9s %9s %9s\n", "PID", "FD", "WAKER", "WRITES",
			"READS", "WAKES", "LAT p50", "LAT p99");
	for (size_t i = 0; i < n; i++) {
		const struct waker *w = (const struct waker *)objs[i];

		fmt_ns(a, sizeof(a), hist_percentile(&w->latency_ns, 50));
		fmt_ns(b, sizeof(b), hist_percentile(&w->latency_ns, 99));
		fprintf(f, "%-7d %-5d %-10s %9llu %9llu %9llu %9s %9s%s\n", w->o.pid,
			w->o.nfds ? w->o.fds[0] : -1, model_kind_name(&w->o),
			(unsigned long long)w->writes, (unsigned long long)w->reads,
			(unsigned long long)w->wakes, a, b, w->o.open ? "" : " (closed)");
	}
	free(objs);

	objs = report_objects(m, LS_FD_SOCKET, &n);
	if (n)
		fprintf(f, "%-7s %-5s %-22s %-22s %10s %10s %9s\n", "PID", "FD", "LOCAL", "REMOTE",
			"RD BYTES", "WR BYTES", "READY p99");
	for (size_t i = 0; i < n; i++) {
		const struct socket *s = (const struct socket *)objs[i];

		report_addr(&s->addr, false, la, sizeof(la));
		report_addr(&s->addr, true, ra, sizeof(ra));
		fmt_ns(c, sizeof(c), s->readiness_ns ? hist_percentile(s->readiness_ns, 99) : 0);
		fprintf(f, "%-7d %-5d %-22s %-22s %10llu %10llu %9s%s\n", s->o.pid,
			s->o.nfds ? s->o.fds[0] : -1, la[0] ? la : family_name(s->addr.family),
			ra[0] ? ra : "-", (unsigned long long)s->rd.bytes,
			(unsigned long long)s->wr.bytes, c, s->o.open ? "" : " (closed)");
	}
	free(objs);
	report_warnings_text(f, ri->warnings);
	fputc('\n', f);
	fflush(f);
}
