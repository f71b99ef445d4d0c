/* records.h - builders of the ring-buffer records (bpf/loopscope.h) for the
 * unit tests: one set, one argument order (ts first, then pid, tid), shared
 * by test_model.c, test_diagnose.c and test_trace.c.  Each returns the record
 * zeroed but for what its arguments set. */
#ifndef LS_TEST_RECORDS_H
#define LS_TEST_RECORDS_H

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <linux/types.h>
#include "loopscope.h"


static inline void rec_hdr(struct ls_hdr *h, uint16_t type, size_t size, uint64_t ts, pid_t pid, pid_t tid)
{
	h->ts = ts;
	h->tgid = (uint32_t)pid;
	h->tid = (uint32_t)tid;
	h->type = type;
	h->size = (uint16_t)size;
	h->cpu = 0;
}

static inline struct ls_rec_wait make_wait(uint64_t ts, uint64_t start, pid_t pid, pid_t tid, int epfd,
				    uint64_t ep, int ret)
{
	struct ls_rec_wait r;

	memset(&r, 0, sizeof(r));
	rec_hdr(&r.h, LS_REC_WAIT, sizeof(r), ts, pid, tid);
	r.obj = ep;
	r.start = start;
	r.timeout_ns = -1;
	r.epfd = epfd;
	r.ret = ret;
	r.sc = LS_SC_EPOLL_WAIT;
	return r;
}

static inline void wait_ev(struct ls_rec_wait *w, uint32_t events, uint64_t token)
{
	w->ev[w->nev].events = events;
	w->ev[w->nev].data = token;
	w->nev++;
}

static inline struct ls_rec_ctl make_ctl(uint64_t ts, pid_t pid, pid_t tid, int epfd, uint64_t ep, int op,
				  int fd, uint64_t obj, uint8_t kind, uint32_t events, uint64_t token)
{
	struct ls_rec_ctl r;

	memset(&r, 0, sizeof(r));
	rec_hdr(&r.h, LS_REC_CTL, sizeof(r), ts, pid, tid);
	r.obj = ep;
	r.fd_obj = obj;
	r.data = token;
	r.epfd = epfd;
	r.fd = fd;
	r.op = op;
	r.events = events;
	r.ret = 0;
	r.fd_kind = kind;
	return r;
}

static inline struct ls_rec_fd_new make_fd_new(uint64_t ts, pid_t pid, pid_t tid, uint16_t sc, int fd,
					uint64_t obj, uint8_t kind)
{
	struct ls_rec_fd_new r;

	memset(&r, 0, sizeof(r));
	rec_hdr(&r.h, LS_REC_FD_NEW, sizeof(r), ts, pid, tid);
	r.obj[0] = obj;
	r.start = ts - 100;
	r.fd[0] = fd;
	r.fd[1] = -1;
	r.ret = fd;
	r.sc = sc;
	r.kind[0] = kind;
	if (kind == LS_FD_SOCKET) {
		r.sock_type = SOCK_STREAM;
		r.protocol = IPPROTO_TCP;
		r.addr.family = AF_INET;
	}
	return r;
}

static inline struct ls_sockaddr sa4(const uint8_t l[4], uint16_t lport, const uint8_t r[4], uint16_t rport)
{
	struct ls_sockaddr a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.lport = lport;
	a.rport = rport;
	memcpy(a.laddr, l, 4);
	memcpy(a.raddr, r, 4);
	return a;
}

static inline struct ls_rec_io make_io(uint64_t ts, uint64_t start, pid_t pid, pid_t tid, int fd,
				uint64_t obj, uint8_t kind, uint8_t dir, int64_t ret)
{
	struct ls_rec_io r;

	memset(&r, 0, sizeof(r));
	rec_hdr(&r.h, LS_REC_IO, sizeof(r), ts, pid, tid);
	r.obj = obj;
	r.start = start;
	r.ret = ret;
	r.fd = fd;
	r.sc = dir == LS_DIR_WRITE ? LS_SC_WRITE : LS_SC_READ;
	r.kind = kind;
	r.dir = dir;
	return r;
}

/* An eventfd write of value 1 that found the counter at `before`. */
static inline struct ls_rec_io make_efd_write(uint64_t ts, uint64_t start, pid_t pid, pid_t tid, int fd,
				       uint64_t obj, uint64_t before)
{
	struct ls_rec_io r = make_io(ts, start, pid, tid, fd, obj, LS_FD_EVENTFD, LS_DIR_WRITE, 8);

	r.value = 1;
	r.before = before;
	return r;
}

static inline struct ls_rec_close make_close(uint64_t ts, pid_t pid, pid_t tid, int fd, uint64_t obj,
				      uint8_t kind)
{
	struct ls_rec_close r;

	memset(&r, 0, sizeof(r));
	rec_hdr(&r.h, LS_REC_CLOSE, sizeof(r), ts, pid, tid);
	r.obj = obj;
	r.start = ts - 100;
	r.fd = fd;
	r.ret = 0;
	r.kind = kind;
	return r;
}

/* A context switch; a side with tid 0 is untraced.  The header is prev's,
 * or next's when prev is untraced, as the BPF side writes it. */
static inline struct ls_rec_switch make_switch(uint64_t ts, pid_t ppid, pid_t ptid, pid_t npid, pid_t ntid,
					uint32_t prev_state, int32_t prev_sc, uint16_t prev_lsc,
					uint64_t prev_obj)
{
	struct ls_rec_switch r;

	memset(&r, 0, sizeof(r));
	rec_hdr(&r.h, LS_REC_SWITCH, sizeof(r), ts, ptid ? ppid : npid, ptid ? ptid : ntid);
	r.prev_tid = (uint32_t)ptid;
	r.prev_tgid = (uint32_t)ppid;
	r.next_tid = (uint32_t)ntid;
	r.next_tgid = (uint32_t)npid;
	r.prev_state = prev_state;
	r.prev_sc = prev_state ? prev_sc : -1;
	r.prev_obj = prev_obj;
	r.prev_lsc = prev_lsc;
	return r;
}

/* sched_waking of (pid, tid) by (wpid, wtid), which was in no followed syscall. */
static inline struct ls_rec_wakeup make_wakeup(uint64_t ts, pid_t wpid, pid_t wtid, pid_t pid, pid_t tid)
{
	struct ls_rec_wakeup r;

	memset(&r, 0, sizeof(r));
	rec_hdr(&r.h, LS_REC_WAKEUP, sizeof(r), ts, wpid, wtid);
	r.tid = (uint32_t)tid;
	r.tgid = (uint32_t)pid;
	return r;
}

static inline struct ls_rec_task make_task(uint16_t type, uint64_t ts, pid_t pid, pid_t tid, pid_t cpid,
				    pid_t ctid, uint32_t group_dead, const char *comm)
{
	struct ls_rec_task r;

	memset(&r, 0, sizeof(r));
	rec_hdr(&r.h, type, sizeof(r), ts, pid, tid);
	r.child_tid = (uint32_t)ctid;
	r.child_tgid = (uint32_t)cpid;
	r.group_dead = group_dead;
	snprintf(r.comm, sizeof(r.comm), "%s", comm);
	return r;
}

static inline struct ls_rec_fd_info make_fd_info(uint64_t ts, pid_t pid, pid_t tid, int fd, uint64_t obj,
					  uint8_t kind)
{
	struct ls_rec_fd_info r;

	memset(&r, 0, sizeof(r));
	rec_hdr(&r.h, LS_REC_FD_INFO, sizeof(r), ts, pid, tid);
	r.obj = obj;
	r.ino = 4242;
	r.fd = fd;
	r.kind = kind;
	return r;
}


#endif
