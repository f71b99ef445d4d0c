/* test_identity.c - who an object is, and state from before attach: ids
 * that survive the kernel's reuse of an address (and a replay), a close
 * that comes after its fd was reused, a non-blocking connect's addresses,
 * coalescing on an edge-triggered waker, one kind per socketpair, threads
 * asleep in an epoll wait at attach, polling time that never goes back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "model.h"
#include "records.h"
#include "report.h"
#include "trace.h"

#ifdef SYS_epoll_wait
#define NR_EPOLL_WAIT SYS_epoll_wait
#else
#define NR_EPOLL_WAIT SYS_epoll_pwait
#endif

#define SECRET UINT64_C(0x5eed0123456789ab)
#define RETAIN_NS UINT64_C(6000000000)
#define T0 UINT64_C(1000000000)
#define MS UINT64_C(1000000)
#define PID 4000
#define TID2 4001
#define A_LISTEN UINT64_C(0xffff888000001000)
#define A_EP UINT64_C(0xffff888000002000)
#define A_CONN UINT64_C(0xffff888000003000)
#define A_CONN2 UINT64_C(0xffff888000003800)
#define A_EFD UINT64_C(0xffff888000004000)
#define A_SP0 UINT64_C(0xffff888000005000)
#define A_SP1 UINT64_C(0xffff888000006000)

#define FEED(m, rec) assert_int_equal(model_feed((m), &(rec), sizeof(rec)), 0)

static json_object *J;

static json_object *report(struct model *m, uint64_t now)
{
	struct report_info ri = {.now = now, .tick = 1};

	json_object_put(J);
	J = report_json(m, &ri);
	assert_non_null(J);
	return J;
}

static json_object *get(json_object *o, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(o, k, &o))
			fail_msg("no %s in %s", path, json_object_to_json_string(o));
	return o;
}

static const char *gs(json_object *o, const char *path)
{
	return json_object_get_string(get(o, path));
}

static int64_t gi(json_object *o, const char *path)
{
	return json_object_get_int64(get(o, path));
}

static size_t glen(json_object *o, const char *path)
{
	return json_object_array_length(get(o, path));
}

static json_object *at(json_object *o, const char *path, size_t i)
{
	assert_true(i < glen(o, path));
	return json_object_array_get_idx(get(o, path), i);
}

/* Every id of the report's lists, each on one row only. */
static size_t assert_ids_unique(json_object *j)
{
	static const char *const lists[] = {"reactors", "wakers", "sockets"};
	const char *seen[256];
	size_t n = 0;

	for (size_t l = 0; l < 3; l++) {
		for (size_t i = 0; i < glen(j, lists[l]); i++) {
			const char *id = gs(at(j, lists[l], i), "id");

			for (size_t k = 0; k < n; k++)
				if (!strcmp(seen[k], id))
					fail_msg("id %s on two rows", id);
			assert_true(n < 256);
			seen[n++] = id;
		}
	}
	return n;
}

static json_object *task_of(json_object *j, pid_t tid)
{
	for (size_t i = 0; i < glen(j, "tasks"); i++)
		if (gi(at(j, "tasks", i), "tid") == tid)
			return at(j, "tasks", i);
	fail_msg("no task %d", tid);
	return NULL;
}

static struct ls_rec_fd_new accept_rec(uint64_t ts, pid_t tid, int fd, uint64_t obj, uint16_t rport)
{
	static const uint8_t lo[4] = {127, 0, 0, 1};
	struct ls_rec_fd_new r = make_fd_new(ts, PID, tid, LS_SC_ACCEPT4, fd, obj, LS_FD_SOCKET);

	r.parent = A_LISTEN;
	r.addr = sa4(lo, 8080, lo, rport);
	return r;
}

/* The kernel frees a closed connection's socket and gives the memory to the
 * next one while the closed one is still listed: every object the address
 * named has its own id, and the id of each stays its own. */
static void test_ids_unique_across_reuse(void **state)
{
	struct model *m = model_new(SECRET, RETAIN_NS, T0);
	uint64_t t = T0 + MS, ids[3];
	json_object *j;

	(void)state;
	for (int i = 0; i < 3; i++, t += 10 * MS) {
		struct ls_rec_fd_new a = accept_rec(t, PID, 5, A_CONN, (uint16_t)(40000 + i));
		struct ls_rec_io rd = make_io(t + MS, t + MS / 2, PID, PID, 5, A_CONN, LS_FD_SOCKET,
					      LS_DIR_READ, 100 + i);
		struct ls_rec_close c = make_close(t + 2 * MS, PID, PID, 5, A_CONN, LS_FD_SOCKET);

		FEED(m, a);
		ids[i] = model_id(m, model_object(m, A_CONN));
		FEED(m, rd);
		FEED(m, c);
	}
	/* the same address, three generations, three ids */
	assert_int_not_equal(ids[0], ids[1]);
	assert_int_not_equal(ids[1], ids[2]);
	assert_int_not_equal(ids[0], ids[2]);
	j = report(m, t);
	assert_int_equal(glen(j, "sockets"), 3);
	assert_int_equal(assert_ids_unique(j), 3);
	/* each row is its own connection: its bytes and its peer */
	for (size_t i = 0; i < 3; i++) {
		json_object *s = at(j, "sockets", i);
		int k = (int)gi(s, "read.bytes") - 100;
		char want[32], id[32];

		assert_true(k >= 0 && k < 3);
		snprintf(want, sizeof(want), "127.0.0.1:%d", 40000 + k);
		assert_string_equal(gs(s, "remote"), want);
		snprintf(id, sizeof(id), "s:%016" PRIx64, ids[k]);
		assert_string_equal(gs(s, "id"), id);
	}
	/* and each generation is found by its own */
	for (uint64_t g = 1; g <= 3; g++) {
		struct object *o = model_object_gen(m, A_CONN, g);

		assert_non_null(o);
		assert_int_equal(o->gen, g);
		assert_int_equal(((struct socket *)o)->rd.bytes, 100 + g - 1);
	}
	json_object_put(J);
	J = NULL;
	model_free(m);
}

/* Go: thread A closes fd 7; thread B's accept4 is given the freed 7 and
 * returns before A's close does.  The close record (in exit order) comes
 * after the accept: it closed the old connection, not the new one, which
 * stays one socket with its addresses. */
static void test_close_after_fd_reuse(void **state)
{
	struct model *m = model_new(SECRET, RETAIN_NS, T0);
	uint64_t t = T0 + MS;
	struct ls_rec_fd_new a1 = accept_rec(t, PID, 7, A_CONN, 40001);
	struct ls_rec_fd_new a2 = accept_rec(t + 2 * MS, TID2, 7, A_CONN2, 40002);
	struct ls_rec_close c1 = make_close(t + 3 * MS, PID, PID, 7, A_CONN, LS_FD_SOCKET);
	struct ls_rec_io rd = make_io(t + 4 * MS, t + 3 * MS, PID, TID2, 7, A_CONN2, LS_FD_SOCKET,
				      LS_DIR_READ, 50);
	struct ls_rec_close c2 = make_close(t + 5 * MS, PID, TID2, 7, A_CONN2, LS_FD_SOCKET);
	json_object *j;

	(void)state;
	FEED(m, a1);
	FEED(m, a2);
	FEED(m, c1);
	assert_non_null(model_object(m, A_CONN2)); /* still open */
	FEED(m, rd);
	j = report(m, t + 5 * MS);
	assert_int_equal(glen(j, "sockets"), 2);
	assert_ids_unique(j);
	for (size_t i = 0; i < 2; i++) {
		json_object *s = at(j, "sockets", i);

		assert_string_equal(gs(s, "local"), "127.0.0.1:8080");
		if (gi(s, "read.bytes")) {
			assert_int_equal(gi(s, "read.bytes"), 50);
			assert_string_equal(gs(s, "remote"), "127.0.0.1:40002");
			assert_true(json_object_get_boolean(get(s, "open")));
		} else {
			assert_string_equal(gs(s, "remote"), "127.0.0.1:40001");
			assert_false(json_object_get_boolean(get(s, "open")));
		}
	}
	FEED(m, c2); /* its own close closes it */
	assert_null(model_object(m, A_CONN2));
	json_object_put(J);
	J = NULL;
	model_free(m);
}

/* The same race, and the kernel gave the new connection the old one's
 * memory too (close freed it just before accept4 allocated): the close's
 * record names the new object's address, but began before it was made. */
static void test_close_after_fd_and_address_reuse(void **state)
{
	struct model *m = model_new(SECRET, RETAIN_NS, T0);
	uint64_t t = T0 + MS;
	struct ls_rec_fd_new a1 = accept_rec(t, PID, 4, A_CONN, 40001);
	struct ls_rec_close c1 = make_close(t + 3 * MS, PID, PID, 4, A_CONN, LS_FD_SOCKET);
	struct ls_rec_fd_new a2 = accept_rec(t + 2 * MS, TID2, 4, A_CONN, 40002);
	struct ls_rec_io rd = make_io(t + 4 * MS, t + 3 * MS, PID, TID2, 4, A_CONN, LS_FD_SOCKET,
				      LS_DIR_READ, 46);
	struct ls_rec_close c2 = make_close(t + 6 * MS, PID, TID2, 4, A_CONN, LS_FD_SOCKET);
	json_object *j;

	(void)state;
	c1.start = t + MS; /* entered before the accept returned fd 4 */
	FEED(m, a1);
	FEED(m, a2);
	FEED(m, c1);
	FEED(m, rd);
	j = report(m, t + 5 * MS);
	assert_int_equal(glen(j, "sockets"), 2);
	assert_ids_unique(j);
	for (size_t i = 0; i < 2; i++) {
		json_object *s = at(j, "sockets", i);

		assert_string_equal(gs(s, "family"), "inet");
		if (!strcmp(gs(s, "remote"), "127.0.0.1:40002")) {
			assert_int_equal(gi(s, "read.bytes"), 46);
			assert_true(json_object_get_boolean(get(s, "open")));
		} else {
			assert_int_equal(gi(s, "read.bytes"), 0);
			assert_false(json_object_get_boolean(get(s, "open")));
		}
	}
	FEED(m, c2);
	assert_null(model_object(m, A_CONN));
	json_object_put(J);
	J = NULL;
	model_free(m);
}

/* A connection open at attach, read and closed before the fd iterator
 * reached it: first seen by its read (no addresses), it has them from its
 * close (read at the close's entry).  Known addresses are never replaced. */
static void test_addresses_from_close(void **state)
{
	struct model *m = model_new(SECRET, RETAIN_NS, T0);
	static const uint8_t lo[4] = {127, 0, 0, 1};
	uint64_t t = T0 + MS;
	struct ls_rec_io rd = make_io(t, t - MS / 2, PID, PID, 4, A_CONN, LS_FD_SOCKET, LS_DIR_READ, 46);
	struct ls_rec_close c = make_close(t + MS, PID, PID, 4, A_CONN, LS_FD_SOCKET);
	struct ls_rec_fd_new a = accept_rec(t + 2 * MS, PID, 5, A_CONN2, 40002);
	struct ls_rec_close c2 = make_close(t + 3 * MS, PID, PID, 5, A_CONN2, LS_FD_SOCKET);
	json_object *j;

	(void)state;
	c.addr = sa4(lo, 8080, lo, 40001);
	c.sock_type = SOCK_STREAM;
	c.protocol = IPPROTO_TCP;
	c2.addr = sa4(lo, 1, lo, 1);
	FEED(m, rd);
	j = report(m, t + MS / 2);
	assert_string_equal(gs(at(j, "sockets", 0), "remote"), "");
	FEED(m, c);
	FEED(m, a);
	FEED(m, c2);
	j = report(m, t + 4 * MS);
	assert_int_equal(glen(j, "sockets"), 2);
	for (size_t i = 0; i < 2; i++) {
		json_object *s = at(j, "sockets", i);

		assert_string_equal(gs(s, "family"), "inet");
		assert_string_equal(gs(s, "type"), "stream");
		assert_string_equal(gs(s, "local"), "127.0.0.1:8080");
		assert_string_equal(gs(s, "remote"), gi(s, "read.bytes") ? "127.0.0.1:40001"
									 : "127.0.0.1:40002");
	}
	json_object_put(J);
	J = NULL;
	model_free(m);
}

/* A non-blocking connect returns EINPROGRESS; TCP has set both ends then,
 * and the probe reads them after the call: the socket has its addresses. */
static void test_connect_einprogress(void **state)
{
	struct model *m = model_new(SECRET, RETAIN_NS, T0);
	static const uint8_t lo[4] = {127, 0, 0, 1}, none[4] = {0};
	uint64_t t = T0 + MS;
	struct ls_rec_fd_new sk = make_fd_new(t, PID, PID, LS_SC_SOCKET, 9, A_CONN, LS_FD_SOCKET);
	struct ls_rec_sock_op c;
	json_object *j;

	(void)state;
	sk.addr = sa4(none, 0, none, 0);
	memset(&c, 0, sizeof(c));
	rec_hdr(&c.h, LS_REC_SOCK_OP, sizeof(c), t + MS, PID, PID);
	c.obj = A_CONN;
	c.start = t + MS / 2;
	c.fd = 9;
	c.sc = LS_SC_CONNECT;
	c.ret = -EINPROGRESS;
	c.addr = sa4(lo, 51000, lo, 7000);
	FEED(m, sk);
	FEED(m, c);
	j = report(m, t + 2 * MS);
	assert_string_equal(gs(at(j, "sockets", 0), "local"), "127.0.0.1:51000");
	assert_string_equal(gs(at(j, "sockets", 0), "remote"), "127.0.0.1:7000");
	/* a connect that failed outright leaves what was known */
	c.ret = -ECONNREFUSED;
	c.addr = sa4(lo, 1, lo, 1);
	FEED(m, c);
	j = report(m, t + 3 * MS);
	assert_string_equal(gs(at(j, "sockets", 0), "remote"), "127.0.0.1:7000");
	json_object_put(J);
	J = NULL;
	model_free(m);
}

/* mio's waker: an eventfd registered edge-triggered and never read, so its
 * counter only grows.  Each write that the poller's wait returns before
 * the next write is a wake of its own, not coalesced; two writes with no
 * return between them are one wake and one coalesced write. */
static void test_coalesced_edge_triggered(void **state)
{
	struct model *m = model_new(SECRET, RETAIN_NS, T0);
	uint64_t t = T0 + MS;
	struct ls_rec_fd_new ep = make_fd_new(t, PID, PID, LS_SC_EPOLL_CREATE1, 3, A_EP, LS_FD_EPOLL);
	struct ls_rec_fd_new efd = make_fd_new(t, PID, PID, LS_SC_EVENTFD2, 4, A_EFD, LS_FD_EVENTFD);
	struct ls_rec_ctl add = make_ctl(t + 1, PID, PID, 3, A_EP, EPOLL_CTL_ADD, 4, A_EFD, LS_FD_EVENTFD,
					 EPOLLIN | EPOLLET, 77);
	struct waker *w;
	uint64_t n = 0;

	(void)state;
	FEED(m, ep);
	FEED(m, efd);
	FEED(m, add);
	t += MS;
	for (int i = 0; i < 31; i++, t += MS) {
		struct ls_rec_io wr = make_efd_write(t + 100, t, PID, TID2, 4, A_EFD, n++);
		struct ls_rec_wait wt = make_wait(t + 500, t - MS / 2, PID, PID, 3, A_EP, 1);

		wait_ev(&wt, EPOLLIN, 77);
		FEED(m, wr);
		FEED(m, wt);
	}
	w = (struct waker *)model_object(m, A_EFD);
	assert_int_equal(w->writes, 31);
	assert_int_equal(w->wakes, 31);
	assert_int_equal(w->coalesced, 0);
	assert_int_equal(w->reads, 0);
	/* two writes before the wait returns: the second lands on a pending wake */
	{
		struct ls_rec_io w1 = make_efd_write(t + 100, t, PID, TID2, 4, A_EFD, n++);
		struct ls_rec_io w2 = make_efd_write(t + 300, t + 200, PID, TID2, 4, A_EFD, n++);
		struct ls_rec_wait wt = make_wait(t + 500, t - MS / 2, PID, PID, 3, A_EP, 1);

		wait_ev(&wt, EPOLLIN, 77);
		FEED(m, w1);
		FEED(m, w2);
		FEED(m, wt);
	}
	assert_int_equal(w->writes, 33);
	assert_int_equal(w->wakes, 32);
	assert_int_equal(w->coalesced, 1);
	model_free(m);
}

/* nginx: the master made a socketpair per worker before fork; a worker
 * holds only its own end (fd 6) and registers it: the pair stays two
 * sockets, and the worker's interest list names the socket by its id. */
static void test_socketpair_other_process(void **state)
{
	struct model *m = model_new(SECRET, RETAIN_NS, T0);
	const pid_t master = PID, worker = PID + 10;
	uint64_t t = T0 + MS;
	struct ls_rec_fd_info m5 = make_fd_info(t, master, master, 5, A_SP0, LS_FD_SOCKET);
	struct ls_rec_fd_info m6 = make_fd_info(t, master, master, 6, A_SP1, LS_FD_SOCKET);
	struct ls_rec_fd_info w6 = make_fd_info(t, worker, worker, 6, A_SP1, LS_FD_SOCKET);
	struct ls_rec_fd_info wep = make_fd_info(t, worker, worker, 3, A_EP, LS_FD_EPOLL);
	struct ls_rec_ctl add = make_ctl(t + MS, worker, worker, 3, A_EP, EPOLL_CTL_ADD, 6, A_SP1,
					 LS_FD_SOCKET, EPOLLIN, 6);
	json_object *j, *in;
	char id[32];

	(void)state;
	m5.addr.family = m6.addr.family = w6.addr.family = AF_UNIX;
	m5.sock_type = m6.sock_type = w6.sock_type = SOCK_STREAM;
	m5.peer = A_SP1;
	m6.peer = w6.peer = A_SP0;
	FEED(m, m5);
	FEED(m, m6);
	FEED(m, wep);
	FEED(m, w6);
	FEED(m, add);
	j = report(m, t + 2 * MS);
	assert_int_equal(glen(j, "wakers"), 0);
	assert_int_equal(glen(j, "sockets"), 2);
	assert_ids_unique(j);
	in = at(at(j, "reactors", 0), "interest", 0);
	assert_string_equal(gs(in, "kind"), "socket");
	snprintf(id, sizeof(id), "s:%016" PRIx64, model_id(m, model_object(m, A_SP1)));
	assert_string_equal(gs(in, "object"), id);
	json_object_put(J);
	J = NULL;
	model_free(m);
}

/* A thread asleep in epoll_wait at attach: its wait's record never comes.
 * Placed by /proc/TID/syscall among its reactor's waiters and pollers;
 * its polling time runs from attach and is kept when the wait returns;
 * a recorded wait's time never shows less than the tick before. */
static void test_pre_attach_waiter(void **state)
{
	struct model *m = model_new(SECRET, RETAIN_NS, T0);
	uint64_t t = T0 + MS;
	struct ls_rec_fd_info ep = make_fd_info(t, PID, PID, 3, A_EP, LS_FD_EPOLL);
	struct trec_seed_wait sw;
	json_object *j, *r;
	int64_t p1, p2, p3;

	(void)state;
	model_add_target(m, PID, "srv");
	model_seed_task(m, PID, PID, "srv", -1, t);
	model_seed_task(m, PID, TID2, "worker", NR_EPOLL_WAIT, t);
	FEED(m, ep);
	/* through the trace record, as the collector and a replay apply it */
	memset(&sw, 0, sizeof(sw));
	rec_hdr(&sw.h, TREC_SEED_WAIT, sizeof(sw), t, PID, TID2);
	sw.epfd = 3;
	sw.timeout_ns = -1;
	assert_int_equal(trace_apply(m, &sw, sizeof(sw)), 0);
	j = report(m, t + 1000 * MS);
	r = at(j, "reactors", 0);
	assert_int_equal(glen(r, "waiting"), 1);
	assert_int_equal(json_object_get_int(at(r, "waiting", 0)), TID2);
	assert_int_equal(glen(r, "pollers"), 1);
	assert_int_equal(json_object_get_int(at(r, "pollers", 0)), TID2);
	assert_string_equal(gs(task_of(j, TID2), "state"), "POLLING");
	p1 = gi(task_of(j, TID2), "time.polling");
	assert_int_equal(p1, 1000 * MS);
	/* woken at +1500 ms, on CPU at +1600 ms: no wait record will come */
	{
		struct ls_rec_wakeup wk = make_wakeup(t + 1500 * MS, PID, PID, PID, TID2);
		struct ls_rec_switch in = make_switch(t + 1600 * MS, 0, 0, PID, TID2, 0, -1, 0, 0);

		FEED(m, wk);
		FEED(m, in);
	}
	j = report(m, t + 2000 * MS);
	p2 = gi(task_of(j, TID2), "time.polling");
	assert_int_equal(p2, 1500 * MS);
	assert_int_equal(glen(at(j, "reactors", 0), "waiting"), 0);
	/* then a recorded wait: asleep at +2100, woken at +2900, the tick at
	 * +3000 comes before its record (it exits at +3100) */
	{
		struct ls_rec_switch out = make_switch(t + 2100 * MS, PID, TID2, 0, 0, 1, NR_EPOLL_WAIT,
						       LS_SC_EPOLL_WAIT, A_EP);
		struct ls_rec_wakeup wk = make_wakeup(t + 2900 * MS, PID, PID, PID, TID2);

		FEED(m, out);
		j = report(m, t + 2500 * MS);
		assert_int_equal(gi(task_of(j, TID2), "time.polling"), 1900 * MS);
		FEED(m, wk);
	}
	j = report(m, t + 3000 * MS);
	p3 = gi(task_of(j, TID2), "time.polling");
	assert_int_equal(p3, 2400 * MS);
	{
		struct ls_rec_wait w = make_wait(t + 3100 * MS, t + 2050 * MS, PID, TID2, 3, A_EP, 0);

		FEED(m, w);
	}
	j = report(m, t + 3200 * MS);
	assert_int_equal(gi(task_of(j, TID2), "time.polling"), 1500 * MS + 1050 * MS);
	assert_true(p1 <= p2 && p2 <= p3 && p3 <= (int64_t)(1500 * MS + 1050 * MS));
	json_object_put(J);
	J = NULL;
	model_free(m);
}

/* The records of a run, fed live (kernel addresses, the recorder's keys)
 * and as a recording replays them (addresses hidden): the same ids, every
 * generation of a reused address included. */
static void test_replay_same_ids(void **state)
{
	const uint64_t id_key = 0x1234, addr_key = 0xfeed;
	struct model *live = model_new(1, RETAIN_NS, T0), *rep = model_new(2, RETAIN_NS, T0);
	uint64_t t = T0 + MS;
	char *a, *b;
	json_object *j;

	(void)state;
	model_set_keys(live, id_key, addr_key);
	model_set_keys(rep, id_key, 0);
	for (int i = 0; i < 4; i++, t += 10 * MS) {
		struct ls_rec_fd_new ac = accept_rec(t, PID, 5, A_CONN, (uint16_t)(40000 + i));
		struct ls_rec_close c = make_close(t + MS, PID, PID, 5, A_CONN, LS_FD_SOCKET);
		struct ls_rec_fd_new ac2 = accept_rec(t + 2 * MS, PID, 6, A_CONN2, (uint16_t)(41000 + i));

		assert_int_equal(trace_apply(live, &ac, sizeof(ac)), 0);
		assert_int_equal(trace_apply(live, &c, sizeof(c)), 0);
		assert_int_equal(trace_apply(live, &ac2, sizeof(ac2)), 0);
		trace_hide_addrs(&ac, sizeof(ac), addr_key);
		trace_hide_addrs(&c, sizeof(c), addr_key);
		trace_hide_addrs(&ac2, sizeof(ac2), addr_key);
		assert_int_equal(trace_apply(rep, &ac, sizeof(ac)), 0);
		assert_int_equal(trace_apply(rep, &c, sizeof(c)), 0);
		assert_int_equal(trace_apply(rep, &ac2, sizeof(ac2)), 0);
	}
	j = report(live, t);
	assert_int_equal(assert_ids_unique(j), 8); /* 4 generations at each address */
	a = strdup(json_object_to_json_string(get(j, "sockets")));
	j = report(rep, t);
	b = strdup(json_object_to_json_string(get(j, "sockets")));
	assert_string_equal(a, b);
	free(a);
	free(b);
	json_object_put(J);
	J = NULL;
	model_free(live);
	model_free(rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_unique_across_reuse),
		cmocka_unit_test(test_close_after_fd_reuse),
		cmocka_unit_test(test_close_after_fd_and_address_reuse),
		cmocka_unit_test(test_addresses_from_close),
		cmocka_unit_test(test_connect_einprogress),
		cmocka_unit_test(test_coalesced_edge_triggered),
		cmocka_unit_test(test_socketpair_other_process),
		cmocka_unit_test(test_pre_attach_waiter),
		cmocka_unit_test(test_replay_same_ids),
	};

	return cmocka_run_group_tests_name("identity", tests, NULL, NULL);
}
