/*
 * lost_waker: a mio-style Waker dropped before the poll it should wake.
 *
 * A "poller" thread waits in epoll_wait(-1) on a reactor whose only
 * registered fd is an eventfd waker (token 0x77616b65).  Once it sleeps
 * there, the main thread ("waker"):
 *   bug: closes the eventfd (the Waker is dropped), then 1 s later wakes
 *        through the stale fd number: the write fails with EBADF and the
 *        poller never wakes.  After 0.7 s more the process gives up and
 *        exits 0 (exit_group ends the sleeping poller).
 *   fix: wakes first (write 1), joins the poller once it has drained the
 *        wake, and only then closes the eventfd.  Then idles as long.
 *
 * usage: lost_waker bug|fix   -- exits 0, 1 on an unexpected result.
 */
#define _GNU_SOURCE
#include "workload.h"
#include "loop.h"

#define WAKE_TOKEN 0x77616b65ULL

static int ep, efd;
static volatile pid_t poller_tid;

static void *poll_once(void *arg)
{
	struct epoll_event ev;

	(void)arg;
	name_thread("poller");
	poller_tid = my_tid();
	if (wait_events(ep, &ev, 1, -1) != 1 || ev.data.u64 != WAKE_TOKEN)
		fail("the poller woke for something other than its waker");
	drain(efd);
	return NULL;
}

int main(int argc, char **argv)
{
	int bug;
	pthread_t poller;
	uint64_t one = 1;

	workload_name = "lost_waker";
	bug = bug_mode(argc, argv, "lost_waker bug|fix");
	bound_run_time();
	name_thread("waker");
	ep = new_reactor();
	efd = new_eventfd();
	watch_fd(ep, efd, EPOLLIN, WAKE_TOKEN);

	poller = start_thread(poll_once, NULL);
	while (!poller_tid)
		sleep_ms(1);
	wait_until_polling(poller_tid);
	if (bug) {
		int stale = efd;

		if (close(efd) < 0)
			die("close");
		sleep_ms(1000);
		if (write(stale, &one, sizeof one) >= 0 || errno != EBADF)
			fail("the write to the dropped waker did not fail with EBADF");
		sleep_ms(700);
		printf("poller never woke\n");
		fflush(stdout);
		exit(0);
	}
	notify(efd);
	join_thread(poller);
	if (close(efd) < 0)
		die("close");
	sleep_ms(1700);
	printf("poller woke\n");
	return 0;
}
