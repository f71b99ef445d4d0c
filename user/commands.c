/* commands.c - the collector's scripting clients: `dump`, `status`,
 * `pause`, `resume`, and `watch` (a headless viewer that prints every
 * message it gets as a JSON line and takes commands on stdin).  They speak
 * the viewers' protocol (docs/protocol.md) through client.c. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "commands.h"
#include "protocol.h"
#include "util.h"
#include "view_table.h"

#define REPLY_TIMEOUT_MS 10000

static const char usage[] =
	"usage: loopscope dump [--json] [--socket PATH]\n"
	"       loopscope status [--json] [--socket PATH]\n"
	"       loopscope pause|resume [--socket PATH]\n"
	"       loopscope watch [--brief] [--socket PATH]\n"
	"\n"
	"Talk to the running collector (`loopscope attach` / `run`):\n"
	"  dump     print its present state (text, or --json as in docs/json.md)\n"
	"  status   targets, uptime, records, drops, the pause flag, the viewers\n"
	"  pause    stop the updates to every viewer (the collector keeps tracing)\n"
	"  resume   publish the present state to every viewer again\n"
	"  watch    print every message the collector sends as one JSON line,\n"
	"           with \"recv_ns\" (CLOCK_MONOTONIC) added; read `pause`,\n"
	"           `resume`, `status`, `dump` or `quit` lines on stdin\n"
	"\n"
	"options:\n"
	"  -s, --socket PATH   the collector's socket (default $" PROTO_SOCKET_ENV ",\n"
	"                      else " PROTO_DEFAULT_SOCKET ")\n"
	"  -j, --json          dump/status: JSON instead of text\n"
	"  -b, --brief         watch: replace each \"state\" with its head\n"
	"                      (tick, uptime_s, records, drops, counts)\n"
	"  -h, --help          this text\n"
	"\n"
	"Exit status: 0; 1 when the collector cannot be reached or fails; 2 on\n"
	"bad usage.\n";

struct cmd_opts {
	const char *socket;
	bool json, brief;
};

static int parse(int argc, char **argv, struct cmd_opts *o)
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'}, {"json", no_argument, NULL, 'j'},
		{"brief", no_argument, NULL, 'b'},        {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:jbh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'b':
			o->brief = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'loopscope %s --help'.\n", argv[0]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "loopscope: %s: unexpected argument '%s'\nTry 'loopscope %s --help'.\n",
			argv[0], argv[optind], argv[0]);
		return 2;
	}
	return -1;
}

static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;

	if (o)
		json_object_object_get_ex(o, k, &v);
	return v;
}

static double num(json_object *o, const char *k)
{
	return json_object_get_double(get(o, k));
}

/* Connects and reads the welcome. */
static struct client *open_client(const struct cmd_opts *o, json_object **welcome)
{
	char err[256];
	struct client *c = client_connect(proto_socket_path(o->socket), err, sizeof(err));
	int r;

	if (!c) {
		fprintf(stderr, "loopscope: %s\n", err);
		return NULL;
	}
	r = client_recv(c, welcome, REPLY_TIMEOUT_MS, err, sizeof(err));
	if (r == 1 && !strcmp(proto_type(*welcome), "error")) { /* refused: it says why */
		json_object *e = NULL;

		json_object_object_get_ex(*welcome, "error", &e);
		snprintf(err, sizeof(err), "the collector refused: %s", e ? json_object_get_string(e) : "?");
		json_object_put(*welcome);
		r = -1;
	} else if (r == 1 && strcmp(proto_type(*welcome), "welcome")) {
		snprintf(err, sizeof(err), "expected a welcome, got '%s'", proto_type(*welcome));
		json_object_put(*welcome);
		r = -1;
	} else if (r == 1 && num(*welcome, "protocol") != PROTO_VERSION) {
		snprintf(err, sizeof(err), "the collector speaks protocol %d, this loopscope %d",
			 (int)num(*welcome, "protocol"), PROTO_VERSION);
		json_object_put(*welcome);
		r = -1;
	}
	if (r != 1) {
		fprintf(stderr, "loopscope: %s\n", r == 0 ? "no welcome from the collector in 10 s" : err);
		client_close(c);
		return NULL;
	}
	return c;
}

/* Sends a request and waits for its reply (other messages pass by). */
static json_object *ask(struct client *c, const char *type)
{
	static int64_t next_id = 1;
	int64_t id = next_id++;
	uint64_t deadline = now_ns() + REPLY_TIMEOUT_MS * 1000000ULL;
	char err[256];
	int r;

	if ((r = client_send(c, type, id))) {
		fprintf(stderr, "loopscope: cannot send to the collector: %s\n", strerror(-r));
		return NULL;
	}
	while (now_ns() < deadline) {
		json_object *m;
		const char *t;

		r = client_recv(c, &m, (int)((deadline - now_ns()) / 1000000) + 1, err, sizeof(err));
		if (r < 0) {
			fprintf(stderr, "loopscope: %s\n", err);
			return NULL;
		}
		if (r == 0)
			break;
		t = proto_type(m);
		if ((!strcmp(t, "reply") || !strcmp(t, "error")) && json_object_get_int64(get(m, "id")) == id) {
			if (!strcmp(t, "error")) {
				fprintf(stderr, "loopscope: the collector says: %s\n",
					json_object_get_string(get(m, "error")));
				json_object_put(m);
				return NULL;
			}
			return m;
		}
		json_object_put(m);
	}
	fprintf(stderr, "loopscope: no reply from the collector in 10 s\n");
	return NULL;
}

/* "PAUSED by viewer 3 (alice) 4.2 s ago" or "live". */
static void fmt_pause(char *buf, size_t len, json_object *pause, double uptime)
{
	json_object *by = get(pause, "by");

	if (!json_object_get_boolean(get(pause, "paused"))) {
		snprintf(buf, len, "live");
		return;
	}
	snprintf(buf, len, "PAUSED by viewer %d (%s) %.1f s ago", json_object_get_int(get(by, "viewer")),
		 json_object_get_string(get(by, "user")), uptime - num(pause, "since_s"));
}

static void print_targets(json_object *targets)
{
	size_t n = json_object_array_length(targets);

	printf("targets:");
	if (!n)
		printf(" none you may see");
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(targets, i);

		printf(" %d %s%s", json_object_get_int(get(t, "pid")), json_object_get_string(get(t, "name")),
		       json_object_get_boolean(get(t, "alive")) ? "" : " (exited)");
	}
	printf("\n");
}

static void print_drops(json_object *d)
{
	printf("drops: ringbuf %llu, inflight %llu, garbled %llu\n",
	       (unsigned long long)json_object_get_uint64(get(d, "ringbuf")),
	       (unsigned long long)json_object_get_uint64(get(d, "inflight")),
	       (unsigned long long)json_object_get_uint64(get(d, "garbled")));
}

/* The state as text: the same facts as `attach` prints, from the JSON. */
static void print_state(json_object *st)
{
	json_object *a;
	char b1[32], b2[32];

	printf("uptime %.1f s, %llu records (%.0f/s)\n", num(st, "uptime_s"),
	       (unsigned long long)json_object_get_uint64(get(st, "records")), num(st, "records_per_s"));
	print_targets(get(st, "targets"));
	print_drops(get(st, "drops"));
	a = get(st, "tasks");
	printf("\n%-8s %-8s %-16s %-9s %9s %9s %9s %9s\n", "TID", "PID", "NAME", "STATE", "TURNS", "EVENTS",
	       "TURN p50", "TURN p99");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *t = json_object_array_get_idx(a, i), *h = get(t, "turn_ns");

		vt_fmt_ns(b1, sizeof(b1), (uint64_t)num(h, "p50"));
		vt_fmt_ns(b2, sizeof(b2), (uint64_t)num(h, "p99"));
		printf("%-8d %-8d %-16s %-9s %9llu %9llu %9s %9s\n", json_object_get_int(get(t, "tid")),
		       json_object_get_int(get(t, "pid")), json_object_get_string(get(t, "name")),
		       json_object_get_string(get(t, "state")),
		       (unsigned long long)json_object_get_uint64(get(t, "turns")),
		       (unsigned long long)json_object_get_uint64(get(t, "events")), b1, b2);
	}
	a = get(st, "reactors");
	printf("\n%-20s %-8s %-6s %9s %9s %9s %9s\n", "REACTOR", "PID", "OPEN", "INTEREST", "TURNS", "EVENTS",
	       "TIMEOUTS");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *r = json_object_array_get_idx(a, i);

		printf("%-20s %-8d %-6s %9zu %9llu %9llu %9llu\n", json_object_get_string(get(r, "id")),
		       json_object_get_int(get(r, "pid")), json_object_get_boolean(get(r, "open")) ? "yes" : "no",
		       json_object_array_length(get(r, "interest")),
		       (unsigned long long)json_object_get_uint64(get(r, "turns")),
		       (unsigned long long)json_object_get_uint64(get(r, "events")),
		       (unsigned long long)json_object_get_uint64(get(r, "timeouts")));
	}
	a = get(st, "wakers");
	printf("\n%-20s %-8s %-8s %9s %9s %9s %9s\n", "WAKER", "PID", "KIND", "WRITES", "WAKES", "COALESCED",
	       "LAT p99");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *w = json_object_array_get_idx(a, i);

		vt_fmt_ns(b1, sizeof(b1), (uint64_t)num(get(w, "latency_ns"), "p99"));
		printf("%-20s %-8d %-8s %9llu %9llu %9llu %9s\n", json_object_get_string(get(w, "id")),
		       json_object_get_int(get(w, "pid")), json_object_get_string(get(w, "kind")),
		       (unsigned long long)json_object_get_uint64(get(w, "writes")),
		       (unsigned long long)json_object_get_uint64(get(w, "wakes")),
		       (unsigned long long)json_object_get_uint64(get(w, "coalesced")), b1);
	}
	a = get(st, "sockets");
	printf("\n%-20s %-8s %-22s %-22s %11s %11s\n", "SOCKET", "PID", "LOCAL", "REMOTE", "RX BYTES",
	       "TX BYTES");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *s = json_object_array_get_idx(a, i);

		printf("%-20s %-8d %-22s %-22s %11llu %11llu\n", json_object_get_string(get(s, "id")),
		       json_object_get_int(get(s, "pid")), json_object_get_string(get(s, "local")),
		       json_object_get_string(get(s, "remote")),
		       (unsigned long long)json_object_get_uint64(get(get(s, "read"), "bytes")),
		       (unsigned long long)json_object_get_uint64(get(get(s, "write"), "bytes")));
	}
}

static void print_json(json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

static int cmd_dump(const struct cmd_opts *o)
{
	json_object *w, *st;
	struct client *c = open_client(o, &w);

	if (!c)
		return 1;
	/* the welcome carries the present state, paused or not */
	st = get(w, "state");
	if (o->json)
		print_json(st);
	else
		print_state(st);
	json_object_put(w);
	client_close(c);
	return 0;
}

static int cmd_status(const struct cmd_opts *o)
{
	json_object *w, *r, *st, *a, *rec;
	struct client *c = open_client(o, &w);
	char buf[160];

	if (!c)
		return 1;
	r = ask(c, "status");
	if (!r) {
		json_object_put(w);
		client_close(c);
		return 1;
	}
	st = get(r, "status");
	if (o->json) {
		print_json(st);
	} else {
		fmt_pause(buf, sizeof(buf), get(st, "pause"), num(st, "uptime_s"));
		printf("collector pid %d, up %.1f s, %d viewer%s, %s\n",
		       json_object_get_int(get(get(w, "collector"), "pid")), num(st, "uptime_s"),
		       json_object_get_int(get(st, "viewers")), json_object_get_int(get(st, "viewers")) == 1 ? "" : "s",
		       buf);
		print_targets(get(st, "targets"));
		printf("records: %llu (%.0f/s)\n", (unsigned long long)json_object_get_uint64(get(st, "records")),
		       num(st, "records_per_s"));
		print_drops(get(st, "drops"));
		rec = get(st, "recording");
		if (rec)
			printf("recording: %s, %llu bytes, %llu records, %llu dropped, %.0f bytes/s\n",
			       json_object_get_string(get(rec, "path")),
			       (unsigned long long)json_object_get_uint64(get(rec, "bytes")),
			       (unsigned long long)json_object_get_uint64(get(rec, "records")),
			       (unsigned long long)json_object_get_uint64(get(rec, "dropped")),
			       num(rec, "bytes_per_s"));
		else
			printf("recording: no\n");
		a = get(st, "clients");
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			json_object *v = json_object_array_get_idx(a, i);

			printf("viewer %d: %s (uid %d), pid %d, %llu messages, %llu updates skipped, %llu bytes queued\n",
			       json_object_get_int(get(v, "viewer")), json_object_get_string(get(v, "user")),
			       json_object_get_int(get(v, "uid")), json_object_get_int(get(v, "pid")),
			       (unsigned long long)json_object_get_uint64(get(v, "frames")),
			       (unsigned long long)json_object_get_uint64(get(v, "skipped")),
			       (unsigned long long)json_object_get_uint64(get(v, "queued_bytes")));
		}
	}
	json_object_put(r);
	json_object_put(w);
	client_close(c);
	return 0;
}

static int cmd_pause(const struct cmd_opts *o, const char *type)
{
	json_object *w, *r;
	struct client *c = open_client(o, &w);
	char buf[160];

	if (!c)
		return 1;
	r = ask(c, type);
	if (r) {
		fmt_pause(buf, sizeof(buf), get(r, "pause"), num(get(w, "collector"), "uptime_s"));
		if (!json_object_get_boolean(get(r, "changed")))
			printf("already %s\n", !strcmp(type, "pause") ? "paused" : "live");
		else
			printf("%s\n", !strcmp(type, "pause") ? "paused" : "resumed");
	}
	json_object_put(r);
	json_object_put(w);
	client_close(c);
	return r ? 0 : 1;
}

/* watch --brief: a state's head instead of the whole of it. */
static void shrink(json_object *m, const char *key)
{
	static const char *const head[] = {"tick", "uptime_s", "records", "records_per_s", "drops", "targets"};
	static const char *const lists[] = {"tasks", "reactors", "wakers", "sockets", "warnings"};
	json_object *st = get(m, key), *b;

	if (!st)
		return;
	b = json_object_new_object();
	for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		if (get(st, head[i]))
			json_object_object_add(b, head[i], json_object_get(get(st, head[i])));
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		json_object *l = get(st, lists[i]);

		if (l)
			json_object_object_add(b, lists[i], json_object_new_int((int)json_object_array_length(l)));
	}
	json_object_object_add(m, key, b);
}

static int cmd_watch(const struct cmd_opts *o)
{
	json_object *m;
	struct client *c = open_client(o, &m);
	bool stdin_open = true;
	char line[256], err[256] = "";
	int64_t id = 1;
	int ret = 1;

	if (!c)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		struct pollfd p[2] = {{.fd = client_fd(c), .events = POLLIN}, {.fd = 0, .events = POLLIN}};

		while (m) {
			bool bye = !strcmp(proto_type(m), "bye");

			json_object_object_add(m, "recv_ns", json_object_new_uint64(now_ns()));
			if (o->brief) {
				shrink(m, "state");
				shrink(m, "status");
			}
			print_json(m);
			json_object_put(m);
			m = NULL;
			if (bye) {
				ret = 0;
				goto out;
			}
			if (client_recv(c, &m, 0, err, sizeof(err)) < 0) /* what is already here */
				goto gone;
		}
		if (poll(p, stdin_open ? 2 : 1, -1) < 0 && errno != EINTR)
			goto gone;
		if (p[0].revents && client_recv(c, &m, 0, err, sizeof(err)) < 0)
			goto gone;
		if (!stdin_open || !p[1].revents)
			continue;
		if (!fgets(line, sizeof(line), stdin)) {
			stdin_open = false; /* keep watching */
			continue;
		}
		line[strcspn(line, "\n")] = 0;
		if (!strcmp(line, "quit")) {
			ret = 0;
			goto out;
		}
		if (!*line)
			continue;
		/* when it went, on the clock the receipts are stamped with */
		printf("{\"type\":\"sent\",\"cmd\":\"%s\",\"id\":%lld,\"sent_ns\":%llu}\n",
		       strcmp(line, "pause") && strcmp(line, "resume") && strcmp(line, "status") &&
				       strcmp(line, "dump")
			       ? "other"
			       : line,
		       (long long)id, (unsigned long long)now_ns());
		if (client_send(c, line, id++) < 0)
			goto gone;
	}
gone:
	fprintf(stderr, "loopscope: %s\n", *err ? err : "the collector went away");
out:
	client_close(c);
	return ret;
}

int commands_main(int argc, char **argv)
{
	struct cmd_opts o = {0};
	const char *cmd = argv[0];
	int r = parse(argc, argv, &o);

	if (r >= 0)
		return r;
	if (!strcmp(cmd, "dump"))
		return cmd_dump(&o);
	if (!strcmp(cmd, "status"))
		return cmd_status(&o);
	if (!strcmp(cmd, "pause") || !strcmp(cmd, "resume"))
		return cmd_pause(&o, cmd);
	if (!strcmp(cmd, "watch"))
		return cmd_watch(&o);
	fprintf(stderr, "loopscope: unknown command '%s'\n", cmd);
	return 2;
}

bool commands_has(const char *cmd)
{
	return !strcmp(cmd, "dump") || !strcmp(cmd, "status") || !strcmp(cmd, "pause") ||
	       !strcmp(cmd, "resume") || !strcmp(cmd, "watch");
}
