/*
 * echo_server: a single-threaded, level-triggered epoll TCP echo server on
 * 127.0.0.1 (kernel-chosen port) -- the textbook reactor.
 *
 * Reproduces the exact per-socket counts loopscope must report: the listener
 * and every client sit in one epoll instance; each readiness of a client is
 * exactly one read() into a 64 KiB buffer and the write()s that echo it back
 * (one, unless the kernel takes less); a read() of 0 closes the client. The
 * sockets are blocking, so there is never an EAGAIN.
 *
 * usage: echo_server [--once]
 *   Prints "port N" (flushed) once listening. With --once, exits 0 after the
 *   first client closes (1 if it went away with an error). Gives up after
 *   30 s (exit 3) so a hung test never hangs CI.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "workload.h"

enum { BUF_SIZE = 64 * 1024, MAX_EVENTS = 64 };

static void watch(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl");
}

static void accept_client(int ep, int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0) {
		if (errno == ECONNABORTED || errno == EINTR)
			return;
		die("accept4");
	}
	watch(ep, fd);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			perror("write");
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One readiness: 1 if the client stays, 0 if it closed, -1 on an error. */
static int echo_once(int fd, char *buf)
{
	ssize_t n = read(fd, buf, BUF_SIZE);

	if (n > 0 && write_all(fd, buf, (size_t)n) == 0)
		return 1;
	if (n < 0)
		perror("read");
	close(fd);
	return n == 0 ? 0 : -1;
}

static int serve(int ep, int lfd, int once)
{
	static char buf[BUF_SIZE];
	struct epoll_event evs[MAX_EVENTS];

	for (;;) {
		int n = epoll_wait(ep, evs, MAX_EVENTS, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			int r;

			if (fd == lfd) {
				accept_client(ep, lfd);
				continue;
			}
			r = echo_once(fd, buf);
			if (r <= 0 && once)
				return r == 0 ? 0 : 1;
		}
	}
}

int main(int argc, char **argv)
{
	int once = 0;
	uint16_t port;
	int ep, lfd;

	workload_name = "echo_server";
	if (argc == 2 && strcmp(argv[1], "--once") == 0)
		once = 1;
	else if (argc != 1) {
		fprintf(stderr, "usage: echo_server [--once]\n");
		return 2;
	}
	bound_run_time();
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_NAME, "echo_server", 0, 0, 0);

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	lfd = listen_loopback(&port);
	watch(ep, lfd);

	printf("port %u\n", port);
	fflush(stdout);
	return serve(ep, lfd, once);
}
