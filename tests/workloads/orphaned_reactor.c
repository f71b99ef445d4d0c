/*
 * orphaned_reactor: a reactor whose polling thread is gone.
 *
 * The main thread builds a runtime: reactor R with an eventfd waker and a
 * listening socket registered, and a "worker" thread that polls R.  The
 * worker serves 5 wakes, then stops (as a runtime thread that panicked, or
 * was lost to fork()).  The main thread then goes on with other work for
 * 3 s:
 *   bug: R stays open, its fds registered: nobody will ever wait on it.
 *   fix: the main thread shuts the runtime down: joins the worker, then
 *        closes R and its fds.
 *
 * usage: orphaned_reactor bug|fix   -- exits 0, 1 on an unexpected result.
 */
#define _GNU_SOURCE
#include "workload.h"
#include "loop.h"

#define WAKES 5

static int ep, efd;
static volatile pid_t worker_tid;

static void *run_worker(void *arg)
{
	struct epoll_event ev;

	(void)arg;
	name_thread("worker");
	worker_tid = my_tid();
	for (int i = 0; i < WAKES; i++) {
		if (wait_events(ep, &ev, 1, -1) != 1 || ev.data.u64 != 1)
			fail("the worker woke for something else");
		drain(efd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t worker;
	uint16_t port;
	int bug, lfd;

	workload_name = "orphaned_reactor";
	bug = bug_mode(argc, argv, "orphaned_reactor bug|fix");
	bound_run_time();
	ep = new_reactor();
	efd = new_eventfd();
	lfd = listen_loopback(&port);
	watch_fd(ep, efd, EPOLLIN, 1);
	watch_fd(ep, lfd, EPOLLIN, 2);
	worker = start_thread(run_worker, NULL);
	for (int i = 0; i < WAKES; i++) {
		while (!worker_tid)
			sleep_ms(1);
		wait_until_polling(worker_tid);
		notify(efd);
	}
	join_thread(worker); /* the worker is gone either way */
	if (!bug) {
		close(lfd);
		close(efd);
		close(ep);
	}
	sleep_ms(3000);
	printf("worker served %d\n", WAKES);
	return 0;
}
