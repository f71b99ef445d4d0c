/* replay.c - `loopscope replay FILE`: the records of a trace file fed, in
 * order, to a fresh model through trace_apply(), the one path the live
 * collector's calls went through too; a report every --interval of the
 * records' own time, paced by --speed.  On a terminal, space pauses and
 * `n` steps one tick forward. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "model.h"
#include "diagnose.h"
#include "replay.h"
#include "report.h"
#include "util.h"

struct replay {
	struct trace_reader *rd;
	struct trace_meta meta;
	struct model *model;
	struct diagnoses *diag; /* the caller's thresholds, or a live attach's defaults */
	bool own_diag;
	uint64_t first_ts, last_ts, final_ts, records, dropped;
	char lost[512];
	bool cut, ended;
	uint64_t pending[TRACE_REC_MAX / 8 + 1]; /* the record read past until_ts */
	size_t pending_len;
};

/* The whole file once: its time span, and whether it is sound. */
static int scan(struct replay *r)
{
	const void *rec;
	size_t len;
	int rc;

	while ((rc = trace_next(r->rd, &rec, &len)) == 1) {
		const struct ls_hdr *h = rec;

		r->records++;
		if (h->ts && (!r->first_ts || h->ts < r->first_ts))
			r->first_ts = h->ts;
		if (h->ts > r->last_ts)
			r->last_ts = h->ts;
		if (h->type == TREC_TICK && len >= sizeof(struct trec_tick) &&
		    ((const struct trec_tick *)rec)->final)
			r->final_ts = h->ts;
	}
	if (rc < 0)
		return -1;
	r->dropped = trace_dropped(r->rd);
	r->cut = trace_truncated(r->rd, r->lost, sizeof(r->lost));
	return trace_rewind(r->rd);
}

struct replay *replay_open(const char *path, struct diagnoses *diag, char *err, size_t n)
{
	struct replay *r = xcalloc(1, sizeof(*r));

	r->rd = trace_open(path, &r->meta, err, n);
	if (!r->rd) {
		free(r);
		return NULL;
	}
	if (scan(r)) {
		snprintf(err, n, "%s", trace_error(r->rd));
		replay_close(r);
		return NULL;
	}
	if (!r->final_ts)
		r->final_ts = r->last_ts;
	r->model = model_new(random_secret(), r->meta.retain_ns ? r->meta.retain_ns : 6000000000ULL,
			     replay_start_ts(r));
	/* the records' addresses are hidden already; the file's key makes the
	 * ids the live collector gave (model_set_keys) */
	model_set_keys(r->model, r->meta.secret_id, 0);
	r->own_diag = !diag;
	r->diag = diag ? diag : diagnose_new();
	diagnose_attach(r->diag, r->model);
	return r;
}

json_object *replay_warnings(struct replay *r, uint64_t now)
{
	diagnose_run(r->diag, r->model, now);
	return diagnose_json(r->diag, r->model, now);
}

int replay_advance(struct replay *r, uint64_t until_ts)
{
	for (;;) {
		const void *rec;
		size_t len;
		int rc;

		if (r->pending_len) {
			struct ls_hdr h;

			memcpy(&h, r->pending, sizeof(h));
			if (h.ts > until_ts)
				return 0;
			trace_apply(r->model, r->pending, r->pending_len);
			r->pending_len = 0;
		}
		if (r->ended)
			return 1;
		rc = trace_next(r->rd, &rec, &len);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			r->ended = true;
			return 1;
		}
		memcpy(r->pending, rec, len);
		r->pending_len = len;
	}
}

uint64_t replay_next_tick(const struct replay *r, uint64_t tick, uint64_t interval)
{
	uint64_t k, hole = r->meta.interval_ns > interval ? r->meta.interval_ns : interval;
	struct ls_hdr h;

	if (!r->pending_len || !interval)
		return tick + interval;
	memcpy(&h, r->pending, sizeof(h));
	/* The live collector records a tick every interval of its own: a gap of
	 * over two of them with no record is a hole (a timestamp days ahead, a
	 * stopped machine), whose empty ticks are skipped, so it costs one tick,
	 * not one per interval between.  Shorter gaps tick as they were. */
	if (h.ts <= tick + interval + 2 * hole)
		return tick + interval;
	k = (h.ts - tick + interval - 1) / interval;
	if (k > (UINT64_MAX - tick) / interval)
		return UINT64_MAX;
	return tick + k * interval;
}

const struct model *replay_model(const struct replay *r)
{
	return r->model;
}

const struct trace_meta *replay_meta(const struct replay *r)
{
	return &r->meta;
}

uint64_t replay_first_ts(const struct replay *r)
{
	return r->first_ts;
}

uint64_t replay_last_ts(const struct replay *r)
{
	return r->last_ts;
}

uint64_t replay_start_ts(const struct replay *r)
{
	if (r->meta.start_ns && (!r->first_ts || r->meta.start_ns <= r->first_ts))
		return r->meta.start_ns;
	return r->first_ts;
}

uint64_t replay_final_ts(const struct replay *r)
{
	return r->final_ts;
}

uint64_t replay_records(const struct replay *r)
{
	return r->records;
}

uint64_t replay_dropped(const struct replay *r)
{
	return r->dropped;
}

bool replay_truncated(const struct replay *r, char *buf, size_t n)
{
	if (r->cut)
		snprintf(buf, n, "%s", r->lost);
	return r->cut;
}

const char *replay_error(const struct replay *r)
{
	return trace_error(r->rd);
}

void replay_close(struct replay *r)
{
	if (!r)
		return;
	trace_close(r->rd);
	model_free(r->model);
	if (r->own_diag)
		diagnose_free(r->diag);
	free(r);
}

/* ---------------------------------------------------------------- the command */

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = sig;
}

struct keys {
	bool tty, paused;
	struct termios saved;
};

static void keys_open(struct keys *k)
{
	struct termios raw;

	k->tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &k->saved) == 0;
	if (!k->tty)
		return;
	raw = k->saved;
	raw.c_lflag &= ~(ICANON | ECHO);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
}

static void keys_close(struct keys *k)
{
	if (k->tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &k->saved);
}

/* Waits up to ms (forever while paused) for the next tick.  Returns true
 * when a key (n) asks for the next tick at once. */
static bool keys_wait(struct keys *k, int64_t ms)
{
	for (;;) {
		struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
		int64_t t0 = (int64_t)(now_ns() / 1000000);
		char c;
		int n;

		if (stopping)
			return false;
		if (!k->tty) {
			if (ms > 0)
				poll(NULL, 0, ms > 1000 ? 1000 : (int)ms);
			if (ms <= 1000)
				return false;
			ms -= 1000;
			continue;
		}
		n = poll(&p, 1, k->paused ? 200 : (ms < 0 ? 0 : ms > 200 ? 200 : (int)ms));
		if (n > 0 && read(STDIN_FILENO, &c, 1) == 1) {
			if (c == ' ')
				k->paused = !k->paused;
			else if (c == 'n')
				return true;
			else if (c == 'q')
				stopping = SIGINT;
		}
		if (!k->paused) {
			ms -= (int64_t)(now_ns() / 1000000) - t0;
			if (ms <= 0)
				return false;
		}
	}
}

static void emit(FILE *out, const struct replay_opts *o, const struct model *m,
		 const struct report_info *ri)
{
	if (o->json) {
		json_object *j = report_json(m, ri);

		fprintf(out, "%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
		json_object_put(j);
		fflush(out);
	} else {
		report_text(out, m, ri);
	}
}

int replay_run(const struct replay_opts *o)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct keys keys = {0};
	struct replay *r;
	FILE *out = stdout;
	char err[600];
	uint64_t start, next, wall0, last_records = 0, last_ts, tick = 0;
	int rc = 0, ret = 1;

	r = replay_open(o->path, o->diag, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "loopscope: %s\n", err);
		return 1;
	}
	if (!replay_records(r)) { /* a collector stopped (or failed) before its first record */
		fprintf(stderr, "loopscope: %s: holds no records, nothing to replay\n", o->path);
		replay_close(r);
		return 1;
	}
	if (replay_truncated(r, err, sizeof(err)))
		fprintf(stderr, "loopscope: %s\n", err);
	if (replay_dropped(r))
		fprintf(stderr, "loopscope: %s: the recorder dropped %llu records (the disk did not keep up)\n",
			o->path, (unsigned long long)replay_dropped(r));
	if (o->output) {
		int fd = open_output(o->output, err, sizeof(err));

		if (fd < 0 || !(out = fdopen(fd, "w"))) {
			if (fd >= 0)
				snprintf(err, sizeof(err), "cannot write %s: %s", o->output, strerror(errno));
			fprintf(stderr, "loopscope: %s\n", err);
			replay_close(r);
			return 1;
		}
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	start = last_ts = replay_start_ts(r);
	keys_open(&keys);
	wall0 = now_ns();
	/* a tick with no record in it is skipped: it costs nothing, prints nothing */
	for (next = start + o->interval_ns; !stopping && next != UINT64_MAX;
	     next = replay_next_tick(r, next, o->interval_ns)) {
		struct report_info ri = {.now = next, .tick = tick++};
		struct model *m = (struct model *)replay_model(r);

		rc = replay_advance(r, next);
		if (rc)
			break;
		ri.records_per_s = (m->stats.records - last_records) * 1e9 / (next - last_ts);
		last_records = m->stats.records;
		last_ts = next;
		if (o->speed > 0) {
			uint64_t due = wall0 + (uint64_t)((next - start) / o->speed), now = now_ns();

			keys_wait(&keys, due > now ? (int64_t)((due - now) / 1000000) : 0);
			/* a pause or a step moves the schedule, it does not make up for it */
			wall0 += now_ns() - due;
		}
		ri.warnings = replay_warnings(r, next);
		emit(out, o, m, &ri);
		json_object_put(ri.warnings);
		model_expire(m, next);
	}
	keys_close(&keys);
	if (rc < 0) {
		fprintf(stderr, "loopscope: %s\n", replay_error(r));
		goto out;
	}
	if (!stopping) {
		const struct model *m = replay_model(r);
		uint64_t now = replay_final_ts(r) > last_ts ? replay_final_ts(r) : last_ts;
		struct report_info ri = {.now = now, .tick = tick, .final = true};

		ri.records_per_s = now > last_ts ? (m->stats.records - last_records) * 1e9 / (now - last_ts) : 0;
		ri.warnings = replay_warnings(r, now);
		emit(out, o, m, &ri);
		json_object_put(ri.warnings);
		fprintf(stderr, "loopscope: replayed %llu records of %s\n",
			(unsigned long long)replay_records(r), o->path);
	}
	ret = 0;
out:
	if (out != stdout)
		fclose(out);
	replay_close(r);
	return ret;
}
