/*
 * et_waker: mio's Waker -- an eventfd registered edge-triggered and never
 * read, so its counter only grows -- woken one write at a time.
 *
 *   et_waker N
 *
 * The poller thread waits in epoll_wait(-1); the waker thread writes 1 to
 * the eventfd, then waits (on a semaphore) until the poller's wait has
 * returned it, N times.  Every write is a wake of its own: none coalesced.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>

#include "workload.h"

enum { TOKEN = 0x77 };

static int ep, efd;
static long rounds;
static sem_t woken;

static void *poller(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "poller");
	for (long i = 0; i < rounds; i++) {
		struct epoll_event ev;

		if (epoll_wait(ep, &ev, 1, -1) != 1 || ev.data.u64 != TOKEN)
			fail("bad wake");
		sem_post(&woken);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u64 = TOKEN};
	pthread_t t;
	uint64_t one = 1;

	workload_name = "et_waker";
	bound_run_time();
	if (argc != 2 || (rounds = parse_number(argv[1], 1, 1000000)) < 0)
		fail("usage: et_waker N");
	prctl(PR_SET_NAME, "waker");
	ep = epoll_create1(EPOLL_CLOEXEC);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ep < 0 || efd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) < 0)
		die("setup");
	sem_init(&woken, 0, 0);
	if (pthread_create(&t, NULL, poller, NULL))
		fail("pthread_create");
	for (long i = 0; i < rounds; i++) {
		if (write(efd, &one, sizeof one) != sizeof one)
			die("write");
		while (sem_wait(&woken) < 0 && errno == EINTR)
			;
	}
	pthread_join(t, NULL);
	printf("done %ld\n", rounds);
	return 0;
}
