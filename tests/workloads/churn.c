/*
 * churn: thousands of short TCP connections in one process, the way Go's
 * net/http and tokio make them.
 *
 *   churn THREADS CONNS
 *
 * THREADS server threads share a non-blocking listener, each in its own
 * epoll loop: each accepts what it can, reads a 32-byte request, answers
 * 64 bytes and closes -- so one thread's close frees an fd number and
 * another thread's accept4 reuses it at once, and the kernel gives a freed
 * socket's memory to the next one.  One client thread makes CONNS
 * connections one after the other, each with a non-blocking connect
 * (EINPROGRESS), waiting in its own epoll for the connect, then the reply.
 * Prints "port N" first and "done CONNS" when the client is done; exits
 * when the servers have closed CONNS connections.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/epoll.h>

#include "workload.h"

enum { REQ = 32, RESP = 64 };

static int listener, conns;
static atomic_int served;

static void *server(void *arg)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = listener};

	(void)arg;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev) < 0)
		die("epoll");
	while (atomic_load(&served) < conns) {
		struct epoll_event evs[16];
		int n = epoll_wait(ep, evs, 16, 100);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == listener) {
				int c = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				struct epoll_event cev = {.events = EPOLLIN};

				if (c < 0) {
					if (errno == EAGAIN)
						continue;
					die("accept4");
				}
				cev.data.fd = c;
				if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev) < 0)
					die("epoll_ctl");
				continue;
			}
			char buf[REQ], out[RESP];
			ssize_t r = read(fd, buf, sizeof buf);

			if (r < 0 && errno == EAGAIN)
				continue;
			if (r != REQ)
				fail("short request");
			memset(out, 'b', sizeof out);
			if (write(fd, out, sizeof out) != RESP)
				fail("short reply");
			close(fd); /* leaves the epoll with its last fd */
			atomic_fetch_add(&served, 1);
		}
	}
	close(ep);
	return NULL;
}

static void wait_for(int ep, int fd, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.fd = fd}, got;

	if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) < 0)
		die("epoll_ctl");
	if (epoll_wait(ep, &got, 1, 5000) != 1)
		fail("connection stalled");
}

static void client(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		die("epoll_create1");
	for (int i = 0; i < conns; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
		char req[REQ], resp[RESP];
		int err = 0;
		socklen_t len = sizeof err;
		size_t got = 0;

		if (fd < 0)
			die("socket");
		if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
			fail("connect did not return EINPROGRESS");
		if (errno != EINPROGRESS)
			die("connect");
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			die("epoll_ctl");
		wait_for(ep, fd, EPOLLOUT);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
			fail("connect failed");
		memset(req, 'a', sizeof req);
		if (write(fd, req, sizeof req) != REQ)
			fail("short write");
		while (got < RESP) {
			ssize_t r;

			wait_for(ep, fd, EPOLLIN);
			r = read(fd, resp + got, sizeof resp - got);
			if (r <= 0 && !(r < 0 && errno == EAGAIN))
				fail("short read");
			if (r > 0)
				got += r;
		}
		close(fd);
	}
	close(ep);
	printf("done %d\n", conns);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	long threads;
	pthread_t tids[8];
	uint16_t port;

	workload_name = "churn";
	bound_run_time();
	if (argc != 3 || (threads = parse_number(argv[1], 1, 8)) < 0 ||
	    (conns = (int)parse_number(argv[2], 1, 100000)) < 0)
		fail("usage: churn THREADS CONNS");
	listener = listen_loopback(&port);
	if (fcntl(listener, F_SETFL, O_NONBLOCK) < 0)
		die("fcntl");
	printf("port %u\n", port);
	fflush(stdout);
	for (long i = 0; i < threads; i++)
		if (pthread_create(&tids[i], NULL, server, NULL))
			fail("pthread_create");
	client(port);
	for (long i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
	return 0;
}
