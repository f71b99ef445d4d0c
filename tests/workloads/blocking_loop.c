/*
 * blocking_loop: a blocking call and a long computation on an event-loop
 * thread.
 *
 * A "loop" thread serves 30 requests that a "client" thread announces
 * through an eventfd waker (token 0xb10c), each once the previous one is
 * done.  Request i needs a 30 ms blocking call (nanosleep: a synchronous
 * lookup) and, when i is odd, also 30 ms of CPU:
 *   bug: the loop does both itself, between two epoll waits.
 *   fix: the loop hands each request to a "worker" thread (a blocking pool)
 *        through a second eventfd and goes straight back to its wait.
 *
 * usage: blocking_loop bug|fix   -- exits 0, 1 on an unexpected result.
 */
#define _GNU_SOURCE
#include <semaphore.h>
#include "workload.h"
#include "loop.h"

#define TOKEN 0xb10cULL
#define REQUESTS 30

static int ep, efd, work_efd, bug;
static sem_t done;

static void serve(long i)
{
	sleep_ms(30);
	if (i % 2)
		spin_cpu_us(30000);
	if (sem_post(&done) < 0)
		die("sem_post");
}

static uint64_t take(int fd)
{
	uint64_t n = 0;

	if (read(fd, &n, sizeof n) != sizeof n)
		die("read eventfd");
	return n;
}

static void *run_loop(void *arg)
{
	struct epoll_event ev;

	(void)arg;
	name_thread("loop");
	for (long i = 0; i < REQUESTS;) {
		if (wait_events(ep, &ev, 1, -1) != 1 || ev.data.u64 != TOKEN)
			fail("unexpected wait result");
		/* announcements may coalesce: the counter says how many */
		for (uint64_t n = take(efd); n > 0; n--, i++) {
			if (bug)
				serve(i);
			else
				notify(work_efd);
		}
	}
	return NULL;
}

static void *work(void *arg)
{
	uint64_t n = 0, got = 0;

	(void)arg;
	name_thread("worker");
	while (got < REQUESTS) {
		ssize_t r = read(work_efd, &n, sizeof n); /* blocking: this is the pool */

		if (r != sizeof n)
			die("read work eventfd");
		for (uint64_t k = 0; k < n; k++)
			serve((long)got++);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t loop, worker = 0;

	workload_name = "blocking_loop";
	bug = bug_mode(argc, argv, "blocking_loop bug|fix");
	bound_run_time();
	name_thread("client");
	if (sem_init(&done, 0, 0) < 0)
		die("sem_init");
	ep = new_reactor();
	efd = new_eventfd();
	work_efd = eventfd(0, EFD_CLOEXEC);
	if (work_efd < 0)
		die("eventfd");
	watch_fd(ep, efd, EPOLLIN, TOKEN);
	loop = start_thread(run_loop, NULL);
	if (!bug)
		worker = start_thread(work, NULL);
	for (int i = 0; i < REQUESTS; i++) {
		notify(efd);
		while (sem_wait(&done) < 0)
			if (errno != EINTR)
				die("sem_wait");
	}
	join_thread(loop);
	if (!bug)
		join_thread(worker);
	printf("served %d\n", REQUESTS);
	return 0;
}
