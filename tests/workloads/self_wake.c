/*
 * self_wake: a task that yields by waking itself, as a busy yield loop does.
 *
 * A "loop" thread waits on a reactor with one eventfd waker (token 0x5e1f)
 * and does a long job in chunks of 200 us of CPU, for 2.5 s:
 *   bug: after each chunk it writes its own eventfd (wake_by_ref on itself)
 *        and goes back to epoll_wait, which returns at once: every wake of
 *        the loop is its own.
 *   fix: a "feeder" thread hands out the chunks: it writes the eventfd every
 *        2 ms; the loop does one chunk per wake and never writes its waker.
 *
 * usage: self_wake bug|fix   -- exits 0, 1 on an unexpected result.
 */
#define _GNU_SOURCE
#include "workload.h"
#include "loop.h"

#define TOKEN 0x5e1fULL
#define RUN_NS 2500000000ULL

static int ep, efd, bug;
static volatile int done;

static void *run_loop(void *arg)
{
	uint64_t end = mono_ns() + RUN_NS;
	struct epoll_event ev;

	(void)arg;
	name_thread("loop");
	if (bug)
		notify(efd);
	while (mono_ns() < end) {
		if (wait_events(ep, &ev, 1, 100) == 0)
			continue;
		if (ev.data.u64 != TOKEN)
			fail("unexpected token");
		drain(efd);
		spin_cpu_us(200);
		if (bug)
			notify(efd); /* yield: wake myself for the next chunk */
	}
	done = 1;
	return NULL;
}

static void *feed(void *arg)
{
	(void)arg;
	name_thread("feeder");
	while (!done) {
		notify(efd);
		sleep_ms(2);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t loop, feeder = 0;

	workload_name = "self_wake";
	bug = bug_mode(argc, argv, "self_wake bug|fix");
	bound_run_time();
	ep = new_reactor();
	efd = new_eventfd();
	watch_fd(ep, efd, EPOLLIN, TOKEN);
	loop = start_thread(run_loop, NULL);
	if (!bug)
		feeder = start_thread(feed, NULL);
	join_thread(loop);
	if (!bug)
		join_thread(feeder);
	printf("done\n");
	return 0;
}
