/* floor.c - the benchmarks' floor: loads bpf/empty.bpf.c, attaches every
 * empty program, says so on stderr ("floor: attached N probes") and waits
 * for SIGINT or SIGTERM.  Whatever a process pays while it runs is the cost
 * of the tracepoints themselves, with no work done in them. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "empty.skel.h"

#define MAX_LINKS 64

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	exiting = sig;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct bpf_link *links[MAX_LINKS];
	struct empty_bpf *skel;
	struct bpf_program *prog;
	struct stat st;
	sigset_t block, old;
	int n = 0, ret = 1;

	if (argc != 1) {
		fprintf(stderr, "usage: floor (runs until SIGINT)\n");
		return 2;
	}
	libbpf_set_print(quiet);
	if (stat("/sys/kernel/tracing/events", &st) &&
	    mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) && errno != EBUSY) {
		fprintf(stderr, "floor: cannot mount tracefs: %s\n", strerror(errno));
		return 1;
	}
	/* blocked until sigsuspend, so a signal cannot slip in before the wait */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	skel = empty_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "floor: cannot load the empty programs: %s (run as root)\n", strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, skel->obj) {
		if (n == MAX_LINKS) {
			fprintf(stderr, "floor: more than %d programs\n", MAX_LINKS);
			goto out;
		}
		links[n] = bpf_program__attach(prog);
		if (!links[n]) {
			fprintf(stderr, "floor: failed to attach %s: %s\n", bpf_program__section_name(prog),
				strerror(errno));
			goto out;
		}
		n++;
	}
	fprintf(stderr, "floor: attached %d probes\n", n);
	while (!exiting)
		sigsuspend(&old);
	ret = 0;
out:
	while (n > 0)
		bpf_link__destroy(links[--n]);
	empty_bpf__destroy(skel);
	return ret;
}
