// SPDX-License-Identifier: GPL-2.0
/* loopscope.bpf.c - the kernel side: two programs on the raw syscall
 * tracepoints (tp_btf sys_enter/sys_exit) and the scheduler tracepoints, for
 * the traced processes only.  Entry handlers note what user space cannot
 * read later (the kernel object behind an fd, an eventfd's counter); exit
 * handlers pair with them and write one record per completed operation.
 * Policy (aggregation, diagnoses) lives in user space. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "loopscope.h"

char LICENSE[] SEC("license") = "GPL";

#define SOCKFS_MAGIC 0x534F434B
#define PIPEFS_MAGIC 0x50495045
#define ANON_INODE_FS_MAGIC 0x09041934
#define AF_INET 2
#define AF_INET6 10
#define AF_UNIX 1
#define EPOLL_CTL_DEL 2

/* Set before load by the collector. */
const volatile bool follow_forks = false;
const volatile int bench_stage = LS_STAGE_FULL; /* enum ls_bench_stage */

/* Raw syscall number of this architecture -> enum ls_syscall (0: not
 * followed), filled before load from syscalls.def (user/probes.c).  Any
 * syscall tracepoint puts every thread of the machine on the syscall slow
 * path, so these programs run for every syscall of every process: this
 * table is the first thing they look at, one load, before the traced-tgid
 * hash lookup. */
#define LS_NR_MAX 512
const volatile __u8 sc_of_nr[LS_NR_MAX] = {};

static const __u8 sc_class[LS_SC_MAX] = {
#define LS_SC(ID, id, name, tp, cls, fdarg) [id] = cls,
#include "syscalls.def"
#undef LS_SC
};

/* Counted, never silent: read and reported by the collector. */
__u64 ringbuf_drops = 0;
__u64 inflight_drops = 0;

/* The traced processes, a bit per tgid (PID_MAX_LIMIT of 64-bit kernels:
 * 512 KiB); the collector sets bits at any time through the mmapped .bss,
 * the probes for forks they follow and clear them at a process's exit.  A
 * bit test is a load; the hash map it replaces was a helper call and a
 * jhash on every followed syscall of every process of the machine and
 * twice on every context switch. */
#define TRACED_MAX (4 << 20)
__u64 traced_bits[TRACED_MAX / 64] = {};
/* A tgid's word: the mask bounds the index for the verifier (a tgid is
 * below PID_MAX_LIMIT; clang folds a comparison into one it cannot follow). */
#define TRACED_WORD(tgid) traced_bits[((tgid) / 64) & (TRACED_MAX / 64 - 1)]

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} records SEC(".maps");

/* A syscall of a traced thread between its entry and exit. */
struct inflight {
	__u64 start;
	__u64 args[6];
	__u64 obj;
	__u64 value;
	__u64 before;
	__u64 cpu;   /* a wait's: the thread's CPU time at entry */
	__u16 sc;
	__u8 kind;
	__u8 cls;    /* enum ls_sc_class of sc */
};

/* Task-local: found from the task itself, no hashing, no bucket lock, and no
 * element to allocate and free on every syscall as a hash map did (that was
 * a third of loopscope's cost per syscall).  sc == 0: nothing in flight. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct inflight);
} inflight SEC(".maps");

static __always_inline bool is_traced(__u32 tgid)
{
	return TRACED_WORD(tgid) & (1ULL << (tgid % 64));
}

/* LS_STAGE_HANDLER: records are built here and go nowhere. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[512]);
} scratch SEC(".maps");

static __always_inline void *reserve(__u64 size)
{
	void *r;

	if (bench_stage == LS_STAGE_HANDLER) {
		__u32 zero = 0;

		return bpf_map_lookup_elem(&scratch, &zero);
	}
	r = bpf_ringbuf_reserve(&records, size, 0);

	if (!r)
		__sync_fetch_and_add(&ringbuf_drops, 1);
	return r;
}

/* Wake the collector only when this much waits in the ring buffer.  A
 * wake-up per record costs the traced thread an irq_work (a self-IPI, a VM
 * exit under virtualization) and the collector a trip through epoll_wait per
 * record; the collector also reads the buffer every 100 ms without being
 * woken (probes_poll), so no record waits longer than that. */
#define WAKE_BYTES (256 << 10)

/* The producer position of the last forced wake-up.  Past the mark, wake
 * once per WAKE_BYTES of records, not on every record: a collector that is
 * stopped (SIGSTOP) or starved is not woken any sooner by a wake-up per
 * record, and each one costs the traced thread an irq_work (it slowed a
 * traced program by some 40%). */
__u64 last_wake_pos = 0;

static __always_inline void submit(void *r)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bench_stage == LS_STAGE_HANDLER)
		return;

	if (bpf_ringbuf_query(&records, BPF_RB_AVAIL_DATA) >= WAKE_BYTES) {
		__u64 pos = bpf_ringbuf_query(&records, BPF_RB_PROD_POS), last = last_wake_pos;

		if (pos - last >= WAKE_BYTES &&
		    __sync_val_compare_and_swap(&last_wake_pos, last, pos) == last)
			flags = BPF_RB_FORCE_WAKEUP;
	}
	bpf_ringbuf_submit(r, flags);
}

static __always_inline void fill_hdr(struct ls_hdr *h, __u16 type, __u16 size, __u64 pid_tgid)
{
	h->ts = bpf_ktime_get_ns();
	h->tgid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->type = type;
	h->size = size;
	h->cpu = bpf_get_smp_processor_id();
}

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* The fd's file, as a BTF pointer: its fields are then plain loads that the
 * verifier turns into fault-safe reads, not a helper call each (the walk to
 * an fd's kind and object took nine bpf_probe_read_kernel calls). */
static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file *f = NULL;

	if (fd < 0 || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fdt->fd[fd]);
	if (!f)
		return NULL;
	return bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file));
}

/* Kind from the filesystem the inode lives on, and for anonymous inodes
 * from their name ("[eventfd]", "[eventpoll]", ...). */
static __always_inline __u8 file_kind(struct file *f)
{
	unsigned long magic;
	const unsigned char *name;
	char buf[8] = {};

	if (!f)
		return LS_FD_OTHER;
	magic = f->f_inode->i_sb->s_magic;
	if (magic == SOCKFS_MAGIC)
		return LS_FD_SOCKET;
	if (magic == PIPEFS_MAGIC)
		return LS_FD_PIPE;
	if (magic != ANON_INODE_FS_MAGIC)
		return LS_FD_OTHER;
	name = f->f_path.dentry->d_name.name;
	bpf_probe_read_kernel(buf, sizeof(buf), name);
	if (buf[0] != '[')
		return LS_FD_OTHER;
	switch (buf[1]) {
	case 'e':
		return buf[6] == 'f' ? LS_FD_EVENTFD : buf[6] == 'p' ? LS_FD_EPOLL : LS_FD_OTHER;
	case 't':
		return LS_FD_TIMERFD;
	case 's':
		return LS_FD_SIGNALFD;
	case 'i':
		return LS_FD_IO_URING;
	}
	return LS_FD_OTHER;
}

static __always_inline __u64 file_obj(struct file *f)
{
	return f ? (__u64)f->private_data : 0;
}

static __always_inline void read_sockaddr(struct file *f, struct ls_sockaddr *a,
					  __u16 *type, __u16 *protocol)
{
	struct socket *sock = (struct socket *)BPF_CORE_READ(f, private_data);
	struct sock *sk = BPF_CORE_READ(sock, sk);

	if (!sk)
		return;
	a->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	*type = BPF_CORE_READ(sk, sk_type);
	*protocol = BPF_CORE_READ(sk, sk_protocol);
	if (a->family != AF_INET && a->family != AF_INET6)
		return;
	a->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	a->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (a->family == AF_INET) {
		__u32 l = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u32 r = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memcpy(a->laddr, &l, sizeof(l));
		__builtin_memcpy(a->raddr, &r, sizeof(r));
	} else {
		bpf_core_read(a->laddr, sizeof(a->laddr), &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(a->raddr, sizeof(a->raddr), &sk->__sk_common.skc_v6_daddr);
	}
}

/* An AF_UNIX socket's peer, by the identity its own fds carry (its struct
 * socket): how two ends of a socketpair made before attach are paired. */
static __always_inline __u64 unix_peer(struct file *f)
{
	struct socket *sock = (struct socket *)BPF_CORE_READ(f, private_data);
	struct unix_sock *u = (struct unix_sock *)BPF_CORE_READ(sock, sk);
	struct sock *peer = BPF_CORE_READ(u, peer);

	return peer ? (__u64)BPF_CORE_READ(peer, sk_socket) : 0;
}

static __always_inline bool is_data_cls(int cls)
{
	return cls == LS_CL_READ || cls == LS_CL_WRITE;
}

/* A syscall's number and arguments in the user's registers (libbpf 1.1's
 * bpf_tracing.h has no sixth). */
#ifdef __TARGET_ARCH_x86
#define SYSCALL_NR(regs) ((regs)->orig_ax)
#define SC_ARG1(regs) ((regs)->di)
#define SC_ARG2(regs) ((regs)->si)
#define SC_ARG3(regs) ((regs)->dx)
#define SC_ARG4(regs) ((regs)->r10)
#define SC_ARG5(regs) ((regs)->r8)
#define SC_ARG6(regs) ((regs)->r9)
#elif defined(__TARGET_ARCH_arm64)
#define SYSCALL_NR(regs) ((regs)->syscallno)
#define SC_ARG1(regs) ((regs)->orig_x0)
#define SC_ARG2(regs) ((regs)->regs[1])
#define SC_ARG3(regs) ((regs)->regs[2])
#define SC_ARG4(regs) ((regs)->regs[3])
#define SC_ARG5(regs) ((regs)->regs[4])
#define SC_ARG6(regs) ((regs)->regs[5])
#else
#error "loopscope.bpf.c: syscall registers of this architecture unknown"
#endif

/* The arguments are the user's registers at entry (x86_64: di, si, dx, r10,
 * r8, r9), read as BTF loads; all six, whatever the syscall. */
static __always_inline int on_enter(struct pt_regs *regs, int sc, int cls, __u64 pid_tgid)
{
	struct inflight in = {}, *slot;
	struct file *f;

	in.start = bpf_ktime_get_ns();
	in.sc = sc;
	in.cls = cls;
	in.args[0] = SC_ARG1(regs);
	in.args[1] = SC_ARG2(regs);
	in.args[2] = SC_ARG3(regs);
	in.args[3] = SC_ARG4(regs);
	in.args[4] = SC_ARG5(regs);
	in.args[5] = SC_ARG6(regs);

	if (is_data_cls(cls) || cls == LS_CL_CLOSE || cls == LS_CL_SOCK_OP) {
		f = fd_file((int)in.args[0]);
		in.kind = file_kind(f);
		/* A write to an fd that is not open (EBADF): kept, with no object,
		 * so user space can tell a write to a waker already closed. */
		if (!f && cls == LS_CL_WRITE)
			goto keep;
		/* read() of a regular file is not ours: no state, no record. */
		if (in.kind == LS_FD_OTHER)
			return 0;
		if (is_data_cls(cls) && in.kind != LS_FD_SOCKET && in.kind != LS_FD_PIPE &&
		    in.kind != LS_FD_EVENTFD)
			return 0;
		in.obj = file_obj(f);
		/* a socket's close: its addresses while it still has them, in
		 * args[1..5] (close has one argument; 40 bytes, an ls_sockaddr) */
		if (sc == LS_SC_CLOSE && in.kind == LS_FD_SOCKET) {
			__u16 type = 0, proto = 0;

			read_sockaddr(f, (struct ls_sockaddr *)&in.args[1], &type, &proto);
			in.value = type | (__u32)proto << 16;
		}
		if (in.kind == LS_FD_EVENTFD && sc == LS_SC_WRITE) {
			struct eventfd_ctx *ectx = (struct eventfd_ctx *)in.obj;

			bpf_probe_read_user(&in.value, sizeof(in.value), (void *)in.args[1]);
			in.before = BPF_CORE_READ(ectx, count);
		}
	} else if (cls == LS_CL_WAIT || cls == LS_CL_CTL) {
		f = fd_file((int)in.args[0]);
		in.obj = file_obj(f);
		if (sc != LS_SC_EPOLL_CTL)
			in.cpu = bpf_get_current_task_btf()->se.sum_exec_runtime;
		if (sc == LS_SC_EPOLL_CTL) {
			struct file *tf = fd_file((int)in.args[2]);
			struct epoll_event ev = {};

			in.kind = file_kind(tf);
			in.value = file_obj(tf);
			if (in.args[3] && in.args[1] != EPOLL_CTL_DEL) {
				bpf_probe_read_user(&ev, sizeof(ev), (void *)in.args[3]);
				in.before = ev.events;
				in.args[4] = ev.data;
			} else {
				in.args[4] = 0;
			}
		} else if (sc == LS_SC_EPOLL_PWAIT2) {
			struct __kernel_timespec ts;

			if (!in.args[3]) {
				in.value = (__u64)-1;
			} else if (bpf_probe_read_user(&ts, sizeof(ts), (void *)in.args[3]) == 0) {
				in.value = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
			}
		} else {
			int ms = (int)in.args[3];

			in.value = ms < 0 ? (__u64)-1 : (__u64)ms * 1000000ULL;
		}
	}
keep:
	slot = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0,
				    BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!slot) {
		__sync_fetch_and_add(&inflight_drops, 1);
		return 0;
	}
	*slot = in;
	return 0;
}

static __noinline void emit_wait(struct inflight *in, long ret, __u64 pid_tgid)
{
	struct ls_rec_wait *r = reserve(sizeof(*r));
	struct epoll_event evs[LS_WAIT_EVENTS_MAX];
	__u32 n = 0;

	if (!r)
		return;
	fill_hdr(&r->h, LS_REC_WAIT, sizeof(*r), pid_tgid);
	r->obj = in->obj;
	r->start = in->start;
	r->timeout_ns = (__s64)in->value;
	r->epfd = (int)in->args[0];
	r->ret = (int)ret;
	r->sc = in->sc;
	r->pad = 0;
	if (ret > 0) {
		n = ret < LS_WAIT_EVENTS_MAX ? ret : LS_WAIT_EVENTS_MAX;
		if (bpf_probe_read_user(evs, n * sizeof(evs[0]) & 0xff, (void *)in->args[1]))
			n = 0;
	}
	r->nev = n;
	for (int i = 0; i < LS_WAIT_EVENTS_MAX; i++) {
		if (i < n) {
			r->ev[i].events = evs[i].events;
			r->ev[i].data = evs[i].data;
		} else {
			r->ev[i].events = 0;
			r->ev[i].data = 0;
		}
		r->ev[i].pad = 0;
	}
	r->cpu_enter = in->cpu;
	r->cpu_exit = bpf_get_current_task_btf()->se.sum_exec_runtime;
	submit(r);
}

static __noinline void emit_ctl(struct inflight *in, long ret, __u64 pid_tgid)
{
	struct ls_rec_ctl *r = reserve(sizeof(*r));

	if (!r)
		return;
	__builtin_memset(r, 0, sizeof(*r));
	fill_hdr(&r->h, LS_REC_CTL, sizeof(*r), pid_tgid);
	r->obj = in->obj;
	r->fd_obj = in->value;
	r->data = in->args[4];
	r->epfd = (int)in->args[0];
	r->op = (int)in->args[1];
	r->fd = (int)in->args[2];
	r->events = (__u32)in->before;
	r->ret = (int)ret;
	r->fd_kind = in->kind;
	submit(r);
}

/* recvmmsg/sendmmsg: the bytes of the first n messages of the vector. */
struct mmsg_sum {
	const struct mmsghdr *vec;
	__u64 bytes;
};

static long mmsg_add(__u64 i, void *data)
{
	struct mmsg_sum *s = data;
	unsigned int len = 0;

	bpf_probe_read_user(&len, sizeof(len), &s->vec[i].msg_len);
	s->bytes += len;
	return 0;
}

#define MMSG_MAX 1024 /* UIO_MAXIOV: the kernel's own bound on vlen */

static __noinline void emit_io(struct inflight *in, long ret, __u64 pid_tgid)
{
	struct ls_rec_io *r = reserve(sizeof(*r));
	int sc = in->sc;

	if (!r)
		return;
	fill_hdr(&r->h, LS_REC_IO, sizeof(*r), pid_tgid);
	r->obj = in->obj;
	r->start = in->start;
	r->ret = ret;
	r->value = in->value;
	r->before = in->before;
	r->fd = (int)in->args[0];
	r->sc = sc;
	r->kind = in->kind;
	r->dir = in->cls == LS_CL_WRITE ? LS_DIR_WRITE : LS_DIR_READ;
	if ((sc == LS_SC_RECVMMSG || sc == LS_SC_SENDMMSG) && ret > 0) {
		struct mmsg_sum s = {.vec = (const struct mmsghdr *)in->args[1]};

		bpf_loop(ret < MMSG_MAX ? (__u32)ret : MMSG_MAX, mmsg_add, &s, 0);
		r->value = ret;
		r->ret = s.bytes;
	}
	if (in->kind == LS_FD_EVENTFD && sc == LS_SC_READ && ret == 8)
		bpf_probe_read_user(&r->value, sizeof(r->value), (void *)in->args[1]);
	submit(r);
}

static __noinline void emit_close(struct inflight *in, long ret, __u64 pid_tgid)
{
	struct ls_rec_close *r = reserve(sizeof(*r));

	if (!r)
		return;
	__builtin_memset(r, 0, sizeof(*r));
	fill_hdr(&r->h, LS_REC_CLOSE, sizeof(*r), pid_tgid);
	r->obj = in->obj;
	r->start = in->start;
	r->fd = (int)in->args[0];
	r->ret = (int)ret;
	r->kind = in->kind;
	if (in->kind == LS_FD_SOCKET) {
		__builtin_memcpy(&r->addr, &in->args[1], sizeof(r->addr));
		r->sock_type = (__u16)in->value;
		r->protocol = (__u16)(in->value >> 16);
	}
	submit(r);
}

static __noinline void emit_sock_op(struct inflight *in, long ret, __u64 pid_tgid)
{
	struct ls_rec_sock_op *r = reserve(sizeof(*r));
	__u16 type = 0, proto = 0;

	if (!r)
		return;
	__builtin_memset(r, 0, sizeof(*r));
	fill_hdr(&r->h, LS_REC_SOCK_OP, sizeof(*r), pid_tgid);
	r->obj = in->obj;
	r->start = in->start;
	r->fd = (int)in->args[0];
	r->ret = (int)ret;
	r->arg = (int)in->args[1];
	r->sc = in->sc;
	/* connect, listen, bind: the socket's addresses after the call */
	if (in->sc != LS_SC_SHUTDOWN && in->kind == LS_FD_SOCKET)
		read_sockaddr(fd_file(r->fd), &r->addr, &type, &proto);
	submit(r);
}

/* A created fd: its kind and identity are read now, from the fd table. */
static __always_inline void new_fd_slot(struct ls_rec_fd_new *r, int i, int fd)
{
	struct file *f = fd_file(fd);

	r->fd[i & 1] = fd;
	r->kind[i & 1] = file_kind(f);
	r->obj[i & 1] = file_obj(f);
	if (i == 0 && r->kind[0] == LS_FD_SOCKET)
		read_sockaddr(f, &r->addr, &r->sock_type, &r->protocol);
}

static __noinline void emit_fd_new(struct inflight *in, long ret, __u64 pid_tgid)
{
	struct ls_rec_fd_new *r;
	int sc = in->sc;
	int fds[2] = {-1, -1};

	if (ret < 0)
		return; /* a failed create leaves nothing to model */
	r = reserve(sizeof(*r));
	if (!r)
		return;
	__builtin_memset(r, 0, sizeof(*r));
	fill_hdr(&r->h, LS_REC_FD_NEW, sizeof(*r), pid_tgid);
	r->start = in->start;
	r->ret = (int)ret;
	r->sc = sc;
	r->fd[0] = r->fd[1] = -1;
	if (sc == LS_SC_PIPE || sc == LS_SC_PIPE2 || sc == LS_SC_SOCKETPAIR) {
		void *uptr = (void *)(sc == LS_SC_SOCKETPAIR ? in->args[3] : in->args[0]);

		bpf_probe_read_user(fds, sizeof(fds), uptr);
		new_fd_slot(r, 0, fds[0]);
		new_fd_slot(r, 1, fds[1]);
	} else {
		new_fd_slot(r, 0, (int)ret);
	}
	if (sc == LS_SC_ACCEPT || sc == LS_SC_ACCEPT4)
		r->parent = file_obj(fd_file((int)in->args[0]));
	submit(r);
}

static __always_inline int on_exit(long ret, int sc, __u64 pid_tgid)
{
	struct inflight *in = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0, 0);
	int cls;

	if (!in || !in->sc)
		return 0;
	if (in->sc != sc) {
		/* entry seen for another syscall: its exit was lost */
		in->sc = 0;
		return 0;
	}
	cls = in->cls;
	if (cls == LS_CL_WAIT)
		emit_wait(in, ret, pid_tgid);
	else if (cls == LS_CL_CTL)
		emit_ctl(in, ret, pid_tgid);
	else if (is_data_cls(cls))
		emit_io(in, ret, pid_tgid);
	else if (cls == LS_CL_CLOSE)
		emit_close(in, ret, pid_tgid);
	else if (cls == LS_CL_SOCK_OP)
		emit_sock_op(in, ret, pid_tgid);
	else
		emit_fd_new(in, ret, pid_tgid);
	in->sc = 0;
	return 0;
}

static __always_inline int lsc_of(long nr)
{
	if ((unsigned long)nr >= LS_NR_MAX)
		return 0;
	return sc_of_nr[nr];
}

#ifdef __TARGET_ARCH_x86
#define TS_COMPAT 0x0002
#endif

/* A 32-bit process on a 64-bit kernel numbers its syscalls otherwise: not
 * ours (the syscalls:* tracepoints ignored them too). */
static __always_inline bool compat_syscall(void)
{
#ifdef TS_COMPAT
	struct task_struct *task = bpf_get_current_task_btf();

	return task->thread_info.status & TS_COMPAT;
#else
	return false;
#endif
}

/* Every syscall of the machine comes here: the filter first (the number's
 * table, then the traced tgid), then the syscall's class decides what to
 * note. */
SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	int sc = lsc_of(id), cls;
	__u64 pid_tgid;

	if (!sc)
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	if (!is_traced(pid_tgid >> 32) || compat_syscall())
		return 0;
	if (bench_stage == LS_STAGE_FILTER)
		return 0;
	if (sc >= LS_SC_MAX)
		return 0;
	cls = sc_class[sc];
	return on_enter(regs, sc, cls, pid_tgid);
}

/* The exit's filter: the number's table, the traced tgid, then the
 * thread's in-flight slot, which only its entry filled. */
SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	int sc = lsc_of(SYSCALL_NR(regs));
	__u64 pid_tgid;

	if (!sc)
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	if (!is_traced(pid_tgid >> 32))
		return 0;
	return on_exit(ret, sc, pid_tgid);
}

/* The waker is the current task: sched_waking runs in its context, where
 * sched_wakeup may run on the woken task's CPU. */
/* The scheduler tracepoints' task arguments are BTF pointers: their fields
 * are plain loads, not a helper call each (sched_switch runs on every
 * context switch of the machine). */
SEC("tp_btf/sched_waking")
int BPF_PROG(on_sched_waking, struct task_struct *p)
{
	__u32 tgid = p->tgid;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct ls_rec_wakeup *r;
	struct inflight *in;

	if (!is_traced(tgid) || bench_stage == LS_STAGE_FILTER)
		return 0;
	r = reserve(sizeof(*r));
	if (!r)
		return 0;
	__builtin_memset(r, 0, sizeof(*r));
	fill_hdr(&r->h, LS_REC_WAKEUP, sizeof(*r), pid_tgid);
	r->tid = p->pid;
	r->tgid = tgid;
	in = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0, 0);
	if (in && in->sc) {
		r->wsc = in->sc;
		r->wobj = in->obj;
		r->wstart = in->start;
		r->wkind = in->kind;
	}
	submit(r);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	__u32 ptgid = prev->tgid, ntgid = next->tgid;
	bool pt = ptgid && is_traced(ptgid), nt = ntgid && is_traced(ntgid);
	struct ls_rec_switch *r;
	__u64 pid_tgid;

	if ((!pt && !nt) || bench_stage == LS_STAGE_FILTER)
		return 0;
	r = reserve(sizeof(*r));
	if (!r)
		return 0;
	r->prev_tid = pt ? prev->pid : 0;
	r->prev_tgid = pt ? ptgid : 0;
	r->next_tid = nt ? next->pid : 0;
	r->next_tgid = nt ? ntgid : 0;
	pid_tgid = pt ? (__u64)ptgid << 32 | r->prev_tid : (__u64)ntgid << 32 | r->next_tid;
	fill_hdr(&r->h, LS_REC_SWITCH, sizeof(*r), pid_tgid);
	r->prev_state = preempt ? 0 : prev_state;
	r->prev_sc = -1;
	r->prev_obj = 0;
	r->prev_lsc = 0;
	r->prev_kind = 0;
	__builtin_memset(r->pad, 0, sizeof(r->pad));
	if (pt && r->prev_state) {
		struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(prev);
		struct inflight *in = bpf_task_storage_get(&inflight, prev, 0, 0);

		r->prev_sc = BPF_CORE_READ(regs, orig_ax);
		if (in && in->sc) {
			r->prev_obj = in->obj;
			r->prev_lsc = in->sc;
			r->prev_kind = in->kind;
		}
	}
	submit(r);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_sched_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid;
	__u32 ctgid = child->tgid;
	struct ls_rec_task *r;

	if (!is_traced(ptgid))
		return 0;
	if (ctgid != ptgid) {
		if (!follow_forks)
			return 0;
		__sync_fetch_and_or(&TRACED_WORD(ctgid), 1ULL << (ctgid % 64));
	}
	r = reserve(sizeof(*r));
	if (!r)
		return 0;
	__builtin_memset(r, 0, sizeof(*r));
	fill_hdr(&r->h, LS_REC_TASK_NEW, sizeof(*r),
		 (__u64)ptgid << 32 | parent->pid);
	r->child_tid = child->pid;
	r->child_tgid = ctgid;
	BPF_CORE_READ_STR_INTO(&r->comm, child, comm);
	submit(r);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_sched_exit, struct task_struct *p, bool group_dead)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	struct ls_rec_task *r;

	if (!is_traced(tgid))
		return 0;
	/* its inflight storage goes with the task */
	r = reserve(sizeof(*r));
	if (r) {
		__builtin_memset(r, 0, sizeof(*r));
		fill_hdr(&r->h, LS_REC_TASK_EXIT, sizeof(*r), pid_tgid);
		r->group_dead = group_dead;
		r->exit_code = p->exit_code;
		BPF_CORE_READ_STR_INTO(&r->comm, p, comm);
		submit(r);
	}
	if (group_dead)
		__sync_fetch_and_and(&TRACED_WORD(tgid), ~(1ULL << (tgid % 64)));
	return 0;
}

/* Walked once at attach: every socket, pipe, eventfd, epoll... fd open in a
 * traced process, with the same identity the syscall records carry. */
SEC("iter/task_file")
int dump_fds(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *f = ctx->file;
	struct ls_rec_fd_info r = {};

	if (!task || !f)
		return 0;
	r.h.tgid = task->tgid;
	if (!is_traced(r.h.tgid))
		return 0;
	r.kind = file_kind(f);
	if (r.kind == LS_FD_OTHER)
		return 0;
	r.h.ts = bpf_ktime_get_ns();
	r.h.tid = task->pid;
	r.h.type = LS_REC_FD_INFO;
	r.h.size = sizeof(r);
	r.fd = ctx->fd;
	r.obj = file_obj(f);
	r.ino = BPF_CORE_READ(f, f_inode, i_ino);
	if (r.kind == LS_FD_SOCKET) {
		read_sockaddr(f, &r.addr, &r.sock_type, &r.protocol);
		if (r.addr.family == AF_UNIX)
			r.peer = unix_peer(f);
	} else if (r.kind == LS_FD_EVENTFD) {
		struct eventfd_ctx *ectx = (struct eventfd_ctx *)r.obj;

		r.count = BPF_CORE_READ(ectx, count);
	}
	bpf_seq_write(seq, &r, sizeof(r));
	return 0;
}
