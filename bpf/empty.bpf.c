// SPDX-License-Identifier: GPL-2.0
/* empty.bpf.c - the floor for the benchmarks: a program that does nothing on
 * every tracepoint loopscope.bpf.c attaches to, with the same attach types
 * (syscall tracepoints, tp_btf scheduler events).  What a process pays with
 * these attached is the price of having any BPF program there at all;
 * loopscope's own cost is measured against it.  Keep the list in step with
 * loopscope.bpf.c: bench/run checks that both attach as many probes. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define EMPTY_SYSCALL(name)                                                    \
	SEC("tracepoint/syscalls/sys_enter_" #name)                            \
	int enter_##name(struct syscall_trace_enter *ctx)                      \
	{                                                                      \
		return 0;                                                      \
	}                                                                      \
	SEC("tracepoint/syscalls/sys_exit_" #name)                             \
	int exit_##name(struct syscall_trace_exit *ctx)                        \
	{                                                                      \
		return 0;                                                      \
	}

EMPTY_SYSCALL(epoll_create)
EMPTY_SYSCALL(epoll_create1)
EMPTY_SYSCALL(epoll_ctl)
EMPTY_SYSCALL(epoll_wait)
EMPTY_SYSCALL(epoll_pwait)
EMPTY_SYSCALL(epoll_pwait2)
EMPTY_SYSCALL(eventfd)
EMPTY_SYSCALL(eventfd2)
EMPTY_SYSCALL(read)
EMPTY_SYSCALL(write)
EMPTY_SYSCALL(readv)
EMPTY_SYSCALL(writev)
EMPTY_SYSCALL(recvfrom)
EMPTY_SYSCALL(sendto)
EMPTY_SYSCALL(recvmsg)
EMPTY_SYSCALL(sendmsg)
EMPTY_SYSCALL(socket)
EMPTY_SYSCALL(socketpair)
EMPTY_SYSCALL(accept)
EMPTY_SYSCALL(accept4)
EMPTY_SYSCALL(connect)
EMPTY_SYSCALL(shutdown)
EMPTY_SYSCALL(close)
EMPTY_SYSCALL(pipe)
EMPTY_SYSCALL(pipe2)
EMPTY_SYSCALL(sendfile64)
EMPTY_SYSCALL(listen)
EMPTY_SYSCALL(bind)
EMPTY_SYSCALL(recvmmsg)
EMPTY_SYSCALL(sendmmsg)

SEC("tp_btf/sched_waking")
int BPF_PROG(empty_sched_waking, struct task_struct *p)
{
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(empty_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(empty_sched_fork, struct task_struct *parent, struct task_struct *child)
{
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(empty_sched_exit, struct task_struct *p, bool group_dead)
{
	return 0;
}
