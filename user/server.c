/* server.c - viewers of one collector (docs/protocol.md).
 *
 * Everything runs on the collector's thread, from its event loop, and
 * nothing here may wait: sockets are non-blocking, each viewer has a queue
 * of frames bounded in bytes, and a state is serialized at most once per
 * uid per tick and shared by every update, welcome and dump of that uid
 * (a frame is its own small head, then the shared state).  A viewer that
 * falls behind gets only the newest state (the older, unsent one is
 * replaced); one that stops reading is dropped after stall_ns.
 *
 * A viewer is untrusted: the ring buffer is drained first whatever viewers
 * do, so one call of server_service() does a bounded amount of work
 * (accepts, requests, time), a uid other than root has at most
 * viewers_per_user connections, a viewer one dump per tick, and what was
 * refused is counted in `status`. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "protocol.h"
#include "server.h"
#include "util.h"

#define CONTROL_MAX (1u << 20) /* queued control frames per viewer */
#define QUEUE_MAX 256          /* queued frames per viewer */
#define REQUESTS_PER_SERVICE 16 /* per viewer per call */
#define REQUESTS_PER_TICK 32    /* per viewer: then it is not read until the next tick */
#define ACCEPTS_PER_SERVICE 16
#define SERVICE_BUDGET_NS 5000000ULL /* then the rest waits for the next loop turn */

/* What a frame is, for the bounds of a viewer's queue. */
enum frame_kind {
	FRAME_CONTROL,  /* small (pause, viewers, reply, error): up to CONTROL_MAX */
	FRAME_UPDATE,   /* a tick's state: replaceable by a newer one */
	FRAME_SNAPSHOT, /* a welcome or a dump reply: a whole state, one at a time */
};

/* A serialized state and the '}' that ends the message it is the last
 * member of: shared by every frame of one uid in one tick. */
struct body {
	int refs;
	size_t len;
	char *data;
};

/* A serialized frame, shared by the viewers it is queued for: head (the
 * length prefix and the message's other members), then body when there is
 * one. */
struct frame {
	int refs;
	enum frame_kind kind;
	size_t len;  /* the whole frame: hlen + body's */
	size_t hlen;
	struct body *body;
	char data[]; /* the head */
};

struct conn {
	int fd, id;
	uid_t uid;
	pid_t pid;
	char user[32];
	struct proto_reader rd;
	struct frame *q[QUEUE_MAX];
	int qn;
	size_t off;           /* bytes of q[0] already sent */
	size_t control_bytes; /* queued FRAME_CONTROL bytes */
	bool snapshot_queued; /* a FRAME_SNAPSHOT not yet all sent */
	uint64_t dump_gen;    /* the tick of its last dump */
	bool announced;       /* told of the viewers since its welcome (which counts them) */
	uint64_t req_gen;     /* the tick its requests are counted in */
	int requests;         /* in that tick */
	bool muted;           /* over REQUESTS_PER_TICK: not read until the next tick */
	uint64_t progress_ts; /* the last time the queue moved or was empty */
	uint64_t frames, skipped;
	bool dead;
	const char *why;      /* when dead: the reason, for the log */
	struct conn *next;
};

/* Per uid: its serialized state this tick, and what it was refused. */
struct uid_entry {
	uid_t uid;
	struct body *state; /* of tick gen, or NULL */
	uint64_t gen;
	uint64_t refused_viewers, refused_dumps;
};

struct server {
	struct server_opts o;
	struct server_ops ops;
	char path[108];
	int lfd, epfd;
	struct conn *conns;
	int nconns, next_id;
	uint64_t seq;
	uint64_t gen;         /* ticks seen: a state is serialized once per uid per tick */
	struct uid_entry *uids;
	int nuids;
	bool viewers_dirty;   /* a viewer came or went: tell the others, once per call */
	struct {
		bool paused, known;
		int viewer;
		uid_t uid;
		char user[32];
		double since_s, since_unix;
	} pause;
};

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double uptime_s(const struct server *s)
{
	return (now_ns() - s->o.start_ns) / 1e9;
}

static void user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res)
		proto_utf8_copy(buf, len, res->pw_name, strlen(res->pw_name));
	else
		snprintf(buf, len, "uid %u", (unsigned int)uid);
}

static struct uid_entry *uid_entry(struct server *s, uid_t uid)
{
	for (int i = 0; i < s->nuids; i++)
		if (s->uids[i].uid == uid)
			return &s->uids[i];
	s->uids = realloc(s->uids, (size_t)(s->nuids + 1) * sizeof(*s->uids));
	if (!s->uids)
		abort();
	memset(&s->uids[s->nuids], 0, sizeof(s->uids[0]));
	s->uids[s->nuids].uid = uid;
	return &s->uids[s->nuids++];
}

static void body_put(struct body *b)
{
	if (b && --b->refs == 0) {
		free(b->data);
		free(b);
	}
}

/* The present state as uid may see it, serialized once per tick. */
static struct body *state_body(struct server *s, uid_t uid)
{
	struct uid_entry *u = uid_entry(s, uid);
	struct body *b;
	size_t slen = 0;
	char *st, *grown;

	if (u->state && u->gen == s->gen)
		return u->state;
	body_put(u->state);
	u->state = NULL;
	st = s->ops.state(s->ops.ctx, uid, &slen);
	if (!st)
		return NULL;
	grown = realloc(st, slen + 1);
	if (!grown) {
		free(st);
		return NULL;
	}
	grown[slen] = '}'; /* the end of the message it is the last member of */
	b = xcalloc(1, sizeof(*b));
	b->refs = 1;
	b->len = slen + 1;
	b->data = grown;
	u->state = b;
	u->gen = s->gen;
	return b;
}

/* The viewers uid may count: all for root, else its own. */
static int viewers_of(const struct server *s, uid_t uid)
{
	int n = 0;

	if (uid == 0)
		return s->nconns;
	for (const struct conn *c = s->conns; c; c = c->next)
		n += c->uid == uid;
	return n;
}

/* msg, framed; with body (a shared state) as its last member "state" when
 * that is not NULL: only the head is written here, the state is shared. */
static struct frame *frame_new_with(json_object *msg, struct body *body, enum frame_kind kind)
{
	static const char key[] = ",\"state\":";
	size_t hlen, plen, head;
	const char *text = json_object_to_json_string_length(msg, JSON_C_TO_STRING_PLAIN, &hlen);
	struct frame *fr;
	char *p;

	/* text is "{...}", with members: with a state, "{...,"state":STATE}" */
	head = body ? hlen - 1 + sizeof(key) - 1 : hlen;
	plen = head + (body ? body->len : 0);
	if (hlen < 2 || plen > PROTO_MAX_DOWN)
		return NULL;
	fr = malloc(sizeof(*fr) + PROTO_HDR + head);
	if (!fr)
		return NULL;
	fr->refs = 1;
	fr->kind = kind;
	fr->hlen = PROTO_HDR + head;
	fr->len = PROTO_HDR + plen;
	fr->body = body;
	if (body)
		body->refs++;
	proto_frame_header(fr->data, plen);
	p = fr->data + PROTO_HDR;
	if (!body) {
		memcpy(p, text, hlen);
		return fr;
	}
	memcpy(p, text, hlen - 1);
	memcpy(p + hlen - 1, key, sizeof(key) - 1);
	return fr;
}

static struct frame *frame_new(json_object *msg, enum frame_kind kind)
{
	return frame_new_with(msg, NULL, kind);
}

/* msg with the state of this tick as uid may see it. */
static struct frame *state_frame_new(struct server *s, json_object *msg, uid_t uid,
				     enum frame_kind kind)
{
	struct body *b = state_body(s, uid);

	return b ? frame_new_with(msg, b, kind) : NULL;
}

static void frame_put(struct frame *f)
{
	if (f && --f->refs == 0) {
		body_put(f->body);
		free(f);
	}
}

static void kill_conn(struct conn *c, const char *why)
{
	if (!c->dead) {
		c->dead = true;
		c->why = why;
	}
}

static void watch(struct server *s, struct conn *c)
{
	struct epoll_event ev = {.events = (c->muted ? 0 : EPOLLIN) | (c->qn ? EPOLLOUT : 0),
				 .data.ptr = c};

	epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes what the socket takes now. */
static void flush(struct server *s, struct conn *c)
{
	int was = c->qn;

	while (c->qn && !c->dead) {
		struct frame *f = c->q[0];
		const char *at = c->off < f->hlen ? f->data + c->off : f->body->data + (c->off - f->hlen);
		size_t left = c->off < f->hlen ? f->hlen - c->off : f->len - c->off;
		ssize_t n = send(c->fd, at, left, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			kill_conn(c, "gone");
			break;
		}
		c->progress_ts = now_ns();
		c->off += (size_t)n;
		if (c->off < f->len)
			continue;
		if (f->kind == FRAME_CONTROL)
			c->control_bytes -= f->len;
		else if (f->kind == FRAME_SNAPSHOT)
			c->snapshot_queued = false;
		c->frames++;
		frame_put(f);
		memmove(c->q, c->q + 1, (size_t)--c->qn * sizeof(c->q[0]));
		c->off = 0;
	}
	if (!c->qn)
		c->progress_ts = now_ns();
	if ((was != 0) != (c->qn != 0))
		watch(s, c);
}

/* Queues f (taking a reference) and writes what fits. */
static void enqueue(struct server *s, struct conn *c, struct frame *f)
{
	bool was_empty = c->qn == 0;

	if (c->dead || !f)
		return;
	if (f->kind == FRAME_UPDATE) {
		/* a newer state replaces an older one that has not started out */
		for (int i = 0; i < c->qn; i++) {
			if (c->q[i]->kind != FRAME_UPDATE || (i == 0 && c->off))
				continue;
			frame_put(c->q[i]);
			memmove(c->q + i, c->q + i + 1, (size_t)(c->qn - i - 1) * sizeof(c->q[0]));
			c->qn--;
			c->skipped++;
			break;
		}
	} else if (f->kind == FRAME_CONTROL && c->control_bytes + f->len > CONTROL_MAX) {
		kill_conn(c, "too slow: over 1 MiB of messages queued");
		return;
	}
	if (c->qn == QUEUE_MAX) {
		kill_conn(c, "too slow: too many messages queued");
		return;
	}
	if (was_empty) /* the stall clock starts; replacing a state does not restart it */
		c->progress_ts = now_ns();
	f->refs++;
	c->q[c->qn++] = f;
	if (f->kind == FRAME_CONTROL)
		c->control_bytes += f->len;
	else if (f->kind == FRAME_SNAPSHOT)
		c->snapshot_queued = true;
	flush(s, c);
	if (c->qn == 1 && !c->dead)
		watch(s, c);
}

/* Queues msg for c, and puts it; with_state: a welcome or a dump reply,
 * msg and the whole state. */
static void send_msg_of(struct server *s, struct conn *c, json_object *msg, bool with_state)
{
	struct frame *f = with_state ? state_frame_new(s, msg, c->uid, FRAME_SNAPSHOT)
				     : frame_new(msg, FRAME_CONTROL);

	enqueue(s, c, f);
	frame_put(f);
	json_object_put(msg);
}

static void send_msg(struct server *s, struct conn *c, json_object *msg)
{
	send_msg_of(s, c, msg, false);
}

static void send_state(struct server *s, struct conn *c, json_object *msg)
{
	send_msg_of(s, c, msg, true);
}

static void broadcast(struct server *s, json_object *msg)
{
	struct frame *f = frame_new(msg, FRAME_CONTROL);

	for (struct conn *c = s->conns; c; c = c->next)
		enqueue(s, c, f);
	frame_put(f);
	json_object_put(msg);
}

static json_object *pause_json(const struct server *s)
{
	json_object *p = json_object_new_object(), *by = NULL;

	json_object_object_add(p, "paused", json_object_new_boolean(s->pause.paused));
	if (s->pause.known) {
		by = json_object_new_object();
		json_object_object_add(by, "viewer", json_object_new_int(s->pause.viewer));
		json_object_object_add(by, "uid", json_object_new_int64(s->pause.uid));
		json_object_object_add(by, "user", json_object_new_string(s->pause.user));
	}
	json_object_object_add(p, "by", by);
	json_object_object_add(p, "since_s", json_object_new_double(s->pause.since_s));
	json_object_object_add(p, "since_unix", json_object_new_double(s->pause.since_unix));
	return p;
}

static json_object *collector_json(const struct server *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "pid", json_object_new_int(getpid()));
	json_object_object_add(o, "version", json_object_new_string(LOOPSCOPE_VERSION));
	json_object_object_add(o, "started_unix", json_object_new_double(wall_now() - uptime_s(s)));
	json_object_object_add(o, "uptime_s", json_object_new_double(uptime_s(s)));
	json_object_object_add(o, "interval_s", json_object_new_double(s->o.interval_s));
	return o;
}

/* One update frame per uid per publication, shared by its viewers. */
struct update_cache {
	struct {
		uid_t uid;
		struct frame *f;
	} *v;
	int n;
};

static struct frame *update_frame(struct server *s, struct update_cache *uc, uid_t uid)
{
	json_object *m;
	struct frame *f;

	for (int i = 0; i < uc->n; i++)
		if (uc->v[i].uid == uid)
			return uc->v[i].f;
	m = proto_msg("update");
	json_object_object_add(m, "seq", json_object_new_uint64(s->seq));
	json_object_object_add(m, "viewers", json_object_new_int(viewers_of(s, uid)));
	json_object_object_add(m, "pause", pause_json(s));
	f = state_frame_new(s, m, uid, FRAME_UPDATE);
	json_object_put(m);
	uc->v = realloc(uc->v, (size_t)(uc->n + 1) * sizeof(*uc->v));
	if (!uc->v)
		abort();
	uc->v[uc->n].uid = uid;
	uc->v[uc->n++].f = f;
	return f;
}

static void update_cache_free(struct update_cache *uc)
{
	for (int i = 0; i < uc->n; i++)
		frame_put(uc->v[i].f);
	free(uc->v);
}

static void publish(struct server *s)
{
	struct update_cache uc = {.n = 0};

	s->seq++;
	for (struct conn *c = s->conns; c; c = c->next)
		if (!c->dead)
			enqueue(s, c, update_frame(s, &uc, c->uid));
	update_cache_free(&uc);
}

void server_publish(struct server *s)
{
	if (!s)
		return;
	s->gen++; /* a tick: states are serialized anew, at most once per uid */
	for (struct conn *c = s->conns; c; c = c->next)
		if (c->muted && !c->dead) { /* heard again */
			c->muted = false;
			watch(s, c);
		}
	if (s->pause.paused)
		return;
	publish(s);
	server_service(s); /* drop what died while writing */
}

static json_object *reply_msg(const char *to, json_object *id)
{
	json_object *m = proto_msg("reply");

	if (id)
		json_object_object_add(m, "id", json_object_get(id));
	json_object_object_add(m, "to", json_object_new_string(to));
	json_object_object_add(m, "ok", json_object_new_boolean(1));
	return m;
}

static void error_msg(struct server *s, struct conn *c, json_object *id, const char *err, bool fatal)
{
	json_object *m = proto_msg("error");

	if (id)
		json_object_object_add(m, "id", json_object_get(id));
	json_object_object_add(m, "error", json_object_new_string(err));
	json_object_object_add(m, "fatal", json_object_new_boolean(fatal));
	send_msg(s, c, m);
}

static void broadcast_by_uid(struct server *s, json_object *(*make)(struct server *, uid_t));

static json_object *pause_msg(struct server *s, uid_t uid)
{
	json_object *m = proto_msg("pause");

	json_object_object_add(m, "viewers", json_object_new_int(viewers_of(s, uid)));
	json_object_object_add(m, "pause", pause_json(s));
	return m;
}

static void set_pause(struct server *s, struct conn *c, bool paused, json_object *id)
{
	bool changed = s->pause.paused != paused;
	json_object *m;

	if (changed) {
		s->pause.paused = paused;
		s->pause.known = true;
		s->pause.viewer = c->id;
		s->pause.uid = c->uid;
		snprintf(s->pause.user, sizeof(s->pause.user), "%s", c->user);
		s->pause.since_s = uptime_s(s);
		s->pause.since_unix = wall_now();
		fprintf(stderr, "loopscope: %s by viewer %d (%s)\n", paused ? "paused" : "resumed", c->id,
			c->user);
	}
	/* the asker's confirmation first, then the news to everyone */
	m = reply_msg(paused ? "pause" : "resume", id);
	json_object_object_add(m, "changed", json_object_new_boolean(changed));
	json_object_object_add(m, "pause", pause_json(s));
	send_msg(s, c, m);
	if (!changed)
		return;
	broadcast_by_uid(s, pause_msg);
	if (!paused)
		publish(s); /* resume publishes the present */
}

/* What was refused: all of it for root, a uid's own for the others. */
static json_object *refused_json(const struct server *s, uid_t uid)
{
	json_object *o = json_object_new_object();
	uint64_t viewers = 0, dumps = 0;

	for (int i = 0; i < s->nuids; i++)
		if (uid == 0 || s->uids[i].uid == uid) {
			viewers += s->uids[i].refused_viewers;
			dumps += s->uids[i].refused_dumps;
		}
	json_object_object_add(o, "viewers", json_object_new_uint64(viewers));
	json_object_object_add(o, "dumps", json_object_new_uint64(dumps));
	return o;
}

static json_object *limits_json(const struct server *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "viewers_per_user", json_object_new_int(s->o.viewers_per_user));
	json_object_object_add(o, "dumps_per_tick", json_object_new_int(1));
	return o;
}

static json_object *status_json(struct server *s, struct conn *who)
{
	json_object *st = s->ops.status(s->ops.ctx, who->uid), *clients = json_object_new_array();

	json_object_object_add(st, "paused", json_object_new_boolean(s->pause.paused));
	json_object_object_add(st, "pause", pause_json(s));
	json_object_object_add(st, "viewers", json_object_new_int(viewers_of(s, who->uid)));
	json_object_object_add(st, "limits", limits_json(s));
	json_object_object_add(st, "refused", refused_json(s, who->uid));
	for (struct conn *c = s->conns; c; c = c->next) {
		json_object *o;
		size_t q = 0;

		if (who->uid != 0 && c->uid != who->uid) /* others' viewers are not its business */
			continue;
		o = json_object_new_object();

		for (int i = 0; i < c->qn; i++)
			q += c->q[i]->len;
		json_object_object_add(o, "viewer", json_object_new_int(c->id));
		json_object_object_add(o, "uid", json_object_new_int64(c->uid));
		json_object_object_add(o, "user", json_object_new_string(c->user));
		json_object_object_add(o, "pid", json_object_new_int(c->pid));
		json_object_object_add(o, "frames", json_object_new_uint64(c->frames));
		json_object_object_add(o, "skipped", json_object_new_uint64(c->skipped));
		json_object_object_add(o, "queued_bytes", json_object_new_uint64(q - c->off));
		json_object_array_add(clients, o);
	}
	json_object_object_add(st, "clients", clients);
	return st;
}

static void request(struct server *s, struct conn *c, json_object *msg)
{
	const char *type = proto_type(msg);
	json_object *id = NULL, *m;
	char err[160];

	if (json_object_object_get_ex(msg, "id", &id) && !json_object_is_type(id, json_type_int)) {
		error_msg(s, c, NULL, "\"id\" must be an integer", false);
		return;
	}
	if (!strcmp(type, "pause") || !strcmp(type, "resume")) {
		set_pause(s, c, !strcmp(type, "pause"), id);
	} else if (!strcmp(type, "status")) {
		m = reply_msg(type, id);
		json_object_object_add(m, "status", status_json(s, c));
		send_msg(s, c, m);
	} else if (!strcmp(type, "dump") && c->snapshot_queued) {
		/* one whole state at a time: a viewer asking faster than it reads
		 * would otherwise queue state after state */
		uid_entry(s, c->uid)->refused_dumps++;
		error_msg(s, c, id, "the last dump (or the welcome) is still going out: "
				    "read it, then ask again", false);
	} else if (!strcmp(type, "dump") && c->dump_gen == s->gen) {
		/* the state changes once a tick: a second dump would be the same */
		uid_entry(s, c->uid)->refused_dumps++;
		snprintf(err, sizeof(err), "one dump per tick: the state changes every %g s; "
			 "ask again after the next update", s->o.interval_s);
		error_msg(s, c, id, err, false);
	} else if (!strcmp(type, "dump")) {
		c->dump_gen = s->gen;
		send_state(s, c, reply_msg(type, id));
	} else if (!strcmp(type, "bye")) {
		kill_conn(c, NULL);
	} else {
		char shown[48];

		/* valid UTF-8 only, never a character cut in two */
		proto_utf8_copy(shown, sizeof(shown), type, strlen(type));
		snprintf(err, sizeof(err), "unknown message type '%s'", shown);
		error_msg(s, c, id, err, false);
	}
}

static void read_requests(struct server *s, struct conn *c)
{
	for (int handled = 0; handled < REQUESTS_PER_SERVICE && !c->dead;) {
		json_object *msg;
		char err[160];
		int r = proto_reader_next(&c->rd, &msg, err, sizeof(err));
		long got;

		if (r > 0) {
			request(s, c, msg);
			json_object_put(msg);
			handled++;
			if (c->req_gen != s->gen) {
				c->req_gen = s->gen;
				c->requests = 0;
			}
			if (++c->requests >= REQUESTS_PER_TICK && !c->dead) {
				/* asks faster than anyone needs: its socket is not read
				 * until the next tick (it blocks, the collector works not) */
				c->muted = true;
				watch(s, c);
				return;
			}
			continue;
		}
		if (r < 0) {
			error_msg(s, c, NULL, err, true);
			flush(s, c);
			kill_conn(c, "sent a bad frame");
			return;
		}
		got = proto_reader_fill(&c->rd, c->fd);
		if (got == -EINTR)
			continue;
		if (got == -EAGAIN || got == -EWOULDBLOCK)
			return;
		if (got <= 0) {
			kill_conn(c, NULL); /* gone, maybe mid-frame: nothing to answer */
			return;
		}
	}
}

/* A control message to every viewer, made per uid by make (it may count
 * only the viewers it may see): one frame per uid. */
static json_object *viewers_msg(struct server *s, uid_t uid);

static void broadcast_by_uid(struct server *s, json_object *(*make)(struct server *, uid_t))
{
	struct update_cache uc = {.n = 0};

	for (struct conn *c = s->conns; c; c = c->next) {
		struct frame *f = NULL;

		if (c->dead || (make == viewers_msg && !c->announced))
			continue;
		for (int i = 0; i < uc.n && !f; i++)
			if (uc.v[i].uid == c->uid)
				f = uc.v[i].f;
		if (!f) {
			json_object *m = make(s, c->uid);

			f = frame_new(m, FRAME_CONTROL);
			json_object_put(m);
			uc.v = realloc(uc.v, (size_t)(uc.n + 1) * sizeof(*uc.v));
			if (!uc.v)
				abort();
			uc.v[uc.n].uid = c->uid;
			uc.v[uc.n++].f = f;
		}
		enqueue(s, c, f);
	}
	update_cache_free(&uc);
}

static json_object *viewers_msg(struct server *s, uid_t uid)
{
	json_object *m = proto_msg("viewers");

	json_object_object_add(m, "viewers", json_object_new_int(viewers_of(s, uid)));
	return m;
}

/* Tells every viewer how many viewers it may count now. */
static void viewers_changed(struct server *s)
{
	s->viewers_dirty = false;
	broadcast_by_uid(s, viewers_msg);
	for (struct conn *c = s->conns; c; c = c->next)
		c->announced = true;
}

static void drop(struct server *s, struct conn *c)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	for (int i = 0; i < c->qn; i++)
		frame_put(c->q[i]);
	proto_reader_free(&c->rd);
	if (c->why)
		fprintf(stderr, "loopscope: viewer %d (%s) dropped: %s\n", c->id, c->user, c->why);
	free(c);
	s->nconns--;
}

/* Says bye to the dead that can still hear it, frees them; tells the rest. */
static void reap(struct server *s)
{
	struct conn **pp = &s->conns;
	int dropped = 0;

	while (*pp) {
		struct conn *c = *pp;

		if (!c->dead) {
			pp = &c->next;
			continue;
		}
		if (c->why && strncmp(c->why, "too slow", 8) == 0) {
			json_object *m = proto_msg("bye");
			size_t len;
			char *f;

			json_object_object_add(m, "reason", json_object_new_string(c->why));
			f = proto_frame(m, PROTO_MAX_DOWN, &len);
			json_object_put(m);
			/* only if nothing is half-sent, and only what fits now */
			if (f && !c->off)
				(void)!send(c->fd, f, len, MSG_NOSIGNAL | MSG_DONTWAIT);
			free(f);
		}
		*pp = c->next;
		drop(s, c);
		dropped++;
	}
	if (dropped)
		s->viewers_dirty = true;
}

/* A uid other than root over its cap: one fatal error, then closed. */
static bool over_cap(struct server *s, int fd, uid_t uid)
{
	json_object *m;
	char err[200], name[32];
	size_t len;
	char *f;
	int live = 0;

	if (uid == 0 || s->o.viewers_per_user <= 0)
		return false;
	for (const struct conn *c = s->conns; c; c = c->next)
		live += !c->dead && c->uid == uid;
	if (live < s->o.viewers_per_user)
		return false;
	uid_entry(s, uid)->refused_viewers++;
	user_name(uid, name, sizeof(name));
	snprintf(err, sizeof(err),
		 "too many viewers: %s has %d connected, the most a user may have "
		 "(the collector's --viewers-per-user)", name, live);
	m = proto_msg("error");
	json_object_object_add(m, "error", json_object_new_string(err));
	json_object_object_add(m, "fatal", json_object_new_boolean(1));
	f = proto_frame(m, PROTO_MAX_DOWN, &len);
	json_object_put(m);
	if (f) /* a new socket's buffer takes it whole */
		(void)!send(fd, f, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	free(f);
	close(fd);
	return true;
}

static void accept_viewers(struct server *s)
{
	for (int accepted = 0; accepted < ACCEPTS_PER_SERVICE; accepted++) {
		struct ucred cred;
		socklen_t clen = sizeof(cred);
		struct epoll_event ev = {.events = EPOLLIN};
		struct conn *c;
		json_object *m;
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen)) {
			close(fd);
			continue;
		}
		if (over_cap(s, fd, cred.uid))
			continue;
		c = xcalloc(1, sizeof(*c));
		c->fd = fd;
		c->id = ++s->next_id;
		c->uid = cred.uid;
		c->pid = cred.pid;
		user_name(cred.uid, c->user, sizeof(c->user));
		proto_reader_init(&c->rd, PROTO_MAX_UP);
		c->progress_ts = now_ns();
		c->dump_gen = UINT64_MAX;
		ev.data.ptr = c;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c);
			continue;
		}
		s->nconns++;
		s->viewers_dirty = true; /* the others learn of it; it learns from its welcome */
		c->next = s->conns;
		s->conns = c;

		m = proto_msg("welcome");
		json_object_object_add(m, "protocol", json_object_new_int(PROTO_VERSION));
		json_object_object_add(m, "viewer", json_object_new_int(c->id));
		{
			json_object *you = json_object_new_object();

			json_object_object_add(you, "uid", json_object_new_int64(c->uid));
			json_object_object_add(you, "user", json_object_new_string(c->user));
			json_object_object_add(you, "pid", json_object_new_int(c->pid));
			json_object_object_add(m, "you", you);
		}
		json_object_object_add(m, "collector", collector_json(s));
		json_object_object_add(m, "viewers", json_object_new_int(viewers_of(s, c->uid)));
		json_object_object_add(m, "pause", pause_json(s));
		send_state(s, c, m);
	}
}

void server_service(struct server *s)
{
	struct epoll_event evs[64];
	uint64_t now;
	int n;

	uint64_t start = now_ns();

	if (!s)
		return;
	/* level-triggered: what is left for lack of time comes back next turn,
	 * after the ring buffer was drained */
	n = epoll_wait(s->epfd, evs, 64, 0);
	for (int i = 0; i < n && now_ns() - start < SERVICE_BUDGET_NS; i++) {
		struct conn *c = evs[i].data.ptr;

		if (!c) {
			accept_viewers(s);
			continue;
		}
		if (c->dead)
			continue;
		if (evs[i].events & EPOLLOUT)
			flush(s, c);
		if (c->muted && (evs[i].events & (EPOLLHUP | EPOLLERR)))
			kill_conn(c, NULL); /* gone: what it still asked is not answered */
		else if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			read_requests(s, c);
	}
	now = now_ns();
	for (struct conn *c = s->conns; c; c = c->next)
		if (!c->dead && c->qn && now - c->progress_ts > s->o.stall_ns)
			kill_conn(c, "too slow: nothing read for too long");
	reap(s);
	if (s->viewers_dirty) /* once per call, however many came and went */
		viewers_changed(s);
}

static int socket_gid(const char *group, gid_t *gid)
{
	struct group gr, *res = NULL;
	char tmp[4096];

	if (getgrnam_r(group ? group : "loopscope", &gr, tmp, sizeof(tmp), &res) == 0 && res) {
		*gid = res->gr_gid;
		return 0;
	}
	if (!group) {
		*gid = 0;
		return 0;
	}
	return -ENOENT;
}

/* Refuses a path a live collector serves; removes a stale one. */
static int claim(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, live;

	if (lstat(path, &st))
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "loopscope: %s exists and is not a socket: remove it or pass --socket\n", path);
		return -EEXIST;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	if (live) {
		fprintf(stderr,
			"loopscope: a collector already serves %s: view it with `loopscope view`, or pass --socket\n",
			path);
		return -EADDRINUSE;
	}
	unlink(path);
	return 0;
}

int server_open(struct server **out, const struct server_opts *o, const struct server_ops *ops)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	struct server *s;
	char dir[108], *slash;
	gid_t gid;
	int err;

	*out = NULL;
	if (strlen(o->path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "loopscope: socket path too long (max %zu bytes): %s\n",
			sizeof(sa.sun_path) - 1, o->path);
		return -ENAMETOOLONG;
	}
	if (socket_gid(o->group, &gid)) {
		fprintf(stderr, "loopscope: no such group: %s\n", o->group);
		return -ENOENT;
	}
	snprintf(dir, sizeof(dir), "%s", o->path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir(dir, 0755) && errno != EEXIST) {
			fprintf(stderr, "loopscope: cannot create %s: %s\n", dir, strerror(errno));
			return -errno;
		}
	}
	if ((err = claim(o->path)))
		return err;
	s = xcalloc(1, sizeof(*s));
	s->o = *o;
	if (s->o.viewers_per_user <= 0)
		s->o.viewers_per_user = SERVER_VIEWERS_PER_USER;
	s->ops = *ops;
	snprintf(s->path, sizeof(s->path), "%s", o->path);
	s->o.path = s->path;
	strcpy(sa.sun_path, o->path);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->epfd < 0 || s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(o->path, o->mode) || chown(o->path, 0, gid) || listen(s->lfd, 64) ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfd, &ev)) {
		err = -errno;
		fprintf(stderr, "loopscope: cannot serve viewers on %s: %s\n", o->path, strerror(errno));
		if (s->lfd >= 0)
			close(s->lfd);
		if (s->epfd >= 0)
			close(s->epfd);
		unlink(o->path);
		free(s);
		return err;
	}
	*out = s;
	return 0;
}

int server_fd(const struct server *s)
{
	return s->epfd;
}

bool server_paused(const struct server *s)
{
	return s && s->pause.paused;
}

int server_viewers(const struct server *s)
{
	return s ? s->nconns : 0;
}

void server_close(struct server *s, const char *reason)
{
	json_object *m;

	if (!s)
		return;
	m = proto_msg("bye");
	json_object_object_add(m, "reason", json_object_new_string(reason));
	broadcast(s, m);
	while (s->conns) {
		struct conn *c = s->conns;

		s->conns = c->next;
		c->why = NULL;
		drop(s, c);
	}
	close(s->lfd);
	close(s->epfd);
	unlink(s->path);
	for (int i = 0; i < s->nuids; i++)
		body_put(s->uids[i].state);
	free(s->uids);
	free(s);
}
