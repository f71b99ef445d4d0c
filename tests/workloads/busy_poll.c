/*
 * busy_poll: a loop that polls with a zero timeout when it has nothing to do.
 *
 * A "spinner" thread runs a loop for 2 s over a reactor with one eventfd
 * registered that nobody writes.  Each turn does 50 us of CPU (its timers
 * and bookkeeping), then:
 *   bug: epoll_wait(..., 0): returns nothing at once, and the loop spins.
 *   fix: epoll_wait(..., 10): sleeps until its next timer is due.
 *
 * usage: busy_poll bug|fix   -- exits 0, 1 on an unexpected result.
 */
#define _GNU_SOURCE
#include "workload.h"
#include "loop.h"

#define RUN_NS 2000000000ULL

int main(int argc, char **argv)
{
	struct epoll_event ev;
	uint64_t end;
	long turns = 0;
	int bug, ep, efd;

	workload_name = "busy_poll";
	bug = bug_mode(argc, argv, "busy_poll bug|fix");
	bound_run_time();
	name_thread("spinner");
	ep = new_reactor();
	efd = new_eventfd();
	watch_fd(ep, efd, EPOLLIN, 1);
	end = mono_ns() + RUN_NS;
	while (mono_ns() < end) {
		spin_cpu_us(50);
		if (wait_events(ep, &ev, 1, bug ? 0 : 10) != 0)
			fail("an event nobody sent");
		turns++;
	}
	printf("turns %ld\n", turns);
	return 0;
}
