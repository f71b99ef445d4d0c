/* view_table.c - a state turned into the viewer's tables and details text;
 * no terminal here, so all of it is unit-tested (tests/unit/test_view_table.c). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "view_table.h"

static const char *const tab_names[VT_NTABS] = {"Tasks", "Reactors", "Wakers", "Resources",
						 "Warnings"};
static const char *const tab_lists[VT_NTABS] = {"tasks", "reactors", "wakers", "sockets",
						 "warnings"};

const char *vt_tab_name(enum vt_tab tab)
{
	return tab < VT_NTABS ? tab_names[tab] : "?";
}

const char *vt_tab_list(enum vt_tab tab)
{
	return tab < VT_NTABS ? tab_lists[tab] : "";
}

/* ---------------------------------------------------------------- JSON */

json_object *vt_get(json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(key) || !json_object_is_type(o, json_type_object))
			return NULL;
		memcpy(key, path, n);
		key[n] = 0;
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += n + (dot ? 1 : 0);
	}
	return o;
}

double vt_num(json_object *o, const char *path)
{
	json_object *v = vt_get(o, path);

	if (!v || !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
		return 0;
	return json_object_get_double(v);
}

uint64_t vt_u64(json_object *o, const char *path)
{
	json_object *v = vt_get(o, path);

	if (v && json_object_is_type(v, json_type_int))
		return json_object_get_uint64(v);
	if (v && json_object_is_type(v, json_type_double)) {
		double d = json_object_get_double(v);

		return d > 0 && d < 1.8e19 ? (uint64_t)d : 0;
	}
	return 0;
}

const char *vt_str(json_object *o, const char *path)
{
	json_object *v = vt_get(o, path);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

static bool vt_bool(json_object *o, const char *path, bool dflt)
{
	json_object *v = vt_get(o, path);

	return v && json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v) : dflt;
}

static size_t array_len(json_object *a)
{
	return a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

/* ---------------------------------------------------------------- formats */

/* v in the largest unit that keeps it under 1000, one decimal. */
static void fmt_scaled(char *buf, size_t len, double v, const char *const *units, int nunits,
		       double step)
{
	int u = 0;

	while (u + 1 < nunits && v >= 999.95)
		v /= step, u++;
	snprintf(buf, len, "%.1f%s", v, units[u]);
}

void vt_fmt_ns(char *buf, size_t len, uint64_t ns)
{
	static const char *const units[] = {"us", "ms", "s"};

	if (ns == 0)
		snprintf(buf, len, "0");
	else if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	else if (ns >= 999950000ULL)
		snprintf(buf, len, "%.2fs", ns / 1e9);
	else
		fmt_scaled(buf, len, ns / 1e3, units, 2, 1000);
}

void vt_fmt_bytes(char *buf, size_t len, uint64_t b)
{
	static const char *const units[] = {"K", "M", "G", "T"};

	if (b < 1024)
		snprintf(buf, len, "%" PRIu64 "B", b);
	else
		fmt_scaled(buf, len, b / 1024.0, units, 4, 1024);
}

void vt_fmt_count(char *buf, size_t len, uint64_t n, int width)
{
	static const char *const units[] = {"k", "M", "G", "T", "P"};

	snprintf(buf, len, "%" PRIu64, n);
	if ((int)strlen(buf) > width && n >= 1000)
		fmt_scaled(buf, len, n / 1000.0, units, 5, 1000);
}

static void fmt_pct(char *buf, size_t len, uint64_t part, uint64_t total)
{
	snprintf(buf, len, "%.1f", total ? 100.0 * part / total : 0.0);
}

/* ---------------------------------------------------------------- columns */

#define NUM(t, w, p) {t, w, true, true, p, 0}
#define ASC(t, w, p) {t, w, true, false, p, 0}
#define TEXT(t, w, p, g) {t, w, false, false, p, g}

enum { T_TID, T_PID, T_NAME, T_STATE, T_BUSY, T_POLL, T_TURNS, T_EPT, T_WWAKER, T_WSOCK,
       T_WTIMEOUT, T_WSELF, T_TURN50, T_TURN99, T_WAKE99, T_N };
static const struct vt_column task_cols[T_N] = {
	[T_TID] = ASC("TID", 7, 0),          [T_PID] = ASC("PID", 7, 5),
	[T_NAME] = TEXT("NAME", 15, 0, 10),  [T_STATE] = TEXT("STATE", 8, 0, 0),
	[T_BUSY] = NUM("BUSY%", 6, 1),       [T_POLL] = NUM("POLL%", 6, 1),
	[T_TURNS] = NUM("TURNS", 8, 1),      [T_EPT] = NUM("EV/TURN", 8, 4),
	[T_WWAKER] = NUM("WAKER", 7, 3),     [T_WSOCK] = NUM("SOCKET", 7, 3),
	[T_WTIMEOUT] = NUM("TIMEOUT", 8, 4), [T_WSELF] = NUM("SELF", 6, 4),
	[T_TURN50] = NUM("TURN p50", 9, 3),  [T_TURN99] = NUM("TURN p99", 9, 1),
	[T_WAKE99] = NUM("WAKE p99", 9, 2),
};

enum { R_ID, R_PID, R_FDS, R_INTEREST, R_KINDS, R_POLLERS, R_WAITING, R_TURNS, R_EVENTS,
       R_TIMEOUTS, R_N };
static const struct vt_column reactor_cols[R_N] = {
	[R_ID] = TEXT("ID", 10, 0, 0),        [R_PID] = ASC("PID", 7, 3),
	[R_FDS] = TEXT("FDS", 6, 4, 6),       [R_INTEREST] = NUM("INTEREST", 9, 0),
	[R_KINDS] = TEXT("BY KIND", 14, 2, 16), [R_POLLERS] = NUM("POLLERS", 8, 2),
	[R_WAITING] = NUM("WAITING", 8, 2),   [R_TURNS] = NUM("TURNS", 8, 1),
	[R_EVENTS] = NUM("EVENTS", 8, 1),     [R_TIMEOUTS] = NUM("TIMEOUTS", 9, 1),
};

enum { W_ID, W_PID, W_KIND, W_FDS, W_WRITES, W_READS, W_WAKES, W_COALESCED, W_EDGES, W_LAT50,
       W_LAT99, W_N };
static const struct vt_column waker_cols[W_N] = {
	[W_ID] = TEXT("ID", 10, 0, 0),          [W_PID] = ASC("PID", 7, 3),
	[W_KIND] = TEXT("KIND", 11, 1, 0),      [W_FDS] = TEXT("FDS", 6, 4, 6),
	[W_WRITES] = NUM("WRITES", 9, 0),       [W_READS] = NUM("READS", 9, 3),
	[W_WAKES] = NUM("WAKES", 9, 0),         [W_COALESCED] = NUM("COALESCED", 10, 1),
	[W_EDGES] = NUM("EDGES", 6, 2),         [W_LAT50] = NUM("LAT p50", 9, 1),
	[W_LAT99] = NUM("LAT p99", 9, 0),
};

enum { S_ID, S_PID, S_LOCAL, S_REMOTE, S_RX, S_TX, S_OPS, S_EAGAIN, S_BLOCKED, S_READY99, S_N };
static const struct vt_column socket_cols[S_N] = {
	[S_ID] = TEXT("ID", 10, 3, 0),          [S_PID] = ASC("PID", 7, 4),
	[S_LOCAL] = TEXT("LOCAL", 19, 0, 26),   [S_REMOTE] = TEXT("REMOTE", 19, 0, 26),
	[S_RX] = NUM("RX", 8, 0),               [S_TX] = NUM("TX", 8, 0),
	[S_OPS] = NUM("OPS", 8, 1),             [S_EAGAIN] = NUM("EAGAIN", 7, 2),
	[S_BLOCKED] = NUM("BLOCKED", 8, 2),     [S_READY99] = NUM("READY p99", 10, 1),
};

enum { A_SEVERITY, A_NAME, A_OBJECTS, A_COUNT, A_LAST, A_SUMMARY, A_N };
static const struct vt_column warning_cols[A_N] = {
	[A_SEVERITY] = NUM("SEVERITY", 9, 0),   [A_NAME] = TEXT("NAME", 20, 0, 10),
	[A_OBJECTS] = TEXT("OBJECTS", 20, 1, 20), [A_COUNT] = NUM("COUNT", 7, 2),
	[A_LAST] = NUM("LAST", 7, 3),           [A_SUMMARY] = TEXT("SUMMARY", 24, 0, 200),
};

static const struct {
	const struct vt_column *cols;
	int n;
} tabs[VT_NTABS] = {
	{task_cols, T_N}, {reactor_cols, R_N}, {waker_cols, W_N}, {socket_cols, S_N},
	{warning_cols, A_N},
};

const struct vt_column *vt_columns(enum vt_tab tab, int *ncols)
{
	if (tab >= VT_NTABS) {
		*ncols = 0;
		return NULL;
	}
	*ncols = tabs[tab].n;
	return tabs[tab].cols;
}

/* ---------------------------------------------------------------- rows */

/* Cells hold printable ASCII only: a task's name is bytes the target chose,
 * and must not smuggle escape sequences into the terminal. */
static char *clean_dup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		abort();
	for (char *p = d; *p; p++)
		if (!isprint((unsigned char)*p))
			*p = '?';
	return d;
}

static void set_text(struct vt_row *r, int col, const char *s)
{
	free(r->cells[col]);
	r->cells[col] = clean_dup(s);
}

static void set_num(struct vt_row *r, int col, double key, const char *s)
{
	set_text(r, col, s);
	r->keys[col] = key;
}

static void set_count(struct vt_row *r, int col, int width, uint64_t n)
{
	char buf[32];

	vt_fmt_count(buf, sizeof(buf), n, width);
	set_num(r, col, (double)n, buf);
}

static void set_ns(struct vt_row *r, int col, uint64_t ns)
{
	char buf[32];

	vt_fmt_ns(buf, sizeof(buf), ns);
	set_num(r, col, (double)ns, buf);
}

static void set_bytes(struct vt_row *r, int col, uint64_t b)
{
	char buf[32];

	vt_fmt_bytes(buf, sizeof(buf), b);
	set_num(r, col, (double)b, buf);
}

/* "r:9f2c1a2b": the first 8 hex digits name an object well enough on screen. */
static void short_id(char *buf, size_t len, const char *id)
{
	snprintf(buf, len, "%.10s", id);
}

/* Integers of an array joined with commas: "5,7". */
static void join_ints(char *buf, size_t len, json_object *a)
{
	size_t n = array_len(a), used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n && used + 1 < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%" PRId64, i ? "," : "",
				 json_object_get_int64(json_object_array_get_idx(a, i)));

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static const char *kind_short(const char *kind)
{
	static const char *const map[][2] = {
		{"socket", "sock"}, {"eventfd", "efd"}, {"timerfd", "tfd"},
		{"signalfd", "sfd"}, {"io_uring", "uring"},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(kind, map[i][0]))
			return map[i][1];
	return kind;
}

static void fill_task(struct vt_row *r, json_object *t)
{
	uint64_t total = vt_u64(t, "time.total");
	char buf[64];

	snprintf(r->key, sizeof(r->key), "t:%" PRId64, (int64_t)vt_num(t, "tid"));
	r->dim = !vt_bool(t, "alive", true);
	snprintf(buf, sizeof(buf), "%" PRId64, (int64_t)vt_num(t, "tid"));
	set_num(r, T_TID, vt_num(t, "tid"), buf);
	snprintf(buf, sizeof(buf), "%" PRId64, (int64_t)vt_num(t, "pid"));
	set_num(r, T_PID, vt_num(t, "pid"), buf);
	set_text(r, T_NAME, vt_str(t, "name"));
	set_text(r, T_STATE, vt_str(t, "state"));
	fmt_pct(buf, sizeof(buf), vt_u64(t, "time.busy"), total);
	set_num(r, T_BUSY, total ? (double)vt_u64(t, "time.busy") / total : 0, buf);
	fmt_pct(buf, sizeof(buf), vt_u64(t, "time.polling"), total);
	set_num(r, T_POLL, total ? (double)vt_u64(t, "time.polling") / total : 0, buf);
	set_count(r, T_TURNS, task_cols[T_TURNS].width, vt_u64(t, "turns"));
	snprintf(buf, sizeof(buf), "%.2f", vt_num(t, "events_per_turn"));
	set_num(r, T_EPT, vt_num(t, "events_per_turn"), buf);
	set_count(r, T_WWAKER, task_cols[T_WWAKER].width, vt_u64(t, "wakes.waker"));
	set_count(r, T_WSOCK, task_cols[T_WSOCK].width, vt_u64(t, "wakes.socket"));
	set_count(r, T_WTIMEOUT, task_cols[T_WTIMEOUT].width, vt_u64(t, "wakes.timeout"));
	set_count(r, T_WSELF, task_cols[T_WSELF].width, vt_u64(t, "wakes.self"));
	set_ns(r, T_TURN50, vt_u64(t, "turn_ns.p50"));
	set_ns(r, T_TURN99, vt_u64(t, "turn_ns.p99"));
	set_ns(r, T_WAKE99, vt_u64(t, "wake_to_run_ns.p99"));
}

static void fill_object_id(struct vt_row *r, json_object *o, int id_col, int pid_col, int fds_col)
{
	char buf[64];

	snprintf(r->key, sizeof(r->key), "%s", vt_str(o, "id"));
	r->dim = !vt_bool(o, "open", true);
	short_id(buf, sizeof(buf), vt_str(o, "id"));
	set_text(r, id_col, buf);
	snprintf(buf, sizeof(buf), "%" PRId64, (int64_t)vt_num(o, "pid"));
	set_num(r, pid_col, vt_num(o, "pid"), buf);
	if (fds_col >= 0) {
		join_ints(buf, sizeof(buf), vt_get(o, "fds"));
		set_text(r, fds_col, buf);
	}
}

static void fill_reactor(struct vt_row *r, json_object *o)
{
	json_object *bykind = vt_get(o, "interest_by_kind");
	char buf[128];
	size_t used = 0;

	fill_object_id(r, o, R_ID, R_PID, R_FDS);
	set_count(r, R_INTEREST, reactor_cols[R_INTEREST].width, array_len(vt_get(o, "interest")));
	buf[0] = 0;
	if (bykind && json_object_is_type(bykind, json_type_object)) {
		json_object_object_foreach(bykind, k, v)
		{
			int w = snprintf(buf + used, sizeof(buf) - used, "%s%" PRId64 " %s",
					 used ? " " : "", json_object_get_int64(v), kind_short(k));

			if (w < 0 || (size_t)w >= sizeof(buf) - used)
				break;
			used += (size_t)w;
		}
	}
	set_text(r, R_KINDS, buf);
	join_ints(buf, sizeof(buf), vt_get(o, "pollers"));
	set_num(r, R_POLLERS, (double)array_len(vt_get(o, "pollers")), buf);
	join_ints(buf, sizeof(buf), vt_get(o, "waiting"));
	set_num(r, R_WAITING, (double)array_len(vt_get(o, "waiting")), buf);
	set_count(r, R_TURNS, reactor_cols[R_TURNS].width, vt_u64(o, "turns"));
	set_count(r, R_EVENTS, reactor_cols[R_EVENTS].width, vt_u64(o, "events"));
	set_count(r, R_TIMEOUTS, reactor_cols[R_TIMEOUTS].width, vt_u64(o, "timeouts"));
}

static void fill_waker(struct vt_row *r, json_object *o)
{
	fill_object_id(r, o, W_ID, W_PID, W_FDS);
	set_text(r, W_KIND, vt_str(o, "kind"));
	set_count(r, W_WRITES, waker_cols[W_WRITES].width, vt_u64(o, "writes"));
	set_count(r, W_READS, waker_cols[W_READS].width, vt_u64(o, "reads"));
	set_count(r, W_WAKES, waker_cols[W_WAKES].width, vt_u64(o, "wakes"));
	set_count(r, W_COALESCED, waker_cols[W_COALESCED].width, vt_u64(o, "coalesced"));
	set_count(r, W_EDGES, waker_cols[W_EDGES].width, array_len(vt_get(o, "edges")));
	set_ns(r, W_LAT50, vt_u64(o, "latency_ns.p50"));
	set_ns(r, W_LAT99, vt_u64(o, "latency_ns.p99"));
}

/* A socket's address, or what it is when it has none (unix, unbound). */
static void socket_addr(char *buf, size_t len, json_object *o, const char *which)
{
	const char *a = vt_str(o, which);

	if (*a)
		snprintf(buf, len, "%s", a);
	else if (!strcmp(which, "local"))
		snprintf(buf, len, "%s %s", vt_str(o, "family"), vt_str(o, "type"));
	else
		snprintf(buf, len, "-");
}

static void fill_socket(struct vt_row *r, json_object *o)
{
	char buf[128];

	fill_object_id(r, o, S_ID, S_PID, -1);
	socket_addr(buf, sizeof(buf), o, "local");
	set_text(r, S_LOCAL, buf);
	socket_addr(buf, sizeof(buf), o, "remote");
	set_text(r, S_REMOTE, buf);
	set_bytes(r, S_RX, vt_u64(o, "read.bytes"));
	set_bytes(r, S_TX, vt_u64(o, "write.bytes"));
	set_count(r, S_OPS, socket_cols[S_OPS].width, vt_u64(o, "read.ops") + vt_u64(o, "write.ops"));
	set_count(r, S_EAGAIN, socket_cols[S_EAGAIN].width,
		  vt_u64(o, "read.eagain") + vt_u64(o, "write.eagain"));
	set_ns(r, S_BLOCKED, vt_u64(o, "read.blocked_ns") + vt_u64(o, "write.blocked_ns"));
	set_ns(r, S_READY99, vt_u64(o, "readiness_ns.p99"));
}

static int severity_rank(const char *s)
{
	static const char *const ranks[] = {"info", "notice", "warning", "error", "critical"};

	for (int i = 0; i < (int)(sizeof(ranks) / sizeof(ranks[0])); i++)
		if (!strcasecmp(s, ranks[i]))
			return i + 1;
	return 0;
}

/* The labels of a warning's objects: "echo_server/4243, s:1a2b". */
static void warning_objects(char *buf, size_t len, json_object *w)
{
	json_object *objs = vt_get(w, "objects");
	size_t n = array_len(objs), used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(objs, i);
		const char *label = *vt_str(o, "label") ? vt_str(o, "label") : vt_str(o, "id");
		int wr = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", label);

		if (wr < 0 || (size_t)wr >= len - used)
			break;
		used += (size_t)wr;
	}
}

static void fill_warning(struct vt_row *r, json_object *w)
{
	json_object *objs = vt_get(w, "objects");
	json_object *first = array_len(objs) ? json_object_array_get_idx(objs, 0) : NULL;
	char buf[256];

	snprintf(r->key, sizeof(r->key), "w:%.30s:%.14s", vt_str(w, "name"), vt_str(first, "id"));
	r->dim = !vt_bool(w, "active", true);
	set_num(r, A_SEVERITY, severity_rank(vt_str(w, "severity")), vt_str(w, "severity"));
	set_text(r, A_NAME, vt_str(w, "name"));
	warning_objects(buf, sizeof(buf), w);
	set_text(r, A_OBJECTS, buf);
	set_count(r, A_COUNT, warning_cols[A_COUNT].width, vt_u64(w, "count"));
	snprintf(buf, sizeof(buf), "%.1fs", vt_num(w, "last_seen_s"));
	set_num(r, A_LAST, vt_num(w, "last_seen_s"), buf);
	set_text(r, A_SUMMARY, vt_str(w, "summary"));
}

static void (*const fillers[VT_NTABS])(struct vt_row *, json_object *) = {
	fill_task, fill_reactor, fill_waker, fill_socket, fill_warning,
};

static void row_free(struct vt_row *r, int ncols)
{
	for (int c = 0; c < ncols; c++)
		free(r->cells[c]);
}

static bool row_matches(const struct vt_table *t, const struct vt_row *r, const char *filter)
{
	if (!filter || !*filter)
		return true;
	for (int c = 0; c < t->ncols; c++)
		if (!t->cols[c].number && strcasestr(r->cells[c], filter))
			return true;
	return false;
}

struct sort_ctx {
	const struct vt_table *t;
	int col;
	bool desc;
};

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *s = arg;
	const struct vt_row *x = a, *y = b;
	int c = 0;

	if (s->t->cols[s->col].number)
		c = (x->keys[s->col] > y->keys[s->col]) - (x->keys[s->col] < y->keys[s->col]);
	else
		c = strcmp(x->cells[s->col], y->cells[s->col]);
	if (s->desc)
		c = -c;
	if (!c)
		c = (x->order > y->order) - (x->order < y->order);
	return c;
}

bool vt_sort_descending(enum vt_tab tab, const struct vt_sort *s)
{
	int n;
	const struct vt_column *cols = vt_columns(tab, &n);

	if (!cols || s->col < 0 || s->col >= n)
		return false;
	return cols[s->col].desc != s->invert;
}

void vt_table_build(struct vt_table *t, json_object *state, enum vt_tab tab,
		    const struct vt_sort *s, const char *filter)
{
	json_object *list = vt_get(state, vt_tab_list(tab));
	size_t n = array_len(list);

	memset(t, 0, sizeof(*t));
	t->tab = tab;
	t->cols = vt_columns(tab, &t->ncols);
	if (!t->cols)
		return;
	t->rows = xcalloc(n + 1, sizeof(*t->rows));
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(list, i);
		struct vt_row *r = &t->rows[t->nrows];

		if (!json_object_is_type(o, json_type_object))
			continue;
		t->total++;
		memset(r, 0, sizeof(*r));
		for (int c = 0; c < t->ncols; c++)
			r->cells[c] = clean_dup("");
		fillers[tab](r, o);
		r->obj = o;
		r->order = i;
		if (row_matches(t, r, filter))
			t->nrows++;
		else
			row_free(r, t->ncols);
	}
	if (s && s->col >= 0 && s->col < t->ncols) {
		struct sort_ctx ctx = {t, s->col, vt_sort_descending(tab, s)};

		qsort_r(t->rows, t->nrows, sizeof(*t->rows), cmp_rows, &ctx);
	}
}

void vt_table_free(struct vt_table *t)
{
	for (size_t i = 0; i < t->nrows; i++)
		row_free(&t->rows[i], t->ncols);
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

long vt_table_find(const struct vt_table *t, const char *key)
{
	for (size_t i = 0; key && i < t->nrows; i++)
		if (!strcmp(t->rows[i].key, key))
			return (long)i;
	return -1;
}

/* ---------------------------------------------------------------- layout */

int vt_layout(const struct vt_table *t, int width, int sort_col, int *idx, int *widths)
{
	bool shown[VT_MAX_COLS];
	int used = -1, n = 0, extra;

	for (int c = 0; c < t->ncols; c++) {
		shown[c] = true;
		used += t->cols[c].width + 1;
	}
	/* drop the least important columns, the rightmost first, until it fits */
	while (used > width) {
		int drop = -1;

		for (int c = 0; c < t->ncols; c++)
			if (shown[c] && c != sort_col && t->cols[c].prio > 0 &&
			    (drop < 0 || t->cols[c].prio >= t->cols[drop].prio))
				drop = c;
		if (drop < 0)
			break;
		shown[drop] = false;
		used -= t->cols[drop].width + 1;
	}
	for (int c = 0; c < t->ncols; c++) {
		if (!shown[c])
			continue;
		idx[n] = c;
		widths[n++] = t->cols[c].width;
	}
	/* the room left goes to the growing columns a character at a time,
	 * so two addresses grow alike */
	extra = width > used ? width - used : 0;
	for (bool grew = true; extra > 0 && grew;) {
		grew = false;
		for (int i = 0; i < n && extra > 0; i++) {
			if (widths[i] < t->cols[idx[i]].width + t->cols[idx[i]].grow) {
				widths[i]++;
				extra--;
				grew = true;
			}
		}
	}
	return n;
}

/* Appends s padded (or cut) to w display columns; s is ASCII except mark. */
static size_t put_cell(char *buf, size_t len, size_t used, const char *s, const char *mark,
		       int w, bool right)
{
	int slen = (int)strlen(s), mlen = mark ? 1 : 0, pad;

	if (slen + mlen > w)
		slen = w - mlen > 0 ? w - mlen : 0;
	pad = w - slen - mlen;
	if (used < len)
		used += (size_t)snprintf(buf + used, len - used, "%*s%.*s%s", right ? pad : 0, "",
					 slen, s, mark ? mark : "");
	if (used < len && !right)
		used += (size_t)snprintf(buf + used, len - used, "%*s", pad, "");
	return used < len ? used : len - 1;
}

static void finish_line(char *buf, size_t used)
{
	while (used > 0 && buf[used - 1] == ' ')
		used--;
	buf[used] = 0;
}

void vt_format_header(const struct vt_table *t, const struct vt_sort *s, const int *idx,
		      const int *widths, int n, bool utf8, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (int i = 0; i < n && len; i++) {
		const struct vt_column *c = &t->cols[idx[i]];
		const char *mark = NULL;

		if (s && idx[i] == s->col)
			mark = vt_sort_descending(t->tab, s) ? (utf8 ? "\u25bc" : "v")
							     : (utf8 ? "\u25b2" : "^");
		if (i)
			used = put_cell(buf, len, used, "", NULL, 1, false);
		used = put_cell(buf, len, used, c->title, mark, widths[i], c->number);
	}
	if (len)
		finish_line(buf, used);
}

void vt_format_row(const struct vt_table *t, const struct vt_row *r, const int *idx,
		   const int *widths, int n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (int i = 0; i < n && len; i++) {
		if (i)
			used = put_cell(buf, len, used, "", NULL, 1, false);
		used = put_cell(buf, len, used, r->cells[idx[i]], NULL, widths[i],
				t->cols[idx[i]].number);
	}
	if (len)
		finish_line(buf, used);
}

/* ---------------------------------------------------------------- history */

char vt_state_letter(const char *state)
{
	static const char *const names[] = {"POLLING", "RUNNING", "RUNNABLE", "BLOCKED", "EXITED"};
	static const char letters[] = "PRQBX";

	for (int i = 0; i < 5; i++)
		if (!strcmp(state, names[i]))
			return letters[i];
	return '?';
}

static struct vt_task_history *history_find(const struct vt_history *h, int64_t tid)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i].tid == tid)
			return &h->v[i];
	return NULL;
}

void vt_history_update(struct vt_history *h, json_object *state)
{
	json_object *tasks = vt_get(state, "tasks");
	size_t n = array_len(tasks), k = 0;
	bool *seen;

	if (!json_object_is_type(tasks, json_type_array))
		n = 0;
	seen = xcalloc(h->n + n + 1, sizeof(*seen));
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(tasks, i);
		int64_t tid = (int64_t)vt_num(t, "tid");
		struct vt_task_history *th;

		if (!json_object_is_type(t, json_type_object))
			continue;
		th = history_find(h, tid);
		if (!th) {
			if (h->n == h->cap) {
				h->cap = h->cap ? 2 * h->cap : 16;
				h->v = realloc(h->v, h->cap * sizeof(*h->v));
				if (!h->v)
					abort();
			}
			th = &h->v[h->n++];
			memset(th, 0, sizeof(*th));
			th->tid = tid;
		}
		/* a state listing a tid twice must not add two letters */
		if (seen[th - h->v])
			continue;
		seen[th - h->v] = true;
		th->states[th->next] = vt_state_letter(vt_str(t, "state"));
		th->next = (th->next + 1) % VT_HISTORY;
		if (th->n < VT_HISTORY)
			th->n++;
	}
	for (size_t i = 0; i < h->n; i++)
		if (seen[i])
			h->v[k++] = h->v[i];
	h->n = k;
	free(seen);
}

const char *vt_history_get(const struct vt_history *h, int64_t tid, char *buf, size_t len)
{
	const struct vt_task_history *th = history_find(h, tid);
	unsigned int n, start;

	if (!len)
		return buf;
	buf[0] = 0;
	if (!th)
		return buf;
	n = th->n < len - 1 ? th->n : (unsigned int)(len - 1);
	start = (th->next + VT_HISTORY - n) % VT_HISTORY;
	for (unsigned int i = 0; i < n; i++)
		buf[i] = th->states[(start + i) % VT_HISTORY];
	buf[n] = 0;
	return buf;
}

void vt_history_free(struct vt_history *h)
{
	free(h->v);
	memset(h, 0, sizeof(*h));
}

/* ---------------------------------------------------------------- lines */

void vt_lines_add(struct vt_lines *l, enum vt_style style, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 32;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			abort();
	}
	for (char *p = s; *p; p++)
		if (!isprint((unsigned char)*p))
			*p = '?';
	for (size_t n = strlen(s); n > 0 && s[n - 1] == ' ';)
		s[--n] = 0;
	l->v[l->n].text = s;
	l->v[l->n++].style = style;
}

void vt_lines_free(struct vt_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* text folded at spaces into lines of at most width, each indented. */
static void add_wrapped(struct vt_lines *out, enum vt_style style, int indent, const char *text,
			int width)
{
	int room = width - indent > 20 ? width - indent : 20;
	const char *p = text;

	while (*p == ' ')
		p++;
	while (*p) {
		int n = (int)strlen(p);

		if (n > room) {
			n = room;
			while (n > 0 && p[n] != ' ')
				n--;
			if (n == 0)
				n = room;
		}
		vt_lines_add(out, style, "%*s%.*s", indent, "", n, p);
		p += n;
		while (*p == ' ')
			p++;
	}
}

/* A bucket [lo, count] of a hist, 0 when malformed. */
static uint64_t bucket_low(json_object *p)
{
	return array_len(p) == 2 ? (uint64_t)json_object_get_int64(json_object_array_get_idx(p, 0)) : 0;
}

static uint64_t bucket_count(json_object *p)
{
	return array_len(p) == 2 ? (uint64_t)json_object_get_int64(json_object_array_get_idx(p, 1)) : 0;
}

static bool in_range(uint64_t v, uint64_t lo)
{
	return lo == 0 ? v < 16 : v >= lo && v / 2 < lo;
}

void vt_hist_lines(struct vt_lines *out, const char *title, json_object *hist, int width)
{
	json_object *b = vt_get(hist, "buckets");
	size_t n = array_len(b);
	uint64_t maxc = 0, p50 = vt_u64(hist, "p50"), p99 = vt_u64(hist, "p99");
	char a[4][24];
	int barw;

	vt_lines_add(out, VT_LABEL, "%s", title);
	if (!vt_u64(hist, "count")) {
		vt_lines_add(out, VT_DIM, "  no samples");
		return;
	}
	vt_fmt_ns(a[0], sizeof(a[0]), vt_u64(hist, "min"));
	vt_fmt_ns(a[1], sizeof(a[1]), vt_u64(hist, "mean"));
	vt_fmt_ns(a[2], sizeof(a[2]), vt_u64(hist, "max"));
	vt_lines_add(out, VT_PLAIN, "  count %" PRIu64 "  min %s  mean %s  max %s",
		     vt_u64(hist, "count"), a[0], a[1], a[2]);
	vt_fmt_ns(a[0], sizeof(a[0]), p50);
	vt_fmt_ns(a[1], sizeof(a[1]), vt_u64(hist, "p90"));
	vt_fmt_ns(a[2], sizeof(a[2]), p99);
	vt_lines_add(out, VT_PLAIN, "  p50 %s  p90 %s  p99 %s", a[0], a[1], a[2]);
	for (size_t i = 0; i < n; i++) {
		uint64_t c = bucket_count(json_object_array_get_idx(b, i));

		maxc = c > maxc ? c : maxc;
	}
	/* "  1.0us-2.0us   |####      | 12345 p50 p99" */
	barw = width - 2 - 15 - 2 - 1 - 10 - 8;
	if (barw < 4)
		barw = 4;
	if (barw > 60)
		barw = 60;
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(b, i);
		uint64_t lo = bucket_low(p), c = bucket_count(p);
		double q = maxc ? (double)c * barw / maxc : 0;
		int len = (int)q < q ? (int)q + 1 : (int)q;
		char bar[128], range[64];

		if (array_len(p) != 2)
			continue;
		vt_fmt_ns(a[0], sizeof(a[0]), lo);
		vt_fmt_ns(a[1], sizeof(a[1]), lo ? 2 * lo : 16);
		if (!lo)
			snprintf(a[0], sizeof(a[0]), "0ns");
		snprintf(range, sizeof(range), "%s-%s", a[0], a[1]);
		memset(bar, '#', (size_t)len);
		memset(bar + len, ' ', (size_t)(barw - len));
		bar[barw] = 0;
		vt_lines_add(out, VT_BAR, "  %-15s |%s| %" PRIu64 "%s%s", range, bar, c,
			     in_range(p50, lo) ? " p50" : "", in_range(p99, lo) ? " p99" : "");
	}
}

void vt_time_bar(char *buf, int width, uint64_t total, uint64_t busy, uint64_t polling,
		 uint64_t runnable, uint64_t blocked)
{
	const uint64_t parts[] = {busy, polling, runnable, blocked};
	const char marks[] = "#~qb";
	int used = 0;

	if (width <= 0) {
		buf[0] = 0;
		return;
	}
	for (int i = 0; i < 4 && total; i++) {
		int n = (int)((parts[i] * (double)width) / total + 0.5);

		if (n > width - used)
			n = width - used;
		memset(buf + used, marks[i], (size_t)n);
		used += n;
	}
	memset(buf + used, '.', (size_t)(width - used));
	buf[width] = 0;
}

/* ---------------------------------------------------------------- details */

/* "4243 worker" when the state knows the task, else "4243". */
static void task_label(char *buf, size_t len, json_object *state, int64_t tid)
{
	json_object *tasks = vt_get(state, "tasks");
	size_t n = array_len(tasks);

	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(tasks, i);

		if ((int64_t)vt_num(t, "tid") == tid) {
			snprintf(buf, len, "%" PRId64 " %s", tid, vt_str(t, "name"));
			return;
		}
	}
	snprintf(buf, len, "%" PRId64, tid);
}

static void task_list(struct vt_lines *out, const char *label, json_object *a, json_object *state)
{
	size_t n = array_len(a);
	char line[512], one[64];
	size_t used = 0;

	line[0] = 0;
	for (size_t i = 0; i < n && used < sizeof(line); i++) {
		task_label(one, sizeof(one), state, json_object_get_int64(json_object_array_get_idx(a, i)));
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s", i ? ", " : "", one);
	}
	vt_lines_add(out, VT_PLAIN, "%-9s%s", label, n ? line : "none");
}

static void closed_line(struct vt_lines *out, json_object *o, const char *what)
{
	if (vt_get(o, "closed_ago_s"))
		vt_lines_add(out, VT_DIM, "%s %.1fs ago (kept until retention removes it)", what,
			     vt_num(o, "closed_ago_s"));
}

static void details_task(struct vt_lines *out, json_object *t, const struct vt_history *h,
			 int width)
{
	static const char *const parts[] = {"busy", "polling", "runnable", "blocked"};
	uint64_t total = vt_u64(t, "time.total");
	int64_t tid = (int64_t)vt_num(t, "tid");
	char a[32], bar[128], hist[VT_HISTORY + 1];
	int hw = width - 4 < VT_HISTORY ? width - 4 : VT_HISTORY;

	vt_lines_add(out, VT_TITLE, "Task %" PRId64 " %s (pid %" PRId64 ")", tid, vt_str(t, "name"),
		     (int64_t)vt_num(t, "pid"));
	if (*vt_str(t, "blocked_in"))
		vt_lines_add(out, VT_PLAIN, "state    %s in %s", vt_str(t, "state"),
			     vt_str(t, "blocked_in"));
	else
		vt_lines_add(out, VT_PLAIN, "state    %s", vt_str(t, "state"));
	closed_line(out, t, "exited");
	vt_lines_add(out, VT_PLAIN, "turns    %" PRIu64 "  events %" PRIu64 "  events/turn %.2f",
		     vt_u64(t, "turns"), vt_u64(t, "events"), vt_num(t, "events_per_turn"));
	vt_lines_add(out, VT_PLAIN,
		     "wakes    waker %" PRIu64 "  socket %" PRIu64 "  timeout %" PRIu64
		     "  other %" PRIu64 "  self %" PRIu64,
		     vt_u64(t, "wakes.waker"), vt_u64(t, "wakes.socket"), vt_u64(t, "wakes.timeout"),
		     vt_u64(t, "wakes.other"), vt_u64(t, "wakes.self"));
	vt_lines_add(out, VT_PLAIN, "%s", "");
	vt_fmt_ns(a, sizeof(a), total);
	vt_lines_add(out, VT_LABEL, "Time (total %s; polling overlaps the rest)", a);
	for (int i = 0; i < 4; i++) {
		char path[32];
		uint64_t v;

		snprintf(path, sizeof(path), "time.%s", parts[i]);
		v = vt_u64(t, path);
		vt_fmt_ns(a, sizeof(a), v);
		vt_lines_add(out, VT_PLAIN, "  %-9s %9s %5.1f%%", parts[i], a,
			     total ? 100.0 * v / total : 0.0);
	}
	vt_time_bar(bar, hw < 100 ? (hw > 8 ? hw : 8) : 100, total, vt_u64(t, "time.busy"),
		    vt_u64(t, "time.polling"), vt_u64(t, "time.runnable"), vt_u64(t, "time.blocked"));
	vt_lines_add(out, VT_BAR, "  [%s]", bar);
	vt_lines_add(out, VT_DIM, "  # busy  ~ polling  q runnable  b blocked");
	vt_lines_add(out, VT_PLAIN, "%s", "");
	vt_lines_add(out, VT_LABEL, "State history (one letter per update, oldest first)");
	vt_history_get(h, tid, hist, (size_t)(hw > 1 ? hw : 1) + 1);
	vt_lines_add(out, VT_STATES, "  %s", *hist ? hist : "-");
	vt_lines_add(out, VT_DIM, "  P polling  R running  Q runnable  B blocked  X exited");
	vt_lines_add(out, VT_PLAIN, "%s", "");
	vt_hist_lines(out, "Turn length (busy time from a wait's return to the next wait)",
		      vt_get(t, "turn_ns"), width);
	vt_lines_add(out, VT_PLAIN, "%s", "");
	vt_hist_lines(out, "Wake latency (woken -> on a CPU)", vt_get(t, "wake_to_run_ns"), width);
}

static void epoll_events(char *buf, size_t len, uint64_t ev)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} names[] = {
		{0x1, "IN"},        {0x2, "PRI"},     {0x4, "OUT"},        {0x8, "ERR"},
		{0x10, "HUP"},      {0x2000, "RDHUP"}, {1u << 28, "EXCLUSIVE"}, {1u << 29, "WAKEUP"},
		{1u << 30, "ONESHOT"}, {1u << 31, "ET"},
	};
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && used < len; i++) {
		if (ev & names[i].bit) {
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "|" : "",
						 names[i].name);
			ev &= ~names[i].bit;
		}
	}
	if (ev && used < len)
		snprintf(buf + used, len - used, "%s0x%" PRIx64, used ? "|" : "", ev);
}

static void details_reactor(struct vt_lines *out, json_object *r, json_object *state)
{
	json_object *in = vt_get(r, "interest");
	size_t n = array_len(in);
	char fds[64];

	join_ints(fds, sizeof(fds), vt_get(r, "fds"));
	vt_lines_add(out, VT_TITLE, "Reactor %s (pid %" PRId64 ", fd %s)", vt_str(r, "id"),
		     (int64_t)vt_num(r, "pid"), *fds ? fds : "none");
	closed_line(out, r, "closed");
	if (vt_u64(r, "creator_tid")) {
		char who[64];

		task_label(who, sizeof(who), state, (int64_t)vt_num(r, "creator_tid"));
		vt_lines_add(out, VT_PLAIN, "created  by task %s", who);
	} else {
		vt_lines_add(out, VT_PLAIN, "created  before attach");
	}
	vt_lines_add(out, VT_PLAIN, "turns    %" PRIu64 "  events %" PRIu64 "  timeouts %" PRIu64,
		     vt_u64(r, "turns"), vt_u64(r, "events"), vt_u64(r, "timeouts"));
	task_list(out, "pollers", vt_get(r, "pollers"), state);
	task_list(out, "waiting", vt_get(r, "waiting"), state);
	vt_lines_add(out, VT_PLAIN, "%s", "");
	vt_lines_add(out, VT_LABEL, "Interest (%zu)", n);
	if (n)
		vt_lines_add(out, VT_DIM, "  %5s  %-8s %-18s %-10s %s", "FD", "KIND", "EVENTS", "TOKEN",
			     "OBJECT");
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(in, i);
		char ev[96], tok[24];

		epoll_events(ev, sizeof(ev), vt_u64(e, "events"));
		snprintf(tok, sizeof(tok), "0x%" PRIx64, vt_u64(e, "token"));
		vt_lines_add(out, VT_PLAIN, "  %5" PRId64 "  %-8s %-18s %-10s %s",
			     (int64_t)vt_num(e, "fd"), vt_str(e, "kind"), ev, tok, vt_str(e, "object"));
	}
}

static void details_waker(struct vt_lines *out, json_object *w, json_object *state, int width)
{
	json_object *edges = vt_get(w, "edges"), *reactors = vt_get(w, "reactors");
	size_t n = array_len(edges), nr = array_len(reactors);
	char fds[64];

	join_ints(fds, sizeof(fds), vt_get(w, "fds"));
	vt_lines_add(out, VT_TITLE, "Waker %s %s (pid %" PRId64 ", fd %s)", vt_str(w, "id"),
		     vt_str(w, "kind"), (int64_t)vt_num(w, "pid"), *fds ? fds : "none");
	closed_line(out, w, "closed");
	for (size_t i = 0; i < nr; i++)
		vt_lines_add(out, VT_PLAIN, "%-9s%s", i ? "" : "in",
			     vt_str(json_object_array_get_idx(reactors, i), ""));
	if (!nr)
		vt_lines_add(out, VT_PLAIN, "in       no reactor");
	if (!strcmp(vt_str(w, "kind"), "eventfd"))
		vt_lines_add(out, VT_PLAIN, "count    %" PRIu64 " at attach", vt_u64(w, "count"));
	vt_lines_add(out, VT_PLAIN,
		     "writes   %" PRIu64 "  reads %" PRIu64 "  wakes %" PRIu64 "  coalesced %" PRIu64,
		     vt_u64(w, "writes"), vt_u64(w, "reads"), vt_u64(w, "wakes"),
		     vt_u64(w, "coalesced"));
	vt_lines_add(out, VT_PLAIN, "%s", "");
	vt_lines_add(out, VT_LABEL, "Edges (%zu): waker thread -> woken thread", n);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(edges, i);
		char from[64], to[64];

		task_label(from, sizeof(from), state, (int64_t)vt_num(e, "from"));
		task_label(to, sizeof(to), state, (int64_t)vt_num(e, "to"));
		vt_lines_add(out, VT_PLAIN, "  %-22s -> %-22s %10" PRIu64, from, to, vt_u64(e, "count"));
	}
	vt_lines_add(out, VT_PLAIN, "%s", "");
	vt_hist_lines(out, "Wake latency (write -> the woken wait's return)", vt_get(w, "latency_ns"),
		      width);
}

static void io_line(struct vt_lines *out, json_object *s, const char *side)
{
	static const char *const keys[] = {"ops", "eagain", "eof", "errors"};
	char path[32], bytes[24], sys[24], blk[24], nums[4][24];

	snprintf(path, sizeof(path), "%s.bytes", side);
	snprintf(bytes, sizeof(bytes), "%" PRIu64, vt_u64(s, path));
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s.%s", side, keys[i]);
		snprintf(nums[i], sizeof(nums[i]), "%" PRIu64, vt_u64(s, path));
	}
	snprintf(path, sizeof(path), "%s.syscall_ns", side);
	vt_fmt_ns(sys, sizeof(sys), vt_u64(s, path));
	snprintf(path, sizeof(path), "%s.blocked_ns", side);
	vt_fmt_ns(blk, sizeof(blk), vt_u64(s, path));
	vt_lines_add(out, VT_PLAIN, "  %-6s %12s %9s %7s %5s %7s %9s %9s", side, bytes, nums[0],
		     nums[1], nums[2], nums[3], sys, blk);
}

static void details_socket(struct vt_lines *out, json_object *s, int width)
{
	char fds[64], local[128], remote[128];

	join_ints(fds, sizeof(fds), vt_get(s, "fds"));
	vt_lines_add(out, VT_TITLE, "Socket %s %s %s (pid %" PRId64 ", fd %s)", vt_str(s, "id"),
		     vt_str(s, "family"), vt_str(s, "type"), (int64_t)vt_num(s, "pid"),
		     *fds ? fds : "none");
	closed_line(out, s, "closed");
	socket_addr(local, sizeof(local), s, "local");
	socket_addr(remote, sizeof(remote), s, "remote");
	vt_lines_add(out, VT_PLAIN, "local    %s", local);
	vt_lines_add(out, VT_PLAIN, "remote   %s", remote);
	vt_lines_add(out, VT_PLAIN, "%s", "");
	vt_lines_add(out, VT_LABEL, "  %-6s %12s %9s %7s %5s %7s %9s %9s", "", "BYTES", "OPS",
		     "EAGAIN", "EOF", "ERRORS", "IN CALLS", "BLOCKED");
	io_line(out, s, "read");
	io_line(out, s, "write");
	vt_lines_add(out, VT_PLAIN, "%s", "");
	vt_hist_lines(out, "Readiness (epoll reported readable -> first read)",
		      vt_get(s, "readiness_ns"), width);
}

static void details_warning(struct vt_lines *out, json_object *w, int width)
{
	json_object *objs = vt_get(w, "objects"), *ev = vt_get(w, "evidence");
	size_t n = array_len(objs);
	bool active = vt_bool(w, "active", true);

	vt_lines_add(out, VT_TITLE, "Warning %s [%s]%s", vt_str(w, "name"), vt_str(w, "severity"),
		     active ? "" : " (no longer active)");
	vt_lines_add(out, VT_PLAIN, "seen     %" PRIu64 " times, first at %.1fs, last at %.1fs",
		     vt_u64(w, "count"), vt_num(w, "first_seen_s"), vt_num(w, "last_seen_s"));
	vt_lines_add(out, VT_PLAIN, "%s", "");
	vt_lines_add(out, VT_LABEL, "Summary");
	add_wrapped(out, VT_PLAIN, 2, vt_str(w, "summary"), width);
	vt_lines_add(out, VT_LABEL, "Objects (%zu)", n);
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(objs, i);

		vt_lines_add(out, VT_PLAIN, "  %-8s %-20s %s", vt_str(o, "kind"), vt_str(o, "id"),
			     vt_str(o, "label"));
	}
	vt_lines_add(out, VT_LABEL, "Advice");
	add_wrapped(out, VT_PLAIN, 2, *vt_str(w, "advice") ? vt_str(w, "advice") : "-", width);
	vt_lines_add(out, VT_LABEL, "Evidence");
	if (ev && json_object_is_type(ev, json_type_object)) {
		json_object_object_foreach(ev, k, v)
		{
			const char *s = json_object_is_type(v, json_type_string)
						? json_object_get_string(v)
						: json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
			char *line;

			if (asprintf(&line, "%s: %s", k, s) < 0)
				abort();
			add_wrapped(out, VT_PLAIN, 2, line, width);
			free(line);
		}
	} else {
		vt_lines_add(out, VT_PLAIN, "  -");
	}
}

void vt_details(struct vt_lines *out, enum vt_tab tab, json_object *obj, json_object *state,
		const struct vt_history *h, int width)
{
	if (!json_object_is_type(obj, json_type_object)) {
		vt_lines_add(out, VT_DIM, "(nothing selected)");
		return;
	}
	switch (tab) {
	case VT_TASKS:
		details_task(out, obj, h, width);
		break;
	case VT_REACTORS:
		details_reactor(out, obj, state);
		break;
	case VT_WAKERS:
		details_waker(out, obj, state, width);
		break;
	case VT_RESOURCES:
		details_socket(out, obj, width);
		break;
	default:
		details_warning(out, obj, width);
		break;
	}
}
