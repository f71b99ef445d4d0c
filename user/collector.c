/* collector.c - `loopscope attach` and `loopscope run`: one loop that drains
 * the ring buffer into the model, reconstructs what existed before attach
 * from the kernel (fd iterator) and /proc, and reports every tick until the
 * targets exit, a signal comes, or --duration runs out. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collector.h"
#include "diagnose.h"
#include "model.h"
#include "probes.h"
#include "procfs.h"
#include "protocol.h"
#include "recorder.h"
#include "report.h"
#include "server.h"
#include "syscalls.h"

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	exiting = sig;
}

struct collector {
	const struct collector_opts *opts;
	struct model *model;
	struct probes *probes;
	struct recorder *rec; /* --record, else NULL */
	FILE *out;
	pid_t child;
	int child_status;
	bool child_reaped;
	uint64_t tick, last_tick_ts, last_records;
	double records_per_s; /* over the last tick */
	struct server *server;
	struct omap uids;     /* target pid -> its real uid + 1, for viewers' eyes */
	struct omap counts;   /* pid -> struct pid_count: records per process, for viewers */
	struct pid_count *last_count;
	uint32_t last_pid;
};

/* The records of one process (by the header's pid): what a viewer that is
 * not root may count of the machine's records is its own processes'. */
struct pid_count {
	uint64_t records, at_tick;
	double per_s;
};

static void count_record(struct collector *c, const void *rec, size_t len)
{
	const struct ls_hdr *h = rec;
	struct pid_count *pc;

	if (len < sizeof(*h))
		return;
	if (c->last_count && c->last_pid == h->tgid) {
		c->last_count->records++;
		return;
	}
	pc = omap_get(&c->counts, (uint64_t)h->tgid + 1);
	if (!pc) {
		pc = xcalloc(1, sizeof(*pc));
		omap_put(&c->counts, (uint64_t)h->tgid + 1, pc);
	}
	pc->records++;
	c->last_count = pc;
	c->last_pid = h->tgid;
}

/* A tick: each process's records per second over it. */
static void count_tick(struct collector *c, uint64_t span)
{
	void *v;

	for (size_t i = 0; omap_next(&c->counts, &i, NULL, &v);) {
		struct pid_count *pc = v;

		pc->per_s = span ? (pc->records - pc->at_tick) * 1e9 / span : 0;
		pc->at_tick = pc->records;
	}
}

static int feed(void *ctx, const void *rec, size_t len)
{
	struct collector *c = ctx;

	recorder_put(c->rec, rec, len);
	model_feed(c->model, rec, len);
	count_record(c, rec, len);
	return 0;
}

/* Threads, their names and what they sleep in; then every fd's kind and
 * identity from the kernel; then epoll interest lists from fdinfo. */
static void reconstruct(struct collector *c, pid_t pid)
{
	struct proc_thread *threads = NULL;
	uint64_t now = now_ns();
	char name[16] = "";
	int n;

	procfs_comm("/proc", pid, name, sizeof(name));
	rec_add_target(c->rec, c->model, pid, name, now);
	n = procfs_threads("/proc", pid, &threads);
	for (int i = 0; i < n; i++)
		rec_seed_task(c->rec, c->model, pid, threads[i].tid, threads[i].name,
			      threads[i].syscall_nr, now);
	free(threads);
}

/* Threads asleep in an epoll wait at attach: which reactor, from
 * /proc/TID/syscall (its first argument is the epoll fd), once the fds are
 * known.  Their waits' records will never come (the probes did not see
 * them begin): placed so, they are waiters and pollers of their reactor. */
static void seed_waits(struct collector *c)
{
	size_t n = c->model->tasks.len, k = 0;
	struct task **ts = xcalloc(n + 1, sizeof(*ts));
	void *v;

	for (size_t i = 0; k < n && omap_next(&c->model->tasks, &i, NULL, &v);) /* the seeds change no map, */
		ts[k++] = v;                                                 /* but the records may */
	for (size_t i = 0; i < k; i++) {
		struct task *t = ts[i];
		unsigned long args[6];
		long nr;
		int64_t timeout = -1;

		if (!t->wait_unrecorded || t->state != TASK_POLLING ||
		    procfs_thread_syscall("/proc", t->pid, t->tid, &nr, args) || !raw_syscall_is_wait(nr))
			continue;
		if (nr == SYS_epoll_pwait2)
			timeout = args[3] ? -2 : -1; /* -2: a timespec we do not read */
		else if ((int)args[3] >= 0)
			timeout = (int64_t)(int)args[3] * 1000000;
		rec_seed_wait(c->rec, c->model, t->pid, t->tid, (int)args[0], timeout, now_ns());
	}
	free(ts);
}

static void reconstruct_interest(struct collector *c)
{
	struct model *m = c->model;
	struct object **reactors;
	size_t n;

	reactors = report_objects(m, LS_FD_EPOLL, &n);
	for (size_t i = 0; i < n; i++) {
		struct object *r = reactors[i];
		struct epoll_tfd *tfds = NULL;
		int k;

		if (!r->open || !r->nfds)
			continue;
		k = procfs_epoll_interest("/proc", r->pid, r->fds[0], &tfds);
		for (int j = 0; j < k; j++)
			rec_seed_interest(c->rec, m, r->pid, r->fds[0], tfds[j].tfd, tfds[j].events,
					  tfds[j].data, now_ns());
		free(tfds);
	}
	free(reactors);
	seed_waits(c);
}

static void refresh_names(struct collector *c)
{
	void *v;

	for (size_t i = 0; omap_next(&c->model->tasks, &i, NULL, &v);) {
		struct task *t = v;
		char name[16];

		if (procfs_thread_comm("/proc", t->pid, t->tid, name, sizeof(name)) == 0)
			rec_rename_task(c->rec, c->model, t->tid, name, now_ns());
	}
}

/* Exit records can be missed (a process gone before its pid reached the
 * map); /proc has the last word.  But /proc can learn of an exit before we
 * have read the dead process's last records: drain the ring buffer first,
 * or those records would land on objects already closed. */
static void check_targets(struct collector *c, uint64_t now)
{
	pid_t gone[16];
	int n = 0;
	void *v;

	if (c->child > 0 && !c->child_reaped && waitpid(c->child, &c->child_status, WNOHANG) == c->child) {
		c->child_reaped = true;
		gone[n++] = c->child;
	}
	for (size_t i = 0; n < 16 && omap_next(&c->model->targets, &i, NULL, &v);) {
		struct target *t = v;

		if (t->alive && t->pid != c->child && !procfs_alive("/proc", t->pid))
			gone[n++] = t->pid;
	}
	if (!n)
		return;
	probes_drain(c->probes);
	for (int i = 0; i < n; i++)
		rec_target_exited(c->rec, c->model, gone[i], now);
}

/* A loop thread that has been on CPU for a while in its turn, by the
 * switches: read the kernel's count of its CPU time, which holds no stolen
 * time, for the diagnoses' check of a turn still running (the count in the
 * wait records only comes when the turn ends).  Recorded, so replay sees
 * the same. */
#define TURN_CPU_READ_MIN_NS 2000000ULL

static void read_turn_cpu(struct collector *c, uint64_t now)
{
	void *v;

	for (size_t i = 0; omap_next(&c->model->tasks, &i, NULL, &v);) {
		const struct task *t = v;
		uint64_t cpu;

		if (!t->alive || !t->cpu_at_ret || (t->state != TASK_RUNNING && t->state != TASK_RUNNABLE) ||
		    task_busy_at(t, now) < t->busy_at_ret + TURN_CPU_READ_MIN_NS)
			continue;
		if (procfs_thread_cpu("/proc", t->pid, t->tid, &cpu) == 0)
			rec_task_cpu(c->rec, c->model, t->pid, t->tid, cpu, now);
	}
}

static void report(struct collector *c, bool final)
{
	uint64_t now = now_ns();
	struct report_info ri = {.now = now, .tick = c->tick++, .final = final};
	uint64_t span = now - c->last_tick_ts, ringbuf, inflight;
	struct recording_stats rs;

	probes_drops(c->probes, &ringbuf, &inflight);
	read_turn_cpu(c, now);
	rec_tick(c->rec, c->model, now, ringbuf, inflight, final);
	if (c->rec) {
		recorder_flush(c->rec);
		recorder_stats(c->rec, now, &rs);
		ri.recording = &rs;
	}
	c->records_per_s = span ? (c->model->stats.records - c->last_records) * 1e9 / span : 0;
	count_tick(c, span);
	ri.records_per_s = c->records_per_s;
	c->last_tick_ts = now;
	c->last_records = c->model->stats.records;
	if (c->opts->diag) {
		diagnose_run(c->opts->diag, c->model, now);
		ri.warnings = diagnose_json(c->opts->diag, c->model, now);
	}
	if (c->opts->json) {
		report_json_write(c->out, c->model, &ri);
		fflush(c->out);
	} else {
		report_text(c->out, c->model, &ri);
	}
	json_object_put(ri.warnings);
}

/* The child waits on a pipe until its pid is in the traced map, so the
 * first thing observed is its execve. */
static pid_t spawn(char *const argv[], int *release)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char go;

		close(fds[1]);
		if (read(fds[0], &go, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "loopscope: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	*release = fds[1];
	return pid;
}

static void recording_meta(struct trace_meta *meta, const struct collector_opts *o, pid_t child)
{
	size_t at = 0;

	snprintf(meta->version, sizeof(meta->version), "loopscope %s", LOOPSCOPE_VERSION);
	if (child > 0 && meta->ntargets < TRACE_TARGETS_MAX)
		meta->targets[meta->ntargets++] = (uint32_t)child;
	for (int i = 0; i < o->npids && meta->ntargets < TRACE_TARGETS_MAX; i++)
		meta->targets[meta->ntargets++] = (uint32_t)o->pids[i];
	for (char **a = o->argv; a && *a && at < sizeof(meta->command); a++)
		at += snprintf(meta->command + at, sizeof(meta->command) - at, "%s%s", at ? " " : "", *a);
}

static void summarize(struct collector *c)
{
	struct model *m = c->model;
	size_t nt, nr, nw, ns;
	free(report_tasks(m, &nt));
	free(report_objects(m, LS_FD_EPOLL, &nr));
	free(report_objects(m, LS_FD_EVENTFD, &nw));
	free(report_objects(m, LS_FD_SOCKET, &ns));
	fprintf(stderr,
		"loopscope: %llu records, %llu dropped; %zu tasks, %zu reactors, %zu wakers, %zu sockets\n",
		(unsigned long long)m->stats.records,
		(unsigned long long)(m->stats.ringbuf_drops + m->stats.inflight_drops), nt, nr, nw, ns);
}

/* The first number after key (e.g. "Tgid:", "Uid:") in /proc/PID/status;
 * -1 when unreadable. */
static long status_field(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen)) {
			v = strtol(line + klen, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* A target's real uid, read once (a process gone before that: -1, seen by
 * root only). */
static long target_uid(struct collector *c, pid_t pid)
{
	void *v = omap_get(&c->uids, (uint64_t)pid);
	long uid;

	if (v)
		return (long)(uintptr_t)v - 1;
	uid = status_field(pid, "Uid:");
	if (uid >= 0)
		omap_put(&c->uids, (uint64_t)pid, (void *)(uintptr_t)(uid + 1));
	return uid;
}

/* What a viewer of uid may see: root everything, others their own targets. */
struct sight {
	struct omap pids;
};

static bool in_sight(const void *ctx, pid_t pid)
{
	return omap_get(&((const struct sight *)ctx)->pids, (uint64_t)pid) != NULL;
}

static void sight_of(struct collector *c, uid_t uid, struct sight *s, struct report_info *ri)
{
	void *v;

	memset(s, 0, sizeof(*s));
	if (uid == 0)
		return;
	for (size_t i = 0; omap_next(&c->model->targets, &i, NULL, &v);) {
		const struct target *t = v;

		if (target_uid(c, t->pid) == (long)uid)
			omap_put(&s->pids, (uint64_t)t->pid, (void *)1);
	}
	ri->visible = in_sight;
	ri->visible_ctx = s;
}

/* The head of the report a viewer of uid gets (ri), its sight kept in s
 * (free s->pids); with_warnings: the warnings it may see, in ri->warnings
 * (put them). */
static void viewer_report_info(struct collector *c, uid_t uid, struct sight *s,
			       struct report_info *ri, struct recording_stats *rs, bool with_warnings)
{
	memset(ri, 0, sizeof(*ri));
	ri->now = now_ns();
	ri->tick = c->tick;
	ri->records_per_s = c->records_per_s;
	if (c->rec) { /* a pause stops the updates, never the recording */
		recorder_stats(c->rec, ri->now, rs);
		ri->recording = rs;
	}
	sight_of(c, uid, s, ri);
	if (uid != 0) { /* the machine's rate is not its business: its processes' */
		uint64_t pid;

		ri->records_per_s = 0;
		ri->own_records = true;
		ri->records = 0;
		for (size_t i = 0; omap_next(&s->pids, &i, &pid, NULL);) {
			struct pid_count *pc = omap_get(&c->counts, pid + 1);

			if (pc) {
				ri->records += pc->records;
				ri->records_per_s += pc->per_s;
			}
		}
	}
	if (c->opts->diag && with_warnings)
		ri->warnings = diagnose_json_for(c->opts->diag, c->model, ri->now, ri->visible,
						 ri->visible_ctx);
}

/* The present state as viewer uid may see it, as JSON text written as it
 * is made (report_json_write): a tree of 10,000 sockets is 60 MiB. */
static char *viewer_state(void *ctx, uid_t uid, size_t *len)
{
	struct collector *c = ctx;
	struct report_info ri;
	struct recording_stats rs;
	struct sight s;
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		return NULL;
	viewer_report_info(c, uid, &s, &ri, &rs, true);
	report_json_write(f, c->model, &ri);
	json_object_put(ri.warnings);
	omap_free(&s.pids);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	if (*len && text[*len - 1] == '\n') /* a line for a file, not for a frame */
		text[--*len] = 0;
	return text;
}

static json_object *viewer_status(void *ctx, uid_t uid)
{
	static const char *const keep[] = {"targets", "uptime_s", "records", "records_per_s", "drops",
					   "recording"};
	struct report_info ri;
	struct recording_stats rs;
	struct sight s;
	json_object *st, *o = json_object_new_object();

	viewer_report_info(ctx, uid, &s, &ri, &rs, false);
	ri.head_only = true;
	st = report_json(((struct collector *)ctx)->model, &ri);
	omap_free(&s.pids);

	/* the status is the state's head, without the objects */
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		json_object *v;

		if (json_object_object_get_ex(st, keep[i], &v))
			json_object_object_add(o, keep[i], json_object_get(v));
	}
	json_object_put(st);
	return o;
}

static int serve(struct collector *c, uint64_t start)
{
	const struct collector_opts *o = c->opts;
	struct server_opts so = {
		.path = proto_socket_path(o->socket),
		.mode = o->socket_mode ? o->socket_mode : 0660,
		.group = o->socket_group,
		.stall_ns = o->stall_ns ? o->stall_ns : 10000000000ULL,
		.start_ns = start,
		.interval_s = o->interval_ns / 1e9,
		.viewers_per_user = o->viewers_per_user,
	};
	struct server_ops ops = {.ctx = c, .state = viewer_state, .status = viewer_status};

	if (o->no_server)
		return 0;
	return server_open(&c->server, &so, &ops);
}

int collector_run(const struct collector_opts *o)
{
	struct collector c = {.opts = o, .child = -1, .out = stdout};
	struct sigaction sa = {.sa_handler = on_signal};
	const char *bye = "collector stopping: signalled";
	uint64_t start, next_tick, last_check = 0;
	int release = -1, err, ret = 1, epfd = -1;

	if (geteuid() != 0) {
		fprintf(stderr, "loopscope: must run as root to load BPF programs (try sudo)\n");
		return 1;
	}
	for (int i = 0; i < o->npids; i++) {
		pid_t tgid;

		if (kill(o->pids[i], 0) && errno == ESRCH) {
			fprintf(stderr, "loopscope: no such process: %d\n", o->pids[i]);
			return 1;
		}
		tgid = (pid_t)status_field(o->pids[i], "Tgid:");
		if (tgid > 0 && tgid != o->pids[i]) {
			fprintf(stderr, "loopscope: %d is a thread of process %d: attach to %d\n",
				o->pids[i], tgid, tgid);
			return 1;
		}
	}
	if (o->output) {
		char why[512];
		int fd = open_output(o->output, why, sizeof(why));

		c.out = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!c.out) {
			if (fd >= 0)
				snprintf(why, sizeof(why), "cannot write %s: %s", o->output, strerror(errno));
			fprintf(stderr, "loopscope: %s\n", why);
			return 1;
		}
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (o->argv) {
		c.child = spawn(o->argv, &release);
		if (c.child < 0) {
			fprintf(stderr, "loopscope: cannot start %s: %s\n", o->argv[0], strerror(errno));
			goto out;
		}
	}
	start = now_ns();
	c.model = model_new(random_secret(), o->retain_ns, start);
	c.last_tick_ts = start;
	if (o->record) {
		struct trace_meta meta = {.start_ns = start, .retain_ns = o->retain_ns,
					  .interval_ns = o->interval_ns};
		char why[512];

		recording_meta(&meta, o, c.child);
		c.rec = recorder_open(o->record, &meta, why, sizeof(why));
		if (!c.rec) {
			fprintf(stderr, "loopscope: %s\n", why);
			goto out;
		}
		/* ids as a replay of the file will give them */
		model_set_keys(c.model, meta.secret_id, recorder_addr_key(c.rec));
	}
	if (o->diag)
		diagnose_attach(o->diag, c.model);
	err = probes_open(&c.probes, o->follow_forks, o->verbose, feed, &c);
	if (err)
		goto out;
	if (serve(&c, start))
		goto out;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	{
		struct epoll_event ev = {.events = EPOLLIN};

		if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, probes_fd(c.probes), &ev) ||
		    (c.server && epoll_ctl(epfd, EPOLL_CTL_ADD, server_fd(c.server), &ev))) {
			fprintf(stderr, "loopscope: cannot set up the event loop: %s\n", strerror(errno));
			goto out;
		}
	}
	if (c.child > 0) {
		char name[16];

		snprintf(name, sizeof(name), "%s", basename(o->argv[0]));
		probes_trace(c.probes, c.child);
		rec_add_target(c.rec, c.model, c.child, name, now_ns());
		rec_seed_task(c.rec, c.model, c.child, c.child, name, -1, now_ns());
	}
	for (int i = 0; i < o->npids; i++) {
		err = probes_trace(c.probes, o->pids[i]);
		if (err) {
			fprintf(stderr, "loopscope: cannot trace %d: %s\n", o->pids[i], strerror(-err));
			goto out;
		}
		reconstruct(&c, o->pids[i]);
	}
	if (o->npids) {
		err = probes_dump_fds(c.probes);
		if (err < 0)
			fprintf(stderr, "loopscope: cannot list open fds (%s): objects from before attach are missing\n",
				strerror(-err));
		reconstruct_interest(&c);
	}
	fprintf(stderr, "loopscope: attached to %d process%s, %d probes\n", o->npids + (c.child > 0),
		o->npids + (c.child > 0) == 1 ? "" : "es", probes_count(c.probes));
	if (c.server)
		fprintf(stderr, "loopscope: serving viewers on %s (loopscope view --socket %s)\n",
			proto_socket_path(o->socket), proto_socket_path(o->socket));
	if (release >= 0) {
		if (write(release, "g", 1) != 1)
			fprintf(stderr, "loopscope: cannot release the child: %s\n", strerror(errno));
		close(release);
		release = -1;
	}

	/* One loop, one thread: the ring buffer and the viewers' socket. */
	next_tick = start + o->interval_ns;
	while (!exiting) {
		struct epoll_event evs[4];
		uint64_t now = now_ns();
		int wait_ms = next_tick > now ? (int)((next_tick - now + 999999) / 1000000) : 0;

		if (wait_ms > 100) /* /proc is the last word on exits: look often */
			wait_ms = 100;
		if (epoll_wait(epfd, evs, 4, wait_ms) < 0 && errno != EINTR) {
			fprintf(stderr, "loopscope: waiting for events failed: %s\n", strerror(errno));
			goto out;
		}
		err = probes_drain(c.probes);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "loopscope: reading the ring buffer failed: %s\n", strerror(-err));
			goto out;
		}
		server_service(c.server);
		now = now_ns();
		/* /proc at most every 100 ms: under load the ring buffer wakes us
		 * far more often, and reading /proc/PID/stat each time cost more
		 * than the records did */
		if (now - last_check >= 100000000ULL) {
			check_targets(&c, now);
			last_check = now;
		}
		if (!model_targets_alive(c.model)) {
			probes_drain(c.probes);
			fprintf(stderr, "loopscope: all targets exited\n");
			bye = "collector stopping: all targets exited";
			break;
		}
		if (o->duration_ns && now - start >= o->duration_ns) {
			bye = "collector stopping: its --duration ran out";
			break;
		}
		if (now >= next_tick) {
			probes_drain(c.probes); /* records that came without a wake-up */
			refresh_names(&c);
			report(&c, false);
			server_publish(c.server);
			model_expire(c.model, now);
			next_tick += o->interval_ns;
			if (next_tick < now)
				next_tick = now + o->interval_ns;
		}
	}
	/* `run` owns its command: a signal meant for the collector goes to the
	 * command too (as Ctrl-C would), and its end is in the final report. */
	if (exiting && c.child > 0 && !c.child_reaped) {
		kill(c.child, exiting);
		for (int i = 0; i < 200 && !c.child_reaped; i++) {
			probes_poll(c.probes, 10);
			check_targets(&c, now_ns());
		}
	}
	probes_drain(c.probes);
	report(&c, true);
	server_publish(c.server); /* the final state, then the bye */
	server_close(c.server, bye);
	c.server = NULL;
	summarize(&c);
	ret = 0;
	if (c.child > 0) {
		if (!c.child_reaped && waitpid(c.child, &c.child_status, WNOHANG) == c.child)
			c.child_reaped = true;
		if (c.child_reaped)
			ret = WIFEXITED(c.child_status) ? WEXITSTATUS(c.child_status)
							: 128 + WTERMSIG(c.child_status);
	}
out:
	if (release >= 0) {
		close(release); /* the child reads EOF and exits */
		if (c.child > 0)
			waitpid(c.child, NULL, 0);
	}
	server_close(c.server, "collector stopping: an error");
	if (epfd >= 0)
		close(epfd);
	omap_free(&c.uids);
	{
		void *v;

		for (size_t i = 0; omap_next(&c.counts, &i, NULL, &v);)
			free(v);
		omap_free(&c.counts);
	}
	probes_close(c.probes);
	if (c.rec) {
		uint64_t dropped = recorder_dropped(c.rec);
		struct recording_stats rs;

		recorder_stats(c.rec, now_ns(), &rs);
		if (recorder_close(c.rec) == 0)
			fprintf(stderr, "loopscope: recorded %llu records to %s, %llu dropped\n",
				(unsigned long long)rs.records, o->record, (unsigned long long)dropped);
		else
			ret = 1;
	}
	model_free(c.model);
	if (c.out && c.out != stdout)
		fclose(c.out);
	return ret;
}
