/* model.c - turns ring-buffer records into tasks, reactors, wakers and
 * sockets.  Every figure here comes from a record (or from /proc at
 * attach); nothing is sampled, so a workload that moved N bytes shows N. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "model.h"
#include "rectypes.h"
#include "syscalls.h"


const char *task_state_name(enum task_state s)
{
	static const char *const names[] = {"RUNNING", "POLLING", "BLOCKED", "RUNNABLE", "EXITED"};

	return s <= TASK_EXITED ? names[s] : "?";
}

struct model *model_new(uint64_t secret, uint64_t retain_ns, uint64_t now)
{
	struct model *m = xcalloc(1, sizeof(*m));

	m->secret = secret;
	m->retain_ns = retain_ns;
	m->stats.start_ts = now;
	return m;
}

static void object_free(struct object *o)
{
	if (o->kind == LS_FD_EPOLL) {
		free(((struct reactor *)o)->interest);
	} else if (o->kind == LS_FD_EVENTFD || o->kind == LS_FD_PIPE) {
		free(((struct waker *)o)->edges);
	} else if (o->kind == LS_FD_SOCKET) {
		free(((struct socket *)o)->readiness_ns);
	}
	free(o);
}

void model_free(struct model *m)
{
	void *v;

	if (!m)
		return;
	for (size_t i = 0; omap_next(&m->tasks, &i, NULL, &v);)
		free(v);
	for (size_t i = 0; omap_next(&m->objects, &i, NULL, &v);)
		object_free(v);
	for (size_t i = 0; omap_next(&m->targets, &i, NULL, &v);) {
		omap_free(&((struct target *)v)->fds);
		free(v);
	}
	while (m->closed) {
		struct object *o = m->closed;

		m->closed = o->next_closed;
		object_free(o);
	}
	for (int i = 0; i < m->nexited; i++)
		free(m->exited[i]);
	free(m->exited);
	omap_free(&m->tasks);
	omap_free(&m->dead);
	omap_free(&m->objects);
	omap_free(&m->reactors);
	omap_free(&m->aliases);
	omap_free(&m->targets);
	free(m);
}

struct task *model_task(const struct model *m, pid_t tid)
{
	return omap_get(&m->tasks, (uint64_t)tid);
}

struct object *model_object(const struct model *m, uint64_t addr)
{
	struct object *o = addr ? omap_get(&m->objects, addr) : NULL;

	if (!o && addr && m->aliases.len)
		o = omap_get(&m->objects, (uint64_t)(uintptr_t)omap_get(&m->aliases, addr));
	return o;
}

/* A waker made of an AF_UNIX socketpair's two ends (socketpair_merge). */
static bool is_socketpair(const struct object *o)
{
	return o->kind == LS_FD_PIPE && ((const struct waker *)o)->pair;
}

const char *model_kind_name(const struct object *o)
{
	if (is_socketpair(o))
		return "socketpair";
	return fd_kind_name(o->kind);
}

struct object *model_object_gen(const struct model *m, uint64_t addr, uint64_t gen)
{
	struct object *o = model_object(m, addr), *last = NULL;

	if (o && (!gen || o->gen == gen))
		return o;
	for (struct object *c = m->closed; c && addr; c = c->next_closed) {
		if (c->addr != addr)
			continue;
		if (c->gen == gen)
			return c;
		if (!gen && (!last || c->gen > last->gen))
			last = c;
	}
	return last;
}

void model_set_keys(struct model *m, uint64_t id_key, uint64_t addr_key)
{
	m->secret = id_key;
	m->addr_key = addr_key;
}

uint64_t model_id(const struct model *m, const struct object *o)
{
	uint64_t a = o->addr;

	if (m->addr_key) /* as trace_hide_addrs() writes it into a recording */
		a = hide_identity(m->addr_key, a);
	return hide_addr(m->secret, a ^ hide_addr(~m->secret, o->gen));
}

static struct target *target_get(struct model *m, pid_t pid)
{
	struct target *t = omap_get(&m->targets, (uint64_t)pid);

	if (!t) {
		t = xcalloc(1, sizeof(*t));
		t->pid = pid;
		t->alive = true;
		omap_put(&m->targets, (uint64_t)pid, t);
	}
	return t;
}

void model_add_target(struct model *m, pid_t pid, const char *name)
{
	struct target *t = target_get(m, pid);

	if (name)
		snprintf(t->name, sizeof(t->name), "%s", name);
}

static struct task *task_get(struct model *m, pid_t pid, pid_t tid, uint64_t ts)
{
	struct task *t = model_task(m, tid);

	if (!t)
		t = omap_get(&m->dead, (uint64_t)tid); /* a late record of an exited task */
	if (t)
		return t;
	t = xcalloc(1, sizeof(*t));
	t->tid = tid;
	t->pid = pid;
	t->alive = true;
	t->state = TASK_RUNNING;
	t->blocked_nr = -1;
	t->turn_block_nr[0] = t->turn_block_nr[1] = -1;
	t->first_ts = ts;
	hist_init(&t->turn_ns);
	hist_init(&t->wake_to_run_ns);
	omap_put(&m->tasks, (uint64_t)tid, t);
	target_get(m, pid);
	return t;
}

static size_t object_size(uint8_t kind)
{
	switch (kind) {
	case LS_FD_EPOLL:
		return sizeof(struct reactor);
	case LS_FD_EVENTFD:
	case LS_FD_PIPE:
		return sizeof(struct waker);
	case LS_FD_SOCKET:
		return sizeof(struct socket);
	case LS_FD_TIMERFD:
	case LS_FD_SIGNALFD:
	case LS_FD_IO_URING:
		return sizeof(struct object); /* bound and closed like the others, never listed */
	default:
		return 0;
	}
}

static void unregister_everywhere(struct model *m, struct object *gone)
{
	void *v;

	for (size_t i = 0; omap_next(&m->reactors, &i, NULL, &v);) {
		struct reactor *r = v;

		for (int j = 0; j < r->ninterest; j++) {
			if (r->interest[j].addr == gone->addr) {
				r->interest[j--] = r->interest[--r->ninterest];
			}
		}
	}
}

/* A waker closed while a thread sleeps in a reactor it is registered in:
 * the wake that thread may be waiting for can no longer come. */
static void waker_note_lost(struct model *m, struct waker *w, uint64_t ts)
{
	void *rv, *tv;

	for (size_t i = 0; !w->lost_tid && omap_next(&m->reactors, &i, NULL, &rv);) {
		struct reactor *r = rv;
		bool in = false;

		for (int j = 0; j < r->ninterest && !in; j++)
			in = r->interest[j].addr == w->o.addr;
		for (size_t k = 0; in && omap_next(&m->tasks, &k, NULL, &tv);) {
			struct task *t = tv;

			if (t->alive && t->state == TASK_POLLING && t->waiting_on == r->o.addr) {
				w->lost_tid = t->tid;
				w->lost_reactor = r->o.addr;
				w->lost_ts = ts;
				w->lost_turns = t->turns;
				break;
			}
		}
	}
}

static void object_close(struct model *m, struct object *o, uint64_t ts)
{
	if (o->kind == LS_FD_EVENTFD || o->kind == LS_FD_PIPE)
		waker_note_lost(m, (struct waker *)o, ts);
	if (is_socketpair(o))
		omap_del(&m->aliases, ((struct waker *)o)->pair);
	omap_del(&m->objects, o->addr);
	if (o->kind == LS_FD_EPOLL)
		omap_del(&m->reactors, o->addr);
	o->open = false;
	o->closed_ts = ts;
	o->next_closed = m->closed;
	m->closed = o;
	/* the kernel drops a file from every epoll when its last reference goes */
	unregister_everywhere(m, o);
}

/* The keys of t->fds that name addr, in *n (free the array).  Collected
 * first, for a caller that changes the map: a walk must not. */
static uint64_t *fds_naming(const struct target *t, uint64_t addr, size_t *n)
{
	uint64_t *keys = xcalloc(t->fds.len + 1, sizeof(*keys)), key;
	void *a;

	*n = 0;
	for (size_t j = 0; omap_next(&t->fds, &j, &key, &a);)
		if ((uint64_t)(uintptr_t)a == addr)
			keys[(*n)++] = key;
	return keys;
}

/* The address of an object still open here was freed and reused behind our
 * back: the fds that named it were closed unseen.  Forget them, or they
 * would name (and, closed later, unref) the new object at the address. */
static void object_forget(struct model *m, struct object *o, uint64_t ts)
{
	void *v;

	for (size_t i = 0; omap_next(&m->targets, &i, NULL, &v);) {
		struct target *t = v;
		size_t n;
		uint64_t *stale = fds_naming(t, o->addr, &n);

		for (size_t j = 0; j < n; j++)
			omap_del(&t->fds, stale[j]);
		free(stale);
	}
	o->refs = 0;
	object_close(m, o, ts);
}

static struct object *object_get(struct model *m, pid_t pid, pid_t creator, uint64_t addr,
				 uint8_t kind, uint64_t ts)
{
	struct object *o = model_object(m, addr);
	size_t size = object_size(kind);

	if (o && (o->kind == kind || (kind == LS_FD_SOCKET && is_socketpair(o))))
		return o; /* (a socketpair self-pipe is a waker made of two sockets) */
	if (o) /* the address was freed and reused behind our back */
		object_forget(m, o, ts);
	if (!size || !addr)
		return NULL;
	o = xcalloc(1, size);
	o->addr = addr;
	o->gen = ++m->generations;
	o->kind = kind;
	o->pid = pid;
	o->creator = creator;
	o->open = true;
	o->created_ts = ts;
	if (kind == LS_FD_EVENTFD || kind == LS_FD_PIPE)
		hist_init(&((struct waker *)o)->latency_ns);
	omap_put(&m->objects, addr, o);
	if (kind == LS_FD_EPOLL)
		omap_put(&m->reactors, addr, o);
	return o;
}

static void object_drop_fd(struct object *o, pid_t pid, int fd)
{
	if (o->pid != pid)
		return;
	for (int i = 0; i < o->nfds; i++) {
		if (o->fds[i] == fd) {
			o->fds[i] = o->fds[--o->nfds];
			return;
		}
	}
}

/* The fds target t has for addr, into o->fds (the first OBJ_FDS_MAX). */
static int fds_of(const struct target *t, struct object *o)
{
	uint64_t key;
	void *v;
	int n = 0;

	o->nfds = 0;
	for (size_t i = 0; omap_next(&t->fds, &i, &key, &v);) {
		if ((uint64_t)(uintptr_t)v != o->addr)
			continue;
		if (o->nfds < OBJ_FDS_MAX)
			o->fds[o->nfds++] = (int)(key - 1);
		n++;
	}
	return n;
}

/* Its process closed the last fd it knew of an object that others still
 * hold (a child after fork, a process it was passed to): the object now
 * belongs to one of them, with their fds.  Rare: only a shared object
 * whose owner let go. */
static void object_rehome(struct model *m, struct object *o)
{
	struct target *t = omap_get(&m->targets, (uint64_t)o->pid);
	void *v;

	if (t && fds_of(t, o)) /* more fds than fds[] listed */
		return;
	for (size_t i = 0; omap_next(&m->targets, &i, NULL, &v);) {
		t = v;
		if (t->pid != o->pid && fds_of(t, o)) {
			o->pid = t->pid;
			return;
		}
	}
}

static void fd_unbind(struct model *m, pid_t pid, int fd, uint64_t ts)
{
	struct target *t = omap_get(&m->targets, (uint64_t)pid);
	uint64_t addr;
	struct object *o;

	if (!t || fd < 0) /* fd + 1 == 0 is the map's empty key */
		return;
	addr = (uint64_t)(uintptr_t)omap_del(&t->fds, (uint64_t)fd + 1);
	o = model_object(m, addr);
	if (!o)
		return;
	if (--o->refs <= 0) {
		object_close(m, o, ts); /* keeps its fds, to say which one it was */
	} else {
		object_drop_fd(o, pid, fd);
		if (o->pid == pid && !o->nfds)
			object_rehome(m, o);
	}
}

static void fd_bind(struct model *m, pid_t pid, int fd, struct object *o, uint64_t ts)
{
	struct target *t;
	uint64_t cur;

	if (!o || fd < 0)
		return;
	t = target_get(m, pid);
	cur = (uint64_t)(uintptr_t)omap_get(&t->fds, (uint64_t)fd + 1);
	if (cur == o->addr)
		return;
	if (cur)
		fd_unbind(m, pid, fd, ts);
	omap_put(&t->fds, (uint64_t)fd + 1, (void *)(uintptr_t)o->addr);
	o->refs++;
	if (o->pid == pid && o->nfds < OBJ_FDS_MAX)
		o->fds[o->nfds++] = fd;
}

static struct object *object_at(struct model *m, pid_t pid, int fd, uint64_t addr, uint8_t kind,
				 uint64_t ts)
{
	struct object *o = object_get(m, pid, 0, addr, kind, ts);

	fd_bind(m, pid, fd, o, ts);
	return o;
}

static void end_sleep(struct task *t, uint64_t ts)
{
	if (!t->sleep_since)
		return;
	if (ts > t->sleep_since) {
		t->sleeps[t->sleep_next % SLEEP_RING][0] = t->sleep_since;
		t->sleeps[t->sleep_next % SLEEP_RING][1] = ts;
		t->sleep_next++;
		if (t->state == TASK_POLLING && t->wait_unrecorded)
			t->t_polling += ts - t->sleep_since; /* no wait record will count it */
		if (t->state == TASK_BLOCKED) {
			t->t_blocked += ts - t->sleep_since;
			int c = t->blocked_shared;

			if (ts - t->sleep_since > t->turn_block_ns[c]) {
				t->turn_block_ns[c] = ts - t->sleep_since;
				t->turn_block_nr[c] = t->blocked_nr;
				t->turn_block_start[c] = t->sleep_since;
				t->turn_block_waker[c] = t->sleep_waker;
			}
		}
	}
	t->sleep_since = 0;
}

/* Time within [start, end] covered by a ring of recent [from, to] stretches. */
static uint64_t ring_within(const uint64_t ring[SLEEP_RING][2], uint64_t start, uint64_t end)
{
	uint64_t sum = 0;

	for (int i = 0; i < SLEEP_RING; i++) {
		uint64_t a = ring[i][0] > start ? ring[i][0] : start;
		uint64_t b = ring[i][1] < end ? ring[i][1] : end;

		if (b > a)
			sum += b - a;
	}
	return sum;
}

/* Time the task slept inside [start, end]. */
static uint64_t slept_within(const struct task *t, uint64_t start, uint64_t end)
{
	return ring_within(t->sleeps, start, end);
}

uint64_t task_queued_within(const struct task *t, uint64_t start, uint64_t end)
{
	return t ? ring_within(t->queued, start, end) : 0;
}

static void task_on_cpu(struct task *t, uint64_t ts)
{
	if (!t->alive)
		return;
	if (t->state == TASK_RUNNABLE && t->runnable_since && ts > t->runnable_since) {
		t->t_runnable += ts - t->runnable_since;
		t->queued[t->queued_next % SLEEP_RING][0] = t->runnable_since;
		t->queued[t->queued_next % SLEEP_RING][1] = ts;
		t->queued_next++;
	}
	else if (t->state == TASK_BLOCKED || t->state == TASK_POLLING)
		end_sleep(t, ts); /* woken while we did not look */
	if (t->waking_ts && ts >= t->waking_ts)
		hist_add(&t->wake_to_run_ns, ts - t->waking_ts);
	t->waking_ts = 0;
	t->runnable_since = 0;
	if (!t->on_cpu) {
		t->on_cpu = true;
		t->oncpu_since = ts;
	}
	t->state = TASK_RUNNING;
	t->waiting_on = 0;
}

uint64_t task_busy_at(const struct task *t, uint64_t now)
{
	return t->t_busy + (t->on_cpu && now > t->oncpu_since ? now - t->oncpu_since : 0);
}

static void task_off_cpu(struct task *t, uint64_t ts)
{
	if (t->on_cpu && ts > t->oncpu_since)
		t->t_busy += ts - t->oncpu_since;
	t->on_cpu = false;
}

static void waker_add_edge(struct waker *w, pid_t from, pid_t to)
{
	for (int i = 0; i < w->nedges; i++) {
		if (w->edges[i].from == from && w->edges[i].to == to) {
			w->edges[i].count++;
			return;
		}
	}
	if (w->nedges == w->cap) {
		int cap = w->cap ? w->cap * 2 : 4;
		struct edge *e = realloc(w->edges, cap * sizeof(*e));

		if (!e)
			return;
		w->edges = e;
		w->cap = cap;
	}
	w->edges[w->nedges++] = (struct edge){from, to, 1};
}

/* A wait returned this waker before the write's record came (the writer
 * was preempted between the wake and its syscall exit): the write is the
 * wake's cause all the same, and that wait is a waker wake, not "other". */
static void waker_deliver_late(struct model *m, struct waker *w, const struct ls_rec_io *io)
{
	struct task *t = model_task(m, w->orphan_tid);

	if (!t)
		t = omap_get(&m->dead, (uint64_t)w->orphan_tid);
	w->wakes++;
	waker_add_edge(w, io->h.tid, w->orphan_tid);
	hist_add(&w->latency_ns, w->orphan_ts - io->start);
	if (t && w->orphan_other) {
		if (t->wakes_other)
			t->wakes_other--;
		t->wakes_waker++;
		if (t->tid == (pid_t)io->h.tid)
			t->wakes_self++;
	}
	w->orphan_tid = 0;
}

static struct interest *interest_by_token(struct reactor *r, uint64_t token)
{
	for (int i = 0; i < r->ninterest; i++)
		if (r->interest[i].token == token)
			return &r->interest[i];
	return NULL;
}

static void reactor_add_poller(struct reactor *r, pid_t tid)
{
	for (int i = 0; i < r->npollers; i++)
		if (r->pollers[i] == tid)
			return;
	if (r->npollers < (int)(sizeof(r->pollers) / sizeof(r->pollers[0])))
		r->pollers[r->npollers++] = tid;
}

#define TASK_STATE_DEAD 0x0080 /* TASK_DEAD in prev_state */
#define TASK_STATE_UNINTERRUPTIBLE 0x0002
#define TURN_CPU_SLACK_NS 4000000ULL /* a scheduler tick at HZ=250 (these machines' kernel) */

enum wake_cause { WAKE_OTHER, WAKE_SOCKET, WAKE_WAKER };

uint64_t model_cpu_band(uint64_t by_switches, uint64_t by_count)
{
	if (by_switches > by_count + TURN_CPU_SLACK_NS)
		return by_count + TURN_CPU_SLACK_NS;
	if (by_count > TURN_CPU_SLACK_NS && by_switches < by_count - TURN_CPU_SLACK_NS)
		return by_count - TURN_CPU_SLACK_NS;
	return by_switches;
}

/* The turn this wait ends (from the previous wait's return to its entry),
 * handed to the diagnosis hook before the task's fields move on. */
static void end_turn(struct model *m, struct task *t, const struct ls_rec_wait *w, bool wait_slept)
{
	uint64_t busy = task_busy_at(t, w->h.ts);
	struct turn tn = {
		.task = t, .wait = w, .reactor = w->obj, .prev_reactor = t->last_reactor,
		.start = t->last_ret_ts,
		.block_ns = {t->turn_block_ns[0], t->turn_block_ns[1]},
		.block_nr = {t->turn_block_nr[0], t->turn_block_nr[1]},
		.block_start = {t->turn_block_start[0], t->turn_block_start[1]},
		.block_waker = {t->turn_block_waker[0], t->turn_block_waker[1]},
		.ready = w->ret > 0 && !wait_slept,
	};

	if (!m->on_turn)
		return;
	if (t->last_ret_ts && busy > t->busy_at_ret)
		tn.busy_ns = busy - t->busy_at_ret;
	/* Time on CPU by the switches counts time the hypervisor took from the
	 * vCPU (100 ms at once on these shared machines), and misses the run
	 * after a switch in the kernel did not report.  The kernel's own count
	 * (steal excluded) is in the wait records, but only as fresh as the
	 * scheduler's last update, a tick old at most, so the turn's true CPU
	 * is within a tick of the count's difference: the switches' sum stands
	 * inside that band (exact when nothing was missed or stolen) and is
	 * brought back to its edge outside it (two ticks from the truth at
	 * worst). */
	if (t->last_ret_ts && t->cpu_at_ret && w->cpu_enter)
		tn.busy_ns = model_cpu_band(tn.busy_ns, w->cpu_enter > t->cpu_at_ret ?
							w->cpu_enter - t->cpu_at_ret : 0);
	/* time on CPU inside this wait is not the turn's: never more than its length */
	if (tn.busy_ns > (w->start > t->last_ret_ts ? w->start - t->last_ret_ts : 0))
		tn.busy_ns = w->start > t->last_ret_ts ? w->start - t->last_ret_ts : 0;
	m->on_turn(m->turn_ctx, m, &tn);
}

static void feed_wait(struct model *m, const struct ls_rec_wait *w)
{
	uint64_t ts = w->h.ts;
	struct task *t = task_get(m, w->h.tgid, w->h.tid, ts);
	struct reactor *r = (struct reactor *)object_at(m, w->h.tgid, w->epfd, w->obj, LS_FD_EPOLL, ts);
	enum wake_cause cause = WAKE_OTHER;
	struct waker *orphans[LS_WAIT_EVENTS_MAX];
	int norphans = 0;
	bool self = false;

	/* slept between the last wait and this one, or inside this one */
	bool gap_slept = t->turn_block_ns[0] || t->turn_block_ns[1] || (t->sleep_since && t->sleep_since < w->start) ||
			 (t->last_ret_ts && slept_within(t, t->last_ret_ts, w->start));
	bool wait_slept = slept_within(t, w->start, ts) || (t->sleep_since && t->sleep_since >= w->start);
	bool empty0 = w->ret == 0 && w->timeout_ns == 0;

	if (ts > w->start)
		t->t_polling += ts - w->start;
	if (t->last_ret_ts && w->start >= t->last_ret_ts)
		hist_add(&t->turn_ns, w->start - t->last_ret_ts);
	end_turn(m, t, w, wait_slept);
	/* a zero-timeout poll with nothing between it and the last wait but
	 * CPU spins; one between real sleeps (Go's Ms poll the netpoller with
	 * a zero timeout before they park on a futex) does not, nor one after
	 * IO (a loop that polls so because it has work: Go's Ms between two
	 * goroutines, libuv with callbacks pending) */
	if (empty0 && !gap_slept && t->ops == t->ops_at_ret)
		t->spin_polls++;
	t->ops_at_ret = t->ops;
	if (w->timeout_ns != 0)
		t->sleeps_in_wait = true;
	t->last_ret_ts = ts;
	t->last_wait_ns = ts > w->start ? ts - w->start : 0;
	t->last_reactor = w->obj;
	t->turns++;
	if (w->ret > 0)
		t->events += w->ret;
	if (w->ret == 0 && w->timeout_ns == 0)
		t->empty_polls++;
	task_on_cpu(t, ts);
	t->busy_at_ret = task_busy_at(t, ts);
	t->cpu_at_ret = w->cpu_exit;
	t->turn_block_ns[0] = t->turn_block_ns[1] = 0;
	t->turn_block_nr[0] = t->turn_block_nr[1] = -1;
	t->turn_block_waker[0] = t->turn_block_waker[1] = 0;
	if (r) {
		r->last_poll_ts = ts;
		r->turns++;
		if (w->ret > 0)
			r->events += w->ret;
		if (w->ret == 0)
			r->timeouts++;
		reactor_add_poller(r, t->tid);
	}
	if (w->ret == 0) {
		t->wakes_timeout++;
		t->last_self_wake = false;
		return;
	}
	for (int i = 0; r && i < w->nev && i < LS_WAIT_EVENTS_MAX; i++) {
		struct interest *in = interest_by_token(r, w->ev[i].data);
		struct object *o = in ? model_object(m, in->addr) : NULL;

		if (!o)
			continue;
		if (o->kind == LS_FD_EVENTFD || o->kind == LS_FD_PIPE) {
			struct waker *wk = (struct waker *)o;

			if (!wk->pending_tid) {
				wk->orphan_tid = t->tid;
				wk->orphan_ts = ts;
				orphans[norphans++] = wk;
				continue;
			}
			wk->wakes++;
			waker_add_edge(wk, wk->pending_tid, t->tid);
			hist_add(&wk->latency_ns, ts > wk->pending_ts ? ts - wk->pending_ts : 0);
			self |= wk->pending_tid == t->tid;
			wk->pending_tid = 0;
			cause = WAKE_WAKER;
		} else if (o->kind == LS_FD_SOCKET) {
			struct socket *s = (struct socket *)o;

			if (!s->ready_since &&
			    (w->ev[i].events & (EPOLLIN | EPOLLPRI | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
				s->ready_since = ts;
			if (cause == WAKE_OTHER)
				cause = WAKE_SOCKET;
		}
	}
	for (int i = 0; i < norphans; i++)
		orphans[i]->orphan_other = cause == WAKE_OTHER;
	if (cause == WAKE_WAKER)
		t->wakes_waker++;
	else if (cause == WAKE_SOCKET)
		t->wakes_socket++;
	else
		t->wakes_other++;
	if (self)
		t->wakes_self++;
	/* a self-wake that follows a self-wake with no sleep anywhere between
	 * is a spin: a timer re-armed by the loop thread (tokio), or a block_on
	 * future woken by the thread's own driver, wakes itself once and then
	 * sleeps until the timer or the IO comes */
	if (self && !wait_slept && t->last_self_wake && !gap_slept)
		t->self_spins++;
	t->last_self_wake = self && !wait_slept;
}

/* The kernel always watches these, and fdinfo shows them: so do we. */
#define EPOLL_ALWAYS (EPOLLERR | EPOLLHUP)

/* Every reference to address from (fds of every target, interest lists)
 * made to name address to. */
static void object_readdress(struct model *m, uint64_t from, uint64_t to)
{
	void *v;

	for (size_t i = 0; omap_next(&m->targets, &i, NULL, &v);) {
		struct target *t = v;
		size_t n;
		uint64_t *keys = fds_naming(t, from, &n);

		for (size_t j = 0; j < n; j++)
			omap_put(&t->fds, keys[j], (void *)(uintptr_t)to);
		free(keys);
	}
	for (size_t i = 0; omap_next(&m->reactors, &i, NULL, &v);) {
		struct reactor *r = v;

		for (int j = 0; j < r->ninterest; j++)
			if (r->interest[j].addr == from)
				r->interest[j].addr = to;
	}
}

/* A self-pipe made of a socketpair (Python's asyncio, and others): an
 * AF_UNIX pair whose two ends are both held by one process, one of them
 * now registered in a reactor, is a waker like a pipe, not two sockets.
 * Both ends become one waker at s's address (the ids of the JSON are s's);
 * model_object() finds it by the other end's too.  The socket counters the
 * two had so far (a pair is registered right after it is made) are not
 * kept.  Returns the waker, or s when it is no such pair. */
static bool holds(const struct model *m, pid_t pid, uint64_t addr)
{
	struct target *t = omap_get(&m->targets, (uint64_t)pid);
	size_t n = 0;
	uint64_t *keys = t ? fds_naming(t, addr, &n) : NULL;

	free(keys);
	return n > 0;
}

static struct object *socketpair_merge(struct model *m, pid_t pid, struct socket *s)
{
	struct socket *p;
	struct waker *w;

	if (!s->peer || s->addr.family != AF_UNIX)
		return &s->o;
	p = (struct socket *)model_object(m, s->peer);
	if (!p || p == s || p->o.kind != LS_FD_SOCKET || p->peer != s->o.addr || p->o.pid != s->o.pid)
		return &s->o;
	/* the process that registers one end must hold the other: an nginx
	 * worker registers its end of a channel whose other end is its
	 * master's (both were the master's before the fork) */
	if (!holds(m, pid, s->o.addr) || !holds(m, pid, p->o.addr))
		return &s->o;
	w = xcalloc(1, sizeof(*w));
	w->o = s->o;
	w->o.kind = LS_FD_PIPE;
	w->o.refs += p->o.refs;
	for (int i = 0; i < p->o.nfds && w->o.nfds < OBJ_FDS_MAX; i++)
		w->o.fds[w->o.nfds++] = p->o.fds[i];
	if (p->o.created_ts && p->o.created_ts < w->o.created_ts)
		w->o.created_ts = p->o.created_ts;
	w->pair = p->o.addr;
	hist_init(&w->latency_ns);
	omap_put(&m->objects, w->o.addr, w); /* in s's place */
	omap_del(&m->objects, p->o.addr);
	omap_put(&m->aliases, p->o.addr, (void *)(uintptr_t)w->o.addr);
	object_readdress(m, p->o.addr, w->o.addr);
	object_free(&s->o);
	object_free(&p->o);
	return &w->o;
}

static void feed_ctl(struct model *m, const struct ls_rec_ctl *c)
{
	uint64_t ts = c->h.ts, fd_obj;
	struct reactor *r;
	struct object *o;

	task_get(m, c->h.tgid, c->h.tid, ts)->ops++;
	if (c->ret != 0)
		return;
	r = (struct reactor *)object_at(m, c->h.tgid, c->epfd, c->obj, LS_FD_EPOLL, ts);
	o = object_at(m, c->h.tgid, c->fd, c->fd_obj, c->fd_kind, ts);
	if (!r)
		return;
	if (o && o->kind == LS_FD_SOCKET && c->op == EPOLL_CTL_ADD)
		o = socketpair_merge(m, c->h.tgid, (struct socket *)o);
	fd_obj = o ? o->addr : c->fd_obj; /* a socketpair's second end: the waker's address */
	for (int i = 0; i < r->ninterest; i++) {
		struct interest *in = &r->interest[i];

		if (in->fd != c->fd || in->addr != fd_obj)
			continue;
		if (c->op == EPOLL_CTL_DEL) {
			*in = r->interest[--r->ninterest];
		} else {
			in->events = c->events | EPOLL_ALWAYS;
			in->token = c->data;
		}
		return;
	}
	if (c->op != EPOLL_CTL_ADD)
		return;
	if (r->ninterest == r->cap) {
		int cap = r->cap ? r->cap * 2 : 8;
		struct interest *n = realloc(r->interest, cap * sizeof(*n));

		if (!n)
			return;
		r->interest = n;
		r->cap = cap;
	}
	r->interest[r->ninterest++] = (struct interest){
		.addr = fd_obj, .fd = c->fd, .kind = c->fd_kind, .events = c->events | EPOLL_ALWAYS,
		.token = c->data};
	if (o && (o->kind == LS_FD_EVENTFD || o->kind == LS_FD_PIPE))
		((struct waker *)o)->registered = true;
}

static void feed_fd_new(struct model *m, const struct ls_rec_fd_new *f)
{
	uint64_t ts = f->h.ts;
	struct task *t = task_get(m, f->h.tgid, f->h.tid, ts);

	t->ops++;

	for (int i = 0; i < 2; i++) {
		struct object *o;

		if (f->fd[i] < 0 || !f->obj[i])
			continue;
		o = model_object(m, f->obj[i]);
		/* a pipe's two ends are one object: the second end is no reuse */
		if (o && !(i == 1 && f->obj[1] == f->obj[0]))
			object_forget(m, o, ts);
		o = object_get(m, f->h.tgid, f->h.tid, f->obj[i], f->kind[i], ts);
		fd_bind(m, f->h.tgid, f->fd[i], o, ts);
		if (o && o->kind == LS_FD_EPOLL && t->last_reactor != o->addr &&
		    omap_get(&m->reactors, t->last_reactor))
			((struct reactor *)o)->creator_polled = t->last_reactor;
		if (o && o->kind == LS_FD_SOCKET && (i == 0 || f->sc == LS_SC_SOCKETPAIR)) {
			struct socket *s = (struct socket *)o;

			s->addr = f->addr;
			s->type = f->sock_type;
			s->protocol = f->protocol;
			if (f->sc == LS_SC_SOCKETPAIR && f->obj[!i] != f->obj[i])
				s->peer = f->obj[!i];
		}
	}
}

static void io_count(struct io_side *side, const struct ls_rec_io *io, uint64_t blocked)
{
	bool mmsg = io->sc == LS_SC_RECVMMSG || io->sc == LS_SC_SENDMMSG;

	if (mmsg && io->ret >= 0 && io->value) {
		/* recvmmsg/sendmmsg: every message is an op (datagrams may be empty) */
		side->bytes += io->ret;
		side->ops += io->value;
	} else if (io->ret > 0) {
		side->bytes += io->ret;
		side->ops++;
	} else if (io->ret == 0) {
		side->eof++;
	} else if (io->ret == -EAGAIN) {
		side->eagain++;
	} else {
		side->errors++;
	}
	if (io->h.ts > io->start)
		side->syscall_ns += io->h.ts - io->start;
	side->blocked_ns += blocked;
}

/* A write to an fd that is not open: if the fd last named a waker of this
 * process, the writer still holds a waker that was dropped. */
static void waker_note_ebadf(struct model *m, const struct ls_rec_io *io)
{
	for (struct object *o = m->closed; o; o = o->next_closed) {
		if (o->pid != (pid_t)io->h.tgid || (o->kind != LS_FD_EVENTFD && o->kind != LS_FD_PIPE))
			continue;
		for (int i = 0; i < o->nfds; i++) {
			if (o->fds[i] == io->fd) {
				struct waker *w = (struct waker *)o;

				w->ebadf_writes++;
				w->ebadf_tid = io->h.tid;
				w->ebadf_ts = io->h.ts;
				return;
			}
		}
	}
}

/* Round trips: a write right after a read of the same socket by the same
 * thread (no wait, no sleep in between) answers that read.  Its wait is
 * the socket's own: from the socket's last write (or its creation) to the
 * read's data, the time its writes were held behind that read, whatever
 * the thread did meanwhile (another task's timer keeps its epoll waits
 * short; inside a tokio block_on it parks on a futex instead). */
static void socket_note_order(struct socket *s, const struct task *t, const struct ls_rec_io *io)
{
	if (io->ret <= 0)
		return;
	if (io->dir == LS_DIR_READ) {
		uint64_t since = s->last_wr_end ? s->last_wr_end : s->o.created_ts;

		s->rd_tid = io->h.tid;
		s->rd_end = io->h.ts;
		s->rd_answered = false;
		s->rd_wait_ns = io->h.ts > since ? io->h.ts - since : 0;
		return;
	}
	if (s->rd_tid == (pid_t)io->h.tid && s->rd_end && t->last_ret_ts <= s->rd_end &&
	    slept_within(t, s->rd_end, io->start) == 0) {
		if (!s->rd_answered) {
			s->trips++;
			s->trips_wait_ns += s->rd_wait_ns;
			s->rd_answered = true;
		}
	} else {
		s->solo_writes++;
	}
	s->last_wr_end = io->h.ts;
}

static void feed_io(struct model *m, const struct ls_rec_io *io)
{
	uint64_t ts = io->h.ts;
	struct task *t = task_get(m, io->h.tgid, io->h.tid, ts);
	struct object *o;

	t->ops++;

	if (!io->obj && io->ret == -EBADF && io->dir == LS_DIR_WRITE) {
		waker_note_ebadf(m, io);
		return;
	}
	o = object_at(m, io->h.tgid, io->fd, io->obj, io->kind, ts);
	if (!o)
		return;
	if (o->kind == LS_FD_SOCKET) {
		struct socket *s = (struct socket *)o;
		uint64_t blocked = slept_within(t, io->start, ts);

		socket_note_order(s, t, io);
		if (io->dir == LS_DIR_WRITE) {
			io_count(&s->wr, io, blocked);
			return;
		}
		io_count(&s->rd, io, blocked);
		if (s->ready_since) {
			if (!s->readiness_ns) {
				s->readiness_ns = xcalloc(1, sizeof(*s->readiness_ns));
				hist_init(s->readiness_ns);
			}
			hist_add(s->readiness_ns, io->start > s->ready_since ? io->start - s->ready_since : 0);
			s->ready_since = 0;
		}
		return;
	}
	if (o->kind != LS_FD_EVENTFD && o->kind != LS_FD_PIPE)
		return; /* no data syscall of ours works on anything else */
	/* eventfd or pipe: a waker */
	struct waker *w = (struct waker *)o;

	if (io->ret <= 0)
		return;
	if (io->dir == LS_DIR_WRITE) {
		w->writes++;
		/* coalesced: it lands on a wake not yet delivered (no wait
		 * returned the waker, nothing read it, since the last write).
		 * Not the eventfd's counter: mio's edge-triggered waker is
		 * never read, its counter never zero, and every write wakes. */
		if (w->pending_tid != 0)
			w->coalesced++;
		if (w->orphan_tid && io->start <= w->orphan_ts) {
			waker_deliver_late(m, w, io);
		} else if (!w->pending_tid) {
			w->pending_tid = io->h.tid;
			w->pending_ts = io->start;
		}
	} else {
		w->reads++;
		w->pending_tid = 0; /* drained: a later readiness is not this write's */
	}
}

/* The object fd names in pid's table now (0: none). */
static uint64_t fd_addr(const struct model *m, pid_t pid, int fd)
{
	struct target *t = omap_get(&m->targets, (uint64_t)pid);

	return t && fd >= 0 ? (uint64_t)(uintptr_t)omap_get(&t->fds, (uint64_t)fd + 1) : 0;
}

static void feed_close(struct model *m, const struct ls_rec_close *c)
{
	uint64_t cur = fd_addr(m, c->h.tgid, c->fd);
	struct object *o = model_object(m, c->obj);

	task_get(m, c->h.tgid, c->h.tid, c->h.ts)->ops++;
	if (c->ret != 0)
		return;
	/* Records come in the order of their syscalls' exits: a thread's
	 * close(7) can exit after another thread's accept4 was given the
	 * freed 7 (Go does so all the time).  Then 7 names the new object
	 * already (its bind let go of the old one): this close is not its. */
	if (c->obj && cur && cur != c->obj && (!o || o->addr != cur))
		return;
	/* The same, when the kernel also gave the new object the old one's
	 * memory (the close freed it): the address matches, but the close
	 * began, in another thread, before the object now at its fd was made. */
	if (o && o->addr == cur && o->creator && o->creator != (pid_t)c->h.tid &&
	    c->start < o->created_ts)
		return;
	/* a socket first seen by a read or write (open at attach, closed
	 * before the fd iterator reached it) learns its addresses here */
	if (o && o->addr == cur && o->kind == LS_FD_SOCKET && c->addr.family &&
	    !((struct socket *)o)->addr.family) {
		struct socket *s = (struct socket *)o;

		s->addr = c->addr;
		s->type = c->sock_type;
		s->protocol = c->protocol;
	}
	fd_unbind(m, c->h.tgid, c->fd, c->h.ts);
}

static void feed_sock_op(struct model *m, const struct ls_rec_sock_op *s)
{
	struct object *o;

	task_get(m, s->h.tgid, s->h.tid, s->h.ts)->ops++;
	o = object_at(m, s->h.tgid, s->fd, s->obj, LS_FD_SOCKET, s->h.ts);
	/* after connect, bind or listen (a socket made live has no address
	 * when socket() returns): its addresses, read by the probe after the
	 * call; a shutdown record has none */
	if (o && o->kind == LS_FD_SOCKET && (s->ret == 0 || s->ret == -EINPROGRESS) &&
	    s->addr.family)
		((struct socket *)o)->addr = s->addr;
}

static void feed_switch(struct model *m, const struct ls_rec_switch *s)
{
	uint64_t ts = s->h.ts;

	/* an exiting task's last switch comes after its exit record */
	if (s->prev_tid && !(s->prev_state & TASK_STATE_DEAD) && !omap_get(&m->dead, s->prev_tid)) {
		struct task *t = task_get(m, s->prev_tgid, s->prev_tid, ts);

		/* Leaving a CPU it was never seen entering: the kernel did not
		 * report its wake-up and switch in (6.18 skips some under CPU
		 * contention; ftrace misses the same ones).  It ran from a
		 * moment we cannot know: its sleep ends here, an upper bound. */
		if (!t->on_cpu && t->state != TASK_RUNNING) {
			m->stats.unseen_switch_ins++;
			task_on_cpu(t, ts);
		}
		task_off_cpu(t, ts);
		if (s->prev_state == 0) {
			t->state = TASK_RUNNABLE;
			t->runnable_since = ts;
		} else {
			bool wait = (s->prev_lsc >= LS_SC_EPOLL_WAIT && s->prev_lsc <= LS_SC_EPOLL_PWAIT2) ||
				    raw_syscall_is_wait(s->prev_sc);

			t->state = wait ? TASK_POLLING : TASK_BLOCKED;
			t->blocked_nr = wait ? -1 : s->prev_sc;
			t->blocked_shared = !wait && (s->prev_state & TASK_STATE_UNINTERRUPTIBLE);
			t->sleep_waker = 0;
			t->waiting_on = wait ? s->prev_obj : 0;
			t->sleep_since = ts;
			/* a wait the probes saw begin (a record will come) or not */
			if (s->prev_lsc) {
				t->wait_unrecorded = false;
				t->unrecorded_on = 0;
			} else if (wait) {
				t->wait_unrecorded = true;
				t->waiting_on = t->unrecorded_on;
			}
			if (!wait || !s->prev_lsc) {
				t->poll_since = 0;
			} else if (t->poll_turns != t->turns || !t->poll_since) {
				t->poll_since = ts;
				t->poll_turns = t->turns;
			}
			if (wait) {
				struct object *o = model_object(m, t->waiting_on);

				if (o && o->kind == LS_FD_EPOLL) {
					reactor_add_poller((struct reactor *)o, t->tid);
					((struct reactor *)o)->last_poll_ts = ts;
				}
			}
		}
	}
	if (s->next_tid && !omap_get(&m->dead, s->next_tid))
		task_on_cpu(task_get(m, s->next_tgid, s->next_tid, ts), ts);
}

static void feed_wakeup(struct model *m, const struct ls_rec_wakeup *w)
{
	struct task *t;

	if (omap_get(&m->dead, w->tid))
		return;
	t = task_get(m, w->tgid, w->tid, w->h.ts);
	if (t->state != TASK_BLOCKED && t->state != TASK_POLLING)
		return; /* already awake: a spurious or repeated wakeup */
	/* a futex another thread of its process woke: it waited on that thread */
	if (t->state == TASK_BLOCKED && raw_syscall_is_futex(t->blocked_nr) &&
	    w->h.tgid == (uint32_t)t->pid && w->h.tid != (uint32_t)t->tid) {
		t->blocked_shared = true;
		t->sleep_waker = (pid_t)w->h.tid;
	}
	end_sleep(t, w->h.ts);
	t->state = TASK_RUNNABLE;
	t->runnable_since = w->h.ts;
	t->waking_ts = w->h.ts;
}

static void task_exit(struct model *m, struct task *t, uint64_t ts)
{
	if (!t->alive)
		return; /* exited once already: it is in m->exited */
	task_off_cpu(t, ts);
	end_sleep(t, ts);
	t->alive = false;
	t->state = TASK_EXITED;
	t->exit_ts = ts;
	omap_del(&m->tasks, (uint64_t)t->tid);
	omap_put(&m->dead, (uint64_t)t->tid, t);
	if (m->nexited == m->capexited) {
		int cap = m->capexited ? m->capexited * 2 : 16;
		struct task **n = realloc(m->exited, cap * sizeof(*n));

		if (!n) {
			omap_del(&m->dead, (uint64_t)t->tid);
			free(t);
			return;
		}
		m->exited = n;
		m->capexited = cap;
	}
	m->exited[m->nexited++] = t;
}

void model_target_exited(struct model *m, pid_t pid, uint64_t now)
{
	struct target *tg = omap_get(&m->targets, (uint64_t)pid);
	uint64_t key;
	void *v;

	if (!tg || !tg->alive)
		return;
	tg->alive = false;
	/* collect first: unbinding and exiting change the maps we walk */
	size_t n = tg->fds.len, k = 0;
	uint64_t *keys = xcalloc(n + 1, sizeof(*keys));

	for (size_t i = 0; k < n && omap_next(&tg->fds, &i, &key, NULL);)
		keys[k++] = key;
	for (size_t i = 0; i < k; i++)
		fd_unbind(m, pid, (int)(keys[i] - 1), now);
	free(keys);
	n = m->tasks.len;
	struct task **dead = xcalloc(n + 1, sizeof(*dead));

	k = 0;
	for (size_t i = 0; omap_next(&m->tasks, &i, NULL, &v);)
		if (((struct task *)v)->pid == pid)
			dead[k++] = v;
	for (size_t i = 0; i < k; i++)
		task_exit(m, dead[i], now);
	free(dead);
}

static void feed_task(struct model *m, const struct ls_rec_task *r)
{
	uint64_t ts = r->h.ts;

	if (r->h.type == LS_REC_TASK_NEW) {
		struct task *c;

		task_get(m, r->h.tgid, r->h.tid, ts);
		if (r->child_tgid != r->h.tgid) {
			struct target *parent = target_get(m, r->h.tgid);
			struct target *child = target_get(m, r->child_tgid);
			uint64_t key;
			void *v;

			snprintf(child->name, sizeof(child->name), "%.15s", r->comm);
			for (size_t i = 0; omap_next(&parent->fds, &i, &key, &v);) {
				struct object *o = model_object(m, (uint64_t)(uintptr_t)v);

				if (o && !omap_get(&child->fds, key)) {
					omap_put(&child->fds, key, v);
					o->refs++;
				}
			}
		}
		/* a reused tid is a new task, whatever exited under it before */
		omap_del(&m->dead, (uint64_t)r->child_tid);
		c = task_get(m, r->child_tgid, r->child_tid, ts);
		snprintf(c->name, sizeof(c->name), "%.15s", r->comm);
		return;
	}
	struct task *t = task_get(m, r->h.tgid, r->h.tid, ts);

	snprintf(t->name, sizeof(t->name), "%.15s", r->comm);
	if (r->h.tid == r->h.tgid) /* exec renames a process: the leader's exit has the last name */
		snprintf(target_get(m, r->h.tgid)->name, sizeof(t->name), "%.15s", r->comm);
	task_exit(m, t, ts);
	if (r->group_dead)
		model_target_exited(m, r->h.tgid, ts);
}

static void feed_fd_info(struct model *m, const struct ls_rec_fd_info *f)
{
	struct object *o = object_at(m, f->h.tgid, f->fd, f->obj, f->kind, f->h.ts);

	if (!o)
		return;
	if (o->kind == LS_FD_SOCKET) {
		struct socket *s = (struct socket *)o;

		s->addr = f->addr;
		s->type = f->sock_type;
		s->protocol = f->protocol;
		if (f->addr.family == AF_UNIX)
			s->peer = f->peer;
	} else if (o->kind == LS_FD_EVENTFD) {
		((struct waker *)o)->count0 = f->count;
	}
}

/* Task and process ids the model keys maps with: 0 is a map's empty key. */
static bool record_ids_ok(const struct ls_hdr *h)
{
	const struct ls_rec_switch *s = (const void *)h;
	const struct ls_rec_wakeup *w = (const void *)h;
	const struct ls_rec_task *t = (const void *)h;

	switch (h->type) {
	case LS_REC_SWITCH: /* tid 0: that side is not traced */
		return !s->prev_tid == !s->prev_tgid && !s->next_tid == !s->next_tgid;
	case LS_REC_WAKEUP: /* the header is the waker, maybe the idle task */
		return w->tid && w->tgid;
	case LS_REC_TASK_NEW:
		return h->tid && h->tgid && t->child_tid && t->child_tgid;
	default:
		return h->tid && h->tgid;
	}
}

int model_feed(struct model *m, const void *rec, size_t len)
{
	const struct ls_hdr *h = rec;

	if (len < sizeof(*h) || h->type == 0 || h->type >= LS_REC_TYPE_MAX ||
	    len < rec_type(h->type)->size || h->size > len || !record_ids_ok(h)) {
		m->stats.garbled++;
		return -EINVAL;
	}
	m->stats.records++;
	switch (h->type) {
	case LS_REC_WAIT:
		feed_wait(m, rec);
		break;
	case LS_REC_CTL:
		feed_ctl(m, rec);
		break;
	case LS_REC_FD_NEW:
		feed_fd_new(m, rec);
		break;
	case LS_REC_IO:
		feed_io(m, rec);
		break;
	case LS_REC_CLOSE:
		feed_close(m, rec);
		break;
	case LS_REC_SOCK_OP:
		feed_sock_op(m, rec);
		break;
	case LS_REC_SWITCH:
		feed_switch(m, rec);
		break;
	case LS_REC_WAKEUP:
		feed_wakeup(m, rec);
		break;
	case LS_REC_TASK_NEW:
	case LS_REC_TASK_EXIT:
		feed_task(m, rec);
		break;
	case LS_REC_FD_INFO:
		feed_fd_info(m, rec);
		break;
	}
	return 0;
}

void model_seed_task(struct model *m, pid_t pid, pid_t tid, const char *name, long syscall_nr,
		     uint64_t now)
{
	struct task *t = task_get(m, pid, tid, now);

	snprintf(t->name, sizeof(t->name), "%s", name);
	if (syscall_nr < 0) {
		t->on_cpu = true;
		t->oncpu_since = now;
		return;
	}
	t->state = raw_syscall_is_wait(syscall_nr) ? TASK_POLLING : TASK_BLOCKED;
	t->blocked_nr = t->state == TASK_BLOCKED ? syscall_nr : -1;
	t->sleep_since = now;
	t->wait_unrecorded = t->state == TASK_POLLING;
	/* asleep in a wait: one that could sleep, so a loop thread */
	t->sleeps_in_wait = t->state == TASK_POLLING;
}

void model_task_cpu(struct model *m, pid_t tid, uint64_t cpu_ns, uint64_t ts)
{
	struct task *t = model_task(m, tid);

	if (t) {
		t->cpu_read = cpu_ns;
		t->cpu_read_ts = ts;
	}
}

void model_rename_task(struct model *m, pid_t tid, const char *name)
{
	struct task *t = model_task(m, tid);

	if (t)
		snprintf(t->name, sizeof(t->name), "%s", name);
}

static struct object *object_of_fd(struct model *m, pid_t pid, int fd)
{
	struct target *t = omap_get(&m->targets, (uint64_t)pid);

	return t ? model_object(m, (uint64_t)(uintptr_t)omap_get(&t->fds, (uint64_t)fd + 1)) : NULL;
}

void model_seed_interest(struct model *m, pid_t pid, int epfd, int tfd, uint32_t events,
			 uint64_t token, uint64_t now)
{
	struct object *r = object_of_fd(m, pid, epfd), *o = object_of_fd(m, pid, tfd);
	struct ls_rec_ctl c = {
		.h = {.ts = now, .tgid = pid, .tid = pid, .type = LS_REC_CTL, .size = sizeof(c)},
		.epfd = epfd, .fd = tfd, .op = EPOLL_CTL_ADD, .events = events, .data = token,
	};

	if (!r || r->kind != LS_FD_EPOLL)
		return;
	c.obj = r->addr;
	c.fd_obj = o ? o->addr : 0;
	c.fd_kind = o ? o->kind : LS_FD_OTHER;
	feed_ctl(m, &c);
}

void model_seed_wait(struct model *m, pid_t pid, pid_t tid, int epfd, int64_t timeout_ns,
		     uint64_t now)
{
	struct task *t = model_task(m, tid);
	struct object *o = object_of_fd(m, pid, epfd);
	struct reactor *r = o && o->kind == LS_FD_EPOLL ? (struct reactor *)o : NULL;

	(void)timeout_ns; /* kept in the record: a diagnosis may want it */
	if (!t || t->pid != pid || !t->wait_unrecorded || !r)
		return;
	t->unrecorded_on = r->o.addr;
	if (t->state == TASK_POLLING) {
		t->waiting_on = r->o.addr;
		reactor_add_poller(r, t->tid);
		if (r->last_poll_ts < now)
			r->last_poll_ts = now;
	}
}

void model_set_eventfd_count(struct model *m, pid_t pid, int fd, uint64_t count)
{
	struct object *o = object_of_fd(m, pid, fd);

	if (o && o->kind == LS_FD_EVENTFD)
		((struct waker *)o)->count0 = count;
}

void model_expire(struct model *m, uint64_t now)
{
	struct object **pp = &m->closed;
	int j = 0;

	while (*pp) {
		struct object *o = *pp;

		if (o->closed_ts + m->retain_ns <= now) {
			*pp = o->next_closed;
			object_free(o);
		} else {
			pp = &o->next_closed;
		}
	}
	for (int i = 0; i < m->nexited; i++) {
		if (m->exited[i]->exit_ts + m->retain_ns <= now) {
			omap_del(&m->dead, (uint64_t)m->exited[i]->tid);
			free(m->exited[i]);
		}
		else
			m->exited[j++] = m->exited[i];
	}
	m->nexited = j;
}

bool model_targets_alive(const struct model *m)
{
	void *v;

	for (size_t i = 0; omap_next(&m->targets, &i, NULL, &v);)
		if (((struct target *)v)->alive)
			return true;
	return false;
}
