/* main.c - the loopscope command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "commands.h"
#include "export.h"
#include "protocol.h"
#include "replay.h"
#include "replay_view.h"
#include "syscalls.h"
#include "diagnose.h"
#include "util.h"
#include "viewer.h"

static const char usage[] =
	"usage: loopscope attach [OPTIONS] PID...\n"
	"       loopscope run [OPTIONS] -- CMD [ARG...]\n"
	"       loopscope view [--socket PATH]\n"
	"       loopscope dump|status|pause|resume|watch [--socket PATH] [--json]\n"
	"       loopscope replay FILE [--json] [-i SEC] [--speed N|max] [-o OUT]\n"
	"                        [--allow NAME]... [--warn NAME=VALUE]...\n"
	"       loopscope export FILE --format perfetto|jsonl -o OUT[.gz] [--from SEC]\n"
	"                        [--to SEC] [--pid PID] [--tid TID]\n"
	"       loopscope diagnoses [--warn NAME=VALUE]...\n"
	"\n"
	"See inside the event loops of running Linux processes: their threads,\n"
	"epoll instances (reactors), wakers (eventfds, self-pipes) and sockets,\n"
	"from eBPF tracepoints.  Needs root.\n"
	"\n"
	"commands:\n"
	"  attach PID...          observe running processes\n"
	"  run -- CMD [ARG...]    start CMD and observe it from its first syscall\n"
	"  view                   the running collector in the terminal (ncurses)\n"
	"  dump                   print the running collector's present state\n"
	"  status                 its targets, drops, viewers and pause flag\n"
	"  pause, resume          pause or resume the updates of every viewer\n"
	"  watch                  print every message the collector sends, as JSON lines\n"
	"                         (`loopscope dump --help` for these five)\n"
	"  replay FILE            a recorded trace in the terminal viewer (space pauses,\n"
	"                         n steps a tick); with --json, -o or no terminal, the\n"
	"                         model per tick as text or JSON\n"
	"  export FILE            a recorded trace as Perfetto/Chrome trace JSON or JSON lines\n                         (-o - writes them to stdout)\n"
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
	"  -s, --socket PATH      serve viewers on PATH (default $" PROTO_SOCKET_ENV ",\n"
	"                         else " PROTO_DEFAULT_SOCKET ")\n"
	"      --socket-mode MODE who may connect: the socket's mode (octal, default 0660)\n"
	"      --socket-group GRP ... and group (default loopscope if it exists, else root)\n"
	"      --viewer-timeout SEC  drop a viewer that reads nothing this long (default 10)\n"
	"      --viewers-per-user N  connections one user other than root may hold (default 16)\n"
	"      --no-server        serve no viewers\n"
	"      --record FILE      also write every record to a trace file (docs/trace-format.md)\n"
	"      --speed N|max      replay: N times real time (default 1), max: at once\n"
	"      --format F         export: perfetto or jsonl\n"
	"      --from/--to SEC    export: only records this long after the first one\n"
	"      --pid/--tid ID     export: only this process or thread\n"
	"  -a, --allow NAME       turn diagnosis NAME off\n"
	"  -w, --warn NAME=VALUE  set its threshold (NAME.PARAM=VALUE: another one)\n"
	"\n"
	"diagnoses (warnings in every tick, see docs/diagnoses.md): lost-waker,\n"
	"self-wake, blocking-in-loop, nested-reactor, orphaned-reactor,\n"
	"half-duplex-socket, busy-poll\n"
	"  -h, --help             this text\n"
	"  -V, --version          the version\n"
	"      --list-syscalls    the syscalls loopscope follows: id, name, tracepoint, fd field\n"
	"\n"
	"It stops on SIGINT/SIGTERM, after --duration, or when every target has\n"
	"exited, and prints a final report.  Exit status: 0, 1 on an error, 2 on\n"
	"bad usage; `run` exits with the command's own status.\n";

/* An option parser's "exit 0 now" (--help, --version): not an exit code. */
#define DONE (-1)

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

/* argv[0] is the command; FILE may come before or after the options. */
static int file_argument(int argc, char **argv, const char *cmd, const char **file)
{
	if (optind != argc - 1)
		return bad_usage(optind >= argc ? "%s needs a trace FILE" : "%s takes one trace FILE", cmd);
	*file = argv[optind];
	return 0;
}

/* -a NAME / -w NAME=VALUE into *d (made at the first one). */
static int diag_option(struct diagnoses **d, int c, const char *arg)
{
	if (!*d)
		*d = diagnose_new();
	if (diagnose_configure(*d, arg, c == 'a'))
		return bad_usage("%s", diagnose_error(*d));
	return 0;
}

static int replay_options(int argc, char **argv, struct replay_opts *o)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},     {"output", required_argument, NULL, 'o'},
		{"interval", required_argument, NULL, 'i'}, {"speed", required_argument, NULL, 'S'},
		{"allow", required_argument, NULL, 'a'}, {"warn", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},     {NULL, 0, NULL, 0},
	};
	int c, ret;

	while ((c = getopt_long(argc, argv, "jo:i:a:w:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
		case 'w':
			if ((ret = diag_option(&o->diag, c, optarg)))
				return ret;
			break;
		case 'j':
			o->json = true;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'i':
			if ((ret = parse_seconds("--interval", optarg, &o->interval_ns, false)))
				return ret;
			break;
		case 'S': {
			char *end;

			if (!strcmp(optarg, "max")) {
				o->speed = 0;
				break;
			}
			o->speed = strtod(optarg, &end);
			if (end == optarg || (*end && strcmp(end, "x")) || !(o->speed > 0 && o->speed <= 1e6))
				return bad_usage("bad --speed '%s' (try 1, 2, 0.5 or max)", optarg);
			break;
		}
		case 'h':
			fputs(usage, stdout);
			return DONE;
		default:
			return bad_usage("%s", "bad option");
		}
	}
	return file_argument(argc, argv, "replay", &o->path);
}

static int main_replay(int argc, char **argv)
{
	struct replay_opts o = {.interval_ns = 1000000000ULL, .speed = 1};
	int ret = replay_options(argc, argv, &o);

	if (ret == DONE)
		ret = 0;
	/* on a terminal, the viewer; for scripts, a report per tick */
	else if (!ret && !o.json && !o.output && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		ret = replay_view(&o);
	else if (!ret)
		ret = replay_run(&o);
	diagnose_free(o.diag);
	return ret;
}

static int parse_id(const char *opt, const char *arg, pid_t *out)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (end == arg || *end || v <= 0 || v > 4194304)
		return bad_usage(opt, arg);
	*out = (pid_t)v;
	return 0;
}

static int main_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'F'}, {"output", required_argument, NULL, 'o'},
		{"from", required_argument, NULL, 'a'},   {"to", required_argument, NULL, 'b'},
		{"pid", required_argument, NULL, 'p'},    {"tid", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	struct export_opts o = {0};
	bool has_format = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if (!strcmp(optarg, "perfetto") || !strcmp(optarg, "chrome"))
				o.format = EXPORT_PERFETTO;
			else if (!strcmp(optarg, "jsonl"))
				o.format = EXPORT_JSONL;
			else
				return bad_usage("unknown --format '%s' (try perfetto or jsonl)", optarg);
			has_format = true;
			break;
		case 'o':
			o.output = optarg;
			break;
		case 'a':
			if ((ret = parse_seconds("--from", optarg, &o.from_ns, true)))
				return ret;
			o.has_from = true;
			break;
		case 'b':
			if ((ret = parse_seconds("--to", optarg, &o.to_ns, true)))
				return ret;
			o.has_to = true;
			break;
		case 'p':
			if ((ret = parse_id("not a process id: '%s'", optarg, &o.pid)))
				return ret;
			break;
		case 't':
			if ((ret = parse_id("not a thread id: '%s'", optarg, &o.tid)))
				return ret;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return bad_usage("%s", "bad option");
		}
	}
	if ((ret = file_argument(argc, argv, "export", &o.path)))
		return ret;
	if (!has_format)
		return bad_usage("%s", "export needs --format perfetto or --format jsonl");
	if (!o.output)
		return bad_usage("%s", "export needs -o OUT (OUT.gz to compress, - for stdout)");
	if (o.has_from && o.has_to && o.to_ns < o.from_ns)
		return bad_usage("%s", "--to is before --from");
	return export_run(&o);
}

/* The options of attach, run and diagnoses; 0, DONE, or an exit code. */
static int collector_options(int argc, char **argv, struct collector_opts *o)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},         {"output", required_argument, NULL, 'o'},
		{"interval", required_argument, NULL, 'i'}, {"duration", required_argument, NULL, 'd'},
		{"retain", required_argument, NULL, 'r'},  {"follow-forks", no_argument, NULL, 'f'},
		{"verbose", no_argument, NULL, 'v'},       {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},       {"socket", required_argument, NULL, 's'},
		{"socket-mode", required_argument, NULL, 'M'}, {"socket-group", required_argument, NULL, 'G'},
		{"viewer-timeout", required_argument, NULL, 'T'}, {"no-server", no_argument, NULL, 'N'},
		{"viewers-per-user", required_argument, NULL, 'U'},
		{"record", required_argument, NULL, 'R'}, {"allow", required_argument, NULL, 'a'},
		{"warn", required_argument, NULL, 'w'},    {NULL, 0, NULL, 0},
	};
	int c, ret;

	/* "+": stop at the first non-option, so `run` leaves CMD's flags alone */
	while ((c = getopt_long(argc, argv, "+jo:i:d:r:fvhVs:a:w:", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
		case 'w':
			if ((ret = diag_option(&o->diag, c, optarg)))
				return ret;
			break;
		case 'j':
			o->json = true;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'i':
			if ((ret = parse_seconds("--interval", optarg, &o->interval_ns, false)))
				return ret;
			break;
		case 'd':
			if ((ret = parse_seconds("--duration", optarg, &o->duration_ns, false)))
				return ret;
			break;
		case 'r':
			if ((ret = parse_seconds("--retain", optarg, &o->retain_ns, true)))
				return ret;
			break;
		case 'R':
			o->record = optarg;
			break;
		case 'f':
			o->follow_forks = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'M': {
			char *end;
			unsigned long mode = strtoul(optarg, &end, 8);

			if (*end || !*optarg || mode > 0777)
				return bad_usage("bad --socket-mode '%s' (octal, like 0660)", optarg);
			o->socket_mode = (unsigned int)mode;
			break;
		}
		case 'G':
			o->socket_group = optarg;
			break;
		case 'T':
			if ((ret = parse_seconds("--viewer-timeout", optarg, &o->stall_ns, false)))
				return ret;
			break;
		case 'N':
			o->no_server = true;
			break;
		case 'U': {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (*end || !*optarg || n < 1 || n > 100000)
				return bad_usage("bad --viewers-per-user '%s' (a count, 1 or more)", optarg);
			o->viewers_per_user = (int)n;
			break;
		}
		case 'h':
			fputs(usage, stdout);
			return DONE;
		case 'V':
			printf("loopscope %s\n", LOOPSCOPE_VERSION);
			return DONE;
		default:
			return bad_usage("%s", "bad option");
		}
	}
	return 0;
}

/* PID... after the options into o->pids. */
static int pid_arguments(int argc, char **argv, struct collector_opts *o)
{
	if (optind >= argc)
		return bad_usage("%s", "attach needs at least one PID");
	o->npids = argc - optind;
	o->pids = xcalloc(o->npids, sizeof(*o->pids));
	for (int i = 0; i < o->npids; i++) {
		char *end;
		long pid = strtol(argv[optind + i], &end, 10);

		if (*end || pid <= 0 || pid > 4194304)
			return bad_usage("not a process id: '%s'", argv[optind + i]);
		o->pids[i] = (pid_t)pid;
	}
	return 0;
}

/* attach, run and diagnoses: argv[0] is the command. */
static int main_collector(const char *cmd, int argc, char **argv)
{
	struct collector_opts o = {
		.interval_ns = 1000000000ULL,
		.retain_ns = 6000000000ULL,
		.diag = diagnose_new(), /* the collector runs no diagnoses without one */
	};
	int ret = collector_options(argc, argv, &o);

	if (ret)
		goto out;
	if (!strcmp(cmd, "diagnoses")) {
		if (optind < argc) {
			ret = bad_usage("diagnoses takes no arguments, not '%s'", argv[optind]);
			goto out;
		}
		diagnose_list(o.diag, stdout);
	} else if (!strcmp(cmd, "run")) {
		if (optind >= argc) {
			ret = bad_usage("%s", "run needs a command: loopscope run -- CMD [ARG...]");
			goto out;
		}
		o.argv = &argv[optind];
		ret = collector_run(&o);
	} else if (!(ret = pid_arguments(argc, argv, &o))) {
		ret = collector_run(&o);
	}
out:
	free(o.pids);
	diagnose_free(o.diag);
	return ret == DONE ? 0 : ret;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2)
		return bad_usage("%s", "missing command: attach or run");
	cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--list-syscalls")) {
		ls_syscalls_list(stdout);
		return 0;
	}
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
		printf("loopscope %s\n", LOOPSCOPE_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "view"))
		return viewer_main(argc - 1, argv + 1);
	if (commands_has(cmd))
		return commands_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "replay"))
		return main_replay(argc - 1, argv + 1);
	if (!strcmp(cmd, "export"))
		return main_export(argc - 1, argv + 1);
	if (strcmp(cmd, "attach") && strcmp(cmd, "run") && strcmp(cmd, "diagnoses"))
		return bad_usage("unknown command '%s' (try attach, run, view, replay or --help)", cmd);
	return main_collector(cmd, argc - 1, argv + 1);
}
