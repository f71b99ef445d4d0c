/* procfs.h - what existed before attach, read from /proc: threads, names,
 * uid, epoll interest lists, eventfd counts, liveness.  Every function takes
 * the proc root ("/proc", or a fixture tree in tests) and returns -errno on
 * failure without printing; malformed lines are skipped. */
#ifndef LOOPSCOPE_PROCFS_H
#define LOOPSCOPE_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_thread {
	pid_t tid;
	char name[16];
	long syscall_nr; /* task/TID/syscall first field; -1 if running or unreadable */
};

/* The threads of pid, sorted by tid, in a malloc'ed *out (NULL when none).
 * Returns the count, -ESRCH when pid does not exist, or -errno. */
int procfs_threads(const char *proc_root, pid_t pid, struct proc_thread **out);

int procfs_comm(const char *proc_root, pid_t pid, char *buf, size_t len);
int procfs_thread_comm(const char *proc_root, pid_t pid, pid_t tid, char *buf, size_t len);
/* The thread's CPU time in ns (schedstat's first field: the scheduler's
 * sum_exec_runtime, steal excluded, a tick old at most); 0 or -errno. */
int procfs_thread_cpu(const char *proc_root, pid_t pid, pid_t tid, uint64_t *ns);
/* task/TID/syscall: the syscall number and its six arguments (args[0..5]);
 * -EAGAIN when the thread is on a CPU ("running") or in no syscall. */
int procfs_thread_syscall(const char *proc_root, pid_t pid, pid_t tid, long *nr,
			  unsigned long args[6]);
/* Real uid, from the Uid: line of /proc/PID/status. */
int procfs_uid(const char *proc_root, pid_t pid, uid_t *uid);

struct epoll_tfd {
	int tfd;
	uint32_t events;
	uint64_t data;
	uint64_t ino;
};

/* The tfd: lines of /proc/PID/fdinfo/FD for an epoll fd, in a malloc'ed
 * *out (NULL when none).  Returns the count or -errno. */
int procfs_epoll_interest(const char *proc_root, pid_t pid, int fd, struct epoll_tfd **out);

/* eventfd-count: of /proc/PID/fdinfo/FD; -ENOENT without one. */
int procfs_eventfd_count(const char *proc_root, pid_t pid, int fd, uint64_t *count);

/* 1 if pid exists and is neither a zombie nor dead, else 0. */
int procfs_alive(const char *proc_root, pid_t pid);

#endif
