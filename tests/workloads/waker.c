/*
 * waker: a mio-style cross-thread waker in one process.
 *
 * Reproduces the waker -> poller edge loopscope must attribute exactly: an
 * eventfd (EFD_NONBLOCK) registered EPOLLIN with token 0x77616b65 ("wake") in
 * one epoll instance. The main thread, named "waker", K times writes 1 to the
 * eventfd and then waits on a semaphore; the "poller" thread waits in
 * epoll_wait(-1), drains the eventfd (read() must give 8 bytes, value 1) and
 * posts the semaphore. A write never lands on a pending wake, so there are
 * exactly K writes, K reads, K waits that returned the eventfd token and 0
 * coalesced writes. The process has just these two threads.
 *
 * usage: waker K [--delay-ms D]
 *   Sets up the epoll and the eventfd, sleeps D ms (default 0) so a collector
 *   can attach, then starts the poller and does the K rounds. Exits 0, or 1
 *   on any unexpected result. Gives up after 30 s (exit 3).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "workload.h"

#define WAKE_TOKEN 0x77616b65ULL

enum { MAX_DELAY_MS = 20000 };

struct loop {
	int ep;
	int efd;
	long rounds;
	sem_t ack;
};

static void usage(void)
{
	fprintf(stderr, "usage: waker K [--delay-ms D]\n");
	exit(2);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void open_loop(struct loop *l)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = WAKE_TOKEN };

	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->ep < 0)
		die("epoll_create1");
	l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->efd < 0)
		die("eventfd");
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, l->efd, &ev) < 0)
		die("epoll_ctl");
	if (sem_init(&l->ack, 0, 0) < 0)
		die("sem_init");
}

static void wait_for_wake(struct loop *l)
{
	struct epoll_event ev;
	int n;

	while ((n = epoll_wait(l->ep, &ev, 1, -1)) < 0 && errno == EINTR)
		;
	if (n < 0)
		die("epoll_wait");
	if (n != 1 || ev.data.u64 != WAKE_TOKEN)
		fail("epoll_wait returned something other than the wake token");
}

static void drain(struct loop *l)
{
	uint64_t v = 0;
	ssize_t n = read(l->efd, &v, sizeof v);

	if (n < 0)
		die("read eventfd");
	if (n != sizeof v || v != 1)
		fail("eventfd read did not return exactly one wake");
}

static void *poll_wakes(void *arg)
{
	struct loop *l = arg;

	prctl(PR_SET_NAME, "poller", 0, 0, 0);
	for (long i = 0; i < l->rounds; i++) {
		wait_for_wake(l);
		drain(l);
		if (sem_post(&l->ack) < 0)
			die("sem_post");
	}
	return NULL;
}

static void wake(struct loop *l)
{
	uint64_t one = 1;
	ssize_t n = write(l->efd, &one, sizeof one);

	if (n < 0)
		die("write eventfd");
	if (n != sizeof one)
		fail("short eventfd write");
	while (sem_wait(&l->ack) < 0)
		if (errno != EINTR)
			die("sem_wait");
}

int main(int argc, char **argv)
{
	struct loop l;
	long delay_ms = 0;
	pthread_t poller;
	int err;

	workload_name = "waker";
	if (argc == 4 && strcmp(argv[2], "--delay-ms") == 0)
		delay_ms = parse_number(argv[3], 0, MAX_DELAY_MS);
	else if (argc != 2)
		usage();
	l.rounds = parse_number(argv[1], 0, LONG_MAX);
	if (l.rounds < 0 || delay_ms < 0)
		usage();
	bound_run_time();
	prctl(PR_SET_NAME, "waker", 0, 0, 0);

	open_loop(&l);
	sleep_ms(delay_ms);

	err = pthread_create(&poller, NULL, poll_wakes, &l);
	if (err) {
		errno = err;
		die("pthread_create");
	}
	for (long i = 0; i < l.rounds; i++)
		wake(&l);
	err = pthread_join(poller, NULL);
	if (err) {
		errno = err;
		die("pthread_join");
	}
	return 0;
}
