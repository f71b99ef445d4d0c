// SPDX-License-Identifier: GPL-2.0
/* empty.bpf.c - the benchmarks' floor, the limit any syscall tracer can
 * reach here: programs that do nothing on exactly the attach points
 * loopscope.bpf.c uses (tp_btf on raw_syscalls sys_enter/sys_exit, and the
 * scheduler events).  Attaching any syscall tracepoint puts every thread of
 * the machine on the syscall slow path; what a process pays with these
 * attached is that price and the price of running a BPF program at all.
 * loopscope's own cost is measured against it.  Keep it in step with
 * loopscope.bpf.c: bench/run checks that both attach as many probes. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sys_enter")
int BPF_PROG(empty_sys_enter, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(empty_sys_exit, struct pt_regs *regs, long ret)
{
	return 0;
}

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
