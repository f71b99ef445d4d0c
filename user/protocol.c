/* protocol.c - frames: a big-endian u32 length, then a JSON object with
 * "v" and "type" (docs/protocol.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol.h"

#define HDR PROTO_HDR

const char *proto_socket_path(const char *opt)
{
	const char *env;

	if (opt && *opt)
		return opt;
	env = getenv(PROTO_SOCKET_ENV);
	return env && *env ? env : PROTO_DEFAULT_SOCKET;
}

json_object *proto_msg(const char *type)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "v", json_object_new_int(PROTO_VERSION));
	json_object_object_add(o, "type", json_object_new_string(type));
	return o;
}

void proto_frame_header(char hdr[PROTO_HDR], size_t plen)
{
	hdr[0] = (char)(plen >> 24);
	hdr[1] = (char)(plen >> 16);
	hdr[2] = (char)(plen >> 8);
	hdr[3] = (char)plen;
}

char *proto_frame_raw(const char *payload, size_t plen, size_t max, size_t *len)
{
	char *f;

	if (plen == 0 || plen > max)
		return NULL;
	f = malloc(HDR + plen);
	if (!f)
		return NULL;
	proto_frame_header(f, plen);
	memcpy(f + HDR, payload, plen);
	*len = HDR + plen;
	return f;
}

char *proto_frame(json_object *msg, size_t max, size_t *len)
{
	size_t plen;
	const char *s = json_object_to_json_string_length(msg, JSON_C_TO_STRING_PLAIN, &plen);

	return proto_frame_raw(s, plen, max, len);
}

void proto_reader_init(struct proto_reader *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
}

void proto_reader_free(struct proto_reader *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

static uint32_t frame_len(const struct proto_reader *r)
{
	const unsigned char *b = (const unsigned char *)r->buf;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Room for n more bytes; never more than one whole frame plus a header. */
static int reserve(struct proto_reader *r, size_t n)
{
	size_t want = r->len + n, cap = r->cap ? r->cap : 4096;
	char *b;

	if (want <= r->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	b = realloc(r->buf, cap);
	if (!b)
		return -ENOMEM;
	r->buf = b;
	r->cap = cap;
	return 0;
}

int proto_reader_feed(struct proto_reader *r, const void *data, size_t n)
{
	if (reserve(r, n))
		return -ENOMEM;
	memcpy(r->buf + r->len, data, n);
	r->len += n;
	return 0;
}

/* How many bytes the reader may take now without holding more than the
 * current frame: the rest of the header, or the rest of the frame. */
static size_t wanted(const struct proto_reader *r)
{
	uint32_t n;

	if (r->len < HDR)
		return HDR - r->len;
	n = frame_len(r);
	if (n == 0 || n > r->max)
		return 0;
	return HDR + n > r->len ? HDR + n - r->len : 0;
}

long proto_reader_fill(struct proto_reader *r, int fd)
{
	size_t want = wanted(r);
	ssize_t got;

	if (!want) /* a whole frame (or a bad header) waits for next() */
		return -EAGAIN;
	if (reserve(r, want))
		return -ENOMEM;
	got = read(fd, r->buf + r->len, want);
	if (got < 0)
		return -errno;
	r->len += (size_t)got;
	return got;
}

bool proto_reader_partial(const struct proto_reader *r)
{
	return r->len > 0;
}

/* The length of the valid UTF-8 sequence at p (at most n bytes), 0 when
 * there is none: no overlong forms, no surrogates, nothing over U+10FFFF. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	size_t len;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

void proto_utf8_copy(char *dst, size_t cap, const char *src, size_t n)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t at = 0, i = 0;

	if (!cap)
		return;
	while (i < n && p[i]) {
		size_t k = utf8_seq(p + i, n - i);

		if (!k) { /* not UTF-8 (or cut by n): one '?' for the byte */
			if (at + 1 >= cap)
				break;
			dst[at++] = '?';
			i++;
			continue;
		}
		if (at + k >= cap)
			break;
		memcpy(dst + at, p + i, k);
		at += k;
		i += k;
	}
	dst[at] = 0;
}

const char *proto_type(json_object *msg)
{
	json_object *t;

	if (!json_object_object_get_ex(msg, "type", &t) || !json_object_is_type(t, json_type_string))
		return "";
	return json_object_get_string(t);
}

int proto_reader_next(struct proto_reader *r, json_object **msg, char *err, size_t errlen)
{
	json_tokener *tok;
	json_object *o, *v;
	uint32_t n;

	*msg = NULL;
	if (r->len < HDR)
		return 0;
	n = frame_len(r);
	if (n == 0 || n > r->max) {
		snprintf(err, errlen, "bad frame length %u (limit %zu)", n, r->max);
		return -1;
	}
	if (r->len < HDR + (size_t)n)
		return 0;
	tok = json_tokener_new_ex(64);
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	o = json_tokener_parse_ex(tok, r->buf + HDR, (int)n);
	if (o && json_tokener_get_parse_end(tok) != n) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	memmove(r->buf, r->buf + HDR + n, r->len - HDR - n);
	r->len -= HDR + n;
	if (!o || !json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "frame is not a JSON object");
		json_object_put(o);
		return -1;
	}
	if (!json_object_object_get_ex(o, "v", &v) || !json_object_is_type(v, json_type_int)) {
		snprintf(err, errlen, "message without a protocol version \"v\"");
		json_object_put(o);
		return -1;
	}
	if (json_object_get_int64(v) != PROTO_VERSION) {
		snprintf(err, errlen, "protocol version %lld is not spoken here (this side speaks %d)",
			 (long long)json_object_get_int64(v), PROTO_VERSION);
		json_object_put(o);
		return -1;
	}
	if (!*proto_type(o)) {
		snprintf(err, errlen, "message without a \"type\"");
		json_object_put(o);
		return -1;
	}
	*msg = o;
	return 1;
}
