/*
 * workload.h: helpers shared by the test workloads in this folder -- error
 * exits, the 30 s run-time bound, number parsing and a loopback listener.
 *
 * Each workload sets workload_name to its own name first thing in main(); the
 * messages that name the program ("NAME: timed out", "NAME: <why>") use it.
 * Include it after defining _GNU_SOURCE. The functions are static inline so a
 * workload that uses only some of them still builds with -Wall -Werror.
 */
#ifndef LOOPSCOPE_WORKLOAD_H
#define LOOPSCOPE_WORKLOAD_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { TIMEOUT_S = 30 };

static const char *workload_name = "workload";

static inline void die(const char *what)
{
	perror(what);
	exit(1);
}

static inline void fail(const char *msg)
{
	fprintf(stderr, "%s: %s\n", workload_name, msg);
	exit(1);
}

/* SIGALRM: one write of "NAME: timed out\n", then exit 3. */
static inline void give_up(int sig)
{
	static const char suffix[] = ": timed out\n";
	char msg[64];
	size_t len = 0;
	ssize_t n;

	(void)sig;
	for (const char *p = workload_name; *p && len < sizeof msg - sizeof suffix; p++)
		msg[len++] = *p;
	memcpy(msg + len, suffix, sizeof suffix - 1);
	len += sizeof suffix - 1;
	n = write(STDERR_FILENO, msg, len);
	(void)n;
	_exit(3);
}

/* Give up after TIMEOUT_S so a hung test never hangs CI. */
static inline void bound_run_time(void)
{
	signal(SIGALRM, give_up);
	alarm(TIMEOUT_S);
}

/* A decimal in [lo, hi], or -1. */
static inline long parse_number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	return v;
}

/* A TCP listener on 127.0.0.1 at a port the kernel picks, stored in *port. */
static inline int listen_loopback(uint16_t *port)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0)
		die("bind");
	if (listen(fd, 16) < 0)
		die("listen");
	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		die("getsockname");
	*port = ntohs(a.sin_port);
	return fd;
}

#endif
