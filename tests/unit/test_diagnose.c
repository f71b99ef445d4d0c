/* test_diagnose.c - the diagnosis engine over models fed synthetic records,
 * run at explicit times: each rule fires at its threshold and not below it,
 * names the right objects, can be turned off or moved from the command line,
 * and its warnings reach report_json()'s "warnings" as docs/json.md says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "diagnose.h"
#include "model.h"
#include "report.h"
#include "records.h"

#ifdef SYS_epoll_wait
#define NR_WAIT SYS_epoll_wait
#else
#define NR_WAIT SYS_epoll_pwait
#endif

#define SECRET UINT64_C(0x5eed0123456789ab)
#define T0 UINT64_C(1000000000)
#define MS UINT64_C(1000000)
#define PID 100
#define LOOP 101  /* the loop thread */
#define OTHER 102 /* another thread */
#define A_EP UINT64_C(0xffff888000002000)
#define A_EP2 UINT64_C(0xffff888000009000)
#define A_EFD UINT64_C(0xffff888000004000)
#define A_SOCK UINT64_C(0xffff888000005000)

struct fx {
	struct model *m;
	struct diagnoses *d;
	json_object *j;
	uint64_t cpu_enter, cpu_exit; /* what wait_rec() puts in its record's CPU times */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->m = model_new(SECRET, 6000 * MS, T0);
	f->d = diagnose_new();
	diagnose_attach(f->d, f->m);
	model_add_target(f->m, PID, "app");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	json_object_put(f->j);
	diagnose_free(f->d);
	model_free(f->m);
	free(f);
	return 0;
}

/* ---------------------------------------------------------------- records */

static void feed(struct fx *f, const void *rec, size_t len)
{
	assert_int_equal(model_feed(f->m, rec, len), 0);
}

static void fd_new(struct fx *f, uint64_t ts, pid_t tid, uint16_t sc, int fd, uint64_t obj, uint8_t kind)
{
	struct ls_rec_fd_new r = make_fd_new(ts, PID, tid, sc, fd, obj, kind);

	feed(f, &r, sizeof(r));
}

static void ctl_add(struct fx *f, uint64_t ts, int epfd, uint64_t ep, int fd, uint64_t obj,
		    uint8_t kind, uint64_t token)
{
	struct ls_rec_ctl r = make_ctl(ts, PID, LOOP, epfd, ep, EPOLL_CTL_ADD, fd, obj, kind, EPOLLIN,
				       token);

	feed(f, &r, sizeof(r));
}

/* A wait of tid on ep from start to ts, returning ret events (tokens). */
static void wait_rec(struct fx *f, pid_t tid, uint64_t start, uint64_t ts, int epfd, uint64_t ep,
		     int64_t timeout_ns, int ret, const uint64_t *tokens)
{
	struct ls_rec_wait r = make_wait(ts, start, PID, tid, epfd, ep, ret);

	r.timeout_ns = timeout_ns;
	r.cpu_enter = f->cpu_enter;
	r.cpu_exit = f->cpu_exit;
	for (int i = 0; i < ret && i < LS_WAIT_EVENTS_MAX; i++)
		wait_ev(&r, EPOLLIN, tokens[i]);
	feed(f, &r, sizeof(r));
}

static void io_rec(struct fx *f, pid_t tid, uint64_t start, uint64_t ts, int fd, uint64_t obj,
		   uint8_t kind, uint8_t dir, int64_t ret)
{
	struct ls_rec_io r = make_io(ts, start, PID, tid, fd, obj, kind, dir, ret);

	r.value = 1;
	feed(f, &r, sizeof(r));
}

static void close_rec(struct fx *f, pid_t tid, uint64_t ts, int fd, uint64_t obj, uint8_t kind)
{
	struct ls_rec_close r = make_close(ts, PID, tid, fd, obj, kind);

	feed(f, &r, sizeof(r));
}

/* tid goes to sleep at ts: in a wait on ep (lsc != 0) or in raw syscall nr. */
static void sleep_rec(struct fx *f, pid_t tid, uint64_t ts, long nr, uint16_t lsc, uint64_t ep)
{
	struct ls_rec_switch r = make_switch(ts, PID, tid, 0, 0, 1, (int32_t)nr, lsc, ep);

	feed(f, &r, sizeof(r));
}

/* tid goes on CPU at ts. */
static void run_rec(struct fx *f, pid_t tid, uint64_t ts)
{
	struct ls_rec_switch r = make_switch(ts, 0, 0, PID, tid, 0, -1, 0, 0);

	feed(f, &r, sizeof(r));
}

static void exit_rec(struct fx *f, pid_t tid, uint64_t ts)
{
	struct ls_rec_task r = make_task(LS_REC_TASK_EXIT, ts, PID, tid, 0, 0, 0, "worker");

	feed(f, &r, sizeof(r));
}

/* Reactor fd 4 with eventfd fd 5 (token 5) registered. */
/* The loop goes to sleep in a wait on reactor fd 4 at ts. */
static void idle(struct fx *f, uint64_t ts)
{
	sleep_rec(f, LOOP, ts, NR_WAIT, LS_SC_EPOLL_WAIT, A_EP);
}

/* OTHER goes to sleep in a wait on reactor fd 4 at ts, and stays there. */
static void idle_other(struct fx *f, uint64_t ts)
{
	static const uint64_t tok = 5;

	run_rec(f, OTHER, ts - 2000);
	wait_rec(f, OTHER, ts - 1500, ts - 1000, 4, A_EP, -1, 1, &tok);
	sleep_rec(f, OTHER, ts, NR_WAIT, LS_SC_EPOLL_WAIT, A_EP);
}

static void loop_setup(struct fx *f, uint64_t ts)
{
	fd_new(f, ts, LOOP, LS_SC_EPOLL_CREATE1, 4, A_EP, LS_FD_EPOLL);
	fd_new(f, ts + 10, LOOP, LS_SC_EVENTFD2, 5, A_EFD, LS_FD_EVENTFD);
	ctl_add(f, ts + 20, 4, A_EP, 5, A_EFD, LS_FD_EVENTFD, 5);
}

/* The loop set up, on CPU, and back from its first wait (at T0 + 1000). */
static void loop_running(struct fx *f)
{
	static const uint64_t tok = 5;

	loop_setup(f, T0);
	run_rec(f, LOOP, T0 + 50);
	wait_rec(f, LOOP, T0 + 100, T0 + 1000, 4, A_EP, -1, 1, &tok);
}

/* ---------------------------------------------------------------- JSON */

static json_object *run_json(struct fx *f, uint64_t now)
{
	diagnose_run(f->d, f->m, now);
	json_object_put(f->j);
	f->j = diagnose_json(f->d, f->m, now);
	return f->j;
}

static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, k, &v))
		fail_msg("no \"%s\" in %s", k, json_object_to_json_string(o));
	return v;
}

static int64_t ev_int(json_object *w, const char *k)
{
	json_object *v = get(get(w, "evidence"), k);

	if (!json_object_is_type(v, json_type_int))
		fail_msg("evidence %s is not an integer: %s", k, json_object_to_json_string(w));
	return json_object_get_int64(v);
}

/* The only warning called name, failing when there is not exactly one. */
static json_object *one(json_object *a, const char *name)
{
	json_object *found = NULL;

	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *w = json_object_array_get_idx(a, i);

		if (!strcmp(json_object_get_string(get(w, "name")), name)) {
			if (found)
				fail_msg("two %s warnings: %s", name, json_object_to_json_string(a));
			found = w;
		}
	}
	if (!found)
		fail_msg("no %s warning: %s", name, json_object_to_json_string(a));
	return found;
}

static size_t count_named(json_object *a, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < json_object_array_length(a); i++)
		n += !strcmp(json_object_get_string(get(json_object_array_get_idx(a, i), "name")), name);
	return n;
}

static void assert_empty(json_object *a)
{
	if (json_object_array_length(a))
		fail_msg("want no warning: %s", json_object_to_json_string(a));
}

static bool active(json_object *w)
{
	return json_object_get_boolean(get(w, "active"));
}

/* objects[i] is a task with that tid, or an object with the id of addr. */
static void assert_task_obj(json_object *w, size_t i, pid_t tid)
{
	json_object *o = json_object_array_get_idx(get(w, "objects"), i);

	assert_non_null(o);
	assert_string_equal(json_object_get_string(get(o, "kind")), "task");
	assert_int_equal(json_object_get_int(get(o, "id")), tid);
}

static void assert_obj(const struct model *m, json_object *w, size_t i, const char *kind, uint64_t addr)
{
	json_object *o = json_object_array_get_idx(get(w, "objects"), i);
	const struct object *obj = model_object_gen(m, addr, 0);
	char id[32];

	assert_non_null(o);
	assert_non_null(obj);
	assert_string_equal(json_object_get_string(get(o, "kind")), kind);
	snprintf(id, sizeof(id), "%c:%016" PRIx64, kind[0] == 'r' ? 'r' : kind[0] == 's' ? 's' : 'w',
		 model_id(m, obj));
	assert_string_equal(json_object_get_string(get(o, "id")), id);
}

/* ================================================================ config */

static void test_configure(void **state)
{
	struct fx *f = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;

	assert_int_equal(diagnose_configure(f->d, "busy-poll=250", false), 0);
	assert_int_equal(diagnose_configure(f->d, "blocking-in-loop=20ms", false), 0);
	assert_int_equal(diagnose_configure(f->d, "self-wake.min=7", false), 0);
	assert_int_equal(diagnose_configure(f->d, "self-wake=75%", false), 0);
	assert_int_equal(diagnose_configure(f->d, "orphaned-reactor", true), 0);
	mem = open_memstream(&buf, &len);
	diagnose_list(f->d, mem);
	fclose(mem);
	assert_non_null(strstr(buf, "busy-poll.rate                   250/s"));
	assert_non_null(strstr(buf, "blocking-in-loop.time            20ms"));
	assert_non_null(strstr(buf, "self-wake.min                    7 "));
	assert_non_null(strstr(buf, "self-wake.share                  75%"));
	assert_non_null(strstr(buf, "orphaned-reactor    a reactor with registered fds that no live thread waits on (off)"));
	free(buf);

	static const char *const bad[] = {
		"busy-poll", "busy-poll=", "busy-poll=0", "busy-poll=-5", "busy-poll=5x", "busy-poll=1e3",
		"blocking-in-loop=10", "blocking-in-loop=0ms", "blocking-in-loop=nan", "blocking-in-loop=inf",
		"blocking-in-loop=9999999h", "self-wake=101", "self-wake.share=0%", "self-wake.nope=1",
		"nope=1", "=1", ".=1", "busy-poll.=1", "self-wake.min=99999999999999999999999",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (diagnose_configure(f->d, bad[i], false) != -1)
			fail_msg("'%s' was accepted", bad[i]);
		assert_true(strlen(diagnose_error(f->d)) > 0);
	}
	assert_int_equal(diagnose_configure(f->d, "nope", true), -1);
	assert_non_null(strstr(diagnose_error(f->d), "unknown diagnosis 'nope'"));
	assert_int_equal(diagnose_configure(f->d, "busy-poll=1", true), -1); /* --allow takes a bare name */
}

/* ================================================================ busy-poll */

/* n empty zero-timeout polls spread over [from, from + span). */
static void spin(struct fx *f, uint64_t from, uint64_t span, int n, int64_t timeout)
{
	for (int i = 0; i < n; i++) {
		uint64_t s = from + span * (uint64_t)i / (uint64_t)n;

		wait_rec(f, LOOP, s, s + 1000, 4, A_EP, timeout, 0, NULL);
	}
}

static void test_busy_poll(void **state)
{
	struct fx *f = *state;
	json_object *a, *w;

	loop_setup(f, T0);
	a = run_json(f, T0 + 1000); /* the window starts */
	assert_empty(a);
	wait_rec(f, LOOP, T0 + 1200, T0 + 1500, 4, A_EP, 0, 0, NULL); /* after the setup's IO: no spin */
	spin(f, T0 + 2000, 999 * MS, 1000, 0);
	a = run_json(f, T0 + 500 * MS); /* half a window: not judged yet */
	assert_empty(a);
	a = run_json(f, T0 + 1000 + 1000 * MS);
	w = one(a, "busy-poll");
	assert_true(active(w));
	assert_int_equal(ev_int(w, "empty_polls"), 1000);
	assert_int_equal(ev_int(w, "turns"), 1001); /* and the one after the IO */
	assert_int_equal(ev_int(w, "per_s"), 1000);
	assert_task_obj(w, 0, LOOP);
	assert_obj(f->m, w, 1, "reactor", A_EP);
	assert_string_equal(json_object_get_string(get(w, "severity")), "warning");

	/* next window: 999 empty polls, and 500 waits with a timeout: under the rate */
	spin(f, T0 + 1001 * MS, 998 * MS, 999, 0);
	spin(f, T0 + 1001 * MS, 998 * MS, 500, 10 * MS);
	a = run_json(f, T0 + 1000 + 2000 * MS);
	w = one(a, "busy-poll");
	assert_false(active(w));
	assert_int_equal(json_object_get_int(get(w, "count")), 1);
}

static void test_busy_poll_off(void **state)
{
	struct fx *f = *state;

	assert_int_equal(diagnose_configure(f->d, "busy-poll", true), 0);
	loop_setup(f, T0);
	run_json(f, T0 + 1000);
	spin(f, T0 + 2000, 999 * MS, 5000, 0);
	assert_empty(run_json(f, T0 + 1000 + 1000 * MS));
}

/* ================================================================ self-wake */

/* One round: the loop writes its eventfd, its next wait returns it. */
static void self_round(struct fx *f, uint64_t t, pid_t writer)
{
	static const uint64_t tok = 5;

	io_rec(f, writer, t, t + 100, 5, A_EFD, LS_FD_EVENTFD, LS_DIR_WRITE, 8);
	wait_rec(f, LOOP, t + 200, t + 300, 4, A_EP, -1, 1, &tok);
	io_rec(f, LOOP, t + 400, t + 500, 5, A_EFD, LS_FD_EVENTFD, LS_DIR_READ, 8);
}

static void test_self_wake(void **state)
{
	struct fx *f = *state;
	json_object *a, *w;

	loop_setup(f, T0);
	run_json(f, T0 + 1000);
	for (int i = 0; i < 19; i++) /* below the minimum of 20 */
		self_round(f, T0 + 10 * MS + (uint64_t)i * MS, LOOP);
	idle(f, T0 + 50 * MS);
	a = run_json(f, T0 + 1000 + 1000 * MS);
	assert_empty(a);

	/* 21 of its own in a row (the first of a row follows a wake from
	 * elsewhere: 20 spins) and 18 from another thread: 20 of 39, 51% */
	for (int i = 0; i < 21; i++)
		self_round(f, T0 + 1010 * MS + (uint64_t)i * MS, LOOP);
	for (int i = 0; i < 18; i++)
		self_round(f, T0 + 1100 * MS + (uint64_t)i * MS, OTHER);
	idle(f, T0 + 1150 * MS);
	a = run_json(f, T0 + 1000 + 2000 * MS);
	w = one(a, "self-wake");
	assert_int_equal(ev_int(w, "self_wakes"), 20);
	assert_int_equal(ev_int(w, "wakes"), 39);
	assert_task_obj(w, 0, LOOP);
	assert_obj(f->m, w, 1, "waker", A_EFD);

	/* 20 spins of 41 wakes: under half is not most */
	for (int i = 0; i < 21; i++)
		self_round(f, T0 + 2010 * MS + (uint64_t)i * MS, LOOP);
	for (int i = 0; i < 20; i++)
		self_round(f, T0 + 2100 * MS + (uint64_t)i * MS, OTHER);
	idle(f, T0 + 2150 * MS);
	assert_false(active(one(run_json(f, T0 + 1000 + 3000 * MS), "self-wake")));
	/* the share is configurable: 40% makes the same window a self-wake */
	assert_int_equal(diagnose_configure(f->d, "self-wake=40", false), 0);
	for (int i = 0; i < 21; i++)
		self_round(f, T0 + 3010 * MS + (uint64_t)i * MS, LOOP);
	for (int i = 0; i < 20; i++)
		self_round(f, T0 + 3100 * MS + (uint64_t)i * MS, OTHER);
	idle(f, T0 + 3150 * MS);
	assert_true(active(one(run_json(f, T0 + 1000 + 4000 * MS), "self-wake")));
}

/* tokio re-arming a timer: the loop thread writes its own eventfd, its
 * next wait returns it at once, and then it sleeps until the timer: 100
 * times a second, every wake its own, and no spin. */
static void test_self_wake_timer_rearm(void **state)
{
	struct fx *f = *state;

	loop_setup(f, T0);
	run_json(f, T0 + 1000);
	for (int i = 0; i < 200; i++) {
		uint64_t t = T0 + 10 * MS + (uint64_t)i * 10 * MS;

		self_round(f, t, LOOP);
		idle(f, t + 1000); /* sleeps in its wait until the timer */
		run_rec(f, LOOP, t + 10 * MS - 1000);
		wait_rec(f, LOOP, t + 900, t + 10 * MS - 500, 4, A_EP, 10 * MS, 0, NULL);
	}
	assert_empty(run_json(f, T0 + 1000 + 1000 * MS));
	assert_empty(run_json(f, T0 + 1000 + 2000 * MS));
	assert_int_equal(model_task(f->m, LOOP)->wakes_self, 200);
	assert_int_equal(model_task(f->m, LOOP)->self_spins, 0);
}

/* ================================================================ blocking-in-loop */

/* A turn of the loop from `t`: it blocks in nr for `blocked`, computes for
 * `cpu`, then waits again (returning at once with the eventfd). */
static uint64_t stall_turn(struct fx *f, uint64_t t, long nr, uint64_t blocked, uint64_t cpu)
{
	static const uint64_t tok = 5;

	if (blocked) {
		sleep_rec(f, LOOP, t, nr, 0, 0);
		run_rec(f, LOOP, t + blocked);
	}
	t += blocked + cpu;
	wait_rec(f, LOOP, t, t + 1000, 4, A_EP, -1, 1, &tok);
	return t + 1000;
}

static void test_blocking(void **state)
{
	struct fx *f = *state;
	json_object *a, *w;
	uint64_t t;

	assert_int_equal(diagnose_configure(f->d, "blocking-in-loop=10ms", false), 0);
	loop_running(f);
	t = stall_turn(f, T0 + 2000, SYS_futex, 9 * MS, 0); /* under 10 ms */
	t = stall_turn(f, t, -1, 0, 9 * MS);
	a = run_json(f, t);
	assert_empty(a);

	t = stall_turn(f, t, SYS_nanosleep, 10 * MS, 0);
	t = stall_turn(f, t, SYS_nanosleep, 25 * MS, 0);
	t = stall_turn(f, t, -1, 0, 12 * MS);
	a = run_json(f, t);
	assert_int_equal(count_named(a, "blocking-in-loop"), 2);
	w = json_object_array_get_idx(a, 0);
	assert_int_equal(ev_int(w, "syscall_nr"), SYS_nanosleep);
	assert_int_equal(ev_int(w, "duration_ms"), 25);
	assert_int_equal(ev_int(w, "stalls"), 2);
	assert_non_null(strstr(json_object_get_string(get(w, "summary")), "blocked in nanosleep"));
	assert_task_obj(w, 0, LOOP);
	assert_obj(f->m, w, 1, "reactor", A_EP);
	w = json_object_array_get_idx(a, 1);
	assert_int_equal(ev_int(w, "cpu_ms"), 12);
	assert_int_equal(ev_int(w, "stalls"), 1);

	/* a blocking call still in progress shows now */
	sleep_rec(f, LOOP, t + 10, SYS_read, 0, 0);
	a = run_json(f, t + 10 + 30 * MS);
	w = json_object_array_get_idx(a, 2);
	assert_non_null(w);
	assert_true(active(w));
	assert_int_equal(ev_int(w, "syscall_nr"), SYS_read);
	assert_int_equal(ev_int(w, "duration_ms"), 30);
	assert_false(active(json_object_array_get_idx(a, 0)));

	/* a thread that never polled may block as long as it likes */
	sleep_rec(f, OTHER, t, SYS_futex, 0, 0);
	run_rec(f, OTHER, t + 500 * MS);
	assert_int_equal(json_object_array_length(run_json(f, t + 600 * MS)), 3);
}

/* A turn still running at a tick, on CPU by the switches for 100 ms: a
 * stall, unless the kernel's count the collector read says the thread ran
 * 1 ms of it (the hypervisor took the vCPU; no switch in the guest). */
static void test_blocking_now_counts_no_stolen_time(void **state)
{
	struct fx *f = *state;
	static const uint64_t tok = 5;
	uint64_t t = T0 + 1000;

	assert_int_equal(diagnose_configure(f->d, "blocking-in-loop=10ms", false), 0);
	loop_setup(f, T0);
	run_rec(f, LOOP, T0 + 50);
	f->cpu_enter = 40 * MS;
	f->cpu_exit = 40 * MS + 5000;
	wait_rec(f, LOOP, T0 + 100, t, 4, A_EP, -1, 1, &tok);
	model_task_cpu(f->m, LOOP, 41 * MS + 5000, t + 100 * MS);
	assert_empty(run_json(f, t + 100 * MS));
	/* read again later: 14 ms of CPU now, a stall (within a tick of it) */
	model_task_cpu(f->m, LOOP, 54 * MS + 5000, t + 200 * MS);
	assert_int_equal(count_named(run_json(f, t + 200 * MS), "blocking-in-loop"), 1);
}

static void test_blocking_threshold(void **state)
{
	struct fx *f = *state;
	uint64_t t;

	assert_int_equal(diagnose_configure(f->d, "blocking-in-loop=30ms", false), 0);
	loop_running(f);
	t = stall_turn(f, T0 + 2000, SYS_nanosleep, 29 * MS, 0);
	assert_empty(run_json(f, t));
	t = stall_turn(f, t, SYS_nanosleep, 30 * MS, 0);
	assert_int_equal(count_named(run_json(f, t), "blocking-in-loop"), 1);
}

/* A turn of the loop from t: it sleeps `blocked` in nr (uninterruptibly
 * when d), woken by `waker` (0: by nothing traced), then waits again. */
static uint64_t stall_turn_by(struct fx *f, uint64_t t, long nr, uint64_t blocked, bool d, pid_t waker)
{
	static const uint64_t tok = 5;
	struct ls_rec_switch sw = make_switch(t, PID, LOOP, 0, 0, d ? 2 : 1, (int32_t)nr, 0, 0);
	struct ls_rec_wakeup wk = make_wakeup(t + blocked, waker ? PID : 0, waker, PID, LOOP);

	feed(f, &sw, sizeof(sw));
	if (waker)
		feed(f, &wk, sizeof(wk));
	run_rec(f, LOOP, t + blocked + (waker ? 500 : 0));
	t += blocked + 500;
	wait_rec(f, LOOP, t, t + 1000, 4, A_EP, -1, 1, &tok);
	return t + 1000;
}

/* How multi-threaded runtimes wait: tokio's idle worker parks on a condvar
 * (a futex another worker wakes) while that worker sleeps in the reactor;
 * Go's Ms the same, and they run goroutines for long between two polls of
 * the netpoller while another M polls it.  None of it stalls the loop. */
static void test_blocking_not_while_another_thread_polls(void **state)
{
	struct fx *f = *state;
	static const uint64_t tok = 5;
	json_object *w;
	uint64_t t;

	loop_running(f);
	idle_other(f, T0 + 1500); /* OTHER holds the reactor from now on */
	t = stall_turn_by(f, T0 + 2000, SYS_futex, 300 * MS, false, OTHER);
	t = stall_turn_by(f, t, SYS_futex, 300 * MS, false, 0);
	t = stall_turn_by(f, t, SYS_read, 300 * MS, true, 0); /* a page fault, a kernel lock */
	t = stall_turn(f, t, -1, 0, 300 * MS);                /* tasks on CPU */
	assert_empty(run_json(f, t));
	sleep_rec(f, LOOP, t + 10, SYS_futex, 0, 0);          /* parked now */
	assert_empty(run_json(f, t + 10 + 900 * MS));
	run_rec(f, LOOP, t + 20 + 900 * MS);
	t += 30 + 900 * MS;
	wait_rec(f, LOOP, t, t + 1000, 4, A_EP, -1, 1, &tok);
	/* a sleep the program asked for stalls its tasks whoever polls, and
	 * a longer park in the same turn (tokio's worker, after the blocking
	 * task, parks while the other worker holds the driver) hides it not */
	sleep_rec(f, LOOP, t + 1000, SYS_nanosleep, 0, 0);
	run_rec(f, LOOP, t + 1000 + 40 * MS);
	t = stall_turn_by(f, t + 2000 + 40 * MS, SYS_futex, 300 * MS, false, OTHER);
	w = one(run_json(f, t), "blocking-in-loop");
	assert_int_equal(ev_int(w, "syscall_nr"), SYS_nanosleep);
	assert_int_equal(ev_int(w, "duration_ms"), 40);
}

/* The loop alone on its reactor: a futex another of its threads woke (a
 * GC's join, a lock) is a stall from `wait` (50 ms), one that timed out
 * (Atomics.wait, a timed park) from `time` (20 ms), like CPU. */
static void test_blocking_futex_alone(void **state)
{
	struct fx *f = *state;
	json_object *a;
	uint64_t t;

	loop_running(f);
	t = stall_turn_by(f, T0 + 2000, SYS_futex, 49 * MS, false, OTHER);
	t = stall_turn_by(f, t, SYS_read, 49 * MS, true, 0);
	t = stall_turn_by(f, t, SYS_futex, 19 * MS, false, 0);
	t = stall_turn(f, t, -1, 0, 19 * MS);
	assert_empty(run_json(f, t));
	t = stall_turn_by(f, t, SYS_futex, 50 * MS, false, OTHER);
	a = run_json(f, t);
	assert_int_equal(ev_int(one(a, "blocking-in-loop"), "duration_ms"), 50);
	t = stall_turn_by(f, t, SYS_futex, 20 * MS, false, 0);
	a = run_json(f, t);
	assert_int_equal(ev_int(one(a, "blocking-in-loop"), "stalls"), 2);
	t = stall_turn(f, t, -1, 0, 20 * MS);
	assert_int_equal(count_named(run_json(f, t), "blocking-in-loop"), 2);

	/* a join of 60 ms on a peer that stood 25 ms runnable with no CPU (a
	 * loaded machine: V8's GC helper beside busy loops) waited 35 ms of
	 * its own: under `wait` */
	{
		struct ls_rec_switch pre = make_switch(t + 10 * MS, PID, OTHER, 0, 0, 0, -1, 0, 0);

		run_rec(f, OTHER, t + 1000);
		feed(f, &pre, sizeof(pre));
		run_rec(f, OTHER, t + 35 * MS);
	}
	t = stall_turn_by(f, t, SYS_futex, 60 * MS, false, OTHER);
	a = run_json(f, t);
	assert_int_equal(count_named(a, "blocking-in-loop"), 2); /* the earlier two, */
	for (int i = 0; i < 2; i++)                               /* not sighted again */
		assert_false(active(json_object_array_get_idx(a, i)));
	assert_int_equal(ev_int(json_object_array_get_idx(a, 0), "stalls"), 2);
}

/* Go's sysmon polls the netpoller with a zero timeout only, and sleeps in
 * nanosleep between: it never waits in the reactor, so it is no loop. */
static void test_blocking_not_a_loop_that_only_peeks(void **state)
{
	struct fx *f = *state;
	static const uint64_t tok = 5;
	uint64_t t = T0 + 1000;

	loop_setup(f, T0);
	for (int i = 0; i < 50; i++) {
		wait_rec(f, LOOP, t, t + 1000, 4, A_EP, 0, i % 2, &tok);
		sleep_rec(f, LOOP, t + 2000, SYS_nanosleep, 0, 0);
		run_rec(f, LOOP, t + 2000 + 30 * MS);
		t += 31 * MS;
	}
	assert_empty(run_json(f, t));
	assert_empty(run_json(f, t + 1000 * MS));
}

/* Go's Ms poll with a zero timeout when they look for work, between
 * sleeps on a futex: thousands a second, no spin. */
static void test_busy_poll_not_between_sleeps(void **state)
{
	struct fx *f = *state;
	uint64_t t = T0 + 1000;

	loop_setup(f, T0);
	run_json(f, T0 + 500);
	for (int i = 0; i < 3000; i++) {
		wait_rec(f, LOOP, t, t + 1000, 4, A_EP, 0, 0, NULL);
		sleep_rec(f, LOOP, t + 2000, SYS_futex, 0, 0);
		run_rec(f, LOOP, t + 200000);
		t += 300000;
	}
	assert_empty(run_json(f, T0 + 500 + 1000 * MS));
	assert_int_equal(model_task(f->m, LOOP)->empty_polls, 3000);
	assert_int_equal(model_task(f->m, LOOP)->spin_polls, 0);
}

/* A spinning Go M under load: a zero-timeout poll of the netpoller, then a
 * goroutine's IO, then the next poll: thousands a second, never asleep,
 * and no spin: it has work between its polls. */
static void test_busy_poll_not_between_work(void **state)
{
	struct fx *f = *state;
	uint64_t t = T0 + 1000;

	loop_setup(f, T0);
	run_json(f, T0 + 500);
	for (int i = 0; i < 3000; i++) {
		wait_rec(f, LOOP, t, t + 1000, 4, A_EP, 0, 0, NULL);
		io_rec(f, LOOP, t + 2000, t + 3000, 7, A_SOCK, LS_FD_SOCKET, LS_DIR_WRITE, 100);
		t += 300000;
	}
	assert_empty(run_json(f, T0 + 500 + 1000 * MS));
	assert_int_equal(model_task(f->m, LOOP)->spin_polls, 0);
}

/* ================================================================ lost-waker */

static void test_lost_waker(void **state)
{
	struct fx *f = *state;
	json_object *a, *w;
	uint64_t close_ts = T0 + 10 * MS;

	loop_setup(f, T0);
	sleep_rec(f, OTHER, T0 + 1 * MS, NR_WAIT, LS_SC_EPOLL_WAIT, A_EP);
	close_rec(f, LOOP, close_ts, 5, A_EFD, LS_FD_EVENTFD);
	a = run_json(f, close_ts + 499 * MS);
	assert_empty(a);
	a = run_json(f, close_ts + 500 * MS);
	w = one(a, "lost-waker");
	assert_true(active(w));
	assert_string_equal(json_object_get_string(get(w, "severity")), "error");
	assert_obj(f->m, w, 0, "waker", A_EFD);
	assert_obj(f->m, w, 1, "reactor", A_EP);
	assert_task_obj(w, 2, OTHER);
	assert_int_equal(ev_int(w, "asleep_since_close_ms"), 500);

	/* the write through the stale fd */
	io_rec(f, LOOP, close_ts + 600 * MS, close_ts + 600 * MS + 100, 5, 0, LS_FD_OTHER,
	       LS_DIR_WRITE, -EBADF);
	a = run_json(f, close_ts + 700 * MS);
	assert_int_equal(count_named(a, "lost-waker"), 2);
	w = json_object_array_get_idx(a, 1);
	assert_int_equal(ev_int(w, "ebadf_writes"), 1);
	assert_int_equal(ev_int(w, "after_close_ms"), 600);
	assert_obj(f->m, w, 0, "waker", A_EFD);
	assert_task_obj(w, 1, LOOP);
	assert_true(active(w));
	/* no new failed write: the EBADF warning is no longer active */
	a = run_json(f, close_ts + 800 * MS);
	assert_false(active(json_object_array_get_idx(a, 1)));
	assert_true(active(json_object_array_get_idx(a, 0)));

	/* the poller's wait returns (a timeout): it slept no longer */
	wait_rec(f, OTHER, T0 + 1 * MS, close_ts + 900 * MS, 4, A_EP, 1000 * MS, 0, NULL);
	a = run_json(f, close_ts + 1000 * MS);
	assert_false(active(json_object_array_get_idx(a, 0)));
	assert_int_equal(json_object_get_int(get(json_object_array_get_idx(a, 0), "count")), 3);
}

static bool only_pid(const void *ctx, pid_t pid)
{
	return pid == *(const pid_t *)ctx;
}

/* What a viewer that is not root gets: only the warnings all of whose
 * objects are in processes it may see. */
static void test_json_for_a_viewer(void **state)
{
	struct fx *f = *state;
	uint64_t close_ts = T0 + 10 * MS;
	pid_t mine = PID, other = PID + 1;
	json_object *a;

	loop_setup(f, T0);
	sleep_rec(f, OTHER, T0 + 1 * MS, NR_WAIT, LS_SC_EPOLL_WAIT, A_EP);
	close_rec(f, LOOP, close_ts, 5, A_EFD, LS_FD_EVENTFD);
	one(run_json(f, close_ts + 500 * MS), "lost-waker");
	a = diagnose_json_for(f->d, f->m, close_ts + 500 * MS, only_pid, &mine);
	assert_int_equal(json_object_array_length(a), 1);
	assert_string_equal(json_object_to_json_string(a), json_object_to_json_string(f->j));
	json_object_put(a);
	a = diagnose_json_for(f->d, f->m, close_ts + 500 * MS, only_pid, &other);
	assert_int_equal(json_object_array_length(a), 0);
	json_object_put(a);
}

static void test_lost_waker_not_waited(void **state)
{
	struct fx *f = *state;

	/* closed while its poller is busy, or an fd never registered: fine */
	loop_setup(f, T0);
	fd_new(f, T0 + 100, LOOP, LS_SC_EVENTFD2, 6, A_EFD + 0x100, LS_FD_EVENTFD);
	run_rec(f, OTHER, T0 + 1 * MS);
	sleep_rec(f, LOOP, T0 + 2 * MS, NR_WAIT, LS_SC_EPOLL_WAIT, A_EP);
	close_rec(f, OTHER, T0 + 3 * MS, 6, A_EFD + 0x100, LS_FD_EVENTFD);
	io_rec(f, OTHER, T0 + 4 * MS, T0 + 4 * MS + 10, 9, 0, LS_FD_OTHER, LS_DIR_WRITE, -EBADF);
	assert_empty(run_json(f, T0 + 5000 * MS));
}

/* ================================================================ orphaned-reactor */

static void test_orphaned(void **state)
{
	struct fx *f = *state;
	static const uint64_t tok = 5;
	json_object *a, *w;

	loop_setup(f, T0);
	wait_rec(f, OTHER, T0 + 1 * MS, T0 + 2 * MS, 4, A_EP, -1, 1, &tok);
	exit_rec(f, OTHER, T0 + 3 * MS);
	a = run_json(f, T0 + 2001 * MS);
	assert_empty(a);
	a = run_json(f, T0 + 2002 * MS);
	w = one(a, "orphaned-reactor");
	assert_obj(f->m, w, 0, "reactor", A_EP);
	assert_task_obj(w, 1, OTHER);
	assert_int_equal(ev_int(w, "registered_fds"), 1);
	assert_int_equal(ev_int(w, "pollers"), 1);
	assert_int_equal(ev_int(w, "pollers_alive"), 0);
	assert_int_equal(ev_int(w, "idle_s"), 2);

	/* someone waits on it again: no longer orphaned */
	sleep_rec(f, LOOP, T0 + 2100 * MS, NR_WAIT, LS_SC_EPOLL_WAIT, A_EP);
	assert_false(active(one(run_json(f, T0 + 5000 * MS), "orphaned-reactor")));
}

static void test_orphaned_exceptions(void **state)
{
	struct fx *f = *state;
	static const uint64_t tok = 5;

	/* a reactor registered in another one is served by the outer's waits */
	loop_setup(f, T0);
	fd_new(f, T0 + 100, LOOP, LS_SC_EPOLL_CREATE1, 7, A_EP2, LS_FD_EPOLL);
	ctl_add(f, T0 + 200, 7, A_EP2, 4, A_EP, LS_FD_EPOLL, 4);
	wait_rec(f, OTHER, T0 + 1 * MS, T0 + 2 * MS, 4, A_EP, -1, 1, &tok);
	exit_rec(f, OTHER, T0 + 3 * MS);
	assert_int_equal(count_named(run_json(f, T0 + 5000 * MS), "orphaned-reactor"), 0);
}

static void test_orphaned_unknown_wait(void **state)
{
	struct fx *f = *state;
	static const uint64_t tok = 5;

	/* a thread asleep in a wait that began before attach may be its poller */
	loop_setup(f, T0);
	model_seed_task(f->m, PID, 103, "seeded", NR_WAIT, T0);
	wait_rec(f, OTHER, T0 + 1 * MS, T0 + 2 * MS, 4, A_EP, -1, 1, &tok);
	exit_rec(f, OTHER, T0 + 3 * MS);
	assert_empty(run_json(f, T0 + 5000 * MS));
}

/* ================================================================ half-duplex-socket */

/* Round trip at t: a wait of `wait` returns the socket, a read of 64, a
 * write of 16 by the same thread. */
static uint64_t trip(struct fx *f, uint64_t t, uint64_t wait)
{
	static const uint64_t tok = 7;

	idle(f, t + 10);
	run_rec(f, LOOP, t + wait - 10);
	wait_rec(f, LOOP, t, t + wait, 4, A_EP, -1, 1, &tok);
	t += wait;
	io_rec(f, LOOP, t + 100, t + 200, 7, A_SOCK, LS_FD_SOCKET, LS_DIR_READ, 64);
	io_rec(f, LOOP, t + 300, t + 400, 7, A_SOCK, LS_FD_SOCKET, LS_DIR_WRITE, 16);
	return t + 500;
}

static void half_setup(struct fx *f)
{
	loop_setup(f, T0);
	fd_new(f, T0 + 100, LOOP, LS_SC_SOCKET, 7, A_SOCK, LS_FD_SOCKET);
	ctl_add(f, T0 + 200, 4, A_EP, 7, A_SOCK, LS_FD_SOCKET, 7);
}

static void test_half_duplex(void **state)
{
	struct fx *f = *state;
	json_object *a, *w;
	uint64_t t = T0 + MS;

	half_setup(f);
	io_rec(f, LOOP, t, t + 100, 7, A_SOCK, LS_FD_SOCKET, LS_DIR_WRITE, 16); /* a hello first */
	for (int i = 0; i < 4; i++)
		t = trip(f, t, 150 * MS);
	idle(f, t);
	a = run_json(f, t);
	assert_empty(a); /* 4 < 5 round trips */
	t = trip(f, t, 150 * MS);
	idle(f, t);
	a = run_json(f, t);
	w = one(a, "half-duplex-socket");
	assert_int_equal(ev_int(w, "round_trips"), 5);
	assert_int_equal(ev_int(w, "mean_wait_ms"), 150);
	assert_int_equal(ev_int(w, "writes"), 6);
	assert_obj(f->m, w, 0, "socket", A_SOCK);
	assert_task_obj(w, 1, LOOP);

	/* a write that answers no read ends the streak */
	io_rec(f, OTHER, t, t + 100, 7, A_SOCK, LS_FD_SOCKET, LS_DIR_WRITE, 16);
	t = trip(f, t + 200, 150 * MS);
	assert_false(active(one(run_json(f, t), "half-duplex-socket")));
}

static void test_half_duplex_short_waits(void **state)
{
	struct fx *f = *state;
	uint64_t t = T0 + MS;

	/* request/response with the answer at once: an echo server */
	half_setup(f);
	for (int i = 0; i < 50; i++)
		t = trip(f, t, 99 * MS);
	idle(f, t);
	assert_empty(run_json(f, t));
	assert_int_equal(diagnose_configure(f->d, "half-duplex-socket=50ms", false), 0);
	assert_int_equal(count_named(run_json(f, t + 1), "half-duplex-socket"), 1);
}

/* "read() blocks my send()" in a tokio block_on future: the thread never
 * waits in epoll (it parks on a futex until a worker's poll wakes it), and
 * in current-thread tokio another task's 10 ms timer keeps its waits
 * short: the waits are the socket's own, 250 ms from each answer to the
 * next read's data, however the thread slept meanwhile. */
static void test_half_duplex_block_on(void **state)
{
	struct fx *f = *state;
	json_object *w;
	uint64_t t = T0 + MS;

	half_setup(f);
	for (int i = 0; i < 6; i++) {
		uint64_t next = t + 250 * MS;

		/* EAGAIN, then parked on a futex (timed short waits in ct) */
		io_rec(f, LOOP, t + 1000, t + 2000, 7, A_SOCK, LS_FD_SOCKET, LS_DIR_READ, -EAGAIN);
		for (uint64_t p = t + 3000; p + 10 * MS < next; p += 10 * MS) {
			sleep_rec(f, LOOP, p, SYS_futex, 0, 0);
			run_rec(f, LOOP, p + 10 * MS - 1000);
		}
		io_rec(f, LOOP, next, next + 1000, 7, A_SOCK, LS_FD_SOCKET, LS_DIR_READ, 64);
		io_rec(f, LOOP, next + 2000, next + 3000, 7, A_SOCK, LS_FD_SOCKET, LS_DIR_WRITE, 16);
		io_rec(f, LOOP, next + 4000, next + 5000, 7, A_SOCK, LS_FD_SOCKET, LS_DIR_WRITE, 16);
		t = next + 5000;
	}
	w = one(run_json(f, t), "half-duplex-socket");
	assert_int_equal(ev_int(w, "round_trips"), 6);
	/* 250 ms and 5 us from each answer to the next data; the first from the
	 * socket's creation, 0.9 ms earlier still */
	assert_true(json_object_get_double(get(get(w, "evidence"), "mean_wait_ms")) > 250.1 &&
		    json_object_get_double(get(get(w, "evidence"), "mean_wait_ms")) < 250.2);
}

/* ================================================================ nested-reactor */

static void test_nested(void **state)
{
	struct fx *f = *state;
	static const uint64_t tok = 5, tokb = 9;
	json_object *a, *w;
	uint64_t t = T0 + MS;

	loop_setup(f, T0);
	wait_rec(f, LOOP, t, t + 100, 4, A_EP, -1, 1, &tok); /* on A */
	fd_new(f, t + 200, LOOP, LS_SC_EPOLL_CREATE1, 7, A_EP2, LS_FD_EPOLL);
	/* into B for 20 ms, A's next event comes meanwhile */
	sleep_rec(f, LOOP, t + 300, NR_WAIT, LS_SC_EPOLL_WAIT, A_EP2);
	run_rec(f, LOOP, t + 20 * MS);
	wait_rec(f, LOOP, t + 300, t + 20 * MS + 100, 7, A_EP2, -1, 1, &tokb);
	/* back on A: ready without sleeping */
	wait_rec(f, LOOP, t + 21 * MS, t + 21 * MS + 50, 4, A_EP, -1, 1, &tok);
	a = run_json(f, t + 22 * MS);
	assert_int_equal(count_named(a, "nested-reactor"), 2);
	w = json_object_array_get_idx(a, 0);
	assert_string_equal(json_object_get_string(get(w, "severity")), "error");
	assert_int_equal(ev_int(w, "times"), 1);
	assert_int_equal(ev_int(w, "events_ready"), 1);
	assert_int_equal(ev_int(w, "away_ms"), 21); /* 21 ms - 100 ns, to 3 decimals */
	assert_task_obj(w, 0, LOOP);
	assert_obj(f->m, w, 1, "reactor", A_EP);
	assert_obj(f->m, w, 2, "reactor", A_EP2);
	w = json_object_array_get_idx(a, 1); /* B was created by A's poller */
	assert_string_equal(json_object_get_string(get(w, "severity")), "warning");
	assert_obj(f->m, w, 1, "reactor", A_EP);
	assert_obj(f->m, w, 2, "reactor", A_EP2);
}

static void test_nested_not_ready(void **state)
{
	struct fx *f = *state;
	static const uint64_t tok = 5, tokb = 9;
	uint64_t t = T0 + MS;

	/* a thread that moves to B and back, but A had nothing waiting: it
	 * sleeps on A before its event comes; and B made by a fresh thread */
	loop_setup(f, T0);
	fd_new(f, t, OTHER, LS_SC_EPOLL_CREATE1, 7, A_EP2, LS_FD_EPOLL);
	wait_rec(f, LOOP, t, t + 100, 4, A_EP, -1, 1, &tok);
	sleep_rec(f, LOOP, t + 300, NR_WAIT, LS_SC_EPOLL_WAIT, A_EP2);
	run_rec(f, LOOP, t + 20 * MS - 10);
	wait_rec(f, LOOP, t + 300, t + 20 * MS, 7, A_EP2, -1, 1, &tokb);
	sleep_rec(f, LOOP, t + 21 * MS, NR_WAIT, LS_SC_EPOLL_WAIT, A_EP);
	run_rec(f, LOOP, t + 30 * MS);
	wait_rec(f, LOOP, t + 21 * MS, t + 30 * MS + 50, 4, A_EP, -1, 1, &tok);
	assert_empty(run_json(f, t + 31 * MS));
}

/* ================================================================ report, bounds */

static void test_report_json(void **state)
{
	struct fx *f = *state;
	struct report_info ri = {.now = T0 + 3000 * MS, .tick = 3};
	json_object *root, *w, *ws;
	uint64_t close_ts = T0 + 10 * MS;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;

	root = report_json(f->m, &ri); /* no engine: an empty list */
	assert_true(json_object_is_type(get(root, "warnings"), json_type_array));
	assert_empty(get(root, "warnings"));
	json_object_put(root);

	loop_setup(f, T0);
	sleep_rec(f, OTHER, T0 + 1 * MS, NR_WAIT, LS_SC_EPOLL_WAIT, A_EP);
	close_rec(f, LOOP, close_ts, 5, A_EFD, LS_FD_EVENTFD);
	diagnose_run(f->d, f->m, close_ts + 600 * MS);
	diagnose_run(f->d, f->m, close_ts + 800 * MS);
	ws = diagnose_json(f->d, f->m, close_ts + 800 * MS);
	ri.warnings = ws;
	root = report_json(f->m, &ri);
	w = json_object_array_get_idx(get(root, "warnings"), 0);
	assert_non_null(w);
	assert_string_equal(json_object_get_string(get(w, "name")), "lost-waker");
	assert_int_equal(json_object_get_int(get(w, "count")), 2);
	assert_true(json_object_get_double(get(w, "first_seen_s")) > 0.609 &&
		    json_object_get_double(get(w, "first_seen_s")) < 0.611);
	assert_true(json_object_get_double(get(w, "last_seen_s")) > 0.809 &&
		    json_object_get_double(get(w, "last_seen_s")) < 0.811);
	assert_true(strlen(json_object_get_string(get(w, "advice"))) > 20);
	json_object_put(root);

	mem = open_memstream(&buf, &len);
	report_text(mem, f->m, &ri);
	fclose(mem);
	assert_non_null(strstr(buf, "! lost-waker (error): waker fd 5 (eventfd) was closed while tid 102"));
	free(buf);
	json_object_put(ws);
}

static void test_table_bounded(void **state)
{
	struct fx *f = *state;
	json_object *a;

	/* 400 distinct spinning threads: the table keeps at most its bound */
	loop_setup(f, T0);
	run_json(f, T0 + 1000);
	for (pid_t tid = 1000; tid < 1400; tid++)
		for (int i = 0; i < 1001; i++)
			wait_rec(f, tid, T0 + 2000 + (uint64_t)i * 1000, T0 + 2500 + (uint64_t)i * 1000, 4,
				 A_EP, 0, 0, NULL);
	/* every thread's window started at its first wait's return */
	a = run_json(f, T0 + 2500 + 1000 * MS);
	assert_int_equal(count_named(a, "busy-poll"), DIAG_MAX_WARNINGS);
	assert_int_equal(json_object_array_length(a), DIAG_MAX_WARNINGS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_configure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_poll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_poll_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_self_wake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_self_wake_timer_rearm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocking_not_while_another_thread_polls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocking_futex_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocking_not_a_loop_that_only_peeks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_poll_not_between_sleeps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_poll_not_between_work, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocking, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocking_threshold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocking_now_counts_no_stolen_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_waker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_for_a_viewer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_waker_not_waited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphaned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphaned_exceptions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphaned_unknown_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_half_duplex, setup, teardown),
		cmocka_unit_test_setup_teardown(test_half_duplex_short_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_half_duplex_block_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_not_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_bounded, setup, teardown),
	};

	return cmocka_run_group_tests_name("diagnose", tests, NULL, NULL);
}
