/* main.c - the loopscope command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "diagnose.h"
#include "util.h"

#define LOOPSCOPE_VERSION "0.1.0"

static const char usage[] =
	"usage: loopscope attach [OPTIONS] PID...\n"
	"       loopscope run [OPTIONS] -- CMD [ARG...]\n"
	"       loopscope diagnoses [--warn NAME=VALUE]...\n"
	"\n"
	"See inside the event loops of running Linux processes: their threads,\n"
	"epoll instances (reactors), wakers (eventfds, self-pipes) and sockets,\n"
	"from eBPF tracepoints.  Needs root.\n"
	"\n"
	"commands:\n"
	"  attach PID...          observe running processes\n"
	"  run -- CMD [ARG...]    start CMD and observe it from its first syscall\n"
	"  diagnoses              list the diagnoses, their thresholds and defaults\n"
	"\n"
	"options:\n"
	"  -j, --json             one JSON object per tick (schema: docs/json.md)\n"
	"  -o, --output FILE      write the ticks to FILE instead of stdout\n"
	"  -i, --interval SEC     tick every SEC seconds (default 1; 0.5, 250ms...)\n"
	"  -d, --duration SEC     stop after SEC seconds (default: until the targets exit)\n"
	"  -r, --retain SEC       keep closed objects visible this long (default 6)\n"
	"  -f, --follow-forks     also observe child processes\n"
	"  -v, --verbose          show libbpf's messages\n"
	"  -a, --allow NAME       turn diagnosis NAME off\n"
	"  -w, --warn NAME=VALUE  set its threshold (NAME.PARAM=VALUE: another one)\n"
	"\n"
	"diagnoses (warnings in every tick, see docs/diagnoses.md): lost-waker,\n"
	"self-wake, blocking-in-loop, nested-reactor, orphaned-reactor,\n"
	"half-duplex-socket, busy-poll\n"
	"  -h, --help             this text\n"
	"  -V, --version          the version\n"
	"\n"
	"It stops on SIGINT/SIGTERM, after --duration, or when every target has\n"
	"exited, and prints a final report.  Exit status: 0, 1 on an error, 2 on\n"
	"bad usage; `run` exits with the command's own status.\n";

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "loopscope: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'loopscope --help'.\n");
	return 2;
}

static int parse_seconds(const char *opt, const char *arg, uint64_t *out, bool zero_ok)
{
	int64_t ns = parse_duration(arg);

	if (ns < 0 || (!zero_ok && ns == 0))
		return bad_usage("bad duration for %s (try 1, 0.5 or 250ms)", opt);
	*out = (uint64_t)ns;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},         {"output", required_argument, NULL, 'o'},
		{"interval", required_argument, NULL, 'i'}, {"duration", required_argument, NULL, 'd'},
		{"retain", required_argument, NULL, 'r'},  {"follow-forks", no_argument, NULL, 'f'},
		{"verbose", no_argument, NULL, 'v'},       {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},       {"allow", required_argument, NULL, 'a'},
		{"warn", required_argument, NULL, 'w'},    {NULL, 0, NULL, 0},
	};
	struct collector_opts o = {
		.interval_ns = 1000000000ULL,
		.retain_ns = 6000000000ULL,
	};
	const char *cmd;
	int c, ret;

	if (argc < 2)
		return bad_usage("%s", "missing command: attach or run");
	cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
		printf("loopscope %s\n", LOOPSCOPE_VERSION);
		return 0;
	}
	if (strcmp(cmd, "attach") && strcmp(cmd, "run") && strcmp(cmd, "diagnoses"))
		return bad_usage("unknown command '%s' (try attach, run or diagnoses)", cmd);
	argv++;
	argc--;
	o.diag = diagnose_new();
	/* "+": stop at the first non-option, so `run` leaves CMD's flags alone */
	while ((c = getopt_long(argc, argv, "+jo:i:d:r:fvhVa:w:", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
		case 'w':
			if (diagnose_configure(o.diag, optarg, c == 'a')) {
				ret = bad_usage("%s", diagnose_error(o.diag));
				diagnose_free(o.diag);
				return ret;
			}
			break;
		case 'j':
			o.json = true;
			break;
		case 'o':
			o.output = optarg;
			break;
		case 'i':
			if ((ret = parse_seconds("--interval", optarg, &o.interval_ns, false)))
				return ret;
			break;
		case 'd':
			if ((ret = parse_seconds("--duration", optarg, &o.duration_ns, false)))
				return ret;
			break;
		case 'r':
			if ((ret = parse_seconds("--retain", optarg, &o.retain_ns, true)))
				return ret;
			break;
		case 'f':
			o.follow_forks = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'V':
			printf("loopscope %s\n", LOOPSCOPE_VERSION);
			return 0;
		default:
			return bad_usage("%s", "bad option");
		}
	}
	if (!strcmp(cmd, "diagnoses")) {
		if (optind < argc)
			ret = bad_usage("diagnoses takes no arguments, not '%s'", argv[optind]);
		else
			diagnose_list(o.diag, stdout);
		diagnose_free(o.diag);
		return optind < argc ? ret : 0;
	}
	if (!strcmp(cmd, "run")) {
		if (optind >= argc) {
			diagnose_free(o.diag);
			return bad_usage("%s", "run needs a command: loopscope run -- CMD [ARG...]");
		}
		o.argv = &argv[optind];
		ret = collector_run(&o);
		diagnose_free(o.diag);
		return ret;
	}
	if (optind >= argc) {
		diagnose_free(o.diag);
		return bad_usage("%s", "attach needs at least one PID");
	}
	o.npids = argc - optind;
	o.pids = xcalloc(o.npids, sizeof(*o.pids));
	for (int i = 0; i < o.npids; i++) {
		char *end;
		long pid = strtol(argv[optind + i], &end, 10);

		if (*end || pid <= 0 || pid > 4194304) {
			free(o.pids);
			diagnose_free(o.diag);
			return bad_usage("not a process id: '%s'", argv[optind + i]);
		}
		o.pids[i] = (pid_t)pid;
	}
	ret = collector_run(&o);
	free(o.pids);
	diagnose_free(o.diag);
	return ret;
}
