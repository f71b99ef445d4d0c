/* loopscope.h - the records the BPF probes write into the ring buffer and
 * the collector reads back.  Shared by bpf/ and user/, so only fixed-width
 * types.  Every record starts with struct ls_hdr; `type` says which struct
 * follows and `size` is the whole record's length in bytes.
 *
 * Object identities (`obj`) are the kernel object behind an fd
 * (file->private_data: the struct socket, eventpoll, eventfd_ctx or
 * pipe_inode_info), so dup'ed and inherited fds share one identity and both
 * ends of a pipe are one waker.  They are kernel addresses: the collector
 * hashes them with a secret key before anything leaves it. */
#ifndef LOOPSCOPE_H
#define LOOPSCOPE_H

#define LS_WAIT_EVENTS_MAX 8 /* (events, token) pairs copied per wait */
#define LS_COMM_LEN 16

enum ls_rec_type {
	LS_REC_WAIT = 1,  /* an epoll wait returned */
	LS_REC_CTL,       /* epoll_ctl */
	LS_REC_FD_NEW,    /* epoll_create*, eventfd*, socket*, accept*, pipe* */
	LS_REC_IO,        /* a data syscall on a socket, pipe or eventfd; a write to an fd not open (obj 0) */
	LS_REC_CLOSE,     /* close of a socket, pipe, eventfd or epoll fd */
	LS_REC_SOCK_OP,   /* connect, shutdown */
	LS_REC_SWITCH,    /* sched_switch with a traced task on either side */
	LS_REC_WAKEUP,    /* sched_wakeup of a traced task */
	LS_REC_TASK_NEW,  /* a traced task cloned a thread or forked */
	LS_REC_TASK_EXIT, /* a traced task exited */
	LS_REC_FD_INFO,   /* an fd that existed at attach (from the iterator) */
	LS_REC_TYPE_MAX,
};

/* What an fd is, from the kernel object behind it. */
enum ls_fd_kind {
	LS_FD_OTHER = 0,
	LS_FD_SOCKET,
	LS_FD_PIPE,
	LS_FD_EVENTFD,
	LS_FD_EPOLL,
	LS_FD_TIMERFD,
	LS_FD_SIGNALFD,
	LS_FD_IO_URING,
	LS_FD_KIND_MAX,
};

/* The syscalls loopscope follows; records carry these, not raw numbers,
 * so a trace means the same on every architecture.  One list, with the
 * numbers trace files hold: syscalls.def. */
enum ls_syscall {
	LS_SC_NONE = 0,
#define LS_SC(ID, id, name, tp, cls, fdarg) LS_SC_##ID = id,
#include "syscalls.def"
#undef LS_SC
	LS_SC_MAX, /* one past the last id (syscalls.def lists them in order) */
};

/* What the probes make of a syscall (syscalls.def's class). */
enum ls_sc_class {
	LS_CL_NONE = 0,
	LS_CL_WAIT,    /* epoll_wait*: a wait record */
	LS_CL_CTL,     /* epoll_ctl */
	LS_CL_NEW,     /* creates fds: an fd_new record */
	LS_CL_READ,    /* data in (first argument the fd): an io record */
	LS_CL_WRITE,   /* data out (first argument the fd): an io record */
	LS_CL_CLOSE,
	LS_CL_SOCK_OP, /* connect, shutdown, listen, bind: a sock_op record */
};

/* The benchmark's stages of the probes' work (bench/run measures each part
 * of the cost): set before load, from LOOPSCOPE_BENCH_STAGE. */
enum ls_bench_stage {
	LS_STAGE_FULL = 0,
	LS_STAGE_FILTER,  /* the syscall probes return once a syscall passed the filter */
	LS_STAGE_HANDLER, /* everything but the ring buffer: records built in a scratch buffer */
};

enum ls_dir {
	LS_DIR_READ = 0,
	LS_DIR_WRITE = 1,
};

struct ls_hdr {
	__u64 ts; /* CLOCK_MONOTONIC ns; for syscalls, the exit */
	__u32 tgid;
	__u32 tid;
	__u16 type; /* enum ls_rec_type */
	__u16 size; /* whole record, header included */
	__u32 cpu;
};

struct ls_epoll_event {
	__u32 events;
	__u32 pad;
	__u64 data; /* the token registered with epoll_ctl */
};

struct ls_rec_wait {
	struct ls_hdr h;
	__u64 obj;        /* the eventpoll */
	__u64 start;      /* syscall entry */
	__s64 timeout_ns; /* -1: none (wait forever) */
	__s32 epfd;
	__s32 ret;        /* events returned, or -errno */
	__u16 sc;         /* enum ls_syscall */
	__u16 nev;        /* entries of ev[] filled */
	__u32 pad;
	struct ls_epoll_event ev[LS_WAIT_EVENTS_MAX];
	/* The thread's CPU time (the scheduler's sum_exec_runtime, ns) at the
	 * wait's entry and at its return; 0: unknown (a trace of format 1.0).
	 * Steal time is not in it, and it is as fresh as the scheduler's last
	 * update (at most a tick old: 4 ms at HZ=250). */
	__u64 cpu_enter;
	__u64 cpu_exit;
};

/* A wait record as trace format 1.0 wrote it, before cpu_enter. */
#define LS_REC_WAIT_V10_SIZE (sizeof(struct ls_rec_wait) - 2 * sizeof(__u64))

struct ls_rec_ctl {
	struct ls_hdr h;
	__u64 obj;     /* the eventpoll */
	__u64 fd_obj;  /* the object registered */
	__u64 data;    /* token */
	__s32 epfd;
	__s32 fd;
	__s32 op;      /* EPOLL_CTL_ADD/DEL/MOD */
	__u32 events;
	__s32 ret;
	__u8 fd_kind;
	__u8 pad[3];
};

struct ls_sockaddr {
	__u16 family; /* AF_INET, AF_INET6, AF_UNIX, ... */
	__u16 lport;  /* host order */
	__u16 rport;
	__u16 pad;
	__u8 laddr[16]; /* IPv4 in the first 4 bytes */
	__u8 raddr[16];
};

struct ls_rec_fd_new {
	struct ls_hdr h;
	__u64 obj[2];    /* two for pipe*, socketpair */
	__u64 parent;    /* accept*: the listening socket */
	__u64 start;
	__s32 fd[2];
	__s32 ret;
	__u16 sc;
	__u8 kind[2];
	__u16 sock_type; /* SOCK_STREAM, SOCK_DGRAM, ... */
	__u16 protocol;
	__u32 pad;
	struct ls_sockaddr addr; /* accept*: the new connection */
};

struct ls_rec_io {
	struct ls_hdr h;
	__u64 obj;
	__u64 start;   /* syscall entry */
	__s64 ret;     /* bytes, or -errno */
	__u64 value;   /* eventfd: the value written or read */
	__u64 before;  /* eventfd write: the counter before it (0: not coalesced) */
	__s32 fd;
	__u16 sc;
	__u8 kind;
	__u8 dir;      /* enum ls_dir */
};

struct ls_rec_close {
	struct ls_hdr h;
	__u64 obj;
	__u64 start;
	__s32 fd;
	__s32 ret;
	__u8 kind;
	__u8 pad;
	__u16 sock_type; /* a socket's, read at the close's entry (trace 1.2) */
	__u16 protocol;
	__u16 pad2;
	/* A socket's addresses at the close's entry (trace 1.2): a connection
	 * first seen by a read or write (open at attach, closed before the fd
	 * iterator reached it) has them from here. */
	struct ls_sockaddr addr;
};

/* A close record as trace format 1.1 and before wrote it, without addr. */
#define LS_REC_CLOSE_V11_SIZE (sizeof(struct ls_rec_close) - sizeof(struct ls_sockaddr))

struct ls_rec_sock_op {
	struct ls_hdr h;
	__u64 obj;
	__u64 start;
	__s32 fd;
	__s32 ret;
	__s32 arg;     /* shutdown: how */
	__u16 sc;
	__u16 pad;
	struct ls_sockaddr addr; /* connect: after the call */
};

/* One record per context switch that involves a traced task.  A side whose
 * task is not traced has tid 0.  The header's tid/tgid are prev's (or
 * next's when prev is untraced). */
struct ls_rec_switch {
	struct ls_hdr h;
	__u32 prev_tid;
	__u32 prev_tgid;
	__u32 next_tid;
	__u32 next_tgid;
	__u32 prev_state; /* 0: still runnable (preempted) */
	__s32 prev_sc;    /* syscall prev sleeps in (raw number), -1: none */
	__u64 prev_obj;   /* object of that syscall, when loopscope follows it */
	__u16 prev_lsc;   /* enum ls_syscall of that syscall, 0: not followed */
	__u8 prev_kind;
	__u8 pad[5];
};

/* sched_waking of a traced task.  The header describes the waker (the
 * current task, traced or not); `wsc`/`wobj` say which syscall and object
 * the waker was in, when loopscope follows it.  The model pairs waker
 * writes with woken waits from the syscall records; these fields are for
 * exports and diagnoses (a futex wake, a write that woke a blocked read). */
struct ls_rec_wakeup {
	struct ls_hdr h;
	__u32 tid;        /* woken */
	__u32 tgid;
	__u64 wobj;       /* object of the waker's in-flight syscall, 0: none */
	__u64 wstart;     /* its entry time */
	__u16 wsc;        /* enum ls_syscall, 0: none or untraced */
	__u8 wkind;
	__u8 pad[5];
};

struct ls_rec_task {
	struct ls_hdr h;
	__u32 child_tid;  /* TASK_NEW: the new task; TASK_EXIT: unused */
	__u32 child_tgid;
	__u32 group_dead; /* TASK_EXIT: the last thread of its process */
	__s32 exit_code;
	char comm[LS_COMM_LEN];
};

/* What the task_file iterator reports of an fd open at attach. */
struct ls_rec_fd_info {
	struct ls_hdr h;
	__u64 obj;
	__u64 ino;
	union {
		__u64 count;  /* eventfd: counter value */
		__u64 peer;   /* AF_UNIX socket: its peer's identity (0: none) */
	};
	__s32 fd;
	__u8 kind;
	__u8 pad;
	__u16 sock_type;
	__u16 protocol;
	__u16 pad2;
	__u32 pad3;
	struct ls_sockaddr addr;
};

#endif /* LOOPSCOPE_H */
