/* collector.c - `loopscope attach` and `loopscope run`: one loop that drains
 * the ring buffer into the model, reconstructs what existed before attach
 * from the kernel (fd iterator) and /proc, and reports every tick until the
 * targets exit, a signal comes, or --duration runs out. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collector.h"
#include "model.h"
#include "probes.h"
#include "procfs.h"
#include "report.h"

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	exiting = sig;
}

struct collector {
	const struct collector_opts *opts;
	struct model *model;
	struct probes *probes;
	FILE *out;
	pid_t child;
	int child_status;
	bool child_reaped;
	uint64_t tick, last_tick_ts, last_records;
};

static int feed(void *ctx, const void *rec, size_t len)
{
	struct collector *c = ctx;

	model_feed(c->model, rec, len);
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
	model_add_target(c->model, pid, name);
	n = procfs_threads("/proc", pid, &threads);
	for (int i = 0; i < n; i++)
		model_seed_task(c->model, pid, threads[i].tid, threads[i].name, threads[i].syscall_nr, now);
	free(threads);
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
			model_seed_interest(m, r->pid, r->fds[0], tfds[j].tfd, tfds[j].events,
					    tfds[j].data, now_ns());
		free(tfds);
	}
	free(reactors);
}

static void refresh_names(struct collector *c)
{
	void *v;

	for (size_t i = 0; omap_next(&c->model->tasks, &i, NULL, &v);) {
		struct task *t = v;
		char name[16];

		if (procfs_thread_comm("/proc", t->pid, t->tid, name, sizeof(name)) == 0)
			snprintf(t->name, sizeof(t->name), "%s", name);
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
		model_target_exited(c->model, gone[i], now);
}

static void report(struct collector *c, bool final)
{
	uint64_t now = now_ns();
	struct report_info ri = {.now = now, .tick = c->tick++, .final = final};
	uint64_t span = now - c->last_tick_ts;

	probes_drops(c->probes, &c->model->stats.ringbuf_drops, &c->model->stats.inflight_drops);
	ri.records_per_s = span ? (c->model->stats.records - c->last_records) * 1e9 / span : 0;
	c->last_tick_ts = now;
	c->last_records = c->model->stats.records;
	if (c->opts->json) {
		json_object *j = report_json(c->model, &ri);

		fprintf(c->out, "%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
		json_object_put(j);
		/* A tick's tree is thousands of small objects (10,000 sockets: ~65
		 * MiB); give the pages back rather than hold them until the next. */
		malloc_trim(0);
		fflush(c->out);
	} else {
		report_text(c->out, c->model, &ri);
	}
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

/* The Tgid: line of /proc/PID/status; -1 when unreadable. */
static pid_t thread_group_of(pid_t pid)
{
	char path[64], line[256];
	pid_t tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

int collector_run(const struct collector_opts *o)
{
	struct collector c = {.opts = o, .child = -1, .out = stdout};
	struct sigaction sa = {.sa_handler = on_signal};
	uint64_t start, next_tick, last_check = 0;
	int release = -1, err, ret = 1;

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
		tgid = thread_group_of(o->pids[i]);
		if (tgid > 0 && tgid != o->pids[i]) {
			fprintf(stderr, "loopscope: %d is a thread of process %d: attach to %d\n",
				o->pids[i], tgid, tgid);
			return 1;
		}
	}
	if (o->output) {
		c.out = fopen(o->output, "w");
		if (!c.out) {
			fprintf(stderr, "loopscope: cannot write %s: %s\n", o->output, strerror(errno));
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
	err = probes_open(&c.probes, o->follow_forks, o->verbose, feed, &c);
	if (err)
		goto out;
	if (c.child > 0) {
		char name[16];

		snprintf(name, sizeof(name), "%s", basename(o->argv[0]));
		probes_trace(c.probes, c.child);
		model_add_target(c.model, c.child, name);
		model_seed_task(c.model, c.child, c.child, name, -1, now_ns());
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
	if (release >= 0) {
		if (write(release, "g", 1) != 1)
			fprintf(stderr, "loopscope: cannot release the child: %s\n", strerror(errno));
		close(release);
		release = -1;
	}

	next_tick = start + o->interval_ns;
	while (!exiting) {
		uint64_t now;

		err = probes_poll(c.probes, 100);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "loopscope: reading the ring buffer failed: %s\n", strerror(-err));
			goto out;
		}
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
			break;
		}
		if (o->duration_ns && now - start >= o->duration_ns)
			break;
		if (now >= next_tick) {
			probes_drain(c.probes); /* records that came without a wake-up */
			refresh_names(&c);
			report(&c, false);
			model_expire(c.model, now);
			next_tick += o->interval_ns;
			if (next_tick < now)
				next_tick = now + o->interval_ns;
		}
	}
	probes_drain(c.probes);
	report(&c, true);
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
	probes_close(c.probes);
	model_free(c.model);
	if (c.out && c.out != stdout)
		fclose(c.out);
	return ret;
}
