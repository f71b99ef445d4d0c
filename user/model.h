/* model.h - the collector's picture of the traced processes: tasks,
 * reactors (epoll instances), wakers (eventfds, self-pipes) and sockets,
 * built from ring-buffer records alone (plus what /proc said at attach), so
 * the same code serves a live attach, a unit test and, later, a replay. */
#ifndef LS_MODEL_H
#define LS_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/types.h>
#include "loopscope.h"
#include "hist.h"
#include "util.h"

enum task_state {
	TASK_RUNNING = 0, /* on CPU, outside a wait */
	TASK_POLLING,     /* inside an epoll wait */
	TASK_BLOCKED,     /* asleep in another syscall */
	TASK_RUNNABLE,    /* woken or preempted, not yet on CPU */
	TASK_EXITED,
};

#define SLEEP_RING 8

struct task {
	pid_t tid, pid;
	char name[16];
	bool alive;
	enum task_state state;
	long blocked_nr;   /* raw syscall number when BLOCKED, -1: none */
	bool blocked_shared; /* that sleep waits on the kernel (uninterruptible: a page fault, a
			      * kernel lock, a disk) or on a thread of its own process (a futex
			      * another of its threads woke: a lock, a condvar, a GC's join) */
	uint64_t first_ts, exit_ts;
	bool on_cpu;
	uint64_t oncpu_since, runnable_since, sleep_since, waking_ts;
	uint64_t t_busy, t_polling, t_runnable, t_blocked;
	uint64_t turns, events, last_ret_ts;
	uint64_t wakes_waker, wakes_socket, wakes_timeout, wakes_other, wakes_self;
	uint64_t waiting_on; /* the reactor it sleeps in, 0: none */
	/* An epoll wait whose entry the probes did not see (begun before
	 * attach): no wait record will come, so its sleeps count as polling
	 * when they end; the reactor, when /proc said (model_seed_wait). */
	bool wait_unrecorded;
	uint64_t unrecorded_on;
	/* A recorded wait it slept in, whose record has not come yet: from
	 * its first sleep, while turns is still poll_turns (report_task_times) */
	uint64_t poll_since, poll_turns;
	/* for diagnoses: the turn in progress, the last wait, empty polls */
	uint64_t busy_at_ret;    /* busy time when the last wait returned */
	uint64_t cpu_at_ret;     /* the kernel's CPU time then (cpu_exit), 0: unknown */
	uint64_t cpu_read, cpu_read_ts; /* the kernel's CPU time read at a tick, and when */
	/* the longest sleeps in another syscall since then, one of each class
	 * (blocked_shared or not: a runtime's parking must not hide a sleep
	 * the program asked for in the same turn) */
	uint64_t turn_block_ns[2];
	long turn_block_nr[2];
	uint64_t turn_block_start[2];
	pid_t turn_block_waker[2];
	uint64_t last_reactor;   /* the reactor of its last wait */
	uint64_t last_wait_ns;   /* entry -> return of its last wait */
	uint64_t empty_polls;    /* waits with a zero timeout that returned nothing */
	/* How runtimes differ from bugs (docs/diagnoses.md): */
	bool sleeps_in_wait;     /* it has made a wait that could sleep (timeout not 0):
				  * a loop thread, not one that only peeks (Go's sysmon) */
	uint64_t spin_polls;     /* empty zero-timeout waits with no sleep and no IO since the last wait */
	uint64_t ops, ops_at_ret; /* its syscall records but waits and scheduling; at the last wait */
	uint64_t self_spins;     /* self-wakes right after another, no sleep between */
	bool last_self_wake;     /* its last wait returned a self-wake without sleeping */
	uint64_t sleeps[SLEEP_RING][2]; /* recent sleeps, to attribute to syscalls */
	unsigned int sleep_next;
	uint64_t queued[SLEEP_RING][2]; /* recent stretches runnable but not on a CPU */
	unsigned int queued_next;
	pid_t sleep_waker;       /* the thread of its process that woke its futex sleep, 0: none */
	struct hist turn_ns, wake_to_run_ns;
};

/* What every fd-backed object shares; the concrete type follows by kind. */
#define OBJ_FDS_MAX 4
struct object {
	uint64_t addr;   /* kernel identity, never shown: see hide_addr() */
	uint64_t gen;    /* which object at addr: the model's count of objects
			  * made when this one was (FD_NEW, first sight), so
			  * (addr, gen) is one object for the whole run */
	uint8_t kind;    /* enum ls_fd_kind */
	pid_t pid;
	pid_t creator;   /* 0: existed before attach */
	bool open;
	uint64_t created_ts, closed_ts;
	int refs;        /* fds naming it, across all targets */
	int nfds;        /* those of its own process, the first OBJ_FDS_MAX */
	int fds[OBJ_FDS_MAX];
	struct object *next_closed;
};

struct interest {
	uint64_t addr; /* the registered object */
	int fd;
	uint8_t kind;
	uint32_t events;
	uint64_t token;
};

struct reactor {
	struct object o;
	struct interest *interest;
	int ninterest, cap;
	uint64_t turns, events, timeouts;
	pid_t pollers[8];
	int npollers;
	uint64_t last_poll_ts;   /* a thread last entered or left a wait on it */
	uint64_t creator_polled; /* the reactor its creating thread last waited on, open then */
};

struct edge {
	pid_t from, to;
	uint64_t count;
};

struct waker {
	struct object o;
	uint64_t count0; /* eventfd counter at attach */
	uint64_t writes, reads, coalesced, wakes;
	pid_t pending_tid; /* the first write not yet delivered */
	uint64_t pending_ts;
	pid_t orphan_tid;  /* a wait that returned this waker with no write seen yet: */
	uint64_t orphan_ts; /* the write's IO record (at its exit) can come later */
	bool orphan_other;  /* that wait was counted as an "other" wake */
	bool registered;   /* ever in an interest list (pipes are wakers only then) */
	uint64_t pair;     /* a socketpair self-pipe: its other end's address, which
			    * model_object() also finds it by (0: not one) */
	struct edge *edges;
	int nedges, cap;
	struct hist latency_ns;
	/* closed while a thread slept in a reactor it was registered in */
	pid_t lost_tid;
	uint64_t lost_reactor, lost_ts, lost_turns;
	uint64_t ebadf_writes; /* writes to one of its fds after the close */
	pid_t ebadf_tid;
	uint64_t ebadf_ts;
};

struct io_side {
	uint64_t bytes, ops, eagain, eof, errors, syscall_ns, blocked_ns;
};

struct socket {
	struct object o;
	struct ls_sockaddr addr;
	uint16_t type, protocol;
	struct io_side rd, wr;
	uint64_t ready_since;
	/* round trips: a read that returned data, then writes by the same
	 * thread with no wait in between (for the half-duplex diagnosis) */
	pid_t rd_tid;
	uint64_t rd_end, rd_wait_ns, last_wr_end;
	bool rd_answered;
	uint64_t trips, trips_wait_ns, solo_writes;
	struct hist *readiness_ns; /* allocated on first sample: 10,000 idle sockets stay cheap */
	uint64_t peer; /* AF_UNIX: the other end's address, when known (socketpair, seeding) */
};

struct target {
	pid_t pid;
	char name[16];
	bool alive;
	struct omap fds; /* fd + 1 -> object addr: only to know when an object's last fd closes */
};

struct model_stats {
	uint64_t records, garbled, ringbuf_drops, inflight_drops;
	uint64_t unseen_switch_ins; /* switch outs of a task never seen switched in */
	uint64_t start_ts;
};

struct model;

/* One turn as a wait's return ends it, for a diagnosis hook. */
struct turn {
	const struct task *task;
	const struct ls_rec_wait *wait; /* the wait that ends the turn */
	uint64_t reactor, prev_reactor; /* this wait's, the previous wait's */
	uint64_t start;                 /* the previous wait's return, 0: none seen */
	uint64_t busy_ns;               /* on CPU from start to this wait */
	/* its longest sleep in another syscall, [0] one the program asked for,
	 * [1] one on the kernel or a peer thread (task.blocked_shared) */
	uint64_t block_ns[2];
	long block_nr[2];               /* that syscall (raw number), -1: none */
	uint64_t block_start[2];        /* when that sleep began */
	pid_t block_waker[2];           /* the peer that ended it (a futex), 0: none */
	bool ready;                     /* this wait returned events without sleeping */
};

typedef void (*model_turn_fn)(void *ctx, const struct model *m, const struct turn *t);

struct model {
	uint64_t secret;     /* the key of the ids (model_id) */
	uint64_t addr_key;   /* nonzero: addresses are the kernel's, hidden with this key
			      * first (as a recording hides them); 0: hidden already */
	uint64_t generations; /* objects made so far: the next one's gen */
	uint64_t retain_ns;
	struct omap tasks;   /* tid -> struct task */
	struct omap objects; /* kernel addr -> struct object (open ones) */
	struct omap reactors; /* kernel addr -> struct reactor, the open ones again */
	struct omap aliases; /* a socketpair waker's second address -> its first */
	struct omap targets; /* pid -> struct target */
	struct object *closed; /* closed objects kept for the retention time */
	struct task **exited;  /* exited tasks, likewise */
	struct omap dead;      /* tid -> exited task: late scheduler records must not revive it */
	int nexited, capexited;
	struct model_stats stats;
	model_turn_fn on_turn; /* called for every wait return, NULL: none */
	void *turn_ctx;
};

struct model *model_new(uint64_t secret, uint64_t retain_ns, uint64_t now);
void model_free(struct model *m);

/* One ring-buffer record.  0, or -EINVAL for a record that is cut or
 * garbled (counted in stats.garbled, otherwise ignored). */
int model_feed(struct model *m, const void *rec, size_t len);

/* State from before attach. */
void model_add_target(struct model *m, pid_t pid, const char *name);
void model_seed_task(struct model *m, pid_t pid, pid_t tid, const char *name, long syscall_nr,
		     uint64_t now);
void model_seed_interest(struct model *m, pid_t pid, int epfd, int tfd, uint32_t events,
			 uint64_t token, uint64_t now);
void model_set_eventfd_count(struct model *m, pid_t pid, int fd, uint64_t count);
/* A thread asleep at attach in an epoll wait on pid's fd epfd (from
 * /proc/TID/syscall): placed among the reactor's waiters and pollers. */
void model_seed_wait(struct model *m, pid_t pid, pid_t tid, int epfd, int64_t timeout_ns,
		     uint64_t now);
void model_rename_task(struct model *m, pid_t tid, const char *name);
/* The task's time on CPU by the switches up to now, the stretch it is in
 * included. */
uint64_t task_busy_at(const struct task *t, uint64_t now);
/* How long the task was runnable but not on a CPU (the machine busy) within
 * [start, end], by its recent stretches. */
uint64_t task_queued_within(const struct task *t, uint64_t start, uint64_t end);
/* The kernel's count of a thread's CPU time, read at ts (from /proc). */
void model_task_cpu(struct model *m, pid_t tid, uint64_t cpu_ns, uint64_t ts);
/* Time on CPU by the switches, kept within a tick of the kernel's count of
 * the same span (which is a tick old at most): see end_turn(). */
uint64_t model_cpu_band(uint64_t by_switches, uint64_t by_count);

/* Drops what was closed longer than the retention time ago. */
void model_expire(struct model *m, uint64_t now);
bool model_targets_alive(const struct model *m);
void model_target_exited(struct model *m, pid_t pid, uint64_t now);

struct task *model_task(const struct model *m, pid_t tid);
struct object *model_object(const struct model *m, uint64_t addr);
/* The object (addr, gen), open or closed (still retained); gen 0: the
 * one open at addr, else the last closed there. */
struct object *model_object_gen(const struct model *m, uint64_t addr, uint64_t gen);
/* Its kind's name: fd_kind_name(), and "socketpair" for a socketpair waker. */
const char *model_kind_name(const struct object *o);
/* An object's id: a keyed hash of its address and generation, so two
 * objects the kernel put at one address have two ids.  The same in a
 * replay of a recording as live (model_set_keys). */
uint64_t model_id(const struct model *m, const struct object *o);
/* The keys of the ids: id_key for the hash, addr_key as the recorder's
 * (0: the records' addresses are hidden already, a replay). */
void model_set_keys(struct model *m, uint64_t id_key, uint64_t addr_key);
const char *task_state_name(enum task_state s);

#endif
