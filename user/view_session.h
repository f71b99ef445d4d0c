/* view_session.h - a viewer's memory of its collector, fed by protocol
 * messages (docs/protocol.md): the last state, the pause flag as the
 * collector pushed it, the number of viewers, task state histories, and
 * the header and PAUSED banner drawn from them.  No terminal here. */
#ifndef LS_VIEW_SESSION_H
#define LS_VIEW_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "view_table.h"

struct vt_session {
	json_object *state;  /* the last state (owned), NULL before the first */
	json_object *pause;  /* the collector's pause object (owned), NULL: not told yet */
	int64_t viewer;      /* this connection's id, -1 before the welcome */
	int64_t viewers;     /* viewers connected, -1: unknown */
	uint64_t updates;    /* states received */
	bool welcomed, ended;
	char message[256];   /* the latest news for the status line */
	struct vt_history history;
};

/* What vt_session_apply() changed. */
enum {
	VT_GOT_STATE = 1,
	VT_GOT_PAUSE = 2,
	VT_GOT_VIEWERS = 4,
	VT_GOT_MESSAGE = 8,
	VT_GOT_END = 16,
};

void vt_session_init(struct vt_session *s);
void vt_session_free(struct vt_session *s);
/* Takes in one message (borrowed): a mask of VT_GOT_*; -1 when the
 * collector speaks another protocol (message says so; nothing more can be
 * understood).  Unknown types are ignored, as the protocol asks. */
int vt_session_apply(struct vt_session *s, json_object *msg);
/* The source ended: the last state stays, message says why. */
void vt_session_end(struct vt_session *s, const char *why);
bool vt_session_paused(const struct vt_session *s);

/* "targets echo_server 4242 | up 12.3s | 4100 ev/s | drops 0 | viewers 2"
 * (and "| rec PATH 1.2M" while recording). */
void vt_session_header(const struct vt_session *s, char *buf, size_t len);
/* "PAUSED by alice (viewer 3) at 06:12:31, 4s ago" ("" when not paused);
 * now_unix is the wall clock, which the collector shares on this machine. */
void vt_session_banner(const struct vt_session *s, double now_unix, char *buf, size_t len);

#endif
