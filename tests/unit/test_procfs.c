/* test_procfs.c - procfs parsers against a fake /proc tree written here
 * (real-looking lines mixed with garbled ones) and against the real
 * /proc/self. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"

static char root[] = "/tmp/loopscope-procfs-XXXXXX";

/* Writes root/rel, creating the directories on the way. */
static int put(const char *rel, const char *text)
{
	char path[PATH_MAX], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = path + strlen(root) + 1; (slash = strchr(slash, '/')); slash++) {
		*slash = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -1;
		*slash = '/';
	}
	if (!*text) /* a bare directory */
		return 0;
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static const char *const fixture[][2] = {
	{ "100/comm", "loop (main)\n" },
	{ "100/status",
	  "Name:\tloop (main)\n"
	  "Umask:\t0022\n"
	  "State:\tS (sleeping)\n"
	  "Tgid:\t100\n"
	  "Pid:\t100\n"
	  "PPid:\t1\n"
	  "Uid\n"
	  "Uid:\t-5\t0\t0\t0\n"
	  "Uid:\t12x\t0\t0\t0\n"
	  "Uid:\t99999999999\t0\t0\t0\n"
	  "Uid:\t1000\t1001\t1002\t1003\n"
	  "Gid:\t100\t100\t100\t100\n" },
	/* comm is "a) Z (b c": the first ')' would say zombie */
	{ "100/stat", "100 (a) Z (b c) S 1 100 100 0 -1 4194560 120 0 0 0 3 1 0 0 20 0 3 0\n" },
	{ "100/task/100/comm", "loop (main)\n" },
	{ "100/task/100/syscall",
	  "232 0x4 0x7ffd3c1e0a10 0x40 0xffffffff 0x0 0x0 0x7ffd3c1e09e8 0x7f3a9c12a0fe\n" },
	{ "100/task/101/comm", "worker 1\n" },
	{ "100/task/101/syscall", "running\n" },
	{ "100/task/101/schedstat", "1234567890 2222 33\n" },
	{ "100/task/104/schedstat", "-5 2222 33\n" },
	{ "100/task/102/comm", "a-very-long-thread-name\n" },
	{ "100/task/103/comm", "idle" },
	{ "100/task/103/syscall", "-1 0x7ffd3c1e09e8 0x7f3a9c12a0fe\n" },
	{ "100/task/104/comm", "odd\n" },
	{ "100/task/104/syscall", "0x12 junk\n" },
	{ "100/task/105/", "" },     /* exited: no comm */
	{ "100/task/junk/", "" },
	{ "100/task/12abc/", "" },
	{ "100/task/0/", "" },
	{ "100/task/-7/", "" },
	{ "100/fdinfo/4",
	  "pos:\t0\n"
	  "flags:\t02000002\n"
	  "mnt_id:\t15\n"
	  "ino:\t1057\n"
	  "tfd:        5 events:       19 data:                5  pos:0 ino:5a sdev:d\n"
	  "tfd: garbage\n"
	  "tfd:        7 events: 80000019 data:         deadbeef  pos:0 ino:1cff sdev:f\n"
	  "tfd:       -3 events:       19 data:                1  pos:0 ino:1 sdev:f\n"
	  "tfd:       11 events: 1ffffffff data:               1  pos:0 ino:1 sdev:f\n"
	  "tfd:       12 events:       1z data:                1  pos:0 ino:1 sdev:f\n"
	  "tfd:       13 events:       19 data: 10000000000000000  pos:0 ino:1 sdev:f\n"
	  "tfd:       14 events:       19\n"
	  "tfd:       15 events:       19 data:                1  pos:0 ino:zz sdev:f\n"
	  "tfd: 99999999999 events:    19 data:                1  pos:0 ino:1 sdev:f\n"
	  "\n"
	  "tfd:     1024 events:        4 data: ffffffffffffffff  pos:0 ino:ffffffffffffffff sdev:10" },
	{ "100/fdinfo/5",
	  "pos:\t0\n"
	  "flags:\t02000002\n"
	  "mnt_id:\t15\n"
	  "ino:\t1057\n"
	  "eventfd-count: zz\n"
	  "eventfd-count:        1deadbeef\n"
	  "eventfd-id: 7\n"
	  "eventfd-semaphore: 0\n" },
	{ "100/fdinfo/6", "pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1057\n" },
	{ "101/stat", "101 (zombie) Z 1 101 101 0 -1 4227276 0 0 0 0 0 0 0 0 20 0 1 0\n" },
	{ "102/stat", "102 no parens here\n" },
	{ "103/stat", "103 (cut)" },
	{ "104/stat", "104 (dead) X 1 104 104 0\n" },
	{ "105/stat", "105 (glued)S 1 105\n" },
	{ "106/stat", "" },
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	size_t i;

	if (!mkdtemp(root))
		return -1;
	for (i = 0; i < sizeof(fixture) / sizeof(fixture[0]); i++)
		if (put(fixture[i][0], fixture[i][1]))
			return -1;
	return 0;
}

static int teardown(void **state)
{
	return nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_threads(void **state)
{
	struct proc_thread *ts;
	int n;

	n = procfs_threads(root, 100, &ts);
	assert_int_equal(n, 5);
	assert_int_equal(ts[0].tid, 100);
	assert_string_equal(ts[0].name, "loop (main)");
	assert_int_equal(ts[0].syscall_nr, 232);
	assert_int_equal(ts[1].tid, 101);
	assert_string_equal(ts[1].name, "worker 1");
	assert_int_equal(ts[1].syscall_nr, -1);
	assert_int_equal(ts[2].tid, 102);
	assert_string_equal(ts[2].name, "a-very-long-thr"); /* cut to 15 chars */
	assert_int_equal(ts[2].syscall_nr, -1);
	assert_int_equal(ts[3].tid, 103);
	assert_string_equal(ts[3].name, "idle");
	assert_int_equal(ts[3].syscall_nr, -1);
	assert_int_equal(ts[4].tid, 104);
	assert_string_equal(ts[4].name, "odd");
	assert_int_equal(ts[4].syscall_nr, -1);
	free(ts);
}

/* /proc/TID/syscall's arguments: epoll_wait(4, events, 64, -1) */
static void test_thread_syscall(void **state)
{
	unsigned long args[6];
	long nr;

	assert_int_equal(procfs_thread_syscall(root, 100, 100, &nr, args), 0);
	assert_int_equal(nr, 232);
	assert_int_equal(args[0], 4);
	assert_int_equal(args[1], 0x7ffd3c1e0a10UL);
	assert_int_equal(args[2], 0x40);
	assert_int_equal((int)args[3], -1);
	assert_int_equal(args[5], 0);
	assert_int_equal(procfs_thread_syscall(root, 100, 101, &nr, args), -EAGAIN); /* running */
	assert_int_equal(procfs_thread_syscall(root, 100, 103, &nr, args), -EAGAIN); /* in none */
	assert_int_equal(procfs_thread_syscall(root, 100, 104, &nr, args), -EINVAL); /* "0x12 junk" */
	assert_int_equal(procfs_thread_syscall(root, 100, 105, &nr, args), -ENOENT);
}

static void test_threads_missing(void **state)
{
	struct proc_thread *ts = (void *)1;

	assert_int_equal(procfs_threads(root, 999, &ts), -ESRCH);
	assert_null(ts);
}

static void test_comm(void **state)
{
	char buf[16], small[5];

	assert_int_equal(procfs_comm(root, 100, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "loop (main)");
	assert_int_equal(procfs_comm(root, 100, small, sizeof(small)), 0);
	assert_string_equal(small, "loop");
	assert_int_equal(procfs_thread_comm(root, 100, 101, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "worker 1");
	assert_int_equal(procfs_thread_comm(root, 100, 103, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "idle");
	assert_int_equal(procfs_comm(root, 100, buf, 0), -EINVAL);
	assert_int_equal(procfs_comm(root, 999, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(procfs_thread_comm(root, 100, 105, buf, sizeof(buf)), -ENOENT);
}

static void test_thread_cpu(void **state)
{
	uint64_t ns = 7;

	(void)state;
	assert_int_equal(procfs_thread_cpu(root, 100, 101, &ns), 0);
	assert_int_equal(ns, 1234567890);
	assert_int_equal(procfs_thread_cpu(root, 100, 104, &ns), -EINVAL);
	assert_int_equal(procfs_thread_cpu(root, 100, 105, &ns), -ENOENT);
	/* this thread's own, real: the kernel's count that CLOCK_THREAD_CPUTIME_ID
	 * reads too, so between two readings of that clock */
	{
		struct timespec a, b;
		uint64_t before, after;

		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
		assert_int_equal(procfs_thread_cpu("/proc", getpid(), getpid(), &ns), 0);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
		before = (uint64_t)a.tv_sec * 1000000000u + (uint64_t)a.tv_nsec;
		after = (uint64_t)b.tv_sec * 1000000000u + (uint64_t)b.tv_nsec;
		assert_in_range(ns, before, after);
	}
}

static void test_uid(void **state)
{
	uid_t uid = 0;

	assert_int_equal(procfs_uid(root, 100, &uid), 0);
	assert_int_equal(uid, 1000);
	assert_int_equal(procfs_uid(root, 101, &uid), -ENOENT);
	assert_int_equal(procfs_uid(root, 999, &uid), -ENOENT);
}

static void test_epoll_interest(void **state)
{
	struct epoll_tfd *t;
	int n;

	n = procfs_epoll_interest(root, 100, 4, &t);
	assert_int_equal(n, 3);
	assert_int_equal(t[0].tfd, 5);
	assert_int_equal(t[0].events, 0x19);
	assert_int_equal(t[0].data, 5);
	assert_int_equal(t[0].ino, 0x5a);
	assert_int_equal(t[1].tfd, 7);
	assert_int_equal(t[1].events, 0x80000019);
	assert_int_equal(t[1].data, 0xdeadbeef);
	assert_int_equal(t[1].ino, 0x1cff);
	assert_int_equal(t[2].tfd, 1024);
	assert_int_equal(t[2].events, 4);
	assert_int_equal(t[2].data, UINT64_MAX);
	assert_int_equal(t[2].ino, UINT64_MAX);
	free(t);

	t = (void *)1;
	assert_int_equal(procfs_epoll_interest(root, 100, 6, &t), 0);
	assert_null(t);
	assert_int_equal(procfs_epoll_interest(root, 100, 9, &t), -ENOENT);
	assert_null(t);
}

static void test_eventfd_count(void **state)
{
	uint64_t c = 0;

	assert_int_equal(procfs_eventfd_count(root, 100, 5, &c), 0);
	assert_int_equal(c, 0x1deadbeef);
	assert_int_equal(procfs_eventfd_count(root, 100, 6, &c), -ENOENT);
	assert_int_equal(procfs_eventfd_count(root, 100, 4, &c), -ENOENT);
	assert_int_equal(procfs_eventfd_count(root, 999, 5, &c), -ENOENT);
}

static void test_alive(void **state)
{
	assert_int_equal(procfs_alive(root, 100), 1);
	assert_int_equal(procfs_alive(root, 101), 0); /* zombie */
	assert_int_equal(procfs_alive(root, 102), 0); /* garbled */
	assert_int_equal(procfs_alive(root, 103), 0); /* cut before the state */
	assert_int_equal(procfs_alive(root, 104), 0); /* dead */
	assert_int_equal(procfs_alive(root, 105), 0); /* garbled */
	assert_int_equal(procfs_alive(root, 106), 0); /* empty */
	assert_int_equal(procfs_alive(root, 999), 0); /* missing */
}

static void test_real_self(void **state)
{
	struct proc_thread *ts;
	char comm[16], tcomm[16];
	pid_t me = getpid();
	uid_t uid = (uid_t)-1;
	int i, n, found = 0;

	assert_int_equal(procfs_comm("/proc", me, comm, sizeof(comm)), 0);
	assert_int_equal(procfs_thread_comm("/proc", me, me, tcomm, sizeof(tcomm)), 0);
	assert_string_equal(tcomm, comm);

	n = procfs_threads("/proc", me, &ts);
	assert_true(n >= 1);
	for (i = 0; i < n; i++) {
		if (ts[i].tid != me)
			continue;
		found = 1;
		assert_string_equal(ts[i].name, comm);
		/* a task reading its own syscall file is inside read() */
		assert_int_equal(ts[i].syscall_nr, SYS_read);
	}
	free(ts);
	assert_true(found);

	assert_int_equal(procfs_uid("/proc", me, &uid), 0);
	assert_int_equal(uid, getuid());
	assert_int_equal(procfs_alive("/proc", me), 1);
}

static void test_real_epoll_eventfd(void **state)
{
	struct epoll_event ev = { 0 };
	struct epoll_tfd *t;
	struct stat st;
	uint64_t c = 0, add = 3;
	int ep, efd, p[2], i, n;

	ep = epoll_create1(EPOLL_CLOEXEC);
	efd = eventfd(5, EFD_CLOEXEC);
	assert_true(ep >= 0 && efd >= 0);
	assert_int_equal(pipe(p), 0);
	ev.events = EPOLLIN;
	ev.data.u64 = 0xdeadbeef;
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev), 0);
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = 0x1122334455667788;
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);

	n = procfs_epoll_interest("/proc", getpid(), ep, &t);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		/* the kernel always adds EPOLLERR | EPOLLHUP */
		if (t[i].tfd == efd) {
			assert_int_equal(t[i].events, EPOLLIN | EPOLLERR | EPOLLHUP);
			assert_int_equal(t[i].data, 0xdeadbeef);
			assert_int_equal(fstat(efd, &st), 0);
		} else {
			assert_int_equal(t[i].tfd, p[0]);
			assert_int_equal(t[i].events,
					 (uint32_t)(EPOLLIN | EPOLLET | EPOLLERR | EPOLLHUP));
			assert_int_equal(t[i].data, 0x1122334455667788);
			assert_int_equal(fstat(p[0], &st), 0);
		}
		assert_int_equal(t[i].ino, st.st_ino);
	}
	free(t);

	assert_int_equal(procfs_eventfd_count("/proc", getpid(), efd, &c), 0);
	assert_int_equal(c, 5);
	assert_int_equal(write(efd, &add, sizeof(add)), sizeof(add));
	assert_int_equal(procfs_eventfd_count("/proc", getpid(), efd, &c), 0);
	assert_int_equal(c, 8);
	assert_int_equal(procfs_eventfd_count("/proc", getpid(), ep, &c), -ENOENT);

	close(p[0]);
	close(p[1]);
	close(efd);
	close(ep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_threads_missing),
		cmocka_unit_test(test_thread_syscall),
		cmocka_unit_test(test_comm),
		cmocka_unit_test(test_thread_cpu),
		cmocka_unit_test(test_uid),
		cmocka_unit_test(test_epoll_interest),
		cmocka_unit_test(test_eventfd_count),
		cmocka_unit_test(test_alive),
		cmocka_unit_test(test_real_self),
		cmocka_unit_test(test_real_epoll_eventfd),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
