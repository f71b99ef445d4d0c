/* syscalls.c - syscall and fd-kind names.  Raw numbers come from this
 * architecture's <sys/syscall.h>, so the table is right wherever it builds. */
#include <stddef.h>
#include <stdio.h>
#include <sys/syscall.h>

#include <linux/types.h>
#include "loopscope.h"
#include "syscalls.h"

static const char *const ls_names[LS_SC_MAX] = {
	[LS_SC_NONE] = "none",
#define LS_SC(ID, id, name, tp, cls, fdarg) [LS_SC_##ID] = #name,
#include "syscalls.def"
#undef LS_SC
};

/* syscalls.def's ids are 1..N, each once: a repeated id is an error here
 * (-Woverride-init, in -Wextra), one past LS_SC_MAX too, and then N
 * entries below LS_SC_MAX are all of them. */
enum {
#define LS_SC(ID, id, name, tp, cls, fdarg) LS_POS_##ID,
#include "syscalls.def"
#undef LS_SC
	LS_SC_COUNT
};
_Static_assert(LS_SC_COUNT == LS_SC_MAX - 1, "syscalls.def: ids must be 1..N, in order");

/* Syscalls that newer architectures (arm64, riscv) no longer have: no
 * SYS_ number there, so nothing for the probes to match. */
#ifndef SYS_epoll_create
#define SYS_epoll_create -1
#endif
#ifndef SYS_epoll_wait
#define SYS_epoll_wait -1
#endif
#ifndef SYS_eventfd
#define SYS_eventfd -1
#endif
#ifndef SYS_pipe
#define SYS_pipe -1
#endif

static const struct {
	long nr;
	const char *tp;
	const char *fdarg;
	unsigned char cls;
} ls_info[LS_SC_MAX] = {
	[LS_SC_NONE] = {-1, "", "none", LS_CL_NONE},
#define LS_SC(ID, id, name, tp, cls, fdarg) [LS_SC_##ID] = {SYS_##name, #tp, #fdarg, cls},
#include "syscalls.def"
#undef LS_SC
};

const char *ls_syscall_name(int lsc)
{
	return lsc >= 0 && lsc < LS_SC_MAX && ls_names[lsc] ? ls_names[lsc] : "?";
}

long ls_syscall_nr(int lsc)
{
	return lsc > 0 && lsc < LS_SC_MAX ? ls_info[lsc].nr : -1;
}

int ls_syscall_class(int lsc)
{
	return lsc > 0 && lsc < LS_SC_MAX ? ls_info[lsc].cls : LS_CL_NONE;
}

/* One line per syscall: id, name, tracepoint, fd field (tab-separated). */
void ls_syscalls_list(FILE *out)
{
	for (int i = 1; i < LS_SC_MAX; i++)
		fprintf(out, "%d\t%s\t%s\t%s\n", i, ls_names[i], ls_info[i].tp, ls_info[i].fdarg);
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
