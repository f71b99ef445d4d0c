/* test_protocol.c - frames (round trips, every rejection), and the server
 * without BPF: welcome, the shared pause flag, replies, errors, a viewer
 * that stops reading (bounded queue, dropped), bad frames. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "client.h"
#include "protocol.h"
#include "server.h"
#include "util.h"

/* ---- frames ---- */

static int feed_all(struct proto_reader *r, const char *buf, size_t len, json_object **msg, char *err)
{
	assert_int_equal(proto_reader_feed(r, buf, len), 0);
	return proto_reader_next(r, msg, err, 160);
}

static char *raw_frame(const char *payload, size_t plen, uint32_t claimed, size_t *len)
{
	char *f = malloc(4 + plen);

	f[0] = (char)(claimed >> 24);
	f[1] = (char)(claimed >> 16);
	f[2] = (char)(claimed >> 8);
	f[3] = (char)claimed;
	memcpy(f + 4, payload, plen);
	*len = 4 + plen;
	return f;
}

static void test_round_trip(void **state)
{
	json_object *m = proto_msg("pause"), *got;
	struct proto_reader r;
	char err[160], *f;
	size_t len;

	json_object_object_add(m, "id", json_object_new_int(7));
	f = proto_frame(m, PROTO_MAX_UP, &len);
	assert_non_null(f);
	assert_int_equal(len, 4 + strlen("{\"v\":1,\"type\":\"pause\",\"id\":7}"));
	assert_int_equal((unsigned char)f[3], len - 4);
	proto_reader_init(&r, PROTO_MAX_UP);
	/* byte by byte: nothing until the last one */
	for (size_t i = 0; i + 1 < len; i++) {
		assert_int_equal(proto_reader_feed(&r, f + i, 1), 0);
		assert_int_equal(proto_reader_next(&r, &got, err, sizeof(err)), 0);
		assert_true(proto_reader_partial(&r));
	}
	assert_int_equal(feed_all(&r, f + len - 1, 1, &got, err), 1);
	assert_string_equal(proto_type(got), "pause");
	assert_true(json_object_equal(got, m));
	assert_false(proto_reader_partial(&r));
	json_object_put(got);
	json_object_put(m);
	free(f);
	proto_reader_free(&r);
}

static void test_two_frames_in_one_read(void **state)
{
	json_object *a = proto_msg("status"), *b = proto_msg("dump"), *got;
	struct proto_reader r;
	size_t la, lb;
	char *fa = proto_frame(a, PROTO_MAX_UP, &la), *fb = proto_frame(b, PROTO_MAX_UP, &lb);
	char buf[256], err[160];

	memcpy(buf, fa, la);
	memcpy(buf + la, fb, lb);
	proto_reader_init(&r, PROTO_MAX_UP);
	assert_int_equal(feed_all(&r, buf, la + lb, &got, err), 1);
	assert_string_equal(proto_type(got), "status");
	json_object_put(got);
	assert_int_equal(proto_reader_next(&r, &got, err, sizeof(err)), 1);
	assert_string_equal(proto_type(got), "dump");
	json_object_put(got);
	assert_int_equal(proto_reader_next(&r, &got, err, sizeof(err)), 0);
	assert_null(got);
	json_object_put(a);
	json_object_put(b);
	free(fa);
	free(fb);
	proto_reader_free(&r);
}

/* payload, its claimed length (0: the real one), the error expected */
static void rejects(const char *payload, size_t plen, uint32_t claimed, const char *want)
{
	struct proto_reader r;
	json_object *got = (json_object *)1;
	char err[160] = "", *f;
	size_t len;

	f = raw_frame(payload, plen, claimed ? claimed : (uint32_t)plen, &len);
	proto_reader_init(&r, PROTO_MAX_UP);
	assert_int_equal(feed_all(&r, f, len, &got, err), -1);
	assert_null(got);
	assert_string_equal(err, want);
	free(f);
	proto_reader_free(&r);
}

static void test_rejections(void **state)
{
	static const char nul[] = "{\"v\":1,\"type\":\"dump\"}\0xx";

	rejects("", 0, 0, "bad frame length 0 (limit 65536)");
	rejects("{}", 2, PROTO_MAX_UP + 1, "bad frame length 65537 (limit 65536)");
	rejects("{}", 2, 0xffffffffu, "bad frame length 4294967295 (limit 65536)");
	rejects("hello", 5, 0, "frame is not a JSON object");
	rejects("[1,2]", 5, 0, "frame is not a JSON object");
	rejects("{\"v\":1,", 7, 0, "frame is not a JSON object");
	rejects("{\"v\":1,\"type\":\"dump\"} x", 24, 0, "frame is not a JSON object");
	rejects(nul, sizeof(nul) - 1, 0, "frame is not a JSON object");
	rejects("{\"type\":\"dump\"}", 15, 0, "message without a protocol version \"v\"");
	rejects("{\"v\":\"1\",\"type\":\"dump\"}", 23, 0, "message without a protocol version \"v\"");
	rejects("{\"v\":2,\"type\":\"dump\"}", 21, 0,
		"protocol version 2 is not spoken here (this side speaks 1)");
	rejects("{\"v\":1}", 7, 0, "message without a \"type\"");
	rejects("{\"v\":1,\"type\":5}", 16, 0, "message without a \"type\"");
}

static void test_frame_limits(void **state)
{
	size_t len;
	char *big = malloc(PROTO_MAX_UP + 1);

	memset(big, ' ', PROTO_MAX_UP + 1);
	assert_null(proto_frame_raw(big, PROTO_MAX_UP + 1, PROTO_MAX_UP, &len));
	assert_null(proto_frame_raw(big, 0, PROTO_MAX_UP, &len));
	free(big);
	big = proto_frame_raw("{}", 2, PROTO_MAX_UP, &len);
	assert_non_null(big);
	assert_int_equal(len, 6);
	free(big);
}

static void test_socket_path(void **state)
{
	unsetenv(PROTO_SOCKET_ENV);
	assert_string_equal(proto_socket_path(NULL), PROTO_DEFAULT_SOCKET);
	assert_string_equal(proto_socket_path("/x/y"), "/x/y");
	setenv(PROTO_SOCKET_ENV, "/env/sock", 1);
	assert_string_equal(proto_socket_path(NULL), "/env/sock");
	assert_string_equal(proto_socket_path(""), "/env/sock");
	assert_string_equal(proto_socket_path("/x/y"), "/x/y");
	unsetenv(PROTO_SOCKET_ENV);
}

/* ---- the server, with a fake collector ---- */

struct fake {
	size_t state_bytes; /* the size of the "blob" in each state */
	int states, statuses;
	char path[108];
	struct server *srv;
};

/* {"n": how many states so far, "uid": uid, "blob": "xxx..."}, as text. */
static char *fake_state(void *ctx, uid_t uid, size_t *len)
{
	struct fake *f = ctx;
	char *text = malloc(f->state_bytes + 64);
	int head;

	f->states++;
	head = snprintf(text, 64, "{\"n\":%d,\"uid\":%d,\"blob\":\"", f->states, (int)uid);
	memset(text + head, 'x', f->state_bytes);
	memcpy(text + head + f->state_bytes, "\"}", 3);
	*len = (size_t)head + f->state_bytes + 2;
	return text;
}

static json_object *fake_status(void *ctx, uid_t uid)
{
	struct fake *f = ctx;
	json_object *o = json_object_new_object();

	f->statuses++;
	json_object_object_add(o, "records", json_object_new_int(42));
	return o;
}

static int setup(void **state)
{
	struct fake *f = xcalloc(1, sizeof(*f));
	struct server_opts so = {.mode = 0600, .stall_ns = 10000000000ULL, .start_ns = now_ns(), .interval_s = 1};
	struct server_ops ops = {.ctx = f, .state = fake_state, .status = fake_status};

	f->state_bytes = 100;
	snprintf(f->path, sizeof(f->path), "/tmp/ls-test-%d.sock", (int)getpid());
	so.path = f->path;
	assert_int_equal(server_open(&f->srv, &so, &ops), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;

	server_close(f->srv, "test over");
	free(f);
	return 0;
}

static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, k, &v);
	return v;
}

/* The server is serviced by the test itself: one turn, then read. */
static json_object *next_msg(struct fake *f, struct client *c)
{
	char err[160];
	json_object *m = NULL;

	for (int i = 0; i < 200 && !m; i++) {
		server_service(f->srv);
		if (client_recv(c, &m, 5, err, sizeof(err)) < 0)
			fail_msg("client_recv: %s", err);
	}
	assert_non_null(m);
	return m;
}

static json_object *expect(struct fake *f, struct client *c, const char *type)
{
	json_object *m = next_msg(f, c);

	if (strcmp(proto_type(m), type))
		fail_msg("expected '%s', got %s", type, json_object_to_json_string(m));
	return m;
}

static struct client *join(struct fake *f, json_object **welcome)
{
	char err[160];
	struct client *c = client_connect(f->path, err, sizeof(err));

	assert_non_null(c);
	*welcome = expect(f, c, "welcome");
	return c;
}

static void test_welcome(void **state)
{
	struct fake *f = *state;
	json_object *w, *w2, *v;
	struct client *a = join(f, &w), *b;

	assert_int_equal(json_object_get_int(get(w, "protocol")), 1);
	assert_int_equal(json_object_get_int(get(w, "viewer")), 1);
	assert_int_equal(json_object_get_int(get(w, "viewers")), 1);
	assert_int_equal(json_object_get_int(get(get(w, "you"), "uid")), (int)getuid());
	assert_int_equal(json_object_get_int(get(get(w, "you"), "pid")), (int)getpid());
	assert_false(json_object_get_boolean(get(get(w, "pause"), "paused")));
	assert_null(get(get(w, "pause"), "by"));
	assert_int_equal(json_object_get_int(get(get(w, "state"), "n")), 1);
	assert_int_equal(json_object_get_int(get(get(w, "collector"), "pid")), (int)getpid());
	b = join(f, &w2);
	assert_int_equal(json_object_get_int(get(w2, "viewer")), 2);
	assert_int_equal(json_object_get_int(get(w2, "viewers")), 2);
	v = expect(f, a, "viewers"); /* the first learns of the second */
	assert_int_equal(json_object_get_int(get(v, "viewers")), 2);
	json_object_put(v);
	client_close(b);
	v = expect(f, a, "viewers");
	assert_int_equal(json_object_get_int(get(v, "viewers")), 1);
	json_object_put(v);
	json_object_put(w);
	json_object_put(w2);
	client_close(a);
}

static void test_pause_shared(void **state)
{
	struct fake *f = *state;
	json_object *w1, *w2, *w3, *m, *p;
	struct client *a = join(f, &w1), *b = join(f, &w2), *c;

	json_object_put(expect(f, a, "viewers"));
	server_publish(f->srv);
	json_object_put(expect(f, a, "update"));
	json_object_put(expect(f, b, "update"));

	assert_int_equal(client_send(b, "pause", 5), 0);
	m = expect(f, b, "reply"); /* the confirmation first */
	assert_int_equal(json_object_get_int(get(m, "id")), 5);
	assert_string_equal(json_object_get_string(get(m, "to")), "pause");
	assert_true(json_object_get_boolean(get(m, "changed")));
	json_object_put(m);
	for (int i = 0; i < 2; i++) {
		m = expect(f, i ? b : a, "pause");
		p = get(m, "pause");
		assert_true(json_object_get_boolean(get(p, "paused")));
		assert_int_equal(json_object_get_int(get(get(p, "by"), "viewer")), 2);
		json_object_put(m);
	}
	assert_true(server_paused(f->srv));
	/* paused: ticks publish nothing */
	server_publish(f->srv);
	server_service(f->srv);
	{
		char err[160];
		json_object *none = NULL;

		assert_int_equal(client_recv(a, &none, 50, err, sizeof(err)), 0);
	}
	/* a viewer that comes now learns it in its first message */
	c = join(f, &w3);
	assert_true(json_object_get_boolean(get(get(w3, "pause"), "paused")));
	assert_int_equal(json_object_get_int(get(get(get(w3, "pause"), "by"), "viewer")), 2);
	json_object_put(expect(f, a, "viewers"));
	json_object_put(expect(f, b, "viewers"));
	/* pausing again changes nothing and tells only the asker */
	assert_int_equal(client_send(a, "pause", 6), 0);
	m = expect(f, a, "reply");
	assert_false(json_object_get_boolean(get(m, "changed")));
	json_object_put(m);
	/* the third resumes: everyone gets the flag, then the present state */
	assert_int_equal(client_send(c, "resume", 9), 0);
	json_object_put(expect(f, c, "reply"));
	for (int i = 0; i < 3; i++) {
		struct client *v = i == 0 ? a : i == 1 ? b : c;

		m = expect(f, v, "pause");
		assert_false(json_object_get_boolean(get(get(m, "pause"), "paused")));
		assert_int_equal(json_object_get_int(get(get(get(m, "pause"), "by"), "viewer")), 3);
		json_object_put(m);
		m = expect(f, v, "update");
		assert_false(json_object_get_boolean(get(get(m, "pause"), "paused")));
		json_object_put(m);
	}
	json_object_put(w1);
	json_object_put(w2);
	json_object_put(w3);
	client_close(a);
	client_close(b);
	client_close(c);
}

static void test_requests_and_errors(void **state)
{
	struct fake *f = *state;
	json_object *w, *m;
	struct client *a = join(f, &w);

	assert_int_equal(client_send(a, "status", 1), 0);
	m = expect(f, a, "reply");
	assert_int_equal(json_object_get_int(get(get(m, "status"), "records")), 42);
	assert_int_equal(json_object_get_int(get(get(m, "status"), "viewers")), 1);
	assert_int_equal(json_object_array_length(get(get(m, "status"), "clients")), 1);
	json_object_put(m);
	assert_int_equal(client_send(a, "dump", 2), 0);
	m = expect(f, a, "reply");
	/* the welcome's state: serialized once per uid per tick, shared */
	assert_int_equal(json_object_get_int(get(get(m, "state"), "n")), 1);
	json_object_put(m);
	assert_int_equal(client_send(a, "dump", 4), 0);
	m = expect(f, a, "error");
	assert_string_equal(json_object_get_string(get(m, "error")),
			    "one dump per tick: the state changes every 1 s; ask again after the next update");
	assert_int_equal(json_object_get_int(get(m, "id")), 4);
	json_object_put(m);
	assert_int_equal(client_send(a, "status", 5), 0);
	m = expect(f, a, "reply");
	assert_int_equal(json_object_get_int(get(get(get(m, "status"), "refused"), "dumps")), 1);
	assert_int_equal(json_object_get_int(get(get(get(m, "status"), "limits"), "viewers_per_user")), 16);
	json_object_put(m);
	assert_int_equal(client_send(a, "frobnicate", 3), 0);
	m = expect(f, a, "error");
	assert_string_equal(json_object_get_string(get(m, "error")), "unknown message type 'frobnicate'");
	assert_false(json_object_get_boolean(get(m, "fatal")));
	assert_int_equal(json_object_get_int(get(m, "id")), 3);
	json_object_put(m);
	/* still served after a non-fatal error */
	assert_int_equal(client_send(a, "status", 4), 0);
	json_object_put(expect(f, a, "reply"));
	json_object_put(w);
	client_close(a);
}

/* Services the server until it counts n viewers (closed ones are noticed
 * when their EOF is read). */
static void settle(struct fake *f, int n)
{
	struct timespec ts = {0, 2000000};

	for (int i = 0; i < 500 && server_viewers(f->srv) != n; i++) {
		server_service(f->srv);
		nanosleep(&ts, NULL);
	}
	assert_int_equal(server_viewers(f->srv), n);
}

/* Raw bytes on a connection: the answer, then whether it was closed. */
static void garbage(struct fake *f, const void *bytes, size_t n, const char *want_err)
{
	char err[160];
	struct client *a, *watcher;
	json_object *w, *m;
	int fd;

	settle(f, 0);
	watcher = join(f, &w);
	json_object_put(w);
	a = join(f, &w);
	json_object_put(w);
	json_object_put(expect(f, watcher, "viewers"));
	fd = client_fd(a);
	assert_int_equal(write(fd, bytes, n), (ssize_t)n);
	m = expect(f, a, "error");
	assert_string_equal(json_object_get_string(get(m, "error")), want_err);
	assert_true(json_object_get_boolean(get(m, "fatal")));
	json_object_put(m);
	/* then the connection is closed */
	for (int i = 0; i < 100; i++) {
		int r;

		server_service(f->srv);
		r = client_recv(a, &m, 5, err, sizeof(err));
		if (r < 0)
			break;
		assert_int_equal(r, 0);
	}
	assert_string_equal(err, "the collector closed the connection");
	/* and the others are still served */
	m = expect(f, watcher, "viewers");
	assert_int_equal(json_object_get_int(get(m, "viewers")), 1);
	json_object_put(m);
	server_publish(f->srv);
	json_object_put(expect(f, watcher, "update"));
	client_close(a);
	client_close(watcher);
}

static void test_bad_frames(void **state)
{
	struct fake *f = *state;
	static const char huge[] = {0x7f, 0, 0, 0};
	static const char zero[] = {0, 0, 0, 0};
	static const char notjson[] = {0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'};
	static const char v2[] = "\0\0\0\x15{\"v\":2,\"type\":\"dump\"}";

	garbage(f, huge, sizeof(huge), "bad frame length 2130706432 (limit 65536)");
	garbage(f, zero, sizeof(zero), "bad frame length 0 (limit 65536)");
	garbage(f, notjson, sizeof(notjson), "frame is not a JSON object");
	garbage(f, v2, sizeof(v2) - 1, "protocol version 2 is not spoken here (this side speaks 1)");
}

static void test_cut_mid_frame(void **state)
{
	struct fake *f = *state;
	static const char half[] = {0, 0, 0, 30, '{', '"'};
	json_object *w, *m;
	struct client *a = join(f, &w), *watcher;

	json_object_put(w);
	watcher = join(f, &w);
	json_object_put(w);
	assert_int_equal(write(client_fd(a), half, sizeof(half)), (ssize_t)sizeof(half));
	server_service(f->srv);
	client_close(a);
	m = expect(f, watcher, "viewers"); /* nothing else: a is forgotten */
	assert_int_equal(json_object_get_int(get(m, "viewers")), 1);
	json_object_put(m);
	assert_int_equal(server_viewers(f->srv), 1);
	client_close(watcher);
}

/* A viewer that never reads: its queue holds the frame being written and
 * one state, never more; the others get every update; after stall_ns it is
 * dropped with a reason. */
static void test_stuck_viewer(void **state)
{
	struct fake *f = *state;
	json_object *w, *m;
	struct client *stuck = join(f, &w), *live;
	int updates = 0;

	json_object_put(w);
	live = join(f, &w);
	json_object_put(w);
	f->state_bytes = 256 << 10; /* each update fills the socket's buffer at once */
	for (int i = 0; i < 20; i++) {
		server_publish(f->srv);
		/* the live one reads everything */
		for (int k = 0; k < 1000 && updates < i + 1; k++) {
			char err[160];
			int r;

			server_service(f->srv);
			r = client_recv(live, &m, 2, err, sizeof(err));
			if (r < 0)
				fail_msg("%s", err);
			if (r == 0)
				continue;
			updates += !strcmp(proto_type(m), "update");
			json_object_put(m);
		}
	}
	assert_int_equal(updates, 20);
	assert_int_equal(server_viewers(f->srv), 2);
	{
		/* the stuck one's queue: status says how much, and what was skipped */
		json_object *st;

		assert_int_equal(client_send(live, "status", 1), 0);
		m = expect(f, live, "reply");
		st = get(m, "status");
		for (size_t i = 0; i < json_object_array_length(get(st, "clients")); i++) {
			json_object *cl = json_object_array_get_idx(get(st, "clients"), i);

			if (json_object_get_int(get(cl, "viewer")) != 1)
				continue;
			/* 20 updates published, at most 2 in its queue (one half
			 * sent, one waiting), a few in the socket: the rest skipped */
			assert_true(json_object_get_uint64(get(cl, "skipped")) >= 15);
			assert_true(json_object_get_uint64(get(cl, "queued_bytes")) <= 2 * ((256 << 10) + 200));
		}
		json_object_put(m);
	}
	/* stalled: dropped once stall_ns passes (the test shortens it) */
	server_close(f->srv, "restart");
	client_close(stuck);
	client_close(live);
	{
		struct server_opts so = {.path = f->path, .mode = 0600, .stall_ns = 50000000ULL,
					 .start_ns = now_ns(), .interval_s = 1};
		struct server_ops ops = {.ctx = f, .state = fake_state, .status = fake_status};
		struct timespec ts = {0, 100000000};

		assert_int_equal(server_open(&f->srv, &so, &ops), 0);
		stuck = join(f, &w);
		json_object_put(w);
		for (int i = 0; i < 4; i++)
			server_publish(f->srv);
		assert_int_equal(server_viewers(f->srv), 1);
		nanosleep(&ts, NULL);
		server_service(f->srv);
		assert_int_equal(server_viewers(f->srv), 0);
		client_close(stuck);
	}
	f->state_bytes = 100;
}

/* A state bigger than the 1 MiB bound of small messages (a target with
 * thousands of sockets): the welcome and a dump still go out whole, and a
 * second dump asked for while the first is going out is refused, not queued. */
static void test_big_state(void **state)
{
	struct fake *f = *state;
	json_object *w, *m;
	struct client *a;

	f->state_bytes = 4 << 20;
	a = join(f, &w);
	assert_int_equal(json_object_get_string_len(get(get(w, "state"), "blob")), 4 << 20);
	json_object_put(w);
	assert_int_equal(client_send(a, "dump", 1), 0);
	assert_int_equal(client_send(a, "dump", 2), 0);
	m = expect(f, a, "reply");
	assert_int_equal(json_object_get_int(get(m, "id")), 1);
	assert_int_equal(json_object_get_int(get(get(m, "state"), "n")), 1); /* the welcome's, shared */
	assert_int_equal(json_object_get_string_len(get(get(m, "state"), "blob")), 4 << 20);
	json_object_put(m);
	m = expect(f, a, "error");
	assert_int_equal(json_object_get_int(get(m, "id")), 2);
	assert_string_equal(json_object_get_string(get(m, "error")),
			    "the last dump (or the welcome) is still going out: read it, then ask again");
	assert_false(json_object_get_boolean(get(m, "fatal")));
	json_object_put(m);
	/* read: the next one is served in the next tick (one dump per tick),
	 * with the state of that tick */
	server_publish(f->srv);
	m = expect(f, a, "update");
	assert_int_equal(json_object_get_int(get(get(m, "state"), "n")), 2);
	json_object_put(m);
	assert_int_equal(client_send(a, "dump", 3), 0);
	m = expect(f, a, "reply");
	assert_int_equal(json_object_get_int(get(m, "id")), 3);
	assert_int_equal(json_object_get_int(get(get(m, "state"), "n")), 2); /* the update's, shared */
	json_object_put(m);
	assert_int_equal(server_viewers(f->srv), 1);
	client_close(a);
	f->state_bytes = 100;
}

static void test_refuses_a_live_socket(void **state)
{
	struct fake *f = *state;
	struct server *second = NULL;
	struct server_opts so = {.path = f->path, .mode = 0600, .stall_ns = 1, .start_ns = now_ns()};
	struct server_ops ops = {.ctx = f, .state = fake_state, .status = fake_status};
	struct stat st;

	assert_int_equal(server_open(&second, &so, &ops), -EADDRINUSE);
	assert_null(second);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_replaces_a_stale_socket(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct server_opts so = {.mode = 0640, .stall_ns = 1, .start_ns = now_ns()};
	struct server_ops ops = {.ctx = NULL, .state = fake_state, .status = fake_status};
	struct server *s = NULL;
	char path[108];
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct stat st;

	snprintf(path, sizeof(path), "/tmp/ls-stale-%d.sock", (int)getpid());
	unlink(path);
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd); /* bound, never listened: a dead collector's file */
	so.path = path;
	assert_int_equal(server_open(&s, &so, &ops), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	server_close(s, "bye");
	assert_int_equal(stat(path, &st), -1); /* removed on close */
}

int main(void)
{
	const struct CMUnitTest frames[] = {
		cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_two_frames_in_one_read),
		cmocka_unit_test(test_rejections),     cmocka_unit_test(test_frame_limits),
		cmocka_unit_test(test_socket_path),    cmocka_unit_test(test_replaces_a_stale_socket),
	};
	const struct CMUnitTest server[] = {
		cmocka_unit_test_setup_teardown(test_welcome, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pause_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_requests_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_mid_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_viewer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_a_live_socket, setup, teardown),
	};

	return cmocka_run_group_tests_name("frames", frames, NULL, NULL) |
	       cmocka_run_group_tests_name("server", server, NULL, NULL);
}
