/* test_view_table.c - the viewer's tables, details and session on states
 * built here: exact rows, sort orders, filters, dimmed closed objects,
 * histogram bars, state histories, the header and the PAUSED banner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "view_session.h"
#include "view_table.h"

static json_object *parse(const char *text)
{
	json_object *o = json_tokener_parse(text);

	if (!o)
		fail_msg("test JSON does not parse: %s", text);
	return o;
}

#define S_COLS 10 /* the Resources tab's columns */
#define HIST0 "{\"count\":0,\"min\":0,\"mean\":0,\"p50\":0,\"p90\":0,\"p99\":0,\"max\":0,\"buckets\":[]}"

/* Three tasks: alpha polls, beta runs, gamma has exited. */
static const char *const tasks_state =
	"{\"uptime_s\":12.34,\"records_per_s\":4100.4,"
	"\"drops\":{\"ringbuf\":1,\"inflight\":2,\"garbled\":0},"
	"\"targets\":[{\"pid\":10,\"name\":\"srv\",\"alive\":true},"
	"             {\"pid\":20,\"name\":\"old\",\"alive\":false}],"
	"\"tasks\":["
	"{\"tid\":10,\"pid\":10,\"name\":\"alpha\",\"alive\":true,\"state\":\"POLLING\","
	" \"time\":{\"total\":1000,\"busy\":250,\"polling\":700,\"runnable\":0,\"blocked\":50},"
	" \"turns\":100,\"events\":150,\"events_per_turn\":1.5,"
	" \"wakes\":{\"waker\":7,\"socket\":90,\"timeout\":3,\"other\":0,\"self\":1},"
	" \"turn_ns\":{\"count\":100,\"min\":10,\"mean\":3000,\"p50\":2000,\"p90\":9000,\"p99\":12345,"
	"  \"max\":20000,\"buckets\":[[0,3],[16,40],[1024,2]]},"
	" \"wake_to_run_ns\":{\"count\":5,\"min\":1,\"mean\":2,\"p50\":2,\"p90\":3,\"p99\":4500000,"
	"  \"max\":4500000,\"buckets\":[[0,4],[4194304,1]]}},"
	"{\"tid\":11,\"pid\":10,\"name\":\"beta\",\"alive\":true,\"state\":\"RUNNING\","
	" \"time\":{\"total\":1000,\"busy\":900,\"polling\":100,\"runnable\":0,\"blocked\":0},"
	" \"turns\":300,\"events\":300,\"events_per_turn\":1.0,"
	" \"wakes\":{\"waker\":0,\"socket\":0,\"timeout\":0,\"other\":0,\"self\":0},"
	" \"turn_ns\":" HIST0 ",\"wake_to_run_ns\":" HIST0 "},"
	"{\"tid\":12,\"pid\":10,\"name\":\"gamma\",\"alive\":false,\"state\":\"EXITED\","
	" \"closed_ago_s\":1.5,"
	" \"time\":{\"total\":0,\"busy\":0,\"polling\":0,\"runnable\":0,\"blocked\":0},"
	" \"turns\":200,\"events\":0,\"events_per_turn\":0,"
	" \"wakes\":{\"waker\":0,\"socket\":0,\"timeout\":0,\"other\":0,\"self\":0},"
	" \"turn_ns\":" HIST0 ",\"wake_to_run_ns\":" HIST0 "}],"
	"\"reactors\":[{\"id\":\"r:0123456789abcdef\",\"pid\":10,\"fds\":[5],\"open\":true,"
	" \"creator_tid\":10,\"waiting\":[10],\"pollers\":[10,11],"
	" \"interest\":[{\"fd\":7,\"kind\":\"socket\",\"object\":\"s:aaaaaaaaaaaaaaaa\",\"events\":25,\"token\":7},"
	"              {\"fd\":8,\"kind\":\"socket\",\"events\":2147483653,\"token\":8},"
	"              {\"fd\":6,\"kind\":\"eventfd\",\"object\":\"w:bbbbbbbbbbbbbbbb\",\"events\":1,\"token\":225}],"
	" \"interest_by_kind\":{\"socket\":2,\"eventfd\":1},\"turns\":400,\"events\":450,\"timeouts\":3}],"
	"\"wakers\":[{\"id\":\"w:bbbbbbbbbbbbbbbb\",\"pid\":10,\"kind\":\"eventfd\",\"fds\":[6],"
	" \"open\":false,\"closed_ago_s\":2.0,\"reactors\":[\"r:0123456789abcdef\"],\"count\":0,"
	" \"writes\":500,\"reads\":500,\"coalesced\":4,\"wakes\":496,"
	" \"edges\":[{\"from\":11,\"to\":10,\"count\":496}],"
	" \"latency_ns\":{\"count\":496,\"min\":900,\"mean\":5000,\"p50\":4000,\"p90\":9000,\"p99\":20000,"
	"  \"max\":30000,\"buckets\":[[512,10],[2048,300],[4096,186]]}}],"
	"\"sockets\":[{\"id\":\"s:aaaaaaaaaaaaaaaa\",\"pid\":10,\"fds\":[7],\"open\":true,"
	" \"family\":\"inet\",\"type\":\"stream\",\"local\":\"127.0.0.1:7000\",\"remote\":\"127.0.0.1:53412\","
	" \"read\":{\"bytes\":100000,\"ops\":1000,\"eagain\":2,\"eof\":1,\"errors\":0,\"syscall_ns\":5000000,\"blocked_ns\":0},"
	" \"write\":{\"bytes\":100000,\"ops\":1000,\"eagain\":1,\"eof\":0,\"errors\":0,\"syscall_ns\":7000000,\"blocked_ns\":3000},"
	" \"readiness_ns\":" HIST0 "},"
	"{\"id\":\"s:cccccccccccccccc\",\"pid\":10,\"fds\":[],\"open\":false,\"closed_ago_s\":0.5,"
	" \"family\":\"unix\",\"type\":\"stream\",\"local\":\"\",\"remote\":\"\","
	" \"read\":{\"bytes\":5,\"ops\":1,\"eagain\":0,\"eof\":0,\"errors\":0,\"syscall_ns\":0,\"blocked_ns\":0},"
	" \"write\":{\"bytes\":0,\"ops\":0,\"eagain\":0,\"eof\":0,\"errors\":0,\"syscall_ns\":0,\"blocked_ns\":0},"
	" \"readiness_ns\":" HIST0 "}]}";

static const char *const warnings_state =
	"{\"warnings\":["
	"{\"name\":\"waker-closed\",\"severity\":\"warning\",\"active\":true,"
	" \"objects\":[{\"kind\":\"waker\",\"id\":\"w:1\",\"label\":\"eventfd 6\"},"
	"             {\"kind\":\"task\",\"id\":\"t:10\",\"label\":\"alpha 10\"}],"
	" \"evidence\":{\"fd\":6,\"waiting\":[10]},\"summary\":\"a waker was closed while a thread waits\","
	" \"advice\":\"keep the Waker alive until the poll it wakes has returned\","
	" \"first_seen_s\":1.0,\"last_seen_s\":2.5,\"count\":3},"
	"{\"name\":\"read-blocks-send\",\"severity\":\"critical\",\"active\":false,"
	" \"objects\":[{\"kind\":\"socket\",\"id\":\"s:1\",\"label\":\"127.0.0.1:7000\"}],"
	" \"evidence\":{},\"summary\":\"writes follow reads\",\"advice\":\"\","
	" \"first_seen_s\":0.5,\"last_seen_s\":0.5,\"count\":1}]}";

static void build(struct vt_table *t, json_object *st, enum vt_tab tab, int col, bool inv,
		  const char *filter)
{
	struct vt_sort s = {col, inv};

	vt_table_build(t, st, tab, &s, filter);
}

/* The rows' keys in order, joined by spaces. */
static const char *keys(const struct vt_table *t)
{
	static char buf[512];
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < t->nrows; i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? " " : "",
					 t->rows[i].key);
	return buf;
}

static int col_of(enum vt_tab tab, const char *title)
{
	int n;
	const struct vt_column *c = vt_columns(tab, &n);

	for (int i = 0; i < n; i++)
		if (!strcmp(c[i].title, title))
			return i;
	fail_msg("no column %s", title);
	return -1;
}

static void test_formats(void **state)
{
	char b[32];

	vt_fmt_ns(b, sizeof(b), 0);
	assert_string_equal(b, "0");
	vt_fmt_ns(b, sizeof(b), 850);
	assert_string_equal(b, "850ns");
	vt_fmt_ns(b, sizeof(b), 12345);
	assert_string_equal(b, "12.3us");
	vt_fmt_ns(b, sizeof(b), 999999);
	assert_string_equal(b, "1.0ms");
	vt_fmt_ns(b, sizeof(b), 4500000);
	assert_string_equal(b, "4.5ms");
	vt_fmt_ns(b, sizeof(b), 1250000000);
	assert_string_equal(b, "1.25s");
	vt_fmt_bytes(b, sizeof(b), 512);
	assert_string_equal(b, "512B");
	vt_fmt_bytes(b, sizeof(b), 100000);
	assert_string_equal(b, "97.7K");
	vt_fmt_bytes(b, sizeof(b), 3u << 20);
	assert_string_equal(b, "3.0M");
	vt_fmt_count(b, sizeof(b), 100000, 8);
	assert_string_equal(b, "100000");
	vt_fmt_count(b, sizeof(b), 123456789, 8);
	assert_string_equal(b, "123.5M");
	vt_fmt_count(b, sizeof(b), 999, 2);
	assert_string_equal(b, "999");
}

static void test_tasks_sort(void **state)
{
	json_object *st = parse(tasks_state);
	struct vt_table t;

	build(&t, st, VT_TASKS, col_of(VT_TASKS, "TID"), false, NULL);
	assert_int_equal(t.total, 3);
	assert_string_equal(keys(&t), "t:10 t:11 t:12");
	vt_table_free(&t);
	build(&t, st, VT_TASKS, col_of(VT_TASKS, "TID"), true, NULL);
	assert_string_equal(keys(&t), "t:12 t:11 t:10");
	vt_table_free(&t);
	/* numbers sort biggest first until inverted */
	build(&t, st, VT_TASKS, col_of(VT_TASKS, "TURNS"), false, NULL);
	assert_string_equal(keys(&t), "t:11 t:12 t:10");
	vt_table_free(&t);
	build(&t, st, VT_TASKS, col_of(VT_TASKS, "TURNS"), true, NULL);
	assert_string_equal(keys(&t), "t:10 t:12 t:11");
	vt_table_free(&t);
	build(&t, st, VT_TASKS, col_of(VT_TASKS, "NAME"), true, NULL);
	assert_string_equal(keys(&t), "t:12 t:11 t:10");
	vt_table_free(&t);
	/* ties keep the state's order, either way round */
	build(&t, st, VT_TASKS, col_of(VT_TASKS, "PID"), false, NULL);
	assert_string_equal(keys(&t), "t:10 t:11 t:12");
	vt_table_free(&t);
	build(&t, st, VT_TASKS, col_of(VT_TASKS, "PID"), true, NULL);
	assert_string_equal(keys(&t), "t:10 t:11 t:12");
	vt_table_free(&t);
	build(&t, st, VT_TASKS, col_of(VT_TASKS, "BUSY%"), false, NULL);
	assert_string_equal(keys(&t), "t:11 t:10 t:12");
	vt_table_free(&t);
	json_object_put(st);
}

static void test_tasks_rows(void **state)
{
	json_object *st = parse(tasks_state);
	struct vt_sort s = {col_of(VT_TASKS, "TURNS"), false};
	int idx[VT_MAX_COLS], w[VT_MAX_COLS], n;
	struct vt_table t;
	char line[512];

	vt_table_build(&t, st, VT_TASKS, &s, NULL);
	assert_false(t.rows[0].dim);
	assert_false(t.rows[2].dim);
	assert_true(t.rows[1].dim); /* gamma exited */
	n = vt_layout(&t, 80, s.col, idx, w);
	vt_format_header(&t, &s, idx, w, n, false, line, sizeof(line));
	assert_string_equal(line, "    TID NAME                 STATE     BUSY%  POLL%   TURNSv  "
				  "TURN p99  WAKE p99");
	assert_true(strlen(line) <= 80);
	vt_format_row(&t, &t.rows[2], idx, w, n, line, sizeof(line));
	assert_string_equal(line, "     10 alpha                POLLING    25.0   70.0      100    "
				  "12.3us     4.5ms");
	vt_format_row(&t, &t.rows[0], idx, w, n, line, sizeof(line));
	assert_string_equal(line, "     11 beta                 RUNNING    90.0   10.0      300"
				  "         0         0");
	vt_format_header(&t, &s, idx, w, n, true, line, sizeof(line));
	assert_non_null(strstr(line, "TURNS\u25bc"));
	s.invert = true;
	vt_format_header(&t, &s, idx, w, n, false, line, sizeof(line));
	assert_non_null(strstr(line, "TURNS^"));
	vt_table_free(&t);
	json_object_put(st);
}

static void test_layout(void **state)
{
	json_object *st = parse(tasks_state);
	int idx[VT_MAX_COLS], w[VT_MAX_COLS], n, ncols;
	struct vt_table t;
	char line[1024];

	vt_columns(VT_TASKS, &ncols);
	build(&t, st, VT_TASKS, 0, false, NULL);
	/* a wide screen shows every column, the name grown */
	n = vt_layout(&t, 250, 0, idx, w);
	assert_int_equal(n, ncols);
	assert_int_equal(w[col_of(VT_TASKS, "NAME")], 25);
	/* a narrow one keeps the always-shown ones and the sort column */
	n = vt_layout(&t, 30, col_of(VT_TASKS, "SELF"), idx, w);
	assert_int_equal(n, 4);
	assert_int_equal(idx[0], col_of(VT_TASKS, "TID"));
	assert_int_equal(idx[1], col_of(VT_TASKS, "NAME"));
	assert_int_equal(idx[2], col_of(VT_TASKS, "STATE"));
	assert_int_equal(idx[3], col_of(VT_TASKS, "SELF"));
	vt_format_row(&t, &t.rows[0], idx, w, n, line, sizeof(line));
	assert_string_equal(line, "     10 alpha           POLLING       1");
	vt_table_free(&t);
	/* room left over is shared out a character at a time: two addresses
	 * grow alike (113 columns needed, 17 to share) */
	build(&t, st, VT_RESOURCES, 0, false, NULL);
	n = vt_layout(&t, 130, 0, idx, w);
	assert_int_equal(n, S_COLS);
	assert_int_equal(w[col_of(VT_RESOURCES, "LOCAL")], 19 + 9);
	assert_int_equal(w[col_of(VT_RESOURCES, "REMOTE")], 19 + 8);
	assert_int_equal(w[col_of(VT_RESOURCES, "ID")], 10);
	vt_table_free(&t);
	/* every tab fits 80 columns */
	for (int tab = 0; tab < VT_NTABS; tab++) {
		build(&t, st, (enum vt_tab)tab, 0, false, NULL);
		n = vt_layout(&t, 80, 0, idx, w);
		vt_format_header(&t, NULL, idx, w, n, false, line, sizeof(line));
		assert_true(strlen(line) <= 80);
		assert_true(n >= 4);
		vt_table_free(&t);
	}
	json_object_put(st);
}

static void test_filter(void **state)
{
	json_object *st = parse(tasks_state);
	struct vt_table t;

	build(&t, st, VT_TASKS, 0, false, "ALP");
	assert_string_equal(keys(&t), "t:10");
	assert_int_equal(t.total, 3);
	vt_table_free(&t);
	build(&t, st, VT_TASKS, 0, false, "a");
	assert_string_equal(keys(&t), "t:10 t:11 t:12");
	vt_table_free(&t);
	build(&t, st, VT_TASKS, 0, false, "zzz");
	assert_int_equal(t.nrows, 0);
	assert_int_equal(vt_table_find(&t, "t:10"), -1);
	vt_table_free(&t);
	build(&t, st, VT_RESOURCES, 0, false, "53412");
	assert_string_equal(keys(&t), "s:aaaaaaaaaaaaaaaa");
	vt_table_free(&t);
	build(&t, st, VT_TASKS, 0, false, "");
	assert_int_equal(vt_table_find(&t, "t:12"), 2);
	vt_table_free(&t);
	json_object_put(st);
}

static const char *cell(const struct vt_table *t, size_t row, const char *title)
{
	return t->rows[row].cells[col_of(t->tab, title)];
}

static void test_objects(void **state)
{
	json_object *st = parse(tasks_state);
	struct vt_table t;

	build(&t, st, VT_REACTORS, 0, false, NULL);
	assert_int_equal(t.nrows, 1);
	assert_string_equal(cell(&t, 0, "ID"), "r:01234567");
	assert_string_equal(cell(&t, 0, "INTEREST"), "3");
	assert_string_equal(cell(&t, 0, "BY KIND"), "2 sock 1 efd");
	assert_string_equal(cell(&t, 0, "POLLERS"), "10,11");
	assert_string_equal(cell(&t, 0, "WAITING"), "10");
	assert_string_equal(cell(&t, 0, "TURNS"), "400");
	assert_string_equal(cell(&t, 0, "TIMEOUTS"), "3");
	assert_false(t.rows[0].dim);
	vt_table_free(&t);

	build(&t, st, VT_WAKERS, 0, false, NULL);
	assert_string_equal(cell(&t, 0, "KIND"), "eventfd");
	assert_string_equal(cell(&t, 0, "WRITES"), "500");
	assert_string_equal(cell(&t, 0, "WAKES"), "496");
	assert_string_equal(cell(&t, 0, "COALESCED"), "4");
	assert_string_equal(cell(&t, 0, "EDGES"), "1");
	assert_string_equal(cell(&t, 0, "LAT p50"), "4.0us");
	assert_string_equal(cell(&t, 0, "LAT p99"), "20.0us");
	assert_true(t.rows[0].dim);
	vt_table_free(&t);

	build(&t, st, VT_RESOURCES, col_of(VT_RESOURCES, "RX"), false, NULL);
	assert_string_equal(keys(&t), "s:aaaaaaaaaaaaaaaa s:cccccccccccccccc");
	assert_string_equal(cell(&t, 0, "LOCAL"), "127.0.0.1:7000");
	assert_string_equal(cell(&t, 0, "REMOTE"), "127.0.0.1:53412");
	assert_string_equal(cell(&t, 0, "RX"), "97.7K");
	assert_string_equal(cell(&t, 0, "OPS"), "2000");
	assert_string_equal(cell(&t, 0, "EAGAIN"), "3");
	assert_string_equal(cell(&t, 0, "BLOCKED"), "3.0us");
	assert_string_equal(cell(&t, 1, "LOCAL"), "unix stream");
	assert_string_equal(cell(&t, 1, "REMOTE"), "-");
	assert_false(t.rows[0].dim);
	assert_true(t.rows[1].dim);
	vt_table_free(&t);

	/* no "warnings" in this state: an empty tab */
	build(&t, st, VT_WARNINGS, 0, false, NULL);
	assert_int_equal(t.nrows, 0);
	assert_int_equal(t.total, 0);
	vt_table_free(&t);
	json_object_put(st);
}

static void test_warnings(void **state)
{
	json_object *st = parse(warnings_state);
	struct vt_table t;
	struct vt_lines l = {0};

	build(&t, st, VT_WARNINGS, col_of(VT_WARNINGS, "SEVERITY"), false, NULL);
	assert_string_equal(keys(&t), "w:read-blocks-send:s:1 w:waker-closed:w:1");
	assert_string_equal(cell(&t, 1, "OBJECTS"), "eventfd 6, alpha 10");
	assert_string_equal(cell(&t, 1, "SUMMARY"), "a waker was closed while a thread waits");
	assert_true(t.rows[0].dim); /* no longer active */
	assert_false(t.rows[1].dim);
	vt_details(&l, VT_WARNINGS, t.rows[1].obj, st, NULL, 80);
	assert_string_equal(l.v[0].text, "Warning waker-closed [warning]");
	assert_int_equal(l.v[0].style, VT_TITLE);
	assert_string_equal(l.v[1].text, "seen     3 times, first at 1.0s, last at 2.5s");
	assert_string_equal(l.v[4].text, "  a waker was closed while a thread waits");
	assert_string_equal(l.v[6].text, "  waker    w:1                  eventfd 6");
	assert_string_equal(l.v[7].text, "  task     t:10                 alpha 10");
	assert_string_equal(l.v[9].text,
			    "  keep the Waker alive until the poll it wakes has returned");
	assert_string_equal(l.v[11].text, "  fd: 6");
	assert_string_equal(l.v[12].text, "  waiting: [10]");
	assert_int_equal(l.n, 13);
	vt_lines_free(&l);
	/* long advice folds at spaces */
	vt_details(&l, VT_WARNINGS, t.rows[1].obj, st, NULL, 30);
	assert_string_equal(l.v[4].text, "  a waker was closed while a");
	assert_string_equal(l.v[5].text, "  thread waits");
	vt_lines_free(&l);
	vt_table_free(&t);
	json_object_put(st);
}

static void test_hist_bars(void **state)
{
	json_object *st = parse(tasks_state);
	json_object *hist = vt_get(json_object_array_get_idx(vt_get(st, "tasks"), 0), "turn_ns");
	struct vt_lines l = {0};
	char bar[64];

	vt_hist_lines(&l, "Turns", hist, 80);
	assert_int_equal(l.n, 6);
	assert_string_equal(l.v[0].text, "Turns");
	assert_string_equal(l.v[1].text, "  count 100  min 10ns  mean 3.0us  max 20.0us");
	assert_string_equal(l.v[2].text, "  p50 2.0us  p90 9.0us  p99 12.3us");
	/* bars of 42 characters at 80 columns, scaled to the largest count (40) */
	assert_string_equal(l.v[3].text, "  0ns-16ns        |####                                      | 3");
	assert_string_equal(l.v[4].text, "  16ns-32ns       |##########################################| 40");
	assert_string_equal(l.v[5].text, "  1.0us-2.0us     |###                                       | 2 p50");
	assert_int_equal(l.v[5].style, VT_BAR);
	vt_lines_free(&l);
	/* the ranges that hold p50 and p99 are marked */
	hist = parse("{\"count\":10,\"p50\":20,\"p90\":20,\"p99\":1500,\"buckets\":[[16,9],[1024,1]]}");
	vt_hist_lines(&l, "x", hist, 40);
	assert_string_equal(l.v[3].text, "  16ns-32ns       |####| 9 p50");
	assert_string_equal(l.v[4].text, "  1.0us-2.0us     |#   | 1 p99");
	vt_lines_free(&l);
	json_object_put(hist);
	hist = parse("{\"count\":0}");
	vt_hist_lines(&l, "y", hist, 80);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[1].text, "  no samples");
	vt_lines_free(&l);
	json_object_put(hist);

	vt_time_bar(bar, 8, 100, 25, 50, 0, 25);
	assert_string_equal(bar, "##~~~~bb");
	vt_time_bar(bar, 10, 100, 10, 10, 10, 10);
	assert_string_equal(bar, "#~qb......");
	vt_time_bar(bar, 4, 0, 0, 0, 0, 0);
	assert_string_equal(bar, "....");
	json_object_put(st);
}

static json_object *with_states(const char *a, const char *b)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "{\"tasks\":[{\"tid\":10,\"state\":\"%s\"},{\"tid\":11,\"state\":\"%s\"}]}", a, b);
	return parse(text);
}

static void test_history(void **state)
{
	static const char *const seq[][2] = {
		{"POLLING", "RUNNING"}, {"POLLING", "BLOCKED"}, {"RUNNING", "RUNNABLE"},
		{"POLLING", "EXITED"},
	};
	struct vt_history h = {0};
	char buf[VT_HISTORY + 8];
	json_object *st;

	for (size_t i = 0; i < 4; i++) {
		st = with_states(seq[i][0], seq[i][1]);
		vt_history_update(&h, st);
		json_object_put(st);
	}
	assert_string_equal(vt_history_get(&h, 10, buf, sizeof(buf)), "PPRP");
	assert_string_equal(vt_history_get(&h, 11, buf, sizeof(buf)), "RBQX");
	assert_string_equal(vt_history_get(&h, 11, buf, 3), "QX");
	assert_string_equal(vt_history_get(&h, 99, buf, sizeof(buf)), "");
	/* a task the state no longer lists is forgotten */
	st = parse("{\"tasks\":[{\"tid\":11,\"state\":\"EXITED\"}]}");
	vt_history_update(&h, st);
	json_object_put(st);
	assert_string_equal(vt_history_get(&h, 10, buf, sizeof(buf)), "");
	assert_string_equal(vt_history_get(&h, 11, buf, sizeof(buf)), "RBQXX");
	/* the ring keeps the last VT_HISTORY */
	for (int i = 0; i < VT_HISTORY + 3; i++) {
		st = with_states("POLLING", i == VT_HISTORY + 2 ? "RUNNING" : "BLOCKED");
		vt_history_update(&h, st);
		json_object_put(st);
	}
	vt_history_get(&h, 11, buf, sizeof(buf));
	assert_int_equal(strlen(buf), VT_HISTORY);
	assert_int_equal(buf[VT_HISTORY - 1], 'R');
	assert_int_equal(buf[0], 'B');
	assert_int_equal(vt_state_letter("SOMETHING"), '?');
	vt_history_free(&h);
}

static const char *find_line(const struct vt_lines *l, const char *prefix)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strncmp(l->v[i].text, prefix, strlen(prefix)))
			return l->v[i].text;
	fail_msg("no line starting with '%s'", prefix);
	return NULL;
}

static void test_details(void **state)
{
	json_object *st = parse(tasks_state);
	json_object *tasks = vt_get(st, "tasks");
	struct vt_history h = {0};
	struct vt_lines l = {0};
	json_object *s2;

	vt_history_update(&h, st);
	s2 = with_states("RUNNING", "RUNNING");
	vt_history_update(&h, s2);
	json_object_put(s2);
	vt_history_update(&h, st);
	vt_details(&l, VT_TASKS, json_object_array_get_idx(tasks, 0), st, &h, 80);
	assert_string_equal(l.v[0].text, "Task 10 alpha (pid 10)");
	assert_string_equal(l.v[1].text, "state    POLLING");
	assert_string_equal(l.v[2].text, "turns    100  events 150  events/turn 1.50");
	assert_string_equal(l.v[3].text, "wakes    waker 7  socket 90  timeout 3  other 0  self 1");
	assert_string_equal(find_line(&l, "  busy"), "  busy          250ns  25.0%");
	assert_string_equal(find_line(&l, "  polling"), "  polling       700ns  70.0%");
	assert_string_equal(find_line(&l, "  blocked"), "  blocked        50ns   5.0%");
	/* the history: polling, running, polling */
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].style == VT_STATES)
			assert_string_equal(l.v[i].text, "  PRP");
	assert_string_equal(find_line(&l, "Turn length"),
			    "Turn length (busy time from a wait's return to the next wait)");
	assert_string_equal(find_line(&l, "  16ns-32ns"),
			    "  16ns-32ns       |##########################################| 40");
	assert_string_equal(find_line(&l, "  4.2ms"), "  4.2ms-8.4ms     |###########                               | 1 p99");
	vt_lines_free(&l);

	vt_details(&l, VT_TASKS, json_object_array_get_idx(tasks, 2), st, &h, 80);
	assert_string_equal(l.v[2].text, "exited 1.5s ago (kept until retention removes it)");
	assert_int_equal(l.v[2].style, VT_DIM);
	vt_lines_free(&l);

	vt_details(&l, VT_REACTORS, json_object_array_get_idx(vt_get(st, "reactors"), 0), st, &h, 80);
	assert_string_equal(l.v[0].text, "Reactor r:0123456789abcdef (pid 10, fd 5)");
	assert_string_equal(find_line(&l, "created"), "created  by task 10 alpha");
	assert_string_equal(find_line(&l, "pollers"), "pollers  10 alpha, 11 beta");
	assert_string_equal(find_line(&l, "waiting"), "waiting  10 alpha");
	assert_string_equal(find_line(&l, "Interest"), "Interest (3)");
	assert_string_equal(find_line(&l, "      7"),
			    "      7  socket   IN|ERR|HUP         0x7        s:aaaaaaaaaaaaaaaa");
	assert_string_equal(find_line(&l, "      8"), "      8  socket   IN|OUT|ET          0x8");
	vt_lines_free(&l);

	vt_details(&l, VT_WAKERS, json_object_array_get_idx(vt_get(st, "wakers"), 0), st, &h, 80);
	assert_string_equal(l.v[0].text, "Waker w:bbbbbbbbbbbbbbbb eventfd (pid 10, fd 6)");
	assert_string_equal(l.v[1].text, "closed 2.0s ago (kept until retention removes it)");
	assert_string_equal(find_line(&l, "in "), "in       r:0123456789abcdef");
	assert_string_equal(find_line(&l, "writes"), "writes   500  reads 500  wakes 496  coalesced 4");
	assert_string_equal(find_line(&l, "Edges"), "Edges (1): waker thread -> woken thread");
	assert_string_equal(find_line(&l, "  11"),
			    "  11 beta                -> 10 alpha                      496");
	vt_lines_free(&l);

	vt_details(&l, VT_RESOURCES, json_object_array_get_idx(vt_get(st, "sockets"), 0), st, &h, 80);
	assert_string_equal(l.v[0].text, "Socket s:aaaaaaaaaaaaaaaa inet stream (pid 10, fd 7)");
	assert_string_equal(find_line(&l, "local"), "local    127.0.0.1:7000");
	assert_string_equal(find_line(&l, "remote"), "remote   127.0.0.1:53412");
	assert_string_equal(find_line(&l, "  read"),
			    "  read         100000      1000       2     1       0     5.0ms         0");
	assert_string_equal(find_line(&l, "  write"),
			    "  write        100000      1000       1     0       0     7.0ms     3.0us");
	assert_string_equal(find_line(&l, "  no samples"), "  no samples");
	vt_lines_free(&l);

	vt_details(&l, VT_TASKS, NULL, st, &h, 80);
	assert_int_equal(l.n, 1);
	vt_lines_free(&l);
	vt_history_free(&h);
	json_object_put(st);
}

/* Nothing a collector sends crashes the viewer: wrong types everywhere. */
static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"{\"tasks\":5,\"reactors\":\"x\",\"wakers\":null,\"sockets\":{}}",
		"{\"tasks\":[1,null,\"x\",[],{\"tid\":\"x\",\"name\":7,\"time\":3,\"turn_ns\":[]}],"
		" \"reactors\":[{\"interest\":{},\"interest_by_kind\":[],\"pollers\":\"x\",\"fds\":[\"a\",null]}],"
		" \"wakers\":[{\"edges\":[1,\"x\",{}],\"reactors\":[1,null],\"latency_ns\":{\"count\":1,"
		"  \"buckets\":[1,[2],[3,4,5],\"x\",[16,\"y\"],[null,null]]}}],"
		" \"sockets\":[{\"read\":[],\"readiness_ns\":{\"count\":2,\"buckets\":{}}}],"
		" \"warnings\":[{\"objects\":5,\"evidence\":[],\"severity\":1},{\"objects\":[3,{}]}]}",
	};
	char line[256], buf[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_object *st = parse(bad[i]);
		struct vt_history h = {0};

		vt_history_update(&h, st);
		vt_history_get(&h, 0, buf, sizeof(buf));
		for (int tab = 0; tab < VT_NTABS; tab++) {
			for (int col = -1; col < VT_MAX_COLS; col++) {
				struct vt_table t;
				int idx[VT_MAX_COLS], w[VT_MAX_COLS], n;

				build(&t, st, (enum vt_tab)tab, col, col & 1, col == 3 ? "x" : NULL);
				n = vt_layout(&t, 80, col, idx, w);
				vt_format_header(&t, &(struct vt_sort){col, false}, idx, w, n, true, line,
						 sizeof(line));
				for (size_t r = 0; r < t.nrows; r++) {
					struct vt_lines l = {0};

					vt_format_row(&t, &t.rows[r], idx, w, n, line, sizeof(line));
					vt_details(&l, (enum vt_tab)tab, t.rows[r].obj, st, &h, 80);
					vt_lines_free(&l);
				}
				vt_table_free(&t);
			}
		}
		vt_history_free(&h);
		json_object_put(st);
	}
}

static json_object *msg(const char *text)
{
	return parse(text);
}

static int apply(struct vt_session *s, const char *text)
{
	json_object *m = msg(text);
	int got = vt_session_apply(s, m);

	json_object_put(m);
	return got;
}

static void test_session(void **state)
{
	struct vt_session s;
	char buf[512], welcome[8192];
	int got;

	setenv("TZ", "UTC", 1);
	tzset();
	vt_session_init(&s);
	vt_session_header(&s, buf, sizeof(buf));
	assert_string_equal(buf, "waiting for the collector");
	snprintf(welcome, sizeof(welcome),
		 "{\"v\":1,\"type\":\"welcome\",\"protocol\":1,\"viewer\":3,"
		 "\"you\":{\"uid\":0,\"user\":\"bob\",\"pid\":1},\"viewers\":2,"
		 "\"pause\":{\"paused\":false,\"by\":null,\"since_s\":0,\"since_unix\":0},"
		 "\"state\":%s}", tasks_state);
	got = apply(&s, welcome);
	assert_int_equal(got, VT_GOT_STATE | VT_GOT_PAUSE | VT_GOT_VIEWERS);
	assert_true(s.welcomed);
	assert_int_equal(s.viewer, 3);
	assert_int_equal(s.updates, 1);
	assert_false(vt_session_paused(&s));
	vt_session_header(&s, buf, sizeof(buf));
	assert_string_equal(buf, "targets srv 10, old 20 (exited) | up 12.3s | 4100 ev/s | drops 3 "
				 "| viewers 2");
	vt_session_banner(&s, 1e9, buf, sizeof(buf));
	assert_string_equal(buf, "");

	/* another viewer pauses: the collector says so, and that is all we show */
	got = apply(&s, "{\"v\":1,\"type\":\"pause\",\"viewers\":3,\"pause\":{\"paused\":true,"
			"\"by\":{\"viewer\":5,\"uid\":1000,\"user\":\"alice\"},\"since_s\":12.5,"
			"\"since_unix\":1795000012.75}}");
	assert_int_equal(got, VT_GOT_PAUSE | VT_GOT_VIEWERS);
	assert_true(vt_session_paused(&s));
	assert_int_equal(s.viewers, 3);
	vt_session_banner(&s, 1795000017.5, buf, sizeof(buf));
	assert_string_equal(buf, "PAUSED by alice (viewer 5) at 11:06:52, 4s ago");
	/* resumed: the banner goes, the news says who */
	got = apply(&s, "{\"v\":1,\"type\":\"pause\",\"viewers\":3,\"pause\":{\"paused\":false,"
			"\"by\":{\"viewer\":5,\"uid\":1000,\"user\":\"alice\"},\"since_s\":20,"
			"\"since_unix\":1795000020}}");
	assert_int_equal(got, VT_GOT_PAUSE | VT_GOT_VIEWERS | VT_GOT_MESSAGE);
	assert_false(vt_session_paused(&s));
	assert_string_equal(s.message, "resumed by alice (viewer 5)");
	vt_session_banner(&s, 1795000021, buf, sizeof(buf));
	assert_string_equal(buf, "");

	/* our own pause, confirmed by a reply */
	got = apply(&s, "{\"v\":1,\"type\":\"reply\",\"id\":1,\"to\":\"pause\",\"ok\":true,"
			"\"changed\":true,\"pause\":{\"paused\":true,\"by\":{\"viewer\":3,\"uid\":0,"
			"\"user\":\"bob\"},\"since_s\":21,\"since_unix\":1795000021}}");
	assert_int_equal(got, VT_GOT_PAUSE);
	vt_session_banner(&s, 1795000021, buf, sizeof(buf));
	assert_string_equal(buf, "PAUSED by you (viewer 3, bob) at 11:07:01, 0s ago");
	got = apply(&s, "{\"v\":1,\"type\":\"reply\",\"id\":2,\"to\":\"pause\",\"ok\":true,"
			"\"changed\":false,\"pause\":{\"paused\":true,\"by\":{\"viewer\":3},"
			"\"since_s\":21,\"since_unix\":1795000021}}");
	assert_int_equal(got, VT_GOT_PAUSE | VT_GOT_MESSAGE);
	assert_string_equal(s.message, "already paused");
	vt_session_banner(&s, 1795000021, buf, sizeof(buf));
	assert_string_equal(buf, "PAUSED by you (viewer 3) at 11:07:01, 0s ago");
	got = apply(&s, "{\"v\":1,\"type\":\"reply\",\"id\":3,\"to\":\"resume\",\"ok\":false,"
			"\"error\":\"not allowed\"}");
	assert_int_equal(got, VT_GOT_MESSAGE);
	assert_string_equal(s.message, "resume refused: not allowed");
	assert_true(vt_session_paused(&s));

	/* updates replace the state and grow the history */
	got = apply(&s, "{\"v\":1,\"type\":\"update\",\"seq\":2,\"viewers\":1,"
			"\"pause\":{\"paused\":false,\"by\":null},"
			"\"state\":{\"uptime_s\":1,\"tasks\":[{\"tid\":10,\"state\":\"BLOCKED\"}],"
			"\"recording\":{\"path\":\"/tmp/t.lstrace\",\"bytes\":3145728,\"records\":5,"
			"\"dropped\":2,\"bytes_per_s\":10}}}");
	assert_int_equal(got, VT_GOT_STATE | VT_GOT_PAUSE | VT_GOT_VIEWERS | VT_GOT_MESSAGE);
	assert_int_equal(s.updates, 2);
	vt_history_get(&s.history, 10, buf, sizeof(buf));
	assert_string_equal(buf, "PB");
	vt_session_header(&s, buf, sizeof(buf));
	assert_string_equal(buf, "targets none | up 1.0s | 0 ev/s | drops 0 | viewers 1 "
				 "| rec /tmp/t.lstrace 3.0M (2 dropped)");
	got = apply(&s, "{\"v\":1,\"type\":\"viewers\",\"viewers\":4}");
	assert_int_equal(got, VT_GOT_VIEWERS);
	assert_int_equal(s.viewers, 4);

	/* nonsense changes nothing */
	assert_int_equal(apply(&s, "{\"v\":1,\"type\":\"update\",\"state\":5,\"pause\":\"x\","
				   "\"viewers\":\"y\"}"), 0);
	assert_int_equal(apply(&s, "{\"v\":1,\"type\":\"frobnicate\"}"), 0);
	assert_int_equal(apply(&s, "[1,2]"), 0);
	assert_int_equal(s.updates, 2);
	assert_int_equal(s.viewers, 4);

	got = apply(&s, "{\"v\":1,\"type\":\"error\",\"id\":7,\"error\":\"unknown message type\","
			"\"fatal\":false}");
	assert_int_equal(got, VT_GOT_MESSAGE);
	assert_string_equal(s.message, "collector: unknown message type");
	got = apply(&s, "{\"v\":1,\"type\":\"bye\",\"reason\":\"collector stopping: all targets exited\"}");
	assert_int_equal(got, VT_GOT_END | VT_GOT_MESSAGE);
	assert_true(s.ended);
	assert_string_equal(s.message, "the collector said goodbye: collector stopping: all targets "
				       "exited; showing the last state, q quits");
	/* the last state stays */
	assert_non_null(s.state);
	vt_session_free(&s);

	vt_session_init(&s);
	assert_int_equal(apply(&s, "{\"v\":1,\"type\":\"welcome\",\"protocol\":2}"), -1);
	assert_string_equal(s.message, "the collector speaks protocol 2; this viewer speaks 1");
	assert_true(s.ended);
	vt_session_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),  cmocka_unit_test(test_tasks_sort),
		cmocka_unit_test(test_tasks_rows), cmocka_unit_test(test_layout),
		cmocka_unit_test(test_filter),   cmocka_unit_test(test_objects),
		cmocka_unit_test(test_warnings), cmocka_unit_test(test_hist_bars),
		cmocka_unit_test(test_history),  cmocka_unit_test(test_details),
		cmocka_unit_test(test_malformed), cmocka_unit_test(test_session),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
