/*
 * echo_load: a load generator for the runtime corpus' echo servers (and for
 * memcached), in plain C: blocking sockets, one pthread per connection.
 *
 * usage: echo_load PORT CONNS MSGS SIZE [PAUSE_MS]
 *   CONNS (1..64) connections to 127.0.0.1:PORT, each sending MSGS
 *   (1..1000000) messages of SIZE (1..65536) bytes: one message is written,
 *   then its full echo is read back and checked byte for byte, then (after
 *   PAUSE_MS (0..10000) milliseconds, default 0) the next one; then close.
 *   Each message's bytes differ from its neighbours', so a lost, repeated or
 *   reordered chunk is a mismatch.  Prints one line
 *       sent=B received=B conns=C msgs=M
 *   (B bytes over all connections, M = CONNS * MSGS messages in all).
 *
 * usage: echo_load memcached PORT CONNS OPS
 *   CONNS (1..64) connections, each doing OPS (1..1000000) pairs of
 *       set k<i> 0 0 100\r\n<100 bytes>\r\n    -> STORED\r\n
 *       get k<i>\r\n                         -> VALUE k<i> 0 100\r\n<100 bytes>\r\nEND\r\n
 *   one command at a time, each reply checked in full (i = conn * OPS + op,
 *   so no two connections share a key).  Prints one line
 *       sent=B received=B conns=C ops=N
 *   (N = CONNS * OPS set/get pairs in all).
 *
 * Exit 0 on success; any connection error, short read or mismatch: one line
 * on stderr and exit 1; usage: exit 2; still running after 30 s: exit 3.
 *
 * build: gcc -O2 -Wall -Wextra -Werror -pthread -o echo_load echo_load.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { MAX_CONNS = 64, MAX_SIZE = 64 * 1024, MAX_MSGS = 1000000, WATCHDOG_S = 30 };
enum { MC_VALUE = 100 };

static int g_port, g_conns, g_msgs, g_size, g_pause_ms, g_memcached;
static unsigned long long g_sent, g_received;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

/* One line on stderr, then exit 1 at once: the other threads need not finish. */
static void fail(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	pthread_mutex_lock(&g_lock); /* never unlocked: one line only */
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "echo_load: %s\n", line);
	fflush(stderr);
	_exit(1);
}

static void on_alarm(int sig)
{
	static const char msg[] = "echo_load: watchdog: still running after 30 s\n";

	(void)sig;
	if (write(2, msg, sizeof msg - 1) < 0) {
		/* nothing more to do */
	}
	_exit(3);
}

static int connect_loopback(int conn)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)g_port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		fail("conn %d: socket: %s", conn, strerror(errno));
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
		fail("conn %d: connect 127.0.0.1:%d: %s", conn, g_port, strerror(errno));
	/* request/response: don't let Nagle hold back a message's tail */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static void write_all(int fd, int conn, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("conn %d: write: %s", conn, n < 0 ? strerror(errno) : "wrote 0");
		buf += n;
		len -= (size_t)n;
	}
}

/* Printable excerpt of what came back, for the error line. */
static const char *excerpt(const char *p, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < outlen; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else {
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
		}
	}
	out[o] = '\0';
	return out;
}

/*
 * Reads exactly len bytes and checks them against want as they arrive: a
 * reply that differs is reported at once, not after waiting for bytes that
 * will never come.
 */
static void read_expect(int fd, int conn, long msg, const char *want, char *got, size_t len)
{
	size_t have = 0;

	while (have < len) {
		ssize_t n = read(fd, got + have, len - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail("conn %d msg %ld: read: %s", conn, msg, strerror(errno));
		if (n == 0)
			fail("conn %d msg %ld: connection closed after %zu of %zu bytes", conn, msg, have, len);
		if (memcmp(got + have, want + have, (size_t)n) != 0) {
			size_t i = have, shown = have + (size_t)n < 48 ? have + (size_t)n : 48;
			char ex[256];

			while (got[i] == want[i])
				i++;
			fail("conn %d msg %ld: mismatch at byte %zu of %zu: got \"%s\"", conn, msg, i, len,
			     excerpt(got, shown, ex, sizeof ex));
		}
		have += (size_t)n;
	}
}

static void pause_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (ms > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void *echo_conn(void *arg)
{
	int conn = (int)(intptr_t)arg;
	char *out = malloc((size_t)g_size), *in = malloc((size_t)g_size);
	unsigned long long bytes = 0;
	int fd, m, i;

	if (!out || !in)
		fail("out of memory");
	fd = connect_loopback(conn);
	for (m = 0; m < g_msgs; m++) {
		/* a byte pattern of its own per connection, message and offset */
		uint32_t x = (uint32_t)conn * 2654435761u + (uint32_t)m * 40503u + 1;

		for (i = 0; i < g_size; i++) {
			x = x * 1103515245u + 12345u;
			out[i] = (char)(x >> 16);
		}
		write_all(fd, conn, out, (size_t)g_size);
		read_expect(fd, conn, m, out, in, (size_t)g_size);
		bytes += (unsigned long long)g_size;
		if (g_pause_ms > 0 && m + 1 < g_msgs)
			pause_ms(g_pause_ms);
	}
	close(fd);
	free(out);
	free(in);
	pthread_mutex_lock(&g_lock);
	g_sent += bytes;
	g_received += bytes;
	pthread_mutex_unlock(&g_lock);
	return NULL;
}

static void *memcached_conn(void *arg)
{
	int conn = (int)(intptr_t)arg;
	char cmd[256], want[256], got[256];
	unsigned long long sent = 0, received = 0;
	int fd = connect_loopback(conn), op, i;

	for (op = 0; op < g_msgs; op++) {
		long key = (long)conn * g_msgs + op;
		char value[MC_VALUE + 1];
		int n, w;

		for (i = 0; i < MC_VALUE; i++)
			value[i] = (char)('a' + (key + i) % 26);
		value[MC_VALUE] = '\0';

		n = snprintf(cmd, sizeof cmd, "set k%ld 0 0 %d\r\n%s\r\n", key, MC_VALUE, value);
		write_all(fd, conn, cmd, (size_t)n);
		read_expect(fd, conn, op, "STORED\r\n", got, 8);
		sent += (unsigned long long)n;
		received += 8;

		n = snprintf(cmd, sizeof cmd, "get k%ld\r\n", key);
		w = snprintf(want, sizeof want, "VALUE k%ld 0 %d\r\n%s\r\nEND\r\n", key, MC_VALUE, value);
		write_all(fd, conn, cmd, (size_t)n);
		read_expect(fd, conn, op, want, got, (size_t)w);
		sent += (unsigned long long)n;
		received += (unsigned long long)w;
	}
	close(fd);
	pthread_mutex_lock(&g_lock);
	g_sent += sent;
	g_received += received;
	pthread_mutex_unlock(&g_lock);
	return NULL;
}

static int parse_int(const char *s, const char *what, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "echo_load: %s must be %ld..%ld, not \"%s\"\n", what, lo, hi, s);
		exit(2);
	}
	return (int)v;
}

static void usage(void)
{
	fprintf(stderr, "usage: echo_load PORT CONNS MSGS SIZE [PAUSE_MS] | echo_load memcached PORT CONNS OPS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	pthread_t th[MAX_CONNS];
	struct sigaction sa = { .sa_handler = on_alarm };
	int c;

	if (argc >= 2 && strcmp(argv[1], "memcached") == 0) {
		if (argc != 5)
			usage();
		g_memcached = 1;
		g_port = parse_int(argv[2], "PORT", 1, 65535);
		g_conns = parse_int(argv[3], "CONNS", 1, MAX_CONNS);
		g_msgs = parse_int(argv[4], "OPS", 1, MAX_MSGS);
	} else {
		if (argc != 5 && argc != 6)
			usage();
		g_port = parse_int(argv[1], "PORT", 1, 65535);
		g_conns = parse_int(argv[2], "CONNS", 1, MAX_CONNS);
		g_msgs = parse_int(argv[3], "MSGS", 1, MAX_MSGS);
		g_size = parse_int(argv[4], "SIZE", 1, MAX_SIZE);
		g_pause_ms = argc == 6 ? parse_int(argv[5], "PAUSE_MS", 0, 10000) : 0;
	}
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed peer is EPIPE, reported */
	alarm(WATCHDOG_S);

	for (c = 0; c < g_conns; c++) {
		int err = pthread_create(&th[c], NULL, g_memcached ? memcached_conn : echo_conn,
					 (void *)(intptr_t)c);

		if (err)
			fail("pthread_create: %s", strerror(err));
	}
	for (c = 0; c < g_conns; c++)
		pthread_join(th[c], NULL);

	if (g_memcached)
		printf("sent=%llu received=%llu conns=%d ops=%lld\n", g_sent, g_received, g_conns,
		       (long long)g_conns * g_msgs);
	else
		printf("sent=%llu received=%llu conns=%d msgs=%lld\n", g_sent, g_received, g_conns,
		       (long long)g_conns * g_msgs);
	return fflush(stdout) == 0 ? 0 : 1;
}
