/*
 * sleepers: threads asleep in epoll_wait(-1) when loopscope attaches.
 *
 *   sleepers THREADS
 *
 * Each thread ("sleeper-N") has its own epoll with its own eventfd and
 * waits in it with no timeout.  Prints "ready PID" once every thread has
 * entered its wait; then each line on stdin wakes every thread once (the
 * main thread writes each eventfd; the thread reads it and waits again),
 * and "quit" (or EOF) makes them exit.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "workload.h"

enum { MAX = 8 };

static int eps[MAX], efds[MAX];
static atomic_int quitting, tids[MAX];

static void *sleeper(void *arg)
{
	long i = (long)arg;
	char name[16];

	snprintf(name, sizeof name, "sleeper-%ld", i);
	prctl(PR_SET_NAME, name);
	atomic_store(&tids[i], (int)gettid());
	for (;;) {
		struct epoll_event ev;
		uint64_t v;

		if (epoll_wait(eps[i], &ev, 1, -1) != 1)
			fail("epoll_wait");
		if (read(efds[i], &v, sizeof v) != sizeof v)
			die("read");
		if (atomic_load(&quitting))
			return NULL;
	}
}

/* Every thread is inside its wait: its /proc syscall file says so. */
static int all_waiting(long n)
{
	for (long i = 0; i < n; i++) {
		char path[64], buf[32] = "";
		FILE *f;
		int tid = atomic_load(&tids[i]);

		snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
		if (!tid || !(f = fopen(path, "r")))
			return 0;
		if (!fgets(buf, sizeof buf, f))
			buf[0] = 0;
		fclose(f);
		if (atol(buf) != SYS_epoll_wait)
			return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	pthread_t t[MAX];
	long n;
	char line[64];
	uint64_t one = 1;

	workload_name = "sleepers";
	bound_run_time();
	if (argc != 2 || (n = parse_number(argv[1], 1, MAX)) < 0)
		fail("usage: sleepers THREADS");
	for (long i = 0; i < n; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)i};

		eps[i] = epoll_create1(EPOLL_CLOEXEC);
		efds[i] = eventfd(0, EFD_CLOEXEC);
		if (eps[i] < 0 || efds[i] < 0 || epoll_ctl(eps[i], EPOLL_CTL_ADD, efds[i], &ev) < 0)
			die("setup");
		if (pthread_create(&t[i], NULL, sleeper, (void *)i))
			fail("pthread_create");
	}
	while (!all_waiting(n))
		usleep(10000);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	while (fgets(line, sizeof line, stdin)) {
		if (!strncmp(line, "quit", 4))
			break;
		for (long i = 0; i < n; i++)
			if (write(efds[i], &one, sizeof one) != sizeof one)
				die("write");
	}
	atomic_store(&quitting, 1);
	for (long i = 0; i < n; i++) {
		if (write(efds[i], &one, sizeof one) != sizeof one)
			die("write");
		pthread_join(t[i], NULL);
	}
	return 0;
}
