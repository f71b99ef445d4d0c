/* protocol.h - the frames the collector and its viewers exchange
 * (docs/protocol.md): a big-endian u32 length, then one JSON object with
 * "v" and "type".  Both sides use this one implementation. */
#ifndef LS_PROTOCOL_H
#define LS_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#define PROTO_VERSION 1
#define PROTO_MAX_UP (64u << 10)   /* a frame from a viewer */
#define PROTO_MAX_DOWN (64u << 20) /* a frame from the collector */
#define PROTO_DEFAULT_SOCKET "/run/loopscope/loopscope.sock"
#define PROTO_SOCKET_ENV "LOOPSCOPE_SOCKET"

/* The socket path: opt when given, else $LOOPSCOPE_SOCKET, else the default. */
const char *proto_socket_path(const char *opt);

/* {"v": 1, "type": type}, to add fields to. */
json_object *proto_msg(const char *type);

/* msg (or a payload already serialized) as one frame: malloc'd, *len set.
 * NULL when the payload is over max. */
char *proto_frame(json_object *msg, size_t max, size_t *len);
char *proto_frame_raw(const char *payload, size_t plen, size_t max, size_t *len);
/* A frame's header for a payload of plen bytes into hdr, for a caller that
 * writes the payload after it itself; PROTO_HDR bytes. */
#define PROTO_HDR 4
void proto_frame_header(char hdr[PROTO_HDR], size_t plen);

/* Reassembles frames from a byte stream, holding at most one frame. */
struct proto_reader {
	char *buf;
	size_t len, cap, max;
};

void proto_reader_init(struct proto_reader *r, size_t max);
void proto_reader_free(struct proto_reader *r);
/* Appends bytes: 0, or -ENOMEM. */
int proto_reader_feed(struct proto_reader *r, const void *data, size_t n);
/* Reads what fd has (non-blocking or not): bytes read, 0 at EOF, -errno. */
long proto_reader_fill(struct proto_reader *r, int fd);
/* 1: *msg is the next message (the caller puts it); 0: need more bytes;
 * -1: the stream is broken (length 0 or over max, not a JSON object, no
 * "v"/"type", another version): err says why, nothing after can be trusted. */
int proto_reader_next(struct proto_reader *r, json_object **msg, char *err, size_t errlen);
/* A frame is partly read (so EOF now is a cut frame). */
bool proto_reader_partial(const struct proto_reader *r);

/* Copies at most n bytes of src into dst (cap bytes, NUL-terminated) as
 * valid UTF-8: never a character cut in two, an invalid byte as '?'. */
void proto_utf8_copy(char *dst, size_t cap, const char *src, size_t n);

/* The message's "type" ("" when missing). */
const char *proto_type(json_object *msg);

#endif
