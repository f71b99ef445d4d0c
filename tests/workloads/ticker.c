/*
 * ticker: a small event loop that keeps running, for tests of the
 * collector's viewers (they need a target that lives and makes records).
 *
 * The main thread, "loop", waits in epoll_wait(-1) on one epoll instance
 * holding one eventfd (token 0x7469636b, "tick") and drains it; a second
 * thread, "ticker", writes 1 to the eventfd every P ms.  Prints "ready" on
 * stdout once both run.  Exits 0 after S seconds, or on SIGTERM.
 *
 * usage: ticker [PERIOD_MS [SECONDS]]   (defaults 10 and 60; at most 300 s)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <time.h>

#include "workload.h"

static int efd;
static long period_ms = 10;

static void done(int sig)
{
	(void)sig;
	_exit(0);
}

static void *tick(void *arg)
{
	struct timespec ts = {period_ms / 1000, (period_ms % 1000) * 1000000L};
	uint64_t one = 1;

	(void)arg;
	prctl(PR_SET_NAME, "ticker");
	for (;;) {
		nanosleep(&ts, NULL);
		if (write(efd, &one, sizeof(one)) != sizeof(one))
			die("write eventfd");
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x7469636b};
	long seconds = 60;
	pthread_t t;
	int ep;

	workload_name = "ticker";
	if (argc > 3 || (argc > 1 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: ticker [PERIOD_MS [SECONDS]]\n");
		return 2;
	}
	if (argc > 1 && (period_ms = parse_number(argv[1], 1, 10000)) < 0)
		fail("PERIOD_MS must be 1..10000");
	if (argc > 2 && (seconds = parse_number(argv[2], 1, 300)) < 0)
		fail("SECONDS must be 1..300");
	prctl(PR_SET_NAME, "loop");
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (efd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev))
		die("setup");
	signal(SIGALRM, done);
	signal(SIGTERM, done);
	alarm((unsigned int)seconds);
	if (pthread_create(&t, NULL, tick, NULL))
		fail("pthread_create");
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		uint64_t v;

		if (epoll_wait(ep, &ev, 1, -1) < 0 && errno != EINTR)
			die("epoll_wait");
		if (read(efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			die("read eventfd");
	}
}
