/* diagnose.c - rules over the model that name the classic event-loop bugs
 * from kernel facts alone.  Facts come two ways: small counters the model
 * keeps per object (read every tick), and the model's turn hook (a wait's
 * return, with the busy and blocked time of the turn it ends).  A rule that
 * holds "sights" a warning; a warning sighted during a tick is active in
 * that tick's report, and stays listed, inactive, once it no longer holds. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "diagnose.h"
#include "report.h"
#include "syscalls.h"

enum diag {
	D_LOST_WAKER,
	D_SELF_WAKE,
	D_BLOCKING,
	D_NESTED,
	D_ORPHANED,
	D_HALF_DUPLEX,
	D_BUSY_POLL,
	D_MAX,
};

enum unit { U_NS, U_PCT, U_COUNT, U_RATE };

#define PARAMS_MAX 2
#define MS UINT64_C(1000000)

struct param {
	const char *name;
	enum unit unit;
	uint64_t def, max;
	const char *what;
};

struct diag_def {
	const char *name;
	const char *what;
	struct param p[PARAMS_MAX]; /* p[0]: what NAME=VALUE sets */
};

static const struct diag_def defs[D_MAX] = {
	[D_LOST_WAKER] = {"lost-waker",
			  "a registered waker closed while a thread sleeps in its reactor, or written after its close",
			  {{"sleep", U_NS, 500 * MS, 3600000 * MS,
			    "the poller still sleeps this long after the close"}}},
	[D_SELF_WAKE] = {"self-wake", "most wakes of a thread come from its own waker writes",
			 {{"share", U_PCT, 50, 100, "percent of its wakes in a 1 s window"},
			  {"min", U_COUNT, 20, 1000000000, "self-wakes in that window"}}},
	[D_BLOCKING] = {"blocking-in-loop",
			"a polling thread blocks in a syscall or computes this long between two waits",
			{{"time", U_NS, 20 * MS, 3600000 * MS, "a sleep it asked for, or CPU"},
			 {"wait", U_NS, 50 * MS, 3600000 * MS,
			  "a wait on another of its threads or on the kernel"}}},
	[D_NESTED] = {"nested-reactor",
		      "a thread that polls reactor A waits in reactor B, or in a futex, while A has events",
		      {{"time", U_NS, 10 * MS, 3600000 * MS, "time away from A"}}},
	[D_ORPHANED] = {"orphaned-reactor",
			"a reactor with registered fds that no live thread waits on",
			{{"time", U_NS, 2000 * MS, 3600000 * MS, "time with no waiter"}}},
	[D_HALF_DUPLEX] = {"half-duplex-socket",
			   "on a socket, writes only come right after a read, after long waits",
			   {{"wait", U_NS, 100 * MS, 3600000 * MS, "mean wait before those reads"},
			    {"trips", U_COUNT, 5, 1000000000, "round trips in a row"}}},
	[D_BUSY_POLL] = {"busy-poll", "a thread polls with a zero timeout and gets nothing, fast",
			 {{"rate", U_RATE, 1000, 1000000000, "empty zero-timeout waits per second"}}},
};

enum severity { SEV_WARNING, SEV_ERROR };

#define WOBJ_MAX 3
#define EV_MAX 6

struct wobj {
	char kind[8];  /* task, reactor, waker, socket */
	pid_t tid;     /* a task's id */
	pid_t pid;     /* its process, for who may see it (0: not known) */
	char id[24];   /* an object's id, as report_json() names it */
	char label[80];
};

struct warning {
	enum diag diag;
	int variant;
	uint64_t key[2];
	enum severity sev;
	struct wobj obj[WOBJ_MAX];
	int nobj;
	struct {
		const char *k;
		double v;
	} ev[EV_MAX];
	int nev;
	char summary[256];
	const char *advice;
	uint64_t first_ts, last_ts, count;
	uint64_t mark; /* a rule's own memory: the evidence counter last sighted */
	uint64_t worst; /* blocking-in-loop: the longest stall seen, ns */
	bool hit, active;
};

/* What the engine remembers of a task between ticks. */
struct tstate {
	uint64_t win_start;
	uint64_t empty, self, wakes, turns; /* counters at win_start */
	bool busy_bad, self_bad;            /* the last window's verdicts */
	double busy_rate;
	uint64_t busy_n, self_n, wakes_n, turns_n, win_ns;
	uint64_t away_from, away_in, away_since; /* an excursion from away_from into away_in */
};

/* ... and of a socket: the streak of round trips since its last lone write. */
struct sstate {
	uint64_t trips, wait_ns, solo;
};

struct diagnoses {
	bool off[D_MAX];
	uint64_t val[D_MAX][PARAMS_MAX];
	struct warning *w;
	int nw;
	uint64_t dropped; /* sightings that found the table full of active warnings */
	uint64_t last_run;
	struct omap tasks;   /* tid -> struct tstate */
	struct omap sockets; /* kernel addr -> struct sstate */
	char err[160];
};

static const char *const advice[D_MAX][2] = {
	[D_LOST_WAKER] = {"the waker was dropped before the poll it should wake returned: keep it "
			  "open until the poller has woken (wake it, then close), or the poller sleeps on",
			  "a waker is written after its fd was closed: the waker handle outlived its "
			  "eventfd; its wakes are lost, keep the fd open as long as any handle may wake"},
	[D_SELF_WAKE] = {"the thread wakes itself to yield (a busy yield loop): finish the ready work "
			 "in the same turn, or wait for real readiness instead of self-notifying"},
	[D_BLOCKING] = {"a blocking call on an event-loop thread stalls every task of the loop: "
			"make it non-blocking, or move it to a blocking pool (spawn_blocking)",
			"a long computation on an event-loop thread stalls every task of the loop: "
			"split it or move it to a worker pool"},
	[D_NESTED] = {"a runtime started inside a runtime: the thread polls a second reactor while "
		      "its own has work; run the inner work on the outer runtime (await it) or on "
		      "its own thread",
		      "a thread that polls a reactor created another one: a runtime inside a "
		      "runtime; create runtimes once, outside the loop"},
	[D_ORPHANED] = {"the threads that polled this reactor are gone (an exited worker, or fork() "
			"left it to a child without them): its events are never serviced; close it "
			"in the child or restart its poller"},
	[D_HALF_DUPLEX] = {"a read and a send awaited in sequence in one task: sends wait for "
			   "incoming data; split the stream into a reader and a writer task (or "
			   "select! over both)"},
	[D_BUSY_POLL] = {"the loop polls with a zero timeout when it has nothing to do and burns a "
			 "CPU: wait with a real timeout (or -1) unless work is queued"},
};

static const enum severity severity_of[D_MAX] = {
	[D_LOST_WAKER] = SEV_ERROR, [D_SELF_WAKE] = SEV_WARNING, [D_BLOCKING] = SEV_WARNING,
	[D_NESTED] = SEV_ERROR,     [D_ORPHANED] = SEV_WARNING,  [D_HALF_DUPLEX] = SEV_WARNING,
	[D_BUSY_POLL] = SEV_WARNING,
};

/* ---------------------------------------------------------------- config */

struct diagnoses *diagnose_new(void)
{
	struct diagnoses *d = xcalloc(1, sizeof(*d));

	for (int i = 0; i < D_MAX; i++)
		for (int j = 0; j < PARAMS_MAX; j++)
			d->val[i][j] = defs[i].p[j].def;
	d->w = xcalloc(DIAG_MAX_WARNINGS, sizeof(*d->w));
	return d;
}

void diagnose_free(struct diagnoses *d)
{
	void *v;

	if (!d)
		return;
	for (size_t i = 0; omap_next(&d->tasks, &i, NULL, &v);)
		free(v);
	for (size_t i = 0; omap_next(&d->sockets, &i, NULL, &v);)
		free(v);
	omap_free(&d->tasks);
	omap_free(&d->sockets);
	free(d->w);
	free(d);
}

const char *diagnose_error(const struct diagnoses *d)
{
	return d->err;
}

static int config_error(struct diagnoses *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	return -1;
}

static int find_diag(const char *name, size_t len)
{
	for (int i = 0; i < D_MAX; i++)
		if (strlen(defs[i].name) == len && !strncmp(defs[i].name, name, len))
			return i;
	return -1;
}

/* A threshold: a duration needs its unit (10ms, 2s), the rest are whole
 * numbers (a share may end in %). */
static int parse_value(const struct param *p, const char *s, uint64_t *out)
{
	const char *digits = s;
	char *end;
	unsigned long long v;

	if (p->unit == U_NS) {
		int64_t ns;
		size_t n = strlen(s);

		if (!n || s[0] < '0' || s[0] > '9' || (s[n - 1] != 's' && s[n - 1] != 'm'))
			return -1;
		ns = parse_duration(s);
		if (ns <= 0 || (uint64_t)ns > p->max)
			return -1;
		*out = (uint64_t)ns;
		return 0;
	}
	if (*digits < '0' || *digits > '9')
		return -1;
	errno = 0;
	v = strtoull(digits, &end, 10);
	if (p->unit == U_PCT && *end == '%')
		end++;
	if (errno || *end || v == 0 || v > p->max)
		return -1;
	*out = v;
	return 0;
}

static const char *unit_hint(enum unit u)
{
	switch (u) {
	case U_NS:
		return "a duration with its unit, like 10ms or 2s";
	case U_PCT:
		return "a percentage from 1 to 100";
	case U_COUNT:
		return "a whole number above 0";
	case U_RATE:
		return "a whole number per second above 0";
	}
	return "";
}

int diagnose_configure(struct diagnoses *d, const char *arg, bool allow)
{
	const char *eq = strchr(arg, '='), *dot;
	size_t nlen;
	int id, pi = 0;

	if (allow) {
		id = find_diag(arg, strlen(arg));
		if (id < 0)
			return config_error(d, "unknown diagnosis '%s' (see loopscope diagnoses)", arg);
		d->off[id] = true;
		return 0;
	}
	if (!eq)
		return config_error(d, "--warn wants NAME=VALUE or NAME.PARAM=VALUE, not '%s'", arg);
	dot = memchr(arg, '.', (size_t)(eq - arg));
	nlen = (size_t)((dot ? dot : eq) - arg);
	id = find_diag(arg, nlen);
	if (id < 0)
		return config_error(d, "unknown diagnosis '%.*s' (see loopscope diagnoses)", (int)nlen, arg);
	if (dot) {
		size_t plen = (size_t)(eq - dot - 1);

		for (pi = 0; pi < PARAMS_MAX; pi++)
			if (defs[id].p[pi].name && strlen(defs[id].p[pi].name) == plen &&
			    !strncmp(defs[id].p[pi].name, dot + 1, plen))
				break;
		if (pi == PARAMS_MAX)
			return config_error(d, "%s has no parameter '%.*s' (see loopscope diagnoses)",
					    defs[id].name, (int)plen, dot + 1);
	}
	if (parse_value(&defs[id].p[pi], eq + 1, &d->val[id][pi]))
		return config_error(d, "bad value '%s' for %s.%s: want %s", eq + 1, defs[id].name,
				    defs[id].p[pi].name, unit_hint(defs[id].p[pi].unit));
	d->off[id] = false;
	return 0;
}

static void fmt_value(char *buf, size_t len, enum unit u, uint64_t v)
{
	switch (u) {
	case U_NS:
		if (v % UINT64_C(1000000000) == 0)
			snprintf(buf, len, "%" PRIu64 "s", v / UINT64_C(1000000000));
		else if (v % MS == 0)
			snprintf(buf, len, "%" PRIu64 "ms", v / MS);
		else
			snprintf(buf, len, "%" PRIu64 "us", v / 1000);
		break;
	case U_PCT:
		snprintf(buf, len, "%" PRIu64 "%%", v);
		break;
	case U_RATE:
		snprintf(buf, len, "%" PRIu64 "/s", v);
		break;
	case U_COUNT:
		snprintf(buf, len, "%" PRIu64, v);
		break;
	}
}

void diagnose_list(const struct diagnoses *d, FILE *f)
{
	for (int i = 0; i < D_MAX; i++) {
		fprintf(f, "%-19s %s%s\n", defs[i].name, defs[i].what, d->off[i] ? " (off)" : "");
		for (int j = 0; j < PARAMS_MAX && defs[i].p[j].name; j++) {
			char v[32], def[32], key[64];

			fmt_value(v, sizeof(v), defs[i].p[j].unit, d->val[i][j]);
			fmt_value(def, sizeof(def), defs[i].p[j].unit, defs[i].p[j].def);
			snprintf(key, sizeof(key), "%s.%s", defs[i].name, defs[i].p[j].name);
			fprintf(f, "  %-32s %-8s %s (default %s)%s\n", key, v, defs[i].p[j].what, def,
				j == 0 ? "; NAME=VALUE sets it" : "");
		}
	}
}

/* ---------------------------------------------------------------- warnings */

static struct warning *warning_find(struct diagnoses *d, enum diag id, int variant, uint64_t k0,
				    uint64_t k1)
{
	for (int i = 0; i < d->nw; i++) {
		struct warning *w = &d->w[i];

		if (w->diag == id && w->variant == variant && w->key[0] == k0 && w->key[1] == k1)
			return w;
	}
	return NULL;
}

/* The warning for (id, variant, keys), made when new, marked as seen at ts;
 * NULL when the diagnosis is off or the table is full of active ones.  The
 * caller refreshes its objects, evidence and summary. */
static struct warning *sight(struct diagnoses *d, enum diag id, int variant, uint64_t k0, uint64_t k1,
			     uint64_t ts)
{
	struct warning *w;

	if (d->off[id])
		return NULL;
	w = warning_find(d, id, variant, k0, k1);
	if (!w) {
		if (d->nw == DIAG_MAX_WARNINGS) {
			int old = -1;

			for (int i = 0; i < d->nw; i++)
				if (!d->w[i].active && !d->w[i].hit &&
				    (old < 0 || d->w[i].last_ts < d->w[old].last_ts))
					old = i;
			if (old < 0) {
				d->dropped++;
				return NULL;
			}
			memmove(&d->w[old], &d->w[old + 1], (size_t)(d->nw - old - 1) * sizeof(*w));
			d->nw--;
		}
		w = &d->w[d->nw++];
		memset(w, 0, sizeof(*w));
		w->diag = id;
		w->variant = variant;
		w->key[0] = k0;
		w->key[1] = k1;
		w->sev = severity_of[id];
		w->first_ts = ts;
		w->advice = advice[id][variant];
	}
	if (ts > w->last_ts)
		w->last_ts = ts;
	if (ts < w->first_ts)
		w->first_ts = ts;
	w->hit = true;
	w->nobj = 0;
	w->nev = 0;
	return w;
}

static void add_ev(struct warning *w, const char *k, double v)
{
	if (w->nev < EV_MAX) {
		w->ev[w->nev].k = k;
		w->ev[w->nev].v = v;
		w->nev++;
	}
}

static void summary(struct warning *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->summary, sizeof(w->summary), fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- objects */

static struct task *task_any(const struct model *m, pid_t tid)
{
	struct task *t = model_task(m, tid);

	return t ? t : omap_get(&m->dead, (uint64_t)tid);
}

/* gen 0: the object open at addr now, else the last one closed there */
static struct object *object_any(const struct model *m, uint64_t addr, uint64_t gen)
{
	return model_object_gen(m, addr, gen);
}

static const char *task_label(const struct model *m, pid_t tid, char *buf, size_t len)
{
	const struct task *t = task_any(m, tid);

	snprintf(buf, len, "tid %d%s%s", tid, t && t->name[0] ? " " : "", t ? t->name : "");
	return buf;
}

static void add_task(struct warning *w, const struct model *m, pid_t tid)
{
	const struct task *t = task_any(m, tid);
	struct wobj *o;

	if (w->nobj == WOBJ_MAX || tid <= 0)
		return;
	o = &w->obj[w->nobj++];
	snprintf(o->kind, sizeof(o->kind), "task");
	o->tid = tid;
	o->pid = t ? t->pid : 0;
	task_label(m, tid, o->label, sizeof(o->label));
}

static const char *kind_word(uint8_t kind)
{
	return kind == LS_FD_EPOLL ? "reactor" : kind == LS_FD_SOCKET ? "socket" : "waker";
}

/* "reactor fd 5", "waker fd 6 (eventfd)", "socket fd 7 127.0.0.1:7000->127.0.0.1:5000" */
static const char *object_label_gen(const struct model *m, uint64_t addr, uint64_t gen,
				    uint8_t kind, char *buf, size_t len)
{
	const struct object *o = object_any(m, addr, gen);
	char fd[32] = "", extra[112] = "";

	if (o && o->nfds)
		snprintf(fd, sizeof(fd), " fd %d", o->fds[0]);
	if (o && kind != LS_FD_EPOLL && kind != LS_FD_SOCKET)
		snprintf(extra, sizeof(extra), " (%s)", model_kind_name(o));
	if (o && kind == LS_FD_SOCKET && o->kind == LS_FD_SOCKET) {
		char la[48], ra[48];

		report_addr(&((const struct socket *)o)->addr, false, la, sizeof(la));
		report_addr(&((const struct socket *)o)->addr, true, ra, sizeof(ra));
		if (la[0])
			snprintf(extra, sizeof(extra), " %s%s%s", la, ra[0] ? "->" : "", ra);
	}
	snprintf(buf, len, "%s%s%s", kind_word(kind), fd, extra);
	return buf;
}

static const char *object_label(const struct model *m, uint64_t addr, uint8_t kind, char *buf,
				size_t len)
{
	return object_label_gen(m, addr, 0, kind, buf, len);
}

/* An object by its address and generation (0: the one there now). */
static void add_object_gen(struct warning *w, const struct model *m, uint64_t addr, uint64_t gen,
			   uint8_t kind)
{
	const struct object *o = object_any(m, addr, gen);
	struct wobj *x;
	char c = kind == LS_FD_EPOLL ? 'r' : kind == LS_FD_SOCKET ? 's' : 'w';
	struct object tmp = {.addr = addr, .gen = gen};

	if (w->nobj == WOBJ_MAX || !addr)
		return;
	x = &w->obj[w->nobj++];
	snprintf(x->kind, sizeof(x->kind), "%s", kind_word(kind));
	x->pid = o ? o->pid : 0;
	snprintf(x->id, sizeof(x->id), "%c:%016" PRIx64, c, model_id(m, o ? o : &tmp));
	object_label_gen(m, addr, gen, kind, x->label, sizeof(x->label));
}

static void add_object(struct warning *w, const struct model *m, uint64_t addr, uint8_t kind)
{
	add_object_gen(w, m, addr, 0, kind);
}

/* ---------------------------------------------------------------- turns */

static struct tstate *tstate_get(struct diagnoses *d, pid_t tid, uint64_t now)
{
	struct tstate *s = omap_get(&d->tasks, (uint64_t)tid);

	if (!s && tid > 0) {
		s = xcalloc(1, sizeof(*s));
		s->win_start = now;
		omap_put(&d->tasks, (uint64_t)tid, s);
	}
	return s;
}

static bool reactor_open(const struct model *m, uint64_t addr)
{
	return addr && omap_get(&m->reactors, addr) != NULL;
}

/* Another live thread served reactor r since `since`: it waits in r now,
 * or returned from a wait on r since then.  A thread of a multi-threaded
 * runtime (tokio's workers, Go's Ms) parks on a futex or runs tasks while
 * another one holds the reactor: the reactor is not stalled. */
static bool reactor_served(const struct model *m, uint64_t r, pid_t except, uint64_t since)
{
	void *v;

	if (!r)
		return false;
	for (size_t i = 0; omap_next(&m->tasks, &i, NULL, &v);) {
		const struct task *p = v;

		if (p->tid == except || !p->alive)
			continue;
		if ((p->state == TASK_POLLING && p->waiting_on == r) ||
		    (p->last_reactor == r && p->last_ret_ts >= since))
			return true;
	}
	return false;
}

enum stall { STALL_ASKED, STALL_SHARED, STALL_CPU };

/* A stall of ns in a thread's loop that stalls the loop.  The thread must
 * sleep in its reactor when idle (a wait that could sleep: Go's sysmon
 * only peeks with a zero timeout).  Then, by what it spent the time on:
 * - a sleep the program asked for (nanosleep, a blocking read, poll, a
 *   futex that timed out): from `time`; no runtime waits so;
 * - CPU: from `time`, unless another thread served the reactor meanwhile
 *   (tokio's workers, Go's Ms run tasks while another holds the reactor);
 * - a wait on a thread of its own process (a futex a peer woke: a lock, a
 *   condvar, a GC's join) or on the kernel (uninterruptible: a page fault,
 *   a kernel lock, a disk): from `wait`, unless another thread served the
 *   reactor (that is how tokio's and Go's idle workers park).
 * A futex wait is one of the last kind too while it lasts (who will end
 * it is not known yet), and needs an unserved reactor whatever ended it. */
static bool stalls_loop(const struct diagnoses *d, const struct model *m, const struct task *t,
			uint64_t reactor, enum stall kind, long nr, uint64_t since, uint64_t ns)
{
	uint64_t thr = d->val[D_BLOCKING][kind == STALL_SHARED];

	if (!t->sleeps_in_wait || ns < thr || !reactor_open(m, reactor))
		return false; /* (a closed reactor: the loop it was is gone) */
	if (kind == STALL_ASKED && !raw_syscall_is_futex(nr))
		return true;
	return !reactor_served(m, reactor, t->tid, since);
}

/* A stall's evidence is the longest one seen: a sighting in the middle of
 * a stall must not hide a longer one that ended. */
static uint64_t longest(struct warning *w, uint64_t ns)
{
	if (ns > w->worst)
		w->worst = ns;
	return w->worst;
}

/* Every wait's return: the turn it ends, and the thread's moves between
 * reactors. */
static void on_turn(void *ctx, const struct model *m, const struct turn *tn)
{
	struct diagnoses *d = ctx;
	const struct task *t = tn->task;
	uint64_t ts = tn->wait->h.ts, nthr = d->val[D_NESTED][0];
	struct tstate *s = tstate_get(d, t->tid, ts);
	struct warning *w;
	char l[96], r[96], b[96];

	if (!s)
		return;
	for (int c = 0; c < 2; c++) {
		long nr = tn->block_nr[c];
		uint64_t ns = tn->block_ns[c];
		const char *sc = raw_syscall_name(nr);

		if (!tn->start || !ns ||
		    !stalls_loop(d, m, t, tn->prev_reactor, c ? STALL_SHARED : STALL_ASKED, nr, tn->start, ns) ||
		    !(w = sight(d, D_BLOCKING, 0, (uint64_t)t->tid, (uint64_t)nr, ts)))
			continue;
		w->mark++;
		add_task(w, m, t->tid);
		add_object(w, m, tn->prev_reactor, LS_FD_EPOLL);
		add_ev(w, "syscall_nr", (double)nr);
		add_ev(w, "duration_ms", longest(w, ns) / 1e6);
		add_ev(w, "stalls", (double)w->mark);
		summary(w, "%s spent %.1f ms blocked in %s between two waits on %s (%" PRIu64 " such stalls, the longest %.1f ms)",
			task_label(m, t->tid, l, sizeof(l)), ns / 1e6, sc ? sc : "a syscall",
			object_label(m, tn->prev_reactor, LS_FD_EPOLL, r, sizeof(r)), w->mark, w->worst / 1e6);
	}
	if (tn->start && stalls_loop(d, m, t, tn->prev_reactor, STALL_CPU, -1, tn->start, tn->busy_ns) &&
	    (w = sight(d, D_BLOCKING, 1, (uint64_t)t->tid, 0, ts))) {
		w->mark++;
		add_task(w, m, t->tid);
		add_object(w, m, tn->prev_reactor, LS_FD_EPOLL);
		add_ev(w, "cpu_ms", longest(w, tn->busy_ns) / 1e6);
		add_ev(w, "stalls", (double)w->mark);
		summary(w, "%s ran %.1f ms on CPU between two waits on %s (%" PRIu64 " such turns, the longest %.1f ms)",
			task_label(m, t->tid, l, sizeof(l)), tn->busy_ns / 1e6,
			object_label(m, tn->prev_reactor, LS_FD_EPOLL, r, sizeof(r)), w->mark, w->worst / 1e6);
	}

	if (s->away_from && tn->reactor == s->away_from) {
		uint64_t away = tn->wait->start > s->away_since ? tn->wait->start - s->away_since : 0;

		if (away >= nthr && tn->ready &&
		    (w = sight(d, D_NESTED, 0, (uint64_t)t->tid, s->away_from, ts))) {
			w->mark++;
			add_task(w, m, t->tid);
			add_object(w, m, s->away_from, LS_FD_EPOLL);
			add_object(w, m, s->away_in, LS_FD_EPOLL);
			add_ev(w, "away_ms", away / 1e6);
			add_ev(w, "events_ready", tn->wait->ret);
			add_ev(w, "times", (double)w->mark);
			summary(w, "%s left %s for %.1f ms to wait in %s, and found %d event%s ready when it came back (%" PRIu64 " times)",
				task_label(m, t->tid, l, sizeof(l)),
				object_label(m, s->away_from, LS_FD_EPOLL, r, sizeof(r)), away / 1e6,
				object_label(m, s->away_in, LS_FD_EPOLL, b, sizeof(b)), tn->wait->ret,
				tn->wait->ret == 1 ? "" : "s", w->mark);
		}
		s->away_from = 0;
	} else if (!s->away_from && tn->prev_reactor && tn->reactor != tn->prev_reactor &&
		   reactor_open(m, tn->prev_reactor) && tn->start) {
		s->away_from = tn->prev_reactor;
		s->away_in = tn->reactor;
		s->away_since = tn->start;
	}
	if (s->away_from && !reactor_open(m, s->away_from))
		s->away_from = 0;
}

void diagnose_attach(struct diagnoses *d, struct model *m)
{
	m->on_turn = on_turn;
	m->turn_ctx = d;
}

/* ---------------------------------------------------------------- rules per tick */

static bool registered_in(const struct reactor *r, uint64_t addr)
{
	for (int i = 0; i < r->ninterest; i++)
		if (r->interest[i].addr == addr)
			return true;
	return false;
}

static void check_lost_waker(struct diagnoses *d, const struct model *m, const struct waker *wk,
			     uint64_t now)
{
	uint64_t thr = d->val[D_LOST_WAKER][0];
	struct warning *w;
	char l[96], a[96], b[96];

	if (wk->lost_tid) {
		const struct task *t = model_task(m, wk->lost_tid);
		uint64_t slept = now > wk->lost_ts ? now - wk->lost_ts : 0;

		if (t && t->alive && t->state == TASK_POLLING && t->waiting_on == wk->lost_reactor &&
		    t->turns == wk->lost_turns && slept >= thr &&
		    (w = sight(d, D_LOST_WAKER, 0, wk->o.addr, (uint64_t)t->tid, now))) {
			add_object_gen(w, m, wk->o.addr, wk->o.gen, wk->o.kind);
			add_object(w, m, wk->lost_reactor, LS_FD_EPOLL);
			add_task(w, m, t->tid);
			add_ev(w, "asleep_since_close_ms", slept / 1e6);
			add_ev(w, "waker_writes", (double)wk->writes);
			summary(w, "%s was closed while %s slept in %s, which it is registered in; %.1f s later it still sleeps there",
				object_label_gen(m, wk->o.addr, wk->o.gen, wk->o.kind, a, sizeof(a)),
				task_label(m, t->tid, l, sizeof(l)),
				object_label(m, wk->lost_reactor, LS_FD_EPOLL, b, sizeof(b)), slept / 1e9);
		}
	}
	if (wk->ebadf_writes) {
		struct warning *old = warning_find(d, D_LOST_WAKER, 1, wk->o.addr, 0);

		if (old && old->mark >= wk->ebadf_writes)
			return;
		w = sight(d, D_LOST_WAKER, 1, wk->o.addr, 0, wk->ebadf_ts);
		if (!w)
			return;
		w->mark = wk->ebadf_writes;
		add_object_gen(w, m, wk->o.addr, wk->o.gen, wk->o.kind);
		add_task(w, m, wk->ebadf_tid);
		add_ev(w, "ebadf_writes", (double)wk->ebadf_writes);
		add_ev(w, "after_close_ms",
		       wk->ebadf_ts > wk->o.closed_ts ? (wk->ebadf_ts - wk->o.closed_ts) / 1e6 : 0);
		summary(w, "%s wrote to %s after it was closed: %" PRIu64 " wake%s failed with EBADF",
			task_label(m, wk->ebadf_tid, l, sizeof(l)),
			object_label_gen(m, wk->o.addr, wk->o.gen, wk->o.kind, a, sizeof(a)), wk->ebadf_writes,
			wk->ebadf_writes == 1 ? "" : "s");
	}
}

/* The reactor of a waker that woke this thread itself, for the label. */
static uint64_t self_waker(const struct model *m, pid_t tid)
{
	void *v;

	for (size_t i = 0; omap_next(&m->objects, &i, NULL, &v);) {
		const struct object *o = v;

		if (o->kind != LS_FD_EVENTFD && o->kind != LS_FD_PIPE)
			continue;
		for (int j = 0; j < ((const struct waker *)o)->nedges; j++) {
			const struct edge *e = &((const struct waker *)o)->edges[j];

			if (e->from == tid && e->to == tid)
				return o->addr;
		}
	}
	return 0;
}

/* Windowed rules for one live task: busy-poll and self-wake. */
static void check_task(struct diagnoses *d, const struct model *m, const struct task *t, uint64_t now)
{
	struct tstate *s = tstate_get(d, t->tid, now);
	uint64_t wakes = t->wakes_waker + t->wakes_socket + t->wakes_other;
	struct warning *w;
	char l[96], a[96];

	if (!s)
		return;
	if (now - s->win_start >= DIAG_WINDOW_NS) {
		uint64_t span = now - s->win_start;

		s->busy_n = t->spin_polls - s->empty;
		s->turns_n = t->turns - s->turns;
		s->busy_rate = s->busy_n * 1e9 / span;
		s->busy_bad = s->busy_rate >= (double)d->val[D_BUSY_POLL][0];
		s->self_n = t->self_spins - s->self;
		s->wakes_n = wakes - s->wakes;
		s->self_bad = s->self_n >= d->val[D_SELF_WAKE][1] &&
			      s->self_n * 100 > d->val[D_SELF_WAKE][0] * s->wakes_n;
		s->win_ns = span;
		s->win_start = now;
		s->empty = t->spin_polls;
		s->turns = t->turns;
		s->self = t->self_spins;
		s->wakes = wakes;
	}
	if (s->busy_bad && (w = sight(d, D_BUSY_POLL, 0, (uint64_t)t->tid, 0, now))) {
		add_task(w, m, t->tid);
		add_object(w, m, t->last_reactor, LS_FD_EPOLL);
		add_ev(w, "empty_polls", (double)s->busy_n);
		add_ev(w, "per_s", (int64_t)s->busy_rate);
		add_ev(w, "turns", (double)s->turns_n);
		summary(w, "%s spins: %" PRIu64 " epoll waits with a zero timeout returned nothing in %.1f s (%.0f/s) on %s",
			task_label(m, t->tid, l, sizeof(l)), s->busy_n, s->win_ns / 1e9, s->busy_rate,
			object_label(m, t->last_reactor, LS_FD_EPOLL, a, sizeof(a)));
	}
	if (s->self_bad && (w = sight(d, D_SELF_WAKE, 0, (uint64_t)t->tid, 0, now))) {
		uint64_t wk = self_waker(m, t->tid);

		add_task(w, m, t->tid);
		if (wk)
			add_object(w, m, wk, LS_FD_EVENTFD);
		add_ev(w, "self_wakes", (double)s->self_n);
		add_ev(w, "wakes", (double)s->wakes_n);
		add_ev(w, "share_pct", (int64_t)(s->self_n * 100.0 / (s->wakes_n ? s->wakes_n : 1)));
		summary(w, "%s woke itself %" PRIu64 " times of %" PRIu64 " wakes (%.0f%%) in %.1f s%s%s",
			task_label(m, t->tid, l, sizeof(l)), s->self_n, s->wakes_n,
			s->self_n * 100.0 / (s->wakes_n ? s->wakes_n : 1), s->win_ns / 1e9,
			wk ? " through " : "", wk ? object_label(m, wk, LS_FD_EVENTFD, a, sizeof(a)) : "");
	}
}

/* A loop thread in a long blocking call, or a long turn on CPU, now. */
static void check_stall_now(struct diagnoses *d, const struct model *m, const struct task *t,
			    uint64_t now)
{
	struct warning *w;
	char l[96];

	if (!t->turns || !t->last_ret_ts)
		return;
	if (t->state == TASK_BLOCKED && t->sleep_since && now > t->sleep_since &&
	    stalls_loop(d, m, t, t->last_reactor,
			t->blocked_shared || raw_syscall_is_futex(t->blocked_nr) ? STALL_SHARED : STALL_ASKED,
			t->blocked_nr, t->sleep_since, now - t->sleep_since) &&
	    (w = sight(d, D_BLOCKING, 0, (uint64_t)t->tid, (uint64_t)t->blocked_nr, now))) {
		const char *sc = raw_syscall_name(t->blocked_nr);

		add_task(w, m, t->tid);
		add_object(w, m, t->last_reactor, LS_FD_EPOLL);
		add_ev(w, "syscall_nr", (double)t->blocked_nr);
		add_ev(w, "duration_ms", longest(w, now - t->sleep_since) / 1e6);
		add_ev(w, "stalls", (double)w->mark);
		summary(w, "%s has been blocked in %s for %.1f ms, in the middle of its loop",
			task_label(m, t->tid, l, sizeof(l)), sc ? sc : "a syscall",
			(now - t->sleep_since) / 1e6);
	} else if ((t->state == TASK_RUNNING || t->state == TASK_RUNNABLE)) {
		uint64_t busy = task_busy_at(t, now);

		busy = busy > t->busy_at_ret ? busy - t->busy_at_ret : 0;
		/* the switches count stolen time: the collector read the kernel's
		 * count for a thread this long in its turn (read_turn_cpu()) */
		if (t->cpu_at_ret && t->cpu_read_ts > t->last_ret_ts)
			busy = model_cpu_band(busy, t->cpu_read > t->cpu_at_ret ?
						    t->cpu_read - t->cpu_at_ret : 0);
		if (stalls_loop(d, m, t, t->last_reactor, STALL_CPU, -1, t->last_ret_ts, busy) &&
		    (w = sight(d, D_BLOCKING, 1, (uint64_t)t->tid, 0, now))) {
			add_task(w, m, t->tid);
			add_object(w, m, t->last_reactor, LS_FD_EPOLL);
			add_ev(w, "cpu_ms", longest(w, busy) / 1e6);
			add_ev(w, "stalls", (double)w->mark);
			summary(w, "%s has run %.1f ms on CPU since its last wait returned",
				task_label(m, t->tid, l, sizeof(l)), busy / 1e6);
		}
	}
}

/* A thread away from its reactor, in another one, while a waker of its own
 * reactor has a write nobody took. */
static void check_away_now(struct diagnoses *d, const struct model *m, const struct task *t,
			   uint64_t now)
{
	struct tstate *s = omap_get(&d->tasks, (uint64_t)t->tid);
	const struct reactor *home;
	struct warning *w;
	char l[96], a[96], b[96];
	int pending = 0;

	if (!s || !s->away_from || t->state != TASK_POLLING || t->waiting_on != s->away_in ||
	    now - s->away_since < d->val[D_NESTED][0])
		return;
	home = omap_get(&m->reactors, s->away_from);
	for (int i = 0; home && i < home->ninterest; i++) {
		const struct object *o = model_object(m, home->interest[i].addr);

		if (o && (o->kind == LS_FD_EVENTFD || o->kind == LS_FD_PIPE) &&
		    ((const struct waker *)o)->pending_tid)
			pending++;
	}
	if (!pending || !(w = sight(d, D_NESTED, 0, (uint64_t)t->tid, s->away_from, now)))
		return;
	add_task(w, m, t->tid);
	add_object(w, m, s->away_from, LS_FD_EPOLL);
	add_object(w, m, s->away_in, LS_FD_EPOLL);
	add_ev(w, "away_ms", (now - s->away_since) / 1e6);
	add_ev(w, "wakes_pending", pending);
	add_ev(w, "times", (double)w->mark);
	summary(w, "%s has waited in %s for %.1f ms while a wake for %s is pending",
		task_label(m, t->tid, l, sizeof(l)), object_label(m, s->away_in, LS_FD_EPOLL, a, sizeof(a)),
		(now - s->away_since) / 1e6, object_label(m, s->away_from, LS_FD_EPOLL, b, sizeof(b)));
}

/* A reactor made by a thread that polls another one still open: sighted
 * while both are open, or once when it came and went between two ticks. */
static void check_reactor_birth(struct diagnoses *d, const struct model *m, const struct reactor *r,
				uint64_t now)
{
	struct warning *w;
	char a[96], b[96], l[96];

	if (!r->creator_polled || !reactor_open(m, r->creator_polled) ||
	    (!r->o.open && r->o.created_ts <= d->last_run))
		return;
	if ((w = sight(d, D_NESTED, 1, (uint64_t)r->o.creator, r->creator_polled,
		       r->o.open ? now : r->o.created_ts))) {
		w->sev = SEV_WARNING;
		add_task(w, m, r->o.creator);
		add_object(w, m, r->creator_polled, LS_FD_EPOLL);
		add_object_gen(w, m, r->o.addr, r->o.gen, LS_FD_EPOLL);
		add_ev(w, "reactors_polled", 2);
		summary(w, "%s, which polls %s, created a second reactor, %s",
			task_label(m, r->o.creator, l, sizeof(l)),
			object_label(m, r->creator_polled, LS_FD_EPOLL, a, sizeof(a)),
			object_label_gen(m, r->o.addr, r->o.gen, LS_FD_EPOLL, b, sizeof(b)));
	}
}

static void check_reactor(struct diagnoses *d, const struct model *m, const struct reactor *r,
			  uint64_t now)
{
	uint64_t thr = d->val[D_ORPHANED][0], idle;
	struct warning *w;
	char a[96];
	int alive = 0;
	void *v;

	check_reactor_birth(d, m, r, now);
	if (!r->ninterest || !r->npollers || now < r->last_poll_ts + thr)
		return;
	idle = now - r->last_poll_ts;
	for (size_t i = 0; omap_next(&m->reactors, &i, NULL, &v);)
		if (v != r && registered_in(v, r->o.addr))
			return; /* nested epoll: its outer reactor's waits serve it */
	for (size_t i = 0; omap_next(&m->tasks, &i, NULL, &v);) {
		const struct task *t = v;

		if (!t->alive || t->state != TASK_POLLING)
			continue;
		if (t->waiting_on == r->o.addr || !t->waiting_on)
			return; /* waited on, or a wait we cannot place (it began before attach) */
	}
	for (int i = 0; i < r->npollers; i++) {
		const struct task *t = model_task(m, r->pollers[i]);

		alive += t && t->alive;
	}
	w = sight(d, D_ORPHANED, 0, r->o.addr, 0, now);
	if (!w)
		return;
	add_object_gen(w, m, r->o.addr, r->o.gen, LS_FD_EPOLL);
	add_task(w, m, r->pollers[r->npollers - 1]);
	add_ev(w, "idle_s", idle / 1e9);
	add_ev(w, "registered_fds", r->ninterest);
	add_ev(w, "pollers", r->npollers);
	add_ev(w, "pollers_alive", alive);
	summary(w, "%s of pid %d has %d registered fds and no thread has waited on it for %.1f s (%d of its %d pollers alive)",
		object_label_gen(m, r->o.addr, r->o.gen, LS_FD_EPOLL, a, sizeof(a)), r->o.pid, r->ninterest,
		idle / 1e9, alive, r->npollers);
}

static void check_socket(struct diagnoses *d, const struct model *m, const struct socket *so,
			 uint64_t now)
{
	struct sstate *s = omap_get(&d->sockets, so->o.addr);
	uint64_t n, mean;
	struct warning *w;
	char a[128], l[96];

	if (!so->o.open) { /* closed since: only its last round trips, once */
		w = warning_find(d, D_HALF_DUPLEX, 0, so->o.addr, 0);
		if (!s || !w || w->mark >= so->trips)
			return;
	}
	if (!s) {
		if (!so->trips)
			return;
		s = xcalloc(1, sizeof(*s));
		s->solo = so->solo_writes;
		omap_put(&d->sockets, so->o.addr, s);
	}
	if (so->solo_writes != s->solo) { /* a write that answered no read: the streak ends */
		s->trips = so->trips;
		s->wait_ns = so->trips_wait_ns;
		s->solo = so->solo_writes;
	}
	n = so->trips - s->trips;
	if (n < d->val[D_HALF_DUPLEX][1])
		return;
	mean = (so->trips_wait_ns - s->wait_ns) / n;
	if (mean < d->val[D_HALF_DUPLEX][0] || !(w = sight(d, D_HALF_DUPLEX, 0, so->o.addr, 0, now)))
		return;
	w->mark = so->trips;
	add_object_gen(w, m, so->o.addr, so->o.gen, LS_FD_SOCKET);
	add_task(w, m, so->rd_tid);
	add_ev(w, "round_trips", (double)n);
	add_ev(w, "mean_wait_ms", mean / 1e6);
	add_ev(w, "writes", (double)so->wr.ops);
	summary(w, "on %s, %s wrote only right after a read returned, %" PRIu64 " round trips in a row, each read after a %.1f ms wait on average",
		object_label_gen(m, so->o.addr, so->o.gen, LS_FD_SOCKET, a, sizeof(a)),
		task_label(m, so->rd_tid, l, sizeof(l)), n, mean / 1e6);
}

/* Forget what the engine kept of tasks and sockets the model dropped. */
static void prune(struct diagnoses *d, const struct model *m)
{
	size_t n = d->tasks.len + d->sockets.len, k = 0;
	uint64_t *gone = xcalloc(n + 1, sizeof(*gone)), key;

	for (size_t i = 0; omap_next(&d->tasks, &i, &key, NULL);)
		if (!model_task(m, (pid_t)key))
			gone[k++] = key;
	for (size_t i = 0; i < k; i++)
		free(omap_del(&d->tasks, gone[i]));
	k = 0;
	for (size_t i = 0; omap_next(&d->sockets, &i, &key, NULL);)
		if (!object_any(m, key, 0))
			gone[k++] = key;
	for (size_t i = 0; i < k; i++)
		free(omap_del(&d->sockets, gone[i]));
	free(gone);
}

void diagnose_run(struct diagnoses *d, const struct model *m, uint64_t now)
{
	void *v;

	for (size_t i = 0; omap_next(&m->tasks, &i, NULL, &v);) {
		const struct task *t = v;

		if (!t->alive)
			continue;
		check_task(d, m, t, now);
		check_stall_now(d, m, t, now);
		check_away_now(d, m, t, now);
	}
	for (size_t i = 0; omap_next(&m->objects, &i, NULL, &v);) {
		const struct object *o = v;

		if (o->kind == LS_FD_EVENTFD || o->kind == LS_FD_PIPE)
			check_lost_waker(d, m, v, now);
		else if (o->kind == LS_FD_EPOLL)
			check_reactor(d, m, v, now);
		else if (o->kind == LS_FD_SOCKET)
			check_socket(d, m, v, now);
	}
	for (const struct object *o = m->closed; o; o = o->next_closed) {
		if (o->kind == LS_FD_EVENTFD || o->kind == LS_FD_PIPE)
			check_lost_waker(d, m, (const struct waker *)o, now);
		else if (o->kind == LS_FD_EPOLL)
			check_reactor_birth(d, m, (const struct reactor *)o, now);
		else if (o->kind == LS_FD_SOCKET)
			check_socket(d, m, (const struct socket *)o, now);
	}
	prune(d, m);
	d->last_run = now;
	for (int i = 0; i < d->nw; i++) {
		struct warning *w = &d->w[i];

		w->active = w->hit;
		w->count += w->hit;
		w->hit = false;
	}
}

/* ---------------------------------------------------------------- JSON */

static json_object *number(double v)
{
	if (v > -9e12 && v < 9e12) /* 3 decimals are plenty */
		v = (double)(int64_t)(v * 1000 + (v < 0 ? -0.5 : 0.5)) / 1000;
	if (v == (double)(int64_t)v && v > -9e15 && v < 9e15)
		return json_object_new_int64((int64_t)v);
	return json_object_new_double(v);
}

/* Every object of w is in a process visible() says may be seen. */
static bool warning_visible(const struct warning *w, bool (*visible)(const void *, pid_t),
			    const void *ctx)
{
	for (int j = 0; visible && j < w->nobj; j++)
		if (!w->obj[j].pid || !visible(ctx, w->obj[j].pid))
			return false;
	return true;
}

json_object *diagnose_json(const struct diagnoses *d, const struct model *m, uint64_t now)
{
	return diagnose_json_for(d, m, now, NULL, NULL);
}

json_object *diagnose_json_for(const struct diagnoses *d, const struct model *m, uint64_t now,
			       bool (*visible)(const void *ctx, pid_t pid), const void *ctx)
{
	json_object *a = json_object_new_array();
	uint64_t t0 = m->stats.start_ts;

	(void)now;
	for (int i = 0; i < d->nw; i++) {
		const struct warning *w = &d->w[i];
		json_object *o, *objs, *ev;

		if (!warning_visible(w, visible, ctx))
			continue;
		o = json_object_new_object();
		objs = json_object_new_array();
		ev = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(defs[w->diag].name));
		json_object_object_add(o, "severity",
				       json_object_new_string(w->sev == SEV_ERROR ? "error" : "warning"));
		json_object_object_add(o, "active", json_object_new_boolean(w->active));
		for (int j = 0; j < w->nobj; j++) {
			json_object *x = json_object_new_object();

			const struct wobj *ob = &w->obj[j];
			char label[96];

			json_object_object_add(x, "kind", json_object_new_string(ob->kind));
			if (!strcmp(ob->kind, "task"))
				json_object_object_add(x, "id", json_object_new_int(ob->tid));
			else
				json_object_object_add(x, "id", json_object_new_string(ob->id));
			/* a thread's name can come after the sighting: name it as it is now */
			if (!strcmp(ob->kind, "task") && task_any(m, ob->tid))
				task_label(m, ob->tid, label, sizeof(label));
			else
				snprintf(label, sizeof(label), "%s", ob->label);
			json_object_object_add(x, "label", json_object_new_string(label));
			json_object_array_add(objs, x);
		}
		json_object_object_add(o, "objects", objs);
		for (int j = 0; j < w->nev; j++)
			json_object_object_add(ev, w->ev[j].k, number(w->ev[j].v));
		json_object_object_add(o, "evidence", ev);
		json_object_object_add(o, "summary", json_object_new_string(w->summary));
		json_object_object_add(o, "advice", json_object_new_string(w->advice ? w->advice : ""));
		json_object_object_add(o, "first_seen_s",
				       json_object_new_double(w->first_ts > t0 ? (w->first_ts - t0) / 1e9 : 0));
		json_object_object_add(o, "last_seen_s",
				       json_object_new_double(w->last_ts > t0 ? (w->last_ts - t0) / 1e9 : 0));
		json_object_object_add(o, "count", json_object_new_uint64(w->count));
		json_object_array_add(a, o);
	}
	return a;
}
