/* view_table.h - what `loopscope view` shows, without the terminal: a state
 * (docs/json.md) turned into tables (columns, sorting, filtering, dimmed
 * closed objects), the details of one object (text lines, histogram bars,
 * a task's state history) and the formatting of times, bytes and counts.
 * viewer.c only draws what this returns. */
#ifndef LS_VIEW_TABLE_H
#define LS_VIEW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

enum vt_tab { VT_TASKS, VT_REACTORS, VT_WAKERS, VT_RESOURCES, VT_WARNINGS, VT_NTABS };

const char *vt_tab_name(enum vt_tab tab);
/* The state's list a tab shows: "tasks", "reactors", "wakers", "sockets", "warnings". */
const char *vt_tab_list(enum vt_tab tab);

/* Times: "0", "850ns", "12.3us", "4.5ms", "1.25s".  Bytes: "512B",
 * "97.7K", "1.2M" (powers of 1024).  Counts: exact when they fit in width
 * characters, else "12.3k", "4.5M", "6.0G". */
void vt_fmt_ns(char *buf, size_t len, uint64_t ns);
void vt_fmt_bytes(char *buf, size_t len, uint64_t bytes);
void vt_fmt_count(char *buf, size_t len, uint64_t n, int width);

#define VT_MAX_COLS 16

struct vt_column {
	const char *title;
	int width;   /* characters, the title and its sort mark included */
	bool number; /* sorts by number, right-aligned */
	bool desc;   /* sorts biggest first until inverted */
	int prio;    /* 0: always shown; higher goes first when the screen is narrow */
	int grow;    /* takes up to this many extra characters on a wide screen */
};

struct vt_row {
	char *cells[VT_MAX_COLS];
	double keys[VT_MAX_COLS]; /* the sort key of number columns */
	bool dim;                 /* closed, exited or no longer active */
	char key[48];             /* identity that survives updates: "t:4243", an id */
	json_object *obj;         /* the state's element (borrowed) */
	size_t order;             /* position in the state's list */
};

struct vt_table {
	enum vt_tab tab;
	const struct vt_column *cols;
	int ncols;
	struct vt_row *rows; /* filtered and sorted */
	size_t nrows;
	size_t total; /* rows before filtering */
};

struct vt_sort {
	int col;     /* a column index of the tab */
	bool invert; /* `i`: the other way round */
};

const struct vt_column *vt_columns(enum vt_tab tab, int *ncols);

/* Builds tab's rows from state (which must outlive t): only those whose
 * text cells contain filter (case-insensitive; NULL or "": all), sorted by
 * s (ties keep the state's order).  A missing or malformed list is empty. */
void vt_table_build(struct vt_table *t, json_object *state, enum vt_tab tab,
		    const struct vt_sort *s, const char *filter);
void vt_table_free(struct vt_table *t);
/* The row with this key, or -1. */
long vt_table_find(const struct vt_table *t, const char *key);

/* Which columns fit width: their indexes in idx (in column order) and the
 * width each gets; returns how many.  The sort column always stays. */
int vt_layout(const struct vt_table *t, int width, int sort_col, int *idx, int *widths);
/* One line of the table as laid out (no trailing spaces): the header row
 * marks the sort column with mark_desc or mark_asc ("v"/"^", or arrows). */
void vt_format_header(const struct vt_table *t, const struct vt_sort *s, const int *idx,
		      const int *widths, int n, bool utf8, char *buf, size_t len);
void vt_format_row(const struct vt_table *t, const struct vt_row *r, const int *idx,
		   const int *widths, int n, char *buf, size_t len);
/* Whether column col of tab sorts biggest first once s is applied. */
bool vt_sort_descending(enum vt_tab tab, const struct vt_sort *s);

/* The last states of each task, one letter per update: P polling,
 * R running, Q runnable (queued for a CPU), B blocked, X exited. */
#define VT_HISTORY 256
struct vt_task_history {
	int64_t tid;
	char states[VT_HISTORY]; /* a ring */
	unsigned int n, next;
};

struct vt_history {
	struct vt_task_history *v;
	size_t n, cap;
};

char vt_state_letter(const char *state);
/* Adds one letter per task of state; forgets tasks the state no longer lists. */
void vt_history_update(struct vt_history *h, json_object *state);
/* The tid's last states, oldest first, at most len - 1 of them ("" when none). */
const char *vt_history_get(const struct vt_history *h, int64_t tid, char *buf, size_t len);
void vt_history_free(struct vt_history *h);

/* Text lines, each with a style for the terminal. */
enum vt_style { VT_PLAIN, VT_TITLE, VT_LABEL, VT_DIM, VT_BAR, VT_STATES, VT_ALERT };

struct vt_line {
	char *text;
	enum vt_style style;
};

struct vt_lines {
	struct vt_line *v;
	size_t n, cap;
};

void vt_lines_add(struct vt_lines *l, enum vt_style style, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vt_lines_free(struct vt_lines *l);

/* A histogram (docs/json.md "hist") as lines: its count, min, mean, max,
 * p50/p90/p99, then one bar per power-of-two range scaled to the largest,
 * the ranges holding p50 and p99 marked. */
void vt_hist_lines(struct vt_lines *out, const char *title, json_object *hist, int width);
/* A bar of width characters split by fractions of total:
 * '#' busy, '~' polling, 'q' runnable, 'b' blocked, '.' the rest. */
void vt_time_bar(char *buf, int width, uint64_t total, uint64_t busy, uint64_t polling,
		 uint64_t runnable, uint64_t blocked);

/* Everything about one element of tab's list (obj), for the details view;
 * state gives names of related tasks, h the task's history. */
void vt_details(struct vt_lines *out, enum vt_tab tab, json_object *obj, json_object *state,
		const struct vt_history *h, int width);

/* Small JSON helpers: the value at a dotted path, or a default. */
json_object *vt_get(json_object *o, const char *path);
double vt_num(json_object *o, const char *path);
uint64_t vt_u64(json_object *o, const char *path);
const char *vt_str(json_object *o, const char *path); /* "" when missing */

#endif
