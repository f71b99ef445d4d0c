/* loadgen.c - the programs the benchmarks measure: fixed numbers of the
 * syscalls loopscope traces, timed from inside, and a process that holds
 * many sockets.
 *
 * usage: loadgen eventfd ROUNDS      two threads ping-pong through eventfds and
 *                                    epoll: write, epoll_wait, read on each side
 *                                    (6 syscalls a round)
 *        loadgen socket OPS SIZE     one thread writes SIZE bytes into a loopback
 *                                    TCP connection and reads them at the other
 *                                    end (2 syscalls an op)
 *        loadgen efd OPS             one thread writes and reads a non-blocking
 *                                    eventfd (2 syscalls an op)
 *        loadgen gen RATE SECONDS    like efd, paced to RATE syscalls a second
 *                                    (0: as fast as it can) for SECONDS
 *        loadgen sockets N           opens N sockets (N/2 loopback TCP
 *                                    connections) and holds them
 *
 * Each prints "ready PID" and waits for a line on stdin, so a tracer can be
 * attached first.  The timed modes then print one line
 * "result syscalls=S elapsed_ns=E ns_per_syscall=X cpu_ns=C cpu_ns_per_syscall=Y"
 * (wall and process CPU time) and exit 0; `sockets`
 * holds its sockets until stdin is closed.  Bad arguments: usage, exit 2; a
 * failed syscall: one line, exit 1.  Gives up after 300 s (exit 3). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../tests/workloads/workload.h"

enum { RUN_LIMIT_S = 300, MAX_SIZE = 1 << 20, MAX_SOCKETS = 1 << 20 };

static void usage(void)
{
	fprintf(stderr, "usage: loadgen eventfd ROUNDS | socket OPS SIZE | efd OPS | "
			"gen RATE SECONDS | sockets N\n");
	exit(2);
}

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* CPU time of the whole process, exited threads included: what a tracer
 * costs the program, whatever else shares its CPU (wall time on a busy
 * machine is mostly other people's processes). */
static uint64_t cpu0;

static void start_clocks(uint64_t *t0)
{
	cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	*t0 = now_ns();
}

/* "ready PID", then block until the harness writes a line (or goes away). */
static void wait_for_go(void)
{
	char line[16];

	printf("ready %d\n", getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		fail("stdin closed before go");
}

static void print_result(uint64_t syscalls, uint64_t elapsed)
{
	uint64_t cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;

	printf("result syscalls=%llu elapsed_ns=%llu ns_per_syscall=%.2f cpu_ns=%llu cpu_ns_per_syscall=%.2f\n",
	       (unsigned long long)syscalls, (unsigned long long)elapsed,
	       syscalls ? (double)elapsed / syscalls : 0.0, (unsigned long long)cpu,
	       syscalls ? (double)cpu / syscalls : 0.0);
}

/* --- eventfd ping-pong: each side waits in its own epoll for its own eventfd */

struct side {
	int ep, efd;   /* mine */
	int peer_efd;  /* the other side's waker */
	long rounds;
	bool serve;    /* waits first, then answers */
};

static void wait_and_drain(struct side *s)
{
	struct epoll_event ev;
	uint64_t v;
	int n;

	do
		n = epoll_wait(s->ep, &ev, 1, -1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		die("epoll_wait");
	if (read(s->efd, &v, sizeof(v)) != sizeof(v))
		die("read eventfd");
}

static void wake(int efd)
{
	uint64_t one = 1;

	if (write(efd, &one, sizeof(one)) != sizeof(one))
		die("write eventfd");
}

static void *run_side(void *arg)
{
	struct side *s = arg;

	for (long i = 0; i < s->rounds; i++) {
		if (s->serve) {
			wait_and_drain(s);
			wake(s->peer_efd);
		} else {
			wake(s->peer_efd);
			wait_and_drain(s);
		}
	}
	return NULL;
}

static void open_side(struct side *s)
{
	struct epoll_event ev = {.events = EPOLLIN};

	s->ep = epoll_create1(EPOLL_CLOEXEC);
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->ep < 0 || s->efd < 0)
		die("epoll_create1/eventfd");
	ev.data.fd = s->efd;
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, s->efd, &ev))
		die("epoll_ctl");
}

static void bench_eventfd(long rounds)
{
	struct side a = {.rounds = rounds}, b = {.rounds = rounds, .serve = true};
	pthread_t server;
	uint64_t t0;

	open_side(&a);
	open_side(&b);
	a.peer_efd = b.efd;
	b.peer_efd = a.efd;
	wait_for_go();
	start_clocks(&t0);
	if (pthread_create(&server, NULL, run_side, &b))
		fail("pthread_create failed");
	run_side(&a);
	pthread_join(server, NULL);
	print_result(6ULL * rounds, now_ns() - t0);
}

/* --- socket: write on one end of a loopback connection, read at the other */

static void connect_pair(int listener, uint16_t port, int *client, int *server)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};

	*client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*client < 0)
		die("socket");
	if (connect(*client, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	*server = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	if (*server < 0)
		die("accept4");
}

static void bench_socket(long ops, long size)
{
	char *buf = malloc(size);
	uint64_t syscalls = 0, t0;
	uint16_t port;
	int l, c, s;

	if (!buf)
		fail("out of memory");
	memset(buf, 'x', size);
	l = listen_loopback(&port);
	connect_pair(l, port, &c, &s);
	wait_for_go();
	start_clocks(&t0);
	for (long i = 0; i < ops; i++) {
		long got = 0;

		if (write(c, buf, size) != size)
			die("write socket");
		syscalls++;
		while (got < size) {
			ssize_t n = read(s, buf + got, size - got);

			if (n <= 0)
				die("read socket");
			got += n;
			syscalls++;
		}
	}
	print_result(syscalls, now_ns() - t0);
	free(buf);
}

/* --- efd and gen: write and read back a non-blocking eventfd, optionally paced */

static void bench_efd(long ops, long rate, long seconds)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	uint64_t syscalls = 0, t0, end, v = 1;

	if (efd < 0)
		die("eventfd");
	wait_for_go();
	start_clocks(&t0);
	end = t0 + (uint64_t)seconds * 1000000000ULL;
	for (long i = 0; ops < 0 || i < ops; i++) {
		if (write(efd, &v, sizeof(v)) != sizeof(v) || read(efd, &v, sizeof(v)) != sizeof(v))
			die("eventfd write/read");
		syscalls += 2;
		if (ops >= 0 || syscalls % 64)
			continue;
		/* gen: every 64 syscalls, stop at the end, or sleep when ahead of the rate */
		uint64_t now = now_ns();

		if (now >= end)
			break;
		if (rate > 0) {
			uint64_t due = t0 + syscalls * 1000000000ULL / rate;

			if (due > now + 200000) {
				struct timespec ts = {.tv_sec = (due - now) / 1000000000ULL,
						      .tv_nsec = (due - now) % 1000000000ULL};

				nanosleep(&ts, NULL);
			}
		}
	}
	print_result(syscalls, now_ns() - t0);
}

/* --- sockets: hold N of them */

static void hold_sockets(long n)
{
	struct rlimit rl = {.rlim_cur = n + 64, .rlim_max = n + 64};
	uint16_t port;
	char line[16];
	int l;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit RLIMIT_NOFILE");
	l = listen_loopback(&port);
	for (long i = 0; i < n / 2; i++) {
		int c, s;

		connect_pair(l, port, &c, &s);
	}
	close(l);
	printf("ready %d\n", getpid());
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin))
		;
}

int main(int argc, char **argv)
{
	workload_name = "loadgen";
	signal(SIGALRM, give_up);
	alarm(RUN_LIMIT_S);
	if (argc < 3)
		usage();
	if (!strcmp(argv[1], "eventfd") && argc == 3) {
		long rounds = parse_number(argv[2], 1, 1L << 40);

		if (rounds < 0)
			usage();
		bench_eventfd(rounds);
	} else if (!strcmp(argv[1], "socket") && argc == 4) {
		long ops = parse_number(argv[2], 1, 1L << 40), size = parse_number(argv[3], 1, MAX_SIZE);

		if (ops < 0 || size < 0)
			usage();
		bench_socket(ops, size);
	} else if (!strcmp(argv[1], "efd") && argc == 3) {
		long ops = parse_number(argv[2], 1, 1L << 40);

		if (ops < 0)
			usage();
		bench_efd(ops, 0, 0);
	} else if (!strcmp(argv[1], "gen") && argc == 4) {
		long rate = parse_number(argv[2], 0, 1L << 40), seconds = parse_number(argv[3], 1, 120);

		if (rate < 0 || seconds < 0)
			usage();
		bench_efd(-1, rate, seconds);
	} else if (!strcmp(argv[1], "sockets") && argc == 3) {
		long n = parse_number(argv[2], 2, MAX_SOCKETS);

		if (n < 0)
			usage();
		hold_sockets(n);
	} else {
		usage();
	}
	return 0;
}
