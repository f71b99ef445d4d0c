/* viewer.c - `loopscope view`: the terminal UI.  It only draws and reads
 * keys; what to show comes from view_table.c and view_session.c.  Keys
 * follow tokio-console's where it has one (t/r, arrows or hjkl, i, Enter,
 * Esc, space, q).  The PAUSED banner is drawn from what the collector
 * pushed, never from a key pressed here, so every viewer agrees. */
#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "client.h"
#include "protocol.h"
#include "view_session.h"
#include "view_table.h"
#include "viewer.h"

#define DRAIN_MAX 64 /* messages taken per wakeup, so keys stay responsive */
#define KEY_ESC 27

enum mode { MODE_TABLE, MODE_DETAILS, MODE_HELP };

enum { PAIR_BANNER = 1, PAIR_POLLING, PAIR_RUNNING, PAIR_RUNNABLE, PAIR_BLOCKED, PAIR_BAR,
       PAIR_TITLE };

struct ui {
	struct view_source *src;
	const char *title;
	struct vt_session s;
	enum mode mode, back; /* back: the mode help returns to */
	enum vt_tab tab;
	struct vt_sort sort[VT_NTABS];
	char sel[VT_NTABS][48]; /* the selected row's key */
	long cur[VT_NTABS];     /* its index, for when the key goes away */
	long top[VT_NTABS];     /* the first row on screen */
	char filter[VT_NTABS][64];
	bool editing;           /* typing a filter after `/` */
	enum vt_tab dtab;       /* the details view's object */
	char dkey[48];
	json_object *dobj;      /* its last known JSON (owned) */
	bool dgone;
	long dtop;
	bool utf8, color, quit;
	int fatal;              /* the source spoke another protocol */
	/* the current tab's table, rebuilt only when what it shows changed */
	struct vt_table shown;
	bool shown_ok;
	uint64_t shown_updates;
	struct vt_sort shown_sort;
	char shown_filter[64];
};

static double wall_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/* Writes s at (y, x), cut to the screen: never wraps, never scrolls. */
static void put(int y, int x, attr_t attr, const char *s)
{
	int room = COLS - x, cols = 0;
	const char *p = s;

	if (y < 0 || y >= LINES || room <= 0)
		return;
	/* count display columns: every byte but UTF-8 continuation bytes */
	while (*p && cols <= room) {
		if (((unsigned char)*p & 0xc0) != 0x80) {
			if (cols == room)
				break;
			cols++;
		}
		p++;
	}
	attrset(attr);
	mvaddnstr(y, x, s, (int)(p - s));
	attrset(A_NORMAL);
}

/* A whole line in attr, padded to the screen's width. */
static void put_bar(int y, attr_t attr, const char *s)
{
	if (y < 0 || y >= LINES)
		return;
	attrset(attr);
	mvhline(y, 0, ' ', COLS);
	attrset(A_NORMAL);
	put(y, 0, attr, s);
}

static attr_t pair(struct ui *u, int p)
{
	return u->color ? COLOR_PAIR(p) : A_NORMAL;
}

/* ---------------------------------------------------------------- drawing */

static int draw_top(struct ui *u)
{
	char buf[1024], banner[512];
	int y = 0, x = 0;

	vt_session_header(&u->s, buf, sizeof(buf));
	put_bar(y++, A_REVERSE, buf);
	move(y, 0);
	clrtoeol();
	for (int t = 0; t < VT_NTABS; t++) {
		json_object *list = vt_get(u->s.state, vt_tab_list((enum vt_tab)t));
		size_t n = list && json_object_is_type(list, json_type_array)
				   ? json_object_array_length(list) : 0;
		attr_t a = t == (int)u->tab ? A_REVERSE | A_BOLD : A_NORMAL;

		snprintf(buf, sizeof(buf), " %d %s (%zu) ", t + 1, vt_tab_name((enum vt_tab)t), n);
		put(y, x, a, buf);
		x += (int)strlen(buf) + 1;
	}
	if (u->filter[u->tab][0] && !u->editing) {
		snprintf(buf, sizeof(buf), " /%s", u->filter[u->tab]);
		put(y, x, A_BOLD, buf);
	}
	y++;
	vt_session_banner(&u->s, wall_now(), banner, sizeof(banner));
	if (*banner) {
		snprintf(buf, sizeof(buf), " %s  (space resumes, for every viewer)", banner);
		if ((int)strlen(buf) > COLS)
			snprintf(buf, sizeof(buf), " %s", banner);
		put_bar(y++, pair(u, PAIR_BANNER) | A_BOLD | (u->color ? 0 : A_REVERSE), buf);
	}
	return y;
}

static void draw_status(struct ui *u)
{
	const char *hint;
	char buf[512];

	if (u->editing) {
		snprintf(buf, sizeof(buf), "filter %s by name: /%s", vt_tab_name(u->tab),
			 u->filter[u->tab]);
		put_bar(LINES - 1, A_NORMAL, buf);
		curs_set(1);
		move(LINES - 1, (int)strlen(buf) < COLS ? (int)strlen(buf) : COLS - 1);
		return;
	}
	curs_set(0);
	if (u->s.message[0]) {
		put_bar(LINES - 1, A_BOLD, u->s.message);
		return;
	}
	if (u->mode == MODE_DETAILS)
		hint = u->utf8 ? "esc back  \u2191\u2193/jk scroll  space pause  ? help  q quit"
			       : "esc back  up/down/jk scroll  space pause  ? help  q quit";
	else if (u->mode == MODE_HELP)
		hint = "esc or ? back  q quit";
	else
		hint = u->utf8 ? "\u2190\u2192 sort  i invert  \u2191\u2193 move  enter details  "
				 "/ filter  space pause  ? help  q quit"
			       : "h/l sort  i invert  j/k move  enter details  / filter  "
				 "space pause  ? help  q quit";
	put_bar(LINES - 1, A_DIM, hint);
}

static void build_table(struct ui *u, struct vt_table *t, enum vt_tab tab, bool filtered)
{
	vt_table_build(t, u->s.state, tab, &u->sort[tab], filtered ? u->filter[tab] : NULL);
}

/* The rows the table tab shows now: a state of many thousand sockets takes
 * a while to sort, so a key or a redraw reuses the last build. */
static const struct vt_table *shown_table(struct ui *u)
{
	enum vt_tab tab = u->tab;

	if (u->shown_ok && u->shown.tab == tab && u->shown_updates == u->s.updates &&
	    u->shown_sort.col == u->sort[tab].col && u->shown_sort.invert == u->sort[tab].invert &&
	    !strcmp(u->shown_filter, u->filter[tab]))
		return &u->shown;
	if (u->shown_ok)
		vt_table_free(&u->shown);
	build_table(u, &u->shown, tab, true);
	u->shown_ok = true;
	u->shown_updates = u->s.updates;
	u->shown_sort = u->sort[tab];
	snprintf(u->shown_filter, sizeof(u->shown_filter), "%s", u->filter[tab]);
	return &u->shown;
}

static void draw_table(struct ui *u, int y)
{
	enum vt_tab tab = u->tab;
	int idx[VT_MAX_COLS], w[VT_MAX_COLS], n, h = LINES - 1 - y - 1;
	const struct vt_table *tp;
	char line[2048];
	long cur;

	if (h < 1)
		return;
	tp = shown_table(u);
	n = vt_layout(tp, COLS, u->sort[tab].col, idx, w);
	vt_format_header(tp, &u->sort[tab], idx, w, n, u->utf8, line, sizeof(line));
	put(y++, 0, A_BOLD | A_UNDERLINE, line);
	if (!tp->nrows) {
		if (!u->s.state)
			put(y, 1, A_DIM, "waiting for the collector's first state...");
		else if (tp->total)
			put(y, 1, A_DIM, "no row matches the filter (esc clears it)");
		else if (tab == VT_WARNINGS)
			put(y, 1, A_DIM, "no warnings");
		else
			put(y, 1, A_DIM, "none yet");
		return;
	}
	cur = vt_table_find(tp, u->sel[tab]);
	if (cur < 0)
		cur = u->cur[tab];
	if (cur >= (long)tp->nrows)
		cur = (long)tp->nrows - 1;
	if (cur < 0)
		cur = 0;
	u->cur[tab] = cur;
	snprintf(u->sel[tab], sizeof(u->sel[tab]), "%s", tp->rows[cur].key);
	if (u->top[tab] > cur)
		u->top[tab] = cur;
	if (u->top[tab] <= cur - h)
		u->top[tab] = cur - h + 1;
	if (u->top[tab] > (long)tp->nrows - h)
		u->top[tab] = (long)tp->nrows - h > 0 ? (long)tp->nrows - h : 0;
	for (long i = u->top[tab]; i < (long)tp->nrows && y < LINES - 1; i++, y++) {
		attr_t a = tp->rows[i].dim ? A_DIM : A_NORMAL;

		vt_format_row(tp, &tp->rows[i], idx, w, n, line, sizeof(line));
		if (i == cur)
			put_bar(y, a | A_REVERSE, line);
		else
			put(y, 0, a, line);
	}
}

static attr_t state_attr(struct ui *u, char c)
{
	switch (c) {
	case 'P':
		return pair(u, PAIR_POLLING);
	case 'R':
		return pair(u, PAIR_RUNNING) | A_BOLD;
	case 'Q':
		return pair(u, PAIR_RUNNABLE) | A_BOLD;
	case 'B':
		return pair(u, PAIR_BLOCKED) | A_BOLD;
	}
	return A_DIM;
}

static void draw_line(struct ui *u, int y, const struct vt_line *l)
{
	char one[2] = {0, 0};

	switch (l->style) {
	case VT_TITLE:
		put(y, 0, A_BOLD | pair(u, PAIR_TITLE), l->text);
		break;
	case VT_LABEL:
		put(y, 0, A_BOLD, l->text);
		break;
	case VT_DIM:
		put(y, 0, A_DIM, l->text);
		break;
	case VT_BAR:
		put(y, 0, pair(u, PAIR_BAR), l->text);
		break;
	case VT_ALERT:
		put(y, 0, A_BOLD | pair(u, PAIR_BLOCKED), l->text);
		break;
	case VT_STATES:
		/* one colour per state letter */
		for (int x = 0; l->text[x] && x < COLS; x++) {
			one[0] = l->text[x];
			put(y, x, state_attr(u, one[0]), one);
		}
		break;
	default:
		put(y, 0, A_NORMAL, l->text);
	}
}

/* The details object, fresh from the latest state when it is still there. */
static json_object *details_object(struct ui *u)
{
	struct vt_table t;
	long i;

	build_table(u, &t, u->dtab, false);
	i = vt_table_find(&t, u->dkey);
	if (i >= 0) {
		json_object_put(u->dobj);
		u->dobj = json_object_get(t.rows[i].obj);
		u->dgone = false;
	} else {
		u->dgone = true;
	}
	vt_table_free(&t);
	return u->dobj;
}

static void draw_details(struct ui *u, int y)
{
	struct vt_lines l = {0};
	int h = LINES - 1 - y;

	if (h < 1)
		return;
	vt_details(&l, u->dtab, details_object(u), u->s.state, &u->s.history, COLS);
	if (u->dgone)
		vt_lines_add(&l, VT_DIM, "(gone from the collector's state: this is the last seen)");
	if (u->dtop > (long)l.n - h)
		u->dtop = (long)l.n - h;
	if (u->dtop < 0)
		u->dtop = 0;
	for (long i = u->dtop; i < (long)l.n && y < LINES - 1; i++, y++)
		draw_line(u, y, &l.v[i]);
	vt_lines_free(&l);
}

static const char *const help_text[] = {
	"loopscope view: keys",
	"",
	"  1-5, Tab, Shift-Tab  tabs: Tasks, Reactors, Wakers, Resources, Warnings",
	"  t, r                 the Tasks tab, the Resources (sockets) tab",
	"  left/right, h/l      sort by the column to the left/right (marked v or ^)",
	"  i                    invert the sort",
	"  up/down, j/k         move; PgUp/PgDn, Home/g, End/G",
	"  Enter                details of the selected row; Esc goes back",
	"  /                    filter the rows by name (Enter keeps it, Esc clears)",
	"  space                pause/resume the updates, for every viewer",
	"  n, .                 one step forward (in a replay)",
	"  ?                    this help",
	"  q                    quit",
	"",
	"Closed sockets, wakers and reactors and exited tasks are dimmed until",
	"the collector's retention drops them.  Task states: P polling (in an",
	"epoll wait), R running, Q runnable (waiting for a CPU), B blocked in",
	"another syscall, X exited.  Task wake columns count what ended each wait:",
	"WAKER (an eventfd or pipe write), SOCKET, TIMEOUT, SELF (its own write).",
};

static void draw_help(struct ui *u, int y)
{
	char buf[256];

	for (size_t i = 0; i < sizeof(help_text) / sizeof(help_text[0]) && y < LINES - 1; i++)
		put(y++, 0, i ? A_NORMAL : A_BOLD, help_text[i]);
	if (y < LINES - 2) {
		snprintf(buf, sizeof(buf), "source: %s", u->title ? u->title : "");
		put(++y, 0, A_DIM, buf);
	}
}

static void draw(struct ui *u)
{
	int y;

	erase();
	y = draw_top(u);
	if (u->mode == MODE_HELP)
		draw_help(u, y);
	else if (u->mode == MODE_DETAILS)
		draw_details(u, y);
	else
		draw_table(u, y);
	draw_status(u);
	refresh();
}

/* ---------------------------------------------------------------- keys */

static void send_command(struct ui *u, const char *type)
{
	int r;

	if (u->s.ended) {
		snprintf(u->s.message, sizeof(u->s.message), "not connected: %s is not possible", type);
		return;
	}
	r = u->src->command(u->src->ctx, type);
	if (r == -ENOTSUP && !strcmp(type, "step"))
		return;
	if (r < 0)
		snprintf(u->s.message, sizeof(u->s.message), "cannot send %s: %s", type, strerror(-r));
	else
		u->s.message[0] = 0;
}

static void edit_filter(struct ui *u, int ch)
{
	char *f = u->filter[u->tab];
	size_t n = strlen(f);

	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		u->editing = false;
	} else if (ch == KEY_ESC) {
		f[0] = 0;
		u->editing = false;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (n)
			f[n - 1] = 0;
	} else if (ch >= 32 && ch < 127 && n + 1 < sizeof(u->filter[0])) {
		f[n] = (char)ch;
		f[n + 1] = 0;
	}
}

static void set_tab(struct ui *u, int tab)
{
	u->tab = (enum vt_tab)((tab + VT_NTABS) % VT_NTABS);
	u->mode = MODE_TABLE;
}

static void open_details(struct ui *u)
{
	const struct vt_table *t = shown_table(u);
	long cur = u->cur[u->tab];

	if (cur >= 0 && cur < (long)t->nrows) {
		u->dtab = u->tab;
		snprintf(u->dkey, sizeof(u->dkey), "%s", t->rows[cur].key);
		json_object_put(u->dobj);
		u->dobj = json_object_get(t->rows[cur].obj);
		u->dtop = 0;
		u->mode = MODE_DETAILS;
	}
}

/* Moves the selection by delta rows (the key follows at the next draw). */
static void move_sel(struct ui *u, long delta)
{
	u->cur[u->tab] += delta;
	if (u->cur[u->tab] < 0)
		u->cur[u->tab] = 0;
	u->sel[u->tab][0] = 0;
}

/* The tab keys, the same in the table and in details: true when ch was one. */
static bool key_tab(struct ui *u, int ch)
{
	switch (ch) {
	case '1': case '2': case '3': case '4': case '5':
		set_tab(u, ch - '1');
		return true;
	case '\t':
		set_tab(u, u->tab + 1);
		return true;
	case KEY_BTAB:
		set_tab(u, u->tab - 1);
		return true;
	case 't':
		set_tab(u, VT_TASKS);
		return true;
	case 'r':
		set_tab(u, VT_RESOURCES);
		return true;
	}
	return false;
}

static void key_table(struct ui *u, int ch)
{
	int ncols, page = LINES > 8 ? LINES - 6 : 1;

	vt_columns(u->tab, &ncols);
	if (key_tab(u, ch))
		return;
	switch (ch) {
	case KEY_LEFT: case 'h':
		if (u->sort[u->tab].col > 0)
			u->sort[u->tab].col--;
		break;
	case KEY_RIGHT: case 'l':
		if (u->sort[u->tab].col + 1 < ncols)
			u->sort[u->tab].col++;
		break;
	case 'i':
		u->sort[u->tab].invert = !u->sort[u->tab].invert;
		break;
	case KEY_UP: case 'k':
		move_sel(u, -1);
		break;
	case KEY_DOWN: case 'j':
		move_sel(u, 1);
		break;
	case KEY_PPAGE:
		move_sel(u, -page);
		break;
	case KEY_NPAGE:
		move_sel(u, page);
		break;
	case KEY_HOME: case 'g':
		move_sel(u, -u->cur[u->tab]);
		break;
	case KEY_END: case 'G':
		move_sel(u, 1L << 30);
		break;
	case '\n': case '\r': case KEY_ENTER:
		open_details(u);
		break;
	case '/':
		u->editing = true;
		break;
	case KEY_ESC:
		u->filter[u->tab][0] = 0;
		break;
	}
}

static void key_details(struct ui *u, int ch)
{
	int page = LINES > 8 ? LINES - 6 : 1;

	if (key_tab(u, ch))
		return;
	switch (ch) {
	case KEY_ESC: case KEY_BACKSPACE: case 127: case KEY_LEFT:
		u->mode = MODE_TABLE;
		break;
	case KEY_UP: case 'k':
		u->dtop--;
		break;
	case KEY_DOWN: case 'j':
		u->dtop++;
		break;
	case KEY_PPAGE:
		u->dtop -= page;
		break;
	case KEY_NPAGE:
		u->dtop += page;
		break;
	case KEY_HOME: case 'g':
		u->dtop = 0;
		break;
	case KEY_END: case 'G':
		u->dtop = 1L << 30;
		break;
	}
}

static void key(struct ui *u, int ch)
{
	if (u->editing) {
		edit_filter(u, ch);
		return;
	}
	/* news on the status line lasts until the next key */
	if (ch != KEY_RESIZE)
		u->s.message[0] = 0;
	switch (ch) {
	case 'q': case 'Q':
		u->quit = true;
		return;
	case ' ':
		send_command(u, vt_session_paused(&u->s) ? "resume" : "pause");
		return;
	case 'n': case '.':
		send_command(u, "step");
		return;
	case '?':
		if (u->mode == MODE_HELP) {
			u->mode = u->back;
		} else {
			u->back = u->mode;
			u->mode = MODE_HELP;
		}
		return;
	case KEY_RESIZE:
		return;
	}
	if (u->mode == MODE_HELP) {
		if (ch == KEY_ESC)
			u->mode = u->back;
	} else if (u->mode == MODE_DETAILS) {
		key_details(u, ch);
	} else {
		key_table(u, ch);
	}
}

/* ---------------------------------------------------------------- loop */

static void take_messages(struct ui *u)
{
	char err[256];

	for (int i = 0; i < DRAIN_MAX && !u->s.ended; i++) {
		json_object *msg = NULL;
		int r = u->src->next(u->src->ctx, &msg, err, sizeof(err));

		if (r == 0)
			break;
		if (r < 0) {
			vt_session_end(&u->s, err);
			break;
		}
		if (vt_session_apply(&u->s, msg) < 0)
			u->fatal = 1;
		json_object_put(msg);
		if (u->fatal)
			break;
	}
}

static void init_colors(struct ui *u)
{
	if (!has_colors() || start_color() != OK)
		return;
	use_default_colors();
	u->color = true;
	init_pair(PAIR_BANNER, COLOR_WHITE, COLOR_RED);
	init_pair(PAIR_POLLING, COLOR_BLUE, -1);
	init_pair(PAIR_RUNNING, COLOR_GREEN, -1);
	init_pair(PAIR_RUNNABLE, COLOR_YELLOW, -1);
	init_pair(PAIR_BLOCKED, COLOR_RED, -1);
	init_pair(PAIR_BAR, COLOR_CYAN, -1);
	init_pair(PAIR_TITLE, COLOR_YELLOW, -1);
}

int viewer_run(struct view_source *src, const char *title)
{
	struct ui u = {.src = src, .title = title};
	SCREEN *scr;
	int ret = 0;

	setlocale(LC_ALL, "");
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "loopscope: view needs a terminal (scripts: loopscope watch or dump)\n");
		return 1;
	}
	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		fprintf(stderr, "loopscope: cannot drive this terminal (TERM=%s)\n",
			getenv("TERM") ? getenv("TERM") : "");
		return 1;
	}
	set_term(scr);
	u.utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	vt_session_init(&u.s);
	set_escdelay(25);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	init_colors(&u);

	while (!u.quit && !u.fatal) {
		struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = -1}};
		int timeout = 1000, t, ch;

		draw(&u);
		if (!u.s.ended) {
			p[1].fd = src->pollfd ? src->pollfd(src->ctx) : -1;
			p[1].events = POLLIN;
			t = src->timeout_ms ? src->timeout_ms(src->ctx) : -1;
			if (t >= 0 && t < timeout)
				timeout = t;
		}
		/* the 1 s wakeup keeps "paused 4s ago" current */
		if (poll(p, 2, timeout) < 0 && errno != EINTR)
			break;
		while ((ch = getch()) != ERR && !u.quit)
			key(&u, ch);
		if (!u.s.ended && !u.quit)
			take_messages(&u);
	}
	endwin();
	delscreen(scr);
	if (u.fatal) {
		fprintf(stderr, "loopscope: %s\n", u.s.message);
		ret = 1;
	}
	json_object_put(u.dobj);
	if (u.shown_ok)
		vt_table_free(&u.shown);
	vt_session_free(&u.s);
	return ret;
}

static const char usage[] =
	"usage: loopscope view [--socket PATH]\n"
	"\n"
	"The running collector (`loopscope attach` / `run`) in the terminal: its\n"
	"tasks, reactors, wakers, sockets and warnings, live.  Any number of\n"
	"viewers may watch one collector; space pauses the updates of all of them.\n"
	"Press ? inside for the keys.\n"
	"\n"
	"options:\n"
	"  -s, --socket PATH   the collector's socket (default $" PROTO_SOCKET_ENV ",\n"
	"                      else " PROTO_DEFAULT_SOCKET ")\n"
	"  -h, --help          this text\n"
	"\n"
	"Exit status: 0; 1 when the collector cannot be reached or the terminal\n"
	"cannot be used; 2 on bad usage.\n";

int viewer_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *opt_socket = NULL, *path;
	struct view_source src;
	struct client *c;
	char err[512];
	int ch, ret;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			opt_socket = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'loopscope view --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "loopscope: view takes no arguments ('%s')\nTry 'loopscope view --help'.\n",
			argv[optind]);
		return 2;
	}
	path = proto_socket_path(opt_socket);
	c = client_connect(path, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "loopscope: %s\n", err);
		return 1;
	}
	client_source(c, &src);
	ret = viewer_run(&src, path);
	client_close(c);
	return ret;
}
