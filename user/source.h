/* source.h - where a viewer's messages come from: the collector's socket
 * (client.c) or, for a replay, a model run in-process.  Either way they are
 * protocol messages (docs/protocol.md): welcome, update, pause, viewers,
 * reply, error, bye. */
#ifndef LS_SOURCE_H
#define LS_SOURCE_H

#include <stddef.h>
#include <json-c/json.h>

struct view_source {
	void *ctx;
	/* An fd to wait on for readability before calling next(), or -1. */
	int (*pollfd)(void *ctx);
	/* Milliseconds until next() should be called even with no fd
	 * readiness (a replay's next tick), -1: only on readiness. */
	int (*timeout_ms)(void *ctx);
	/* 1: *msg set (the caller puts it); 0: nothing now; -1: the source
	 * ended or failed, err says why in one line. */
	int (*next)(void *ctx, json_object **msg, char *err, size_t errlen);
	/* "pause", "resume", "step" (replay only): 0, or -errno. */
	int (*command)(void *ctx, const char *type);
	/* A short name for the header: the socket path, the trace file. */
	const char *name;
};

#endif
