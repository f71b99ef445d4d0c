/* syscalls.c - syscall and fd-kind names.  Raw numbers come from this
 * architecture's <sys/syscall.h>, so the table is right wherever it builds. */
#include <stddef.h>
#include <sys/syscall.h>

#include <linux/types.h>
#include "loopscope.h"
#include "syscalls.h"

static const char *const ls_names[LS_SC_MAX] = {
	[LS_SC_NONE] = "none",
	[LS_SC_EPOLL_CREATE] = "epoll_create",
	[LS_SC_EPOLL_CREATE1] = "epoll_create1",
	[LS_SC_EPOLL_CTL] = "epoll_ctl",
	[LS_SC_EPOLL_WAIT] = "epoll_wait",
	[LS_SC_EPOLL_PWAIT] = "epoll_pwait",
	[LS_SC_EPOLL_PWAIT2] = "epoll_pwait2",
	[LS_SC_EVENTFD] = "eventfd",
	[LS_SC_EVENTFD2] = "eventfd2",
	[LS_SC_READ] = "read",
	[LS_SC_WRITE] = "write",
	[LS_SC_READV] = "readv",
	[LS_SC_WRITEV] = "writev",
	[LS_SC_RECVFROM] = "recvfrom",
	[LS_SC_SENDTO] = "sendto",
	[LS_SC_RECVMSG] = "recvmsg",
	[LS_SC_SENDMSG] = "sendmsg",
	[LS_SC_SOCKET] = "socket",
	[LS_SC_SOCKETPAIR] = "socketpair",
	[LS_SC_ACCEPT] = "accept",
	[LS_SC_ACCEPT4] = "accept4",
	[LS_SC_CONNECT] = "connect",
	[LS_SC_SHUTDOWN] = "shutdown",
	[LS_SC_CLOSE] = "close",
	[LS_SC_PIPE] = "pipe",
	[LS_SC_PIPE2] = "pipe2",
	[LS_SC_SENDFILE] = "sendfile",
	[LS_SC_LISTEN] = "listen",
	[LS_SC_BIND] = "bind",
	[LS_SC_RECVMMSG] = "recvmmsg",
	[LS_SC_SENDMMSG] = "sendmmsg",
};

const char *ls_syscall_name(int lsc)
{
	return lsc >= 0 && lsc < LS_SC_MAX && ls_names[lsc] ? ls_names[lsc] : "?";
}

#define NAME(x) {SYS_##x, #x}
static const struct {
	long nr;
	const char *name;
} raw_names[] = {
	NAME(read), NAME(write), NAME(readv), NAME(writev), NAME(pread64), NAME(pwrite64),
	NAME(recvfrom), NAME(sendto), NAME(recvmsg), NAME(sendmsg), NAME(recvmmsg),
	NAME(sendmmsg), NAME(accept), NAME(accept4), NAME(connect), NAME(futex),
	NAME(nanosleep), NAME(clock_nanosleep), NAME(ppoll), NAME(pselect6),
	NAME(epoll_pwait), NAME(epoll_pwait2), NAME(wait4), NAME(waitid), NAME(openat),
	NAME(fsync), NAME(fdatasync), NAME(flock), NAME(fcntl), NAME(io_uring_enter),
	NAME(io_getevents), NAME(msgrcv), NAME(semop), NAME(rt_sigtimedwait),
	NAME(rt_sigsuspend), NAME(close), NAME(getrandom), NAME(sched_yield), NAME(splice),
	NAME(sendfile), NAME(execve), NAME(exit_group), NAME(mmap), NAME(munmap),
	NAME(madvise), NAME(statx), NAME(newfstatat), NAME(unlinkat),
#ifdef SYS_epoll_wait
	NAME(epoll_wait),
#endif
#ifdef SYS_poll
	NAME(poll), NAME(select), NAME(pause), NAME(open), NAME(stat),
#endif
};

const char *raw_syscall_name(long nr)
{
	for (size_t i = 0; i < sizeof(raw_names) / sizeof(raw_names[0]); i++)
		if (raw_names[i].nr == nr)
			return raw_names[i].name;
	return NULL;
}

bool raw_syscall_is_wait(long nr)
{
#ifdef SYS_epoll_wait
	if (nr == SYS_epoll_wait)
		return true;
#endif
	return nr == SYS_epoll_pwait || nr == SYS_epoll_pwait2;
}

bool raw_syscall_is_futex(long nr)
{
#ifdef SYS_futex_waitv
	if (nr == SYS_futex_waitv)
		return true;
#endif
	return nr == SYS_futex;
}

static const char *const kind_names[LS_FD_KIND_MAX] = {
	[LS_FD_OTHER] = "other",     [LS_FD_SOCKET] = "socket",     [LS_FD_PIPE] = "pipe",
	[LS_FD_EVENTFD] = "eventfd", [LS_FD_EPOLL] = "epoll",       [LS_FD_TIMERFD] = "timerfd",
	[LS_FD_SIGNALFD] = "signalfd", [LS_FD_IO_URING] = "io_uring",
};

const char *fd_kind_name(int kind)
{
	return kind >= 0 && kind < LS_FD_KIND_MAX ? kind_names[kind] : "other";
}
