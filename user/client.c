/* client.c - a viewer's end of the collector's socket: connect, send small
 * requests, read frames as they come. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"
#include "protocol.h"
#include "util.h"

struct client {
	int fd;
	char path[108];
	struct proto_reader rd;
	bool closed;
};

struct client *client_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct client *c;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return NULL;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a socket: %s", strerror(errno));
		return NULL;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(fd);
		if (e == ENOENT || e == ECONNREFUSED)
			snprintf(err, errlen,
				 "no collector at %s: start one with `loopscope attach PID` or pass --socket",
				 path);
		else if (e == EACCES)
			snprintf(err, errlen,
				 "not allowed to connect to %s: ask for the collector's group, or run as root",
				 path);
		else
			snprintf(err, errlen, "cannot connect to %s: %s", path, strerror(e));
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	snprintf(c->path, sizeof(c->path), "%s", path);
	proto_reader_init(&c->rd, PROTO_MAX_DOWN);
	return c;
}

void client_close(struct client *c)
{
	if (!c)
		return;
	close(c->fd);
	proto_reader_free(&c->rd);
	free(c);
}

int client_fd(const struct client *c)
{
	return c->fd;
}

int client_send(struct client *c, const char *type, int64_t id)
{
	json_object *m = proto_msg(type);
	size_t len, off = 0;
	char *f;
	int ret = 0;

	if (id >= 0)
		json_object_object_add(m, "id", json_object_new_int64(id));
	f = proto_frame(m, PROTO_MAX_UP, &len);
	json_object_put(m);
	if (!f)
		return -ENOMEM;
	while (off < len) {
		ssize_t n = send(c->fd, f + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		off += (size_t)n;
	}
	free(f);
	return ret;
}

int client_recv(struct client *c, json_object **msg, int timeout_ms, char *err, size_t errlen)
{
	uint64_t deadline = timeout_ms < 0 ? 0 : now_ns() + (uint64_t)timeout_ms * 1000000;

	*msg = NULL;
	for (;;) {
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int r = proto_reader_next(&c->rd, msg, err, errlen);
		uint64_t now;
		long got;

		if (r != 0)
			return r;
		if (c->closed) {
			snprintf(err, errlen, "the collector closed the connection");
			return -1;
		}
		now = now_ns();
		if (deadline)
			timeout_ms = now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
		r = poll(&p, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			return 0;
		if (r < 0) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
		if (r == 0)
			return 0;
		got = proto_reader_fill(&c->rd, c->fd);
		if (got == -EINTR || got == -EAGAIN)
			continue;
		if (got < 0) {
			snprintf(err, errlen, "reading from the collector: %s", strerror((int)-got));
			return -1;
		}
		if (got == 0) {
			c->closed = true;
			snprintf(err, errlen, proto_reader_partial(&c->rd)
						      ? "the collector closed the connection mid-message"
						      : "the collector closed the connection");
			return -1;
		}
	}
}

static int src_pollfd(void *ctx)
{
	return ((struct client *)ctx)->fd;
}

static int src_timeout(void *ctx)
{
	return -1;
}

static int src_next(void *ctx, json_object **msg, char *err, size_t errlen)
{
	return client_recv(ctx, msg, 0, err, errlen);
}

static int src_command(void *ctx, const char *type)
{
	if (strcmp(type, "pause") && strcmp(type, "resume"))
		return -ENOTSUP;
	return client_send(ctx, type, -1);
}

void client_source(struct client *c, struct view_source *src)
{
	memset(src, 0, sizeof(*src));
	src->ctx = c;
	src->pollfd = src_pollfd;
	src->timeout_ms = src_timeout;
	src->next = src_next;
	src->command = src_command;
	src->name = c->path;
}
