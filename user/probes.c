/* probes.c - loads bpf/loopscope.bpf.c through its skeleton and attaches
 * every program to its tracepoint (two on raw_syscalls, four on the
 * scheduler), one by one so a failure names the tracepoint.  The probes'
 * table from raw syscall number to loopscope's id is filled here, before
 * load, from syscalls.def. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loopscope.h"
#include "loopscope.skel.h"
#include "probes.h"
#include "syscalls.h"

#define TRACEFS "/sys/kernel/tracing"
#define MAX_LINKS 16

struct probes {
	struct loopscope_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link *links[MAX_LINKS];
	int nlinks;
	record_fn fn;
	void *ctx;
};

static bool verbose_libbpf;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose_libbpf)
		return 0;
	if (!verbose_libbpf)
		return 0;
	return vfprintf(stderr, fmt, args);
}

/* Tracepoints are found through tracefs; a fresh machine has not mounted it. */
static int ensure_tracefs(void)
{
	struct stat st;

	if (stat(TRACEFS "/events", &st) == 0 || stat("/sys/kernel/debug/tracing/events", &st) == 0)
		return 0;
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL) && errno != EBUSY) {
		int err = -errno;

		fprintf(stderr, "loopscope: failed to mount tracefs on %s: %s\n", TRACEFS, strerror(errno));
		return err;
	}
	return 0;
}

/* bench/run measures each part of the probes' cost: LOOPSCOPE_BENCH_STAGE
 * =filter stops after the filter, =handler does all but the ring buffer. */
static int bench_stage(struct loopscope_bpf *skel)
{
	const char *s = getenv("LOOPSCOPE_BENCH_STAGE");

	if (!s || !*s || !strcmp(s, "full"))
		return 0;
	if (!strcmp(s, "filter"))
		skel->rodata->bench_stage = LS_STAGE_FILTER;
	else if (!strcmp(s, "handler"))
		skel->rodata->bench_stage = LS_STAGE_HANDLER;
	else {
		fprintf(stderr, "loopscope: bad LOOPSCOPE_BENCH_STAGE '%s' (full, filter, handler)\n", s);
		return -EINVAL;
	}
	fprintf(stderr, "loopscope: benchmark stage %s: records are not delivered\n", s);
	return 0;
}

static int on_record(void *ctx, void *data, size_t len)
{
	struct probes *p = ctx;

	return p->fn(p->ctx, data, len);
}

int probes_open(struct probes **out, bool follow_forks, bool verbose, record_fn fn, void *ctx)
{
	struct probes *p = calloc(1, sizeof(*p));
	struct bpf_program *prog;
	int err;

	if (!p)
		return -ENOMEM;
	p->fn = fn;
	p->ctx = ctx;
	verbose_libbpf = verbose;
	libbpf_set_print(print_libbpf);
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		fprintf(stderr, "loopscope: this kernel has no BTF (/sys/kernel/btf/vmlinux): "
				"loopscope needs CONFIG_DEBUG_INFO_BTF\n");
		err = -ENOTSUP;
		goto fail;
	}
	err = ensure_tracefs();
	if (err)
		goto fail;
	p->skel = loopscope_bpf__open();
	if (!p->skel) {
		err = -errno;
		fprintf(stderr, "loopscope: failed to open BPF object: %s\n", strerror(errno));
		goto fail;
	}
	p->skel->rodata->follow_forks = follow_forks;
	for (int sc = 1; sc < LS_SC_MAX; sc++) {
		long nr = ls_syscall_nr(sc);

		if (nr >= 0 && nr < (long)sizeof(p->skel->rodata->sc_of_nr))
			p->skel->rodata->sc_of_nr[nr] = sc;
	}
	err = bench_stage(p->skel);
	if (err)
		goto fail;
	bpf_program__set_autoload(p->skel->progs.dump_fds, true);
	err = loopscope_bpf__load(p->skel);
	if (err) {
		fprintf(stderr, "loopscope: failed to load BPF programs: %s (run as root; -v shows the verifier log)\n",
			strerror(-err));
		goto fail;
	}
	bpf_object__for_each_program(prog, p->skel->obj) {
		struct bpf_link *link;

		if (prog == p->skel->progs.dump_fds)
			continue;
		if (p->nlinks == MAX_LINKS) {
			err = -E2BIG;
			goto fail;
		}
		link = bpf_program__attach(prog);
		if (!link) {
			err = -errno;
			fprintf(stderr, "loopscope: failed to attach %s: %s\n",
				bpf_program__section_name(prog), strerror(errno));
			goto fail;
		}
		p->links[p->nlinks++] = link;
	}
	p->rb = ring_buffer__new(bpf_map__fd(p->skel->maps.records), on_record, p, NULL);
	if (!p->rb) {
		err = -errno;
		fprintf(stderr, "loopscope: failed to open the ring buffer: %s\n", strerror(errno));
		goto fail;
	}
	*out = p;
	return 0;
fail:
	probes_close(p);
	return err;
}

int probes_trace(struct probes *p, pid_t pid)
{
	__u32 tgid = pid;
	size_t words = sizeof(p->skel->bss->traced_bits) / sizeof(p->skel->bss->traced_bits[0]);

	if (pid <= 0 || tgid / 64 >= words)
		return -EINVAL;
	/* the probes set and clear bits of the same words (forks, exits) */
	__atomic_fetch_or(&p->skel->bss->traced_bits[tgid / 64], 1ULL << (tgid % 64), __ATOMIC_SEQ_CST);
	return 0;
}

int probes_dump_fds(struct probes *p)
{
	struct bpf_link *link = bpf_program__attach_iter(p->skel->progs.dump_fds, NULL);
	struct ls_rec_fd_info rec;
	size_t have = 0;
	int fd, n = 0, err = 0;
	ssize_t got;

	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	while ((got = read(fd, (char *)&rec + have, sizeof(rec) - have)) > 0) {
		have += got;
		if (have < sizeof(rec))
			continue;
		p->fn(p->ctx, &rec, sizeof(rec));
		have = 0;
		n++;
	}
	if (got < 0)
		err = -errno;
	close(fd);
out:
	bpf_link__destroy(link);
	return err ? err : n;
}

/* The probes wake us only once a batch is waiting (WAKE_BYTES in
 * loopscope.bpf.c): after the timeout, read whatever came without a wake-up. */
int probes_poll(struct probes *p, int timeout_ms)
{
	int n = ring_buffer__poll(p->rb, timeout_ms), m;

	if (n < 0)
		return n;
	m = ring_buffer__consume(p->rb);
	return m < 0 ? m : n + m;
}

int probes_fd(const struct probes *p)
{
	return ring_buffer__epoll_fd(p->rb);
}

int probes_drain(struct probes *p)
{
	return ring_buffer__consume(p->rb);
}

void probes_drops(const struct probes *p, uint64_t *ringbuf, uint64_t *inflight)
{
	*ringbuf = p->skel->bss->ringbuf_drops;
	*inflight = p->skel->bss->inflight_drops;
}

int probes_count(const struct probes *p)
{
	return p->nlinks;
}

static void *destroy_link(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

/* Each tracepoint's detach waits out RCU grace periods (60 ms apiece on
 * these machines: 3.3 s for 54 links one after the other, when there was
 * a link per syscall tracepoint).  Detached all at once, the waits
 * overlap. */
static void destroy_links(struct bpf_link **links, int n)
{
	pthread_t th[MAX_LINKS];
	bool started[MAX_LINKS] = {0};

	for (int i = 0; i < n; i++)
		started[i] = pthread_create(&th[i], NULL, destroy_link, links[i]) == 0;
	for (int i = 0; i < n; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		else
			bpf_link__destroy(links[i]);
	}
}

void probes_close(struct probes *p)
{
	if (!p)
		return;
	ring_buffer__free(p->rb);
	destroy_links(p->links, p->nlinks);
	loopscope_bpf__destroy(p->skel);
	free(p);
}
