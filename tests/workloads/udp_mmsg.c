/*
 * udp_mmsg: datagrams sent with sendmmsg and received with recvmmsg, as UDP
 * servers batch them.
 *
 * Two UDP sockets on 127.0.0.1, connected to each other. ROUNDS times the
 * first sends a batch of BATCH datagrams in sendmmsg calls (message j of a
 * batch has 10 + j bytes; a call may send fewer than asked, the rest go in
 * the next), then the second receives them all in recvmmsg calls. So each
 * side moves ROUNDS * BATCH messages of ROUNDS * (10 * BATCH + BATCH *
 * (BATCH - 1) / 2) bytes.
 *
 * usage: udp_mmsg ROUNDS BATCH (BATCH at most 64)
 *   Prints "done MESSAGES BYTES SENDER_PORT RECEIVER_PORT". Exits 0, or 1 on
 *   any unexpected result; gives up after 30 s (exit 3).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "workload.h"

enum { BATCH_MAX = 64, SIZE_MAX_ = 10 + BATCH_MAX };

static uint16_t bound_udp(int *fd)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);

	*fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (*fd < 0)
		die("socket");
	if (bind(*fd, (struct sockaddr *)&a, sizeof(a)) || getsockname(*fd, (struct sockaddr *)&a, &len))
		die("bind");
	return ntohs(a.sin_port);
}

static void connect_to(int fd, uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
}

int main(int argc, char **argv)
{
	static char out[BATCH_MAX][SIZE_MAX_], in[BATCH_MAX][SIZE_MAX_];
	struct mmsghdr send_v[BATCH_MAX], recv_v[BATCH_MAX];
	struct iovec send_io[BATCH_MAX], recv_io[BATCH_MAX];
	long rounds, batch, messages = 0, bytes = 0;
	uint16_t sport, rport;
	int tx, rx;

	workload_name = "udp_mmsg";
	bound_run_time();
	if (argc != 3)
		fail("usage: udp_mmsg ROUNDS BATCH");
	rounds = parse_number(argv[1], 1, 100000);
	batch = parse_number(argv[2], 1, BATCH_MAX);
	if (rounds < 0 || batch < 0)
		fail("usage: udp_mmsg ROUNDS BATCH (BATCH 1 to 64)");
	sport = bound_udp(&tx);
	rport = bound_udp(&rx);
	connect_to(tx, rport);
	connect_to(rx, sport);
	memset(send_v, 0, sizeof(send_v));
	memset(recv_v, 0, sizeof(recv_v));
	for (int j = 0; j < batch; j++) {
		memset(out[j], 'a' + j % 26, sizeof(out[j]));
		send_io[j] = (struct iovec){.iov_base = out[j], .iov_len = 10 + (size_t)j};
		send_v[j].msg_hdr.msg_iov = &send_io[j];
		send_v[j].msg_hdr.msg_iovlen = 1;
		recv_io[j] = (struct iovec){.iov_base = in[j], .iov_len = sizeof(in[j])};
		recv_v[j].msg_hdr.msg_iov = &recv_io[j];
		recv_v[j].msg_hdr.msg_iovlen = 1;
	}
	for (long r = 0; r < rounds; r++) {
		for (int sent = 0; sent < batch;) {
			int n = sendmmsg(tx, send_v + sent, (unsigned int)(batch - sent), 0);

			if (n <= 0)
				die("sendmmsg");
			sent += n;
		}
		for (int got = 0; got < batch;) {
			int n = recvmmsg(rx, recv_v + got, (unsigned int)(batch - got), 0, NULL);

			if (n <= 0)
				die("recvmmsg");
			for (int j = got; j < got + n; j++) {
				if (recv_v[j].msg_len != 10 + (unsigned int)j)
					fail("a datagram of the wrong size");
				bytes += recv_v[j].msg_len;
			}
			got += n;
			messages += n;
		}
	}
	printf("done %ld %ld %u %u\n", messages, bytes, sport, rport);
	return 0;
}
