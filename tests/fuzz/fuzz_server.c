/* fuzz_server.c - libFuzzer target for the collector's side of the viewers'
 * socket (user/server.c, user/protocol.c): the input is what one viewer
 * sends, byte for byte, over a real Unix socket to a real server, cut into
 * pieces between which the server services its viewers and ticks.
 *
 * Whatever the input: no crash, no sanitizer report, no hang; and every
 * frame the server sends back is a whole frame whose payload is a JSON
 * object in valid UTF-8 (an error echoing a cut or invalid character
 * aborts here). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <json-c/json.h>

#include "protocol.h"
#include "server.h"
#include "util.h"

/* A state with non-ASCII text in it, as a target's thread names can be. */
static char *fake_state(void *ctx, uid_t uid, size_t *len)
{
	static const char st[] = "{\"version\":1,\"tasks\":[{\"name\":\"w\xc3\xa9rk\xe2\x82\xac\"}]}";

	*len = sizeof(st) - 1;
	return strdup(st);
}

static json_object *fake_status(void *ctx, uid_t uid)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "records", json_object_new_int(1));
	return o;
}

static struct server *srv;
static char path[108];

static void cleanup(void)
{
	server_close(srv, "fuzzing done");
}

static void init(void)
{
	struct server_opts o = {.path = path, .mode = 0600, .stall_ns = 10000000000ULL,
				.start_ns = now_ns(), .interval_s = 1.0, .viewers_per_user = 4};
	struct server_ops ops = {.state = fake_state, .status = fake_status};
	snprintf(path, sizeof(path), "/tmp/fuzz_server_%d.sock", getpid());
	if (server_open(&srv, &o, &ops))
		abort();
	atexit(cleanup);
}

static bool valid_utf8(const char *s, size_t n)
{
	char *copy = malloc(n + 1);
	bool ok;

	proto_utf8_copy(copy, n + 1, s, n);
	ok = strlen(copy) == n && memcmp(copy, s, n) == 0;
	free(copy);
	return ok;
}

/* Every frame in buf[0..n): whole, JSON, valid UTF-8; returns the bytes of
 * whole frames (a frame cut at the end waits for more). */
static size_t check_frames(const unsigned char *buf, size_t n)
{
	size_t at = 0;

	while (n - at >= 4) {
		uint32_t len = (uint32_t)buf[at] << 24 | (uint32_t)buf[at + 1] << 16 |
			       (uint32_t)buf[at + 2] << 8 | buf[at + 3];
		json_tokener *tok;
		json_object *o;

		if (len == 0 || len > PROTO_MAX_DOWN)
			abort();
		if (n - at - 4 < len)
			break;
		if (!valid_utf8((const char *)buf + at + 4, len))
			abort();
		tok = json_tokener_new();
		o = json_tokener_parse_ex(tok, (const char *)buf + at + 4, (int)len);
		if (!o || !json_object_is_type(o, json_type_object) ||
		    json_tokener_get_parse_end(tok) != len)
			abort();
		json_tokener_free(tok);
		json_object_put(o);
		at += 4 + len;
	}
	return at;
}

struct inbox {
	unsigned char *buf;
	size_t len, cap;
};

static void drain(int fd, struct inbox *in)
{
	for (;;) {
		ssize_t got;

		if (in->cap - in->len < 65536) {
			in->cap = in->cap * 2 + 65536;
			in->buf = realloc(in->buf, in->cap);
		}
		got = recv(fd, in->buf + in->len, in->cap - in->len, MSG_DONTWAIT);
		if (got <= 0)
			break;
		in->len += (size_t)got;
	}
	{
		size_t used = check_frames(in->buf, in->len);

		memmove(in->buf, in->buf + used, in->len - used);
		in->len -= used;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct inbox in = {0};
	int fd;

	if (!srv)
		init();
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		abort();
	server_service(srv);
	/* pieces of 1 to 256 bytes, the size from the piece's first byte */
	for (size_t at = 0, turn = 0; at < size; turn++) {
		size_t piece = 1 + (data[at] % 256);

		if (piece > size - at)
			piece = size - at;
		if (send(fd, data + at, piece, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN)
			break;
		at += piece;
		server_service(srv);
		if (turn % 8 == 7)
			server_publish(srv);
		drain(fd, &in);
	}
	for (int i = 0; i < 4; i++) {
		server_service(srv);
		drain(fd, &in);
	}
	close(fd);
	server_service(srv); /* reaps it */
	free(in.buf);
	return 0;
}
