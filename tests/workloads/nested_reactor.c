/*
 * nested_reactor: a runtime started inside a runtime.
 *
 * An "outer" thread runs a loop on reactor A (eventfd waker a, token 0xa).
 * Each event on A is a job that needs an answer computed by another event
 * loop, which a "helper" thread provides: 20 ms into the job it queues the
 * next job on A (writes a), 20 ms later it delivers the answer (writes b).
 *   bug: the outer thread starts a runtime for the answer: creates reactor B
 *        with waker b registered, and waits in B until the answer comes;
 *        meanwhile A's next job waits.  Then it closes B and goes back to A,
 *        where the next job is ready at once.  20 jobs.
 *   fix: an "inner" thread owns reactor B (made in that thread) and waits
 *        for the answers there; the outer thread never leaves A.
 *
 * usage: nested_reactor bug|fix   -- exits 0, 1 on an unexpected result.
 */
#define _GNU_SOURCE
#include <semaphore.h>
#include "workload.h"
#include "loop.h"

#define TOKEN_A 0xaULL
#define TOKEN_B 0xbULL
#define JOBS 20

static int ep_a, efd_a, efd_b, bug;
static sem_t job_started, inner_ready;

static void wait_answer(int ep_b)
{
	struct epoll_event ev;

	if (wait_events(ep_b, &ev, 1, -1) != 1 || ev.data.u64 != TOKEN_B)
		fail("reactor B woke for something else");
	drain(efd_b);
}

static void *run_outer(void *arg)
{
	struct epoll_event ev;

	(void)arg;
	name_thread("outer");
	for (int i = 0; i < JOBS; i++) {
		if (wait_events(ep_a, &ev, 1, -1) != 1 || ev.data.u64 != TOKEN_A)
			fail("reactor A woke for something else");
		drain(efd_a);
		if (sem_post(&job_started) < 0)
			die("sem_post");
		if (bug) {
			int ep_b = new_reactor(); /* Runtime::new().block_on(...) */

			watch_fd(ep_b, efd_b, EPOLLIN, TOKEN_B);
			wait_answer(ep_b);
			close(ep_b);
		}
	}
	return NULL;
}

static void *run_inner(void *arg)
{
	int ep_b = new_reactor();

	(void)arg;
	name_thread("inner");
	watch_fd(ep_b, efd_b, EPOLLIN, TOKEN_B);
	if (sem_post(&inner_ready) < 0)
		die("sem_post");
	for (int i = 0; i < JOBS; i++)
		wait_answer(ep_b);
	close(ep_b);
	return NULL;
}

static void sem_take(sem_t *s)
{
	while (sem_wait(s) < 0)
		if (errno != EINTR)
			die("sem_wait");
}

int main(int argc, char **argv)
{
	pthread_t outer, inner = 0;

	workload_name = "nested_reactor";
	bug = bug_mode(argc, argv, "nested_reactor bug|fix");
	bound_run_time();
	name_thread("helper");
	if (sem_init(&job_started, 0, 0) < 0 || sem_init(&inner_ready, 0, 0) < 0)
		die("sem_init");
	ep_a = new_reactor();
	efd_a = new_eventfd();
	efd_b = new_eventfd();
	watch_fd(ep_a, efd_a, EPOLLIN, TOKEN_A);
	if (!bug) {
		inner = start_thread(run_inner, NULL);
		sem_take(&inner_ready);
	}
	outer = start_thread(run_outer, NULL);
	notify(efd_a);
	for (int i = 0; i < JOBS; i++) {
		sem_take(&job_started);
		sleep_ms(20);
		if (i + 1 < JOBS)
			notify(efd_a); /* the next job, queued while the answer is pending */
		sleep_ms(20);
		notify(efd_b);
	}
	join_thread(outer);
	if (!bug)
		join_thread(inner);
	printf("jobs %d\n", JOBS);
	return 0;
}
