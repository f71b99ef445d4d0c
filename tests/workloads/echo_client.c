/*
 * echo_client: the other half of echo_server -- N request/response rounds of
 * M bytes over one loopback TCP connection.
 *
 * Reproduces exact traffic for the server side: each round is ONE write() of
 * M bytes, then reads until the M bytes came back (checked), and only then the
 * next round. With M small (e.g. 100) every round is exactly one read and one
 * write on the server, so its socket shows N ops and N*M bytes each way, and
 * one EOF when the client closes.
 *
 * usage: echo_client PORT N M      (1 <= M <= 65536)
 *   Prints "done N M" and exits 0; 1 on any error. Gives up after 30 s.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "workload.h"

enum { MAX_MSG = 64 * 1024 };

static int connect_loopback(int port)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
		die("connect");
	return fd;
}

static void fill(unsigned char *buf, long m, long round)
{
	for (long j = 0; j < m; j++)
		buf[j] = (unsigned char)(round * 31 + j);
}

static void exchange(int fd, const unsigned char *out, unsigned char *in, long m)
{
	ssize_t w = write(fd, out, (size_t)m);
	long got = 0;

	if (w < 0)
		die("write");
	if (w != m)
		fail("short write");
	while (got < m) {
		ssize_t r = read(fd, in + got, (size_t)(m - got));

		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("read");
		}
		if (r == 0)
			fail("server closed early");
		got += r;
	}
	if (memcmp(out, in, (size_t)m) != 0)
		fail("echo differs from what was sent");
}

int main(int argc, char **argv)
{
	static unsigned char out[MAX_MSG], in[MAX_MSG];
	long port, n, m;
	int fd;

	workload_name = "echo_client";
	if (argc != 4 || (port = parse_number(argv[1], 1, 65535)) < 0 ||
	    (n = parse_number(argv[2], 0, LONG_MAX)) < 0 ||
	    (m = parse_number(argv[3], 1, MAX_MSG)) < 0) {
		fprintf(stderr, "usage: echo_client PORT N M   (1 <= M <= %d)\n", MAX_MSG);
		return 2;
	}
	bound_run_time();
	signal(SIGPIPE, SIG_IGN);

	fd = connect_loopback((int)port);
	for (long i = 0; i < n; i++) {
		fill(out, m, i);
		exchange(fd, out, in, m);
	}
	if (close(fd) < 0)
		die("close");
	printf("done %ld %ld\n", n, m);
	return 0;
}
