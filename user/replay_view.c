/* replay_view.c - a trace file as a viewer's message source: the same
 * protocol messages a collector sends (docs/protocol.md), made in-process
 * by running the model over the file tick by tick at --speed.  So
 * `loopscope replay FILE` opens the same terminal viewer as `view`, with
 * the same pause (space) and a step forward (n) while paused. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "protocol.h"
#include "replay.h"
#include "replay_view.h"
#include "report.h"
#include "util.h"
#include "viewer.h"

#define PENDING_MAX 8

struct rview {
	struct replay *r;
	const struct replay_opts *o;
	uint64_t start, next, due; /* next tick (record time), when it is due (wall) */
	uint64_t tick, last_records;
	bool welcomed, paused, step, ended;
	char user[32];
	json_object *pending[PENDING_MAX];
	int npending;
};

static void push(struct rview *v, json_object *m)
{
	if (v->npending < PENDING_MAX)
		v->pending[v->npending++] = m;
	else
		json_object_put(m);
}

static json_object *state(struct rview *v, uint64_t now, bool final)
{
	struct model *m = (struct model *)replay_model(v->r);
	struct report_info ri = {.now = now, .tick = v->tick, .final = final};

	json_object *j;

	ri.records_per_s = (m->stats.records - v->last_records) * 1e9 / v->o->interval_ns;
	v->last_records = m->stats.records;
	ri.warnings = replay_warnings(v->r, now);
	j = report_json(m, &ri);
	json_object_put(ri.warnings);
	return j;
}

static json_object *pause_json(struct rview *v)
{
	json_object *p = json_object_new_object(), *by = json_object_new_object();

	json_object_object_add(p, "paused", json_object_new_boolean(v->paused));
	json_object_object_add(by, "viewer", json_object_new_int(1));
	json_object_object_add(by, "uid", json_object_new_int64(getuid()));
	json_object_object_add(by, "user", json_object_new_string(v->user));
	json_object_object_add(p, "by", by);
	json_object_object_add(p, "since_s", json_object_new_double((v->next - v->start) / 1e9));
	json_object_object_add(p, "since_unix", json_object_new_double(0));
	return p;
}

static void welcome(struct rview *v)
{
	json_object *m = proto_msg("welcome"), *col = json_object_new_object(), *you = json_object_new_object();

	json_object_object_add(m, "protocol", json_object_new_int(PROTO_VERSION));
	json_object_object_add(m, "viewer", json_object_new_int(1));
	json_object_object_add(you, "uid", json_object_new_int64(getuid()));
	json_object_object_add(you, "user", json_object_new_string(v->user));
	json_object_object_add(you, "pid", json_object_new_int(getpid()));
	json_object_object_add(m, "you", you);
	json_object_object_add(col, "pid", json_object_new_int(0));
	json_object_object_add(col, "version", json_object_new_string(LOOPSCOPE_VERSION));
	json_object_object_add(col, "replay", json_object_new_string(v->o->path));
	json_object_object_add(col, "uptime_s", json_object_new_double(0));
	json_object_object_add(col, "interval_s", json_object_new_double(v->o->interval_ns / 1e9));
	json_object_object_add(m, "collector", col);
	json_object_object_add(m, "viewers", json_object_new_int(1));
	json_object_object_add(m, "pause", pause_json(v));
	replay_advance(v->r, v->start);
	json_object_object_add(m, "state", state(v, v->start, false));
	push(v, m);
	v->welcomed = true;
	v->due = now_ns();
}

static void bye(struct rview *v, const char *reason)
{
	json_object *m = proto_msg("bye");

	json_object_object_add(m, "reason", json_object_new_string(reason));
	push(v, m);
	v->ended = true;
}

/* One tick of record time: the model advanced, an update out. */
static void tick(struct rview *v)
{
	struct model *m = (struct model *)replay_model(v->r);
	int rc = replay_advance(v->r, v->next);
	json_object *u;
	char why[700];

	if (rc < 0) {
		snprintf(why, sizeof(why), "replay failed: %s", replay_error(v->r));
		bye(v, why);
		return;
	}
	u = proto_msg("update");
	json_object_object_add(u, "seq", json_object_new_uint64(++v->tick));
	json_object_object_add(u, "viewers", json_object_new_int(1));
	json_object_object_add(u, "pause", pause_json(v));
	if (rc == 1) {
		uint64_t end = replay_final_ts(v->r) > v->next - v->o->interval_ns ? replay_final_ts(v->r)
										: v->next;

		json_object_object_add(u, "state", state(v, end, true));
		push(v, u);
		snprintf(why, sizeof(why), "replay finished: %llu records of %s",
			 (unsigned long long)replay_records(v->r), v->o->path);
		bye(v, why);
		return;
	}
	json_object_object_add(u, "state", state(v, v->next, false));
	push(v, u);
	model_expire(m, v->next);
	v->next += v->o->interval_ns;
	v->due += v->o->speed > 0 ? (uint64_t)(v->o->interval_ns / v->o->speed) : 0;
	/* ticks with no record in them are skipped (a timestamp far ahead) */
	v->next = replay_next_tick(v->r, v->next - v->o->interval_ns, v->o->interval_ns);
}

static int rv_pollfd(void *ctx)
{
	return -1;
}

static int rv_timeout(void *ctx)
{
	struct rview *v = ctx;
	uint64_t now = now_ns();

	if (v->npending || !v->welcomed || v->step)
		return 0;
	if (v->ended || v->paused)
		return -1;
	if (v->o->speed <= 0 || v->due <= now)
		return 0;
	return (int)((v->due - now + 999999) / 1000000);
}

static int rv_next(void *ctx, json_object **msg, char *err, size_t errlen)
{
	struct rview *v = ctx;

	*msg = NULL;
	if (!v->welcomed)
		welcome(v);
	else if (!v->npending && !v->ended && (v->step || (!v->paused && rv_timeout(v) == 0))) {
		v->step = false;
		tick(v);
	}
	if (!v->npending)
		return 0;
	*msg = v->pending[0];
	memmove(v->pending, v->pending + 1, (size_t)--v->npending * sizeof(v->pending[0]));
	return 1;
}

static int rv_command(void *ctx, const char *type)
{
	struct rview *v = ctx;
	json_object *m;

	if (!strcmp(type, "step")) {
		if (v->ended)
			return -ENOTSUP;
		v->step = true;
		return 0;
	}
	if (strcmp(type, "pause") && strcmp(type, "resume"))
		return -ENOTSUP;
	if (v->paused == !strcmp(type, "pause"))
		return 0;
	v->paused = !v->paused;
	if (!v->paused)
		v->due = now_ns(); /* a pause moves the schedule, it does not make up for it */
	m = proto_msg("pause");
	json_object_object_add(m, "viewers", json_object_new_int(1));
	json_object_object_add(m, "pause", pause_json(v));
	push(v, m);
	return 0;
}

int replay_view(const struct replay_opts *o)
{
	struct view_source src = {0};
	struct rview v = {.o = o};
	struct passwd *pw = getpwuid(getuid());
	char err[600], title[300];
	int ret;

	v.r = replay_open(o->path, o->diag, err, sizeof(err));
	if (!v.r) {
		fprintf(stderr, "loopscope: %s\n", err);
		return 1;
	}
	if (replay_truncated(v.r, err, sizeof(err)))
		fprintf(stderr, "loopscope: %s\n", err);
	snprintf(v.user, sizeof(v.user), "%s", pw ? pw->pw_name : "you");
	v.start = replay_start_ts(v.r);
	v.next = v.start + o->interval_ns;
	src.ctx = &v;
	src.pollfd = rv_pollfd;
	src.timeout_ms = rv_timeout;
	src.next = rv_next;
	src.command = rv_command;
	src.name = o->path;
	snprintf(title, sizeof(title), "replay %s", o->path);
	ret = viewer_run(&src, title);
	for (int i = 0; i < v.npending; i++)
		json_object_put(v.pending[i]);
	replay_close(v.r);
	return ret;
}
