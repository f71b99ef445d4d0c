/* procfs.c - read the state a process was in before we attached: its
 * threads and what syscall each sits in, names, uid, the interest list of
 * its epoll fds and the counts of its eventfds.  Everything can vanish
 * between two reads, so a missing file is an ordinary error, not a bug. */
#include "procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((format(printf, 3, 4)))
static int make_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	return (size_t)n < len ? 0 : -ENAMETOOLONG;
}

/* Reads up to size-1 bytes of path into buf, NUL-terminated. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < size - 1) {
		n = read(fd, buf + got, size - 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	return err ? err : (ssize_t)got;
}

/* A comm file's first line, cut to fit len. */
static int read_name(const char *path, char *buf, size_t len)
{
	char tmp[128];
	ssize_t n;
	size_t l;

	if (len == 0)
		return -EINVAL;
	n = read_small(path, tmp, sizeof(tmp));
	if (n < 0)
		return n;
	tmp[strcspn(tmp, "\n")] = '\0';
	l = strlen(tmp);
	if (l > len - 1)
		l = len - 1;
	memcpy(buf, tmp, l);
	buf[l] = '\0';
	return 0;
}

static void skip_blanks(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

static int expect(const char **p, const char *key)
{
	size_t n = strlen(key);

	skip_blanks(p);
	if (strncmp(*p, key, n))
		return -1;
	*p += n;
	return 0;
}

/* An unsigned number standing alone: no sign, nothing glued to its end. */
static int parse_u64(const char **p, int base, uint64_t *v)
{
	unsigned long long x;
	char *end;

	skip_blanks(p);
	if (base == 16 ? !isxdigit((unsigned char)**p) : !isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	x = strtoull(*p, &end, base);
	if (errno || (*end && !isspace((unsigned char)*end)))
		return -1;
	*v = x;
	*p = end;
	return 0;
}

/* Calls fn on each line of path until it returns non-zero; returns that,
 * 0 at the end of the file, or -errno. */
static int scan_lines(const char *path, int (*fn)(const char *line, void *arg), void *arg)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int ret = 0;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) != -1) {
		ret = fn(line, arg);
		if (ret)
			break;
	}
	if (!ret && ferror(f))
		ret = -EIO;
	free(line);
	fclose(f);
	return ret;
}

static int cmp_tid(const void *a, const void *b)
{
	const struct proc_thread *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* First field of task/TID/syscall: the syscall number, -1 outside of one;
 * "running" when the task is on a CPU. */
static long read_syscall_nr(const char *path)
{
	char buf[64], *end;
	long nr;

	if (read_small(path, buf, sizeof(buf)) <= 0)
		return -1;
	errno = 0;
	nr = strtol(buf, &end, 10);
	if (end == buf || errno || (*end && !isspace((unsigned char)*end)))
		return -1;
	return nr;
}

int procfs_thread_syscall(const char *proc_root, pid_t pid, pid_t tid, long *nr,
			  unsigned long args[6])
{
	char path[PATH_MAX], buf[256], *p, *end;
	int err = make_path(path, sizeof(path), "%s/%d/task/%d/syscall", proc_root, pid, tid);
	ssize_t n;

	if (err)
		return err;
	n = read_small(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	errno = 0;
	*nr = strtol(buf, &end, 10);
	if (end == buf || errno || *nr < 0)
		return -EAGAIN; /* "running", or -1: not in a syscall */
	p = end;
	for (int i = 0; i < 6; i++) {
		errno = 0;
		args[i] = strtoul(p, &end, 16);
		if (end == p || errno)
			return -EINVAL;
		p = end;
	}
	return 0;
}

int procfs_threads(const char *proc_root, pid_t pid, struct proc_thread **out)
{
	struct proc_thread *ts = NULL, *grown;
	size_t n = 0, cap = 0;
	char path[PATH_MAX];
	struct dirent *de;
	int err;
	DIR *d;

	*out = NULL;
	err = make_path(path, sizeof(path), "%s/%d/task", proc_root, pid);
	if (err)
		return err;
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	for (;;) {
		struct proc_thread t;
		char *end;
		long tid;

		errno = 0;
		de = readdir(d);
		if (!de) {
			err = -errno;
			break;
		}
		errno = 0;
		tid = strtol(de->d_name, &end, 10);
		if (!isdigit((unsigned char)de->d_name[0]) || *end || errno ||
		    tid <= 0 || tid > INT_MAX)
			continue;

		t.tid = tid;
		if (make_path(path, sizeof(path), "%s/%d/task/%ld/comm", proc_root, pid, tid))
			continue;
		err = read_name(path, t.name, sizeof(t.name));
		if (err == -ENOENT || err == -ESRCH) {
			err = 0;
			continue; /* exited since readdir */
		}
		if (err)
			t.name[0] = '\0';
		err = 0;
		if (make_path(path, sizeof(path), "%s/%d/task/%ld/syscall", proc_root, pid, tid))
			t.syscall_nr = -1;
		else
			t.syscall_nr = read_syscall_nr(path);

		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			grown = realloc(ts, cap * sizeof(*ts));
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			ts = grown;
		}
		ts[n++] = t;
	}
	closedir(d);
	if (err || n > INT_MAX) {
		free(ts);
		return err ? err : -EOVERFLOW;
	}
	if (n)
		qsort(ts, n, sizeof(*ts), cmp_tid);
	*out = ts;
	return n;
}

int procfs_comm(const char *proc_root, pid_t pid, char *buf, size_t len)
{
	char path[PATH_MAX];
	int err;

	err = make_path(path, sizeof(path), "%s/%d/comm", proc_root, pid);
	return err ? err : read_name(path, buf, len);
}

int procfs_thread_comm(const char *proc_root, pid_t pid, pid_t tid, char *buf, size_t len)
{
	char path[PATH_MAX];
	int err;

	err = make_path(path, sizeof(path), "%s/%d/task/%d/comm", proc_root, pid, tid);
	return err ? err : read_name(path, buf, len);
}

int procfs_thread_cpu(const char *proc_root, pid_t pid, pid_t tid, uint64_t *ns)
{
	char path[PATH_MAX], buf[96];
	const char *p = buf;
	ssize_t n;
	int err;

	err = make_path(path, sizeof(path), "%s/%d/task/%d/schedstat", proc_root, pid, tid);
	if (err)
		return err;
	n = read_small(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return parse_u64(&p, 10, ns) ? -EINVAL : 0;
}

static int match_uid(const char *line, void *arg)
{
	const char *p = line;
	uint64_t v;

	if (expect(&p, "Uid:") || parse_u64(&p, 10, &v) || v != (uid_t)v)
		return 0;
	*(uid_t *)arg = v;
	return 1;
}

int procfs_uid(const char *proc_root, pid_t pid, uid_t *uid)
{
	char path[PATH_MAX];
	int err;

	err = make_path(path, sizeof(path), "%s/%d/status", proc_root, pid);
	if (err)
		return err;
	err = scan_lines(path, match_uid, uid);
	return err < 0 ? err : err ? 0 : -ENOENT;
}

struct tfd_list {
	struct epoll_tfd *v;
	size_t n, cap;
};

/* "tfd: %8d events: %8x data: %16llx  pos:%lli ino:%lx sdev:%x"; ino is
 * optional, older kernels end the line after data. */
static int parse_tfd(const char *line, struct epoll_tfd *t)
{
	const char *p = line, *q;
	uint64_t tfd, events, data, ino = 0;

	if (expect(&p, "tfd:") || parse_u64(&p, 10, &tfd) || tfd > INT_MAX ||
	    expect(&p, "events:") || parse_u64(&p, 16, &events) || events > UINT32_MAX ||
	    expect(&p, "data:") || parse_u64(&p, 16, &data))
		return -1;
	q = strstr(p, " ino:");
	if (q) {
		q += strlen(" ino:");
		if (parse_u64(&q, 16, &ino))
			return -1;
	}
	t->tfd = tfd;
	t->events = events;
	t->data = data;
	t->ino = ino;
	return 0;
}

static int add_tfd(const char *line, void *arg)
{
	struct tfd_list *l = arg;
	struct epoll_tfd t, *grown;

	if (parse_tfd(line, &t))
		return 0;
	if (l->n >= INT_MAX)
		return -EOVERFLOW;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		grown = realloc(l->v, l->cap * sizeof(*l->v));
		if (!grown)
			return -ENOMEM;
		l->v = grown;
	}
	l->v[l->n++] = t;
	return 0;
}

int procfs_epoll_interest(const char *proc_root, pid_t pid, int fd, struct epoll_tfd **out)
{
	struct tfd_list l = { 0 };
	char path[PATH_MAX];
	int err;

	*out = NULL;
	err = make_path(path, sizeof(path), "%s/%d/fdinfo/%d", proc_root, pid, fd);
	if (err)
		return err;
	err = scan_lines(path, add_tfd, &l);
	if (err) {
		free(l.v);
		return err;
	}
	*out = l.v;
	return l.n;
}

static int match_eventfd_count(const char *line, void *arg)
{
	const char *p = line;
	uint64_t v;

	if (expect(&p, "eventfd-count:") || parse_u64(&p, 16, &v))
		return 0;
	*(uint64_t *)arg = v;
	return 1;
}

int procfs_eventfd_count(const char *proc_root, pid_t pid, int fd, uint64_t *count)
{
	char path[PATH_MAX];
	int err;

	err = make_path(path, sizeof(path), "%s/%d/fdinfo/%d", proc_root, pid, fd);
	if (err)
		return err;
	err = scan_lines(path, match_eventfd_count, count);
	return err < 0 ? err : err ? 0 : -ENOENT;
}

int procfs_alive(const char *proc_root, pid_t pid)
{
	char path[PATH_MAX], buf[512];
	const char *p;

	if (make_path(path, sizeof(path), "%s/%d/stat", proc_root, pid) ||
	    read_small(path, buf, sizeof(buf)) <= 0)
		return 0;
	/* "PID (COMM) S ...": comm may hold anything, even ") " */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return 0;
	return p[2] != 'Z' && p[2] != 'X' && p[2] != 'x';
}
