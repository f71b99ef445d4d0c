/*
 * loop.h: what the diagnosis workloads (tests/workloads/<diag>.c, each run
 * as `NAME bug` or `NAME fix`) share on top of workload.h: sleeps, clocks,
 * on-CPU spinning, thread starts, and a way to know that a thread sleeps in
 * epoll_wait before acting on it (so a test never depends on timing).
 * Include it after workload.h.
 */
#ifndef LOOPSCOPE_LOOP_H
#define LOOPSCOPE_LOOP_H

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>

static inline void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static inline uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline uint64_t mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* Burn ms of this thread's own CPU time (not wall time: a loaded machine
 * stretches the wall time, never the CPU time). */
static inline void spin_cpu_us(long us)
{
	uint64_t end = clock_ns(CLOCK_THREAD_CPUTIME_ID) + (uint64_t)us * 1000;

	while (clock_ns(CLOCK_THREAD_CPUTIME_ID) < end)
		;
}

static inline pthread_t start_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	int err = pthread_create(&t, NULL, fn, arg);

	if (err) {
		errno = err;
		die("pthread_create");
	}
	return t;
}

static inline void join_thread(pthread_t t)
{
	int err = pthread_join(t, NULL);

	if (err) {
		errno = err;
		die("pthread_join");
	}
}

static inline pid_t my_tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* Wait until thread tid of this process sleeps inside an epoll wait. */
static inline void wait_until_polling(pid_t tid)
{
	char path[64], buf[128];

	snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
	for (;;) {
		FILE *f = fopen(path, "r");
		long nr = -1;

		if (!f)
			die(path);
		if (fgets(buf, sizeof buf, f))
			nr = strtol(buf, NULL, 10);
		fclose(f);
#ifdef SYS_epoll_wait
		if (nr == SYS_epoll_wait)
			break;
#endif
		if (nr == SYS_epoll_pwait || nr == SYS_epoll_pwait2)
			break;
		sleep_ms(5);
	}
	sleep_ms(20); /* past the syscall's entry, asleep in it */
}

static inline int new_eventfd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	if (fd < 0)
		die("eventfd");
	return fd;
}

static inline int new_reactor(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		die("epoll_create1");
	return ep;
}

static inline void watch_fd(int ep, int fd, uint32_t events, uint64_t token)
{
	struct epoll_event ev = { .events = events, .data.u64 = token };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl");
}

static inline void notify(int efd)
{
	uint64_t one = 1;

	if (write(efd, &one, sizeof one) != sizeof one)
		die("write eventfd");
}

static inline void drain(int efd)
{
	uint64_t v;

	if (read(efd, &v, sizeof v) < 0 && errno != EAGAIN)
		die("read eventfd");
}

/* epoll_wait that retries on EINTR; the number of events. */
static inline int wait_events(int ep, struct epoll_event *evs, int n, int timeout_ms)
{
	int r;

	while ((r = epoll_wait(ep, evs, n, timeout_ms)) < 0 && errno == EINTR)
		;
	if (r < 0)
		die("epoll_wait");
	return r;
}

static inline void name_thread(const char *name)
{
	prctl(PR_SET_NAME, name, 0, 0, 0);
}

/* argv[1] is "bug" or "fix": 1 for bug, 0 for fix; usage and exit 2 otherwise. */
static inline int bug_mode(int argc, char **argv, const char *usage)
{
	if (argc == 2 && !strcmp(argv[1], "bug"))
		return 1;
	if (argc == 2 && !strcmp(argv[1], "fix"))
		return 0;
	fprintf(stderr, "usage: %s\n", usage);
	exit(2);
}

#endif
