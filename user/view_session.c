/* view_session.c - protocol messages folded into what a viewer shows.  The
 * pause flag is only ever the collector's: a viewer never assumes it paused,
 * so every viewer draws the same banner. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "view_session.h"

void vt_session_init(struct vt_session *s)
{
	memset(s, 0, sizeof(*s));
	s->viewer = -1;
	s->viewers = -1;
}

void vt_session_free(struct vt_session *s)
{
	json_object_put(s->state);
	json_object_put(s->pause);
	vt_history_free(&s->history);
	memset(s, 0, sizeof(*s));
}

static bool is_object(json_object *o)
{
	return o && json_object_is_type(o, json_type_object);
}

/* "alice (viewer 3)", "you (viewer 3, alice)", "viewer 3", "" */
static void who(const struct vt_session *s, json_object *by, char *buf, size_t len)
{
	const char *user = vt_str(by, "user");
	json_object *v = vt_get(by, "viewer");

	buf[0] = 0;
	if (!is_object(by))
		return;
	if (v && s->viewer >= 0 && json_object_get_int64(v) == s->viewer)
		snprintf(buf, len, "you (viewer %" PRId64 "%s%s)", s->viewer, *user ? ", " : "", user);
	else if (v && *user)
		snprintf(buf, len, "%s (viewer %" PRId64 ")", user, json_object_get_int64(v));
	else if (v)
		snprintf(buf, len, "viewer %" PRId64, json_object_get_int64(v));
	else
		snprintf(buf, len, "%s", user);
}

static int take_pause(struct vt_session *s, json_object *msg)
{
	json_object *p = vt_get(msg, "pause");
	bool was = vt_session_paused(s);
	char by[128];

	if (!is_object(p))
		return 0;
	json_object_put(s->pause);
	s->pause = json_object_get(p);
	if (!was && vt_session_paused(s))
		s->message[0] = 0; /* the banner says it all */
	if (was && !vt_session_paused(s)) {
		who(s, vt_get(p, "by"), by, sizeof(by));
		snprintf(s->message, sizeof(s->message), "resumed%s%s", *by ? " by " : "", by);
		return VT_GOT_PAUSE | VT_GOT_MESSAGE;
	}
	return VT_GOT_PAUSE;
}

static int take_viewers(struct vt_session *s, json_object *msg)
{
	json_object *v = vt_get(msg, "viewers");

	if (!v || !json_object_is_type(v, json_type_int))
		return 0;
	s->viewers = json_object_get_int64(v);
	return VT_GOT_VIEWERS;
}

static int take_state(struct vt_session *s, json_object *msg)
{
	json_object *st = vt_get(msg, "state");

	if (!is_object(st))
		return 0;
	json_object_put(s->state);
	s->state = json_object_get(st);
	s->updates++;
	vt_history_update(&s->history, st);
	return VT_GOT_STATE;
}

static int take_reply(struct vt_session *s, json_object *msg)
{
	const char *to = vt_str(msg, "to");
	json_object *ok = vt_get(msg, "ok");

	if (ok && json_object_is_type(ok, json_type_boolean) && !json_object_get_boolean(ok)) {
		snprintf(s->message, sizeof(s->message), "%s refused: %s", to,
			 *vt_str(msg, "error") ? vt_str(msg, "error") : "no reason given");
		return VT_GOT_MESSAGE;
	}
	if ((!strcmp(to, "pause") || !strcmp(to, "resume")) && vt_get(msg, "changed") &&
	    !json_object_get_boolean(vt_get(msg, "changed"))) {
		snprintf(s->message, sizeof(s->message), "already %s",
			 !strcmp(to, "pause") ? "paused" : "running");
		return take_pause(s, msg) | VT_GOT_MESSAGE;
	}
	return take_pause(s, msg);
}

int vt_session_apply(struct vt_session *s, json_object *msg)
{
	const char *type = vt_str(msg, "type");
	int got = 0;

	if (!is_object(msg))
		return 0;
	if (!strcmp(type, "welcome")) {
		json_object *proto = vt_get(msg, "protocol");

		if (!proto || json_object_get_int64(proto) != 1) {
			snprintf(s->message, sizeof(s->message),
				 "the collector speaks protocol %s; this viewer speaks 1",
				 proto ? json_object_get_string(proto) : "(none)");
			vt_session_end(s, NULL);
			return -1;
		}
		s->welcomed = true;
		if (vt_get(msg, "viewer"))
			s->viewer = json_object_get_int64(vt_get(msg, "viewer"));
		got = take_viewers(s, msg) | take_pause(s, msg) | take_state(s, msg);
	} else if (!strcmp(type, "update")) {
		got = take_viewers(s, msg) | take_pause(s, msg) | take_state(s, msg);
	} else if (!strcmp(type, "pause")) {
		got = take_viewers(s, msg) | take_pause(s, msg);
	} else if (!strcmp(type, "viewers")) {
		got = take_viewers(s, msg);
	} else if (!strcmp(type, "reply")) {
		got = take_reply(s, msg);
	} else if (!strcmp(type, "error")) {
		snprintf(s->message, sizeof(s->message), "collector: %s", vt_str(msg, "error"));
		got = VT_GOT_MESSAGE;
	} else if (!strcmp(type, "bye")) {
		char why[200];

		snprintf(why, sizeof(why), "the collector said goodbye: %s",
			 *vt_str(msg, "reason") ? vt_str(msg, "reason") : "no reason given");
		vt_session_end(s, why);
		got = VT_GOT_END | VT_GOT_MESSAGE;
	}
	return got;
}

void vt_session_end(struct vt_session *s, const char *why)
{
	if (why && !s->ended)
		snprintf(s->message, sizeof(s->message), "%s; showing the last state, q quits", why);
	s->ended = true;
}

bool vt_session_paused(const struct vt_session *s)
{
	json_object *p = vt_get(s->pause, "paused");

	return p && json_object_is_type(p, json_type_boolean) && json_object_get_boolean(p);
}

static size_t add(char *buf, size_t len, size_t used, const char *fmt, const char *a)
{
	if (used < len) {
		int n = snprintf(buf + used, len - used, fmt, a);

		used += n > 0 ? (size_t)n : 0;
	}
	return used < len ? used : len - 1;
}

void vt_session_header(const struct vt_session *s, char *buf, size_t len)
{
	json_object *st = s->state, *targets = vt_get(st, "targets"), *rec = vt_get(st, "recording");
	size_t used = 0, n = 0;
	char tmp[128], num[32];

	if (!len)
		return;
	buf[0] = 0;
	if (!st) {
		snprintf(buf, len, "%s", s->ended ? "no state received" : "waiting for the collector");
		return;
	}
	if (json_object_is_type(targets, json_type_array))
		n = json_object_array_length(targets);
	used = add(buf, len, used, "%s", "targets");
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(targets, i);

		snprintf(tmp, sizeof(tmp), "%s %" PRId64 "%s", vt_str(t, "name"),
			 (int64_t)vt_num(t, "pid"),
			 vt_get(t, "alive") && !json_object_get_boolean(vt_get(t, "alive")) ? " (exited)"
											  : "");
		used = add(buf, len, used, i ? ", %s" : " %s", tmp);
	}
	if (!n)
		used = add(buf, len, used, " %s", "none");
	snprintf(tmp, sizeof(tmp), "%.1fs", vt_num(st, "uptime_s"));
	used = add(buf, len, used, " | up %s", tmp);
	snprintf(tmp, sizeof(tmp), "%.0f", vt_num(st, "records_per_s"));
	used = add(buf, len, used, " | %s ev/s", tmp);
	snprintf(tmp, sizeof(tmp), "%" PRIu64,
		 vt_u64(st, "drops.ringbuf") + vt_u64(st, "drops.inflight") + vt_u64(st, "drops.garbled"));
	used = add(buf, len, used, " | drops %s", tmp);
	if (s->viewers >= 0) {
		snprintf(tmp, sizeof(tmp), "%" PRId64, s->viewers);
		used = add(buf, len, used, " | viewers %s", tmp);
	}
	if (is_object(rec)) {
		vt_fmt_bytes(num, sizeof(num), vt_u64(rec, "bytes"));
		snprintf(tmp, sizeof(tmp), "%.60s %s", vt_str(rec, "path"), num);
		used = add(buf, len, used, " | rec %s", tmp);
		if (vt_u64(rec, "dropped")) {
			snprintf(tmp, sizeof(tmp), "%" PRIu64, vt_u64(rec, "dropped"));
			add(buf, len, used, " (%s dropped)", tmp);
		}
	}
}

void vt_session_banner(const struct vt_session *s, double now_unix, char *buf, size_t len)
{
	json_object *by = vt_get(s->pause, "by");
	double since = vt_num(s->pause, "since_unix"), ago;
	char name[128], at[16] = "", tail[64] = "";

	if (!len)
		return;
	buf[0] = 0;
	if (!vt_session_paused(s))
		return;
	who(s, by, name, sizeof(name));
	if (since > 0) {
		time_t t = (time_t)since;
		struct tm tm;

		if (localtime_r(&t, &tm))
			strftime(at, sizeof(at), "%H:%M:%S", &tm);
		ago = now_unix - since;
		snprintf(tail, sizeof(tail), " at %s, %lds ago", at, ago > 0 ? (long)ago : 0L);
	}
	snprintf(buf, len, "PAUSED%s%s%s", *name ? " by " : "", name, tail);
}
