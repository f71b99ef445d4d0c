/* server.h - the collector's side of the viewers' socket (docs/protocol.md):
 * accepts viewers, answers their requests, holds the one pause flag, and
 * publishes the state every tick, never waiting on a viewer. */
#ifndef LS_SERVER_H
#define LS_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

struct server_opts {
	const char *path;
	mode_t mode;        /* of the socket file */
	const char *group;  /* its group, NULL: "loopscope" if it exists, else root's */
	uint64_t stall_ns;  /* a viewer with data queued and nothing read this long is dropped */
	uint64_t start_ns;  /* the collector's start (CLOCK_MONOTONIC) */
	double interval_s;
	int viewers_per_user; /* connections of one uid but root; 0: SERVER_VIEWERS_PER_USER */
};

#define SERVER_VIEWERS_PER_USER 16

/* What the server asks the collector for. */
struct server_ops {
	void *ctx;
	/* The present state as viewer uid may see it (docs/json.md): JSON text
	 * of *len bytes, malloc'd (a state of 10,000 sockets is written as
	 * it is made, never held as a json-c tree).  NULL: none to send. */
	char *(*state)(void *ctx, uid_t uid, size_t *len);
	/* A new object: */
	/* targets, uptime_s, records, records_per_s, drops, recording. */
	json_object *(*status)(void *ctx, uid_t uid);
};

struct server;

/* 0, or -errno after one line on stderr saying what to do. */
int server_open(struct server **out, const struct server_opts *o, const struct server_ops *ops);
/* An fd that is readable when the server has work: add it to the loop. */
int server_fd(const struct server *s);
/* Accepts, reads requests, writes what is queued, drops stuck viewers. */
void server_service(struct server *s);
/* A tick: states are serialized anew (once per uid, shared by every
 * update, welcome and dump until the next tick); an update to every viewer,
 * unless paused. */
void server_publish(struct server *s);
bool server_paused(const struct server *s);
int server_viewers(const struct server *s);
/* Says bye (with reason) to every viewer, closes, removes the socket file. */
void server_close(struct server *s, const char *reason);

#endif
