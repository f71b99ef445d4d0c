/*
 * half_duplex: "read() blocks my send()" -- a read and a send awaited in
 * sequence in one task.
 *
 * One loopback TCP connection.  The server side ("peer" threads) sends a
 * 64-byte message every 150 ms (16 of them) and reads whatever comes back.
 * The client wants to send a 16-byte heartbeat every 30 ms:
 *   bug: one "client" thread loops: wait in epoll until a message can be
 *        read, read it, then send the heartbeats that fell due meanwhile.
 *        Every send waits for the next incoming message.
 *   fix: the stream is split: a "reader" thread waits and reads, a "writer"
 *        thread sends each heartbeat when it falls due.
 * Either way the client closes after the 16th message.
 *
 * usage: half_duplex bug|fix   -- exits 0, 1 on an unexpected result.
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include "workload.h"
#include "loop.h"

#define MESSAGES 16
#define MSG 64
#define BEAT 16
#define BEAT_MS 30
#define MSG_MS 150

static int cfd, sfd, bug;
static volatile int finished;

static void read_exact(int fd, char *buf, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, buf, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			fail("the connection ended early");
		buf += r;
		n -= (size_t)r;
	}
}

static void send_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write");
		buf += w;
		n -= (size_t)w;
	}
}

static void *peer_send(void *arg)
{
	char msg[MSG];

	(void)arg;
	name_thread("peer-tx");
	memset(msg, 'm', sizeof msg);
	for (int i = 0; i < MESSAGES; i++) {
		sleep_ms(MSG_MS);
		send_all(sfd, msg, sizeof msg);
	}
	return NULL;
}

static void *peer_recv(void *arg)
{
	char buf[4096];
	ssize_t r;

	(void)arg;
	name_thread("peer-rx");
	while ((r = read(sfd, buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR))
		;
	return NULL;
}

/* One message, after a wait in the client's reactor. */
static void receive(int ep, char *msg)
{
	struct epoll_event ev;

	if (wait_events(ep, &ev, 1, -1) != 1)
		fail("the client's wait returned nothing");
	read_exact(cfd, msg, MSG);
}

static void *run_client(void *arg)
{
	char msg[MSG], beats[BEAT * 64];
	uint64_t next = mono_ns() + BEAT_MS * 1000000ULL;
	int ep = new_reactor();

	(void)arg;
	name_thread("client");
	memset(beats, 'h', sizeof beats);
	watch_fd(ep, cfd, EPOLLIN, 1);
	for (int i = 0; i < MESSAGES; i++) {
		size_t due = 0;

		receive(ep, msg);
		while (next <= mono_ns() && due < sizeof beats) { /* sent only now */
			due += BEAT;
			next += BEAT_MS * 1000000ULL;
		}
		if (due)
			send_all(cfd, beats, due);
	}
	close(ep);
	return NULL;
}

static void *run_reader(void *arg)
{
	char msg[MSG];
	int ep = new_reactor();

	(void)arg;
	name_thread("reader");
	watch_fd(ep, cfd, EPOLLIN, 1);
	for (int i = 0; i < MESSAGES; i++)
		receive(ep, msg);
	finished = 1;
	close(ep);
	return NULL;
}

static void *run_writer(void *arg)
{
	char beat[BEAT];

	(void)arg;
	name_thread("writer");
	memset(beat, 'h', sizeof beat);
	while (!finished) {
		sleep_ms(BEAT_MS);
		send_all(cfd, beat, sizeof beat);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	pthread_t tx, rx, c1, c2 = 0;
	uint16_t port;
	int lfd;

	workload_name = "half_duplex";
	bug = bug_mode(argc, argv, "half_duplex bug|fix");
	bound_run_time();
	signal(SIGPIPE, SIG_IGN);
	lfd = listen_loopback(&port);
	a.sin_port = htons(port);
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&a, sizeof a) < 0)
		die("connect");
	sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (sfd < 0)
		die("accept4");
	close(lfd);
	tx = start_thread(peer_send, NULL);
	rx = start_thread(peer_recv, NULL);
	if (bug) {
		c1 = start_thread(run_client, NULL);
	} else {
		c1 = start_thread(run_reader, NULL);
		c2 = start_thread(run_writer, NULL);
	}
	join_thread(c1);
	if (c2)
		join_thread(c2);
	join_thread(tx);
	shutdown(cfd, SHUT_WR);
	join_thread(rx);
	printf("messages %d\n", MESSAGES);
	return 0;
}
