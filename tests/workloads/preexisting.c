/*
 * preexisting: event-loop state that exists before loopscope attaches.
 *
 * Reproduces what the collector must recover from /proc at attach time, with
 * no syscall to watch: one epoll instance whose interest list holds an
 * eventfd (initial counter 5, EPOLLIN, token 0xE1) and a listening TCP socket
 * on 127.0.0.1 (kernel-chosen port, EPOLLIN, token 0x50). It then sleeps in
 * pause() and never waits on the epoll.
 *
 * usage: preexisting
 *   Prints "ready PORT" (flushed) when set up; exits 0 on SIGTERM or SIGINT.
 *   Gives up after 30 s (exit 3).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "workload.h"

#define EVENTFD_TOKEN  0xE1
#define LISTENER_TOKEN 0x50

enum { EVENTFD_COUNT = 5 };

/* Exiting in the handler leaves no window between a check and pause(). */
static void stop(int sig)
{
	(void)sig;
	_exit(0);
}

static void handle_signals(void)
{
	struct sigaction sa = { .sa_handler = stop };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
		die("sigaction");
	bound_run_time();
}

static void watch(int ep, int fd, uint64_t token)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = token };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl");
}

int main(int argc, char **argv)
{
	uint16_t port;
	int ep, efd, lfd;

	workload_name = "preexisting";
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: preexisting\n");
		return 2;
	}
	handle_signals();
	prctl(PR_SET_NAME, "preexisting", 0, 0, 0);

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	efd = eventfd(EVENTFD_COUNT, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0)
		die("eventfd");
	lfd = listen_loopback(&port);
	watch(ep, efd, EVENTFD_TOKEN);
	watch(ep, lfd, LISTENER_TOKEN);

	printf("ready %u\n", port);
	fflush(stdout);
	for (;;)
		pause();
}
