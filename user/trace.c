/* trace.c - the trace file container (docs/trace-format.md): encoding the
 * header and blocks for the recorder, and a reader that trusts nothing it
 * reads: every length is bounded before it is used, every block checked
 * before it is inflated, so a cut, flipped or foreign file gives one error
 * line and never a crash, a hang or an unbounded allocation. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "model.h"
#include "rectypes.h"
#include "trace.h"

#define BLOCK_MAGIC "LSBK"
#define FLAG_LITTLE_ENDIAN 1u

enum tlv_tag {
	TLV_HOST = 1,
	TLV_KERNEL,
	TLV_CLOCK,
	TLV_COMMAND,
	TLV_VERSION,
	TLV_TARGET,
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

static uint16_t get16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static bool host_little_endian(void)
{
	const uint16_t one = 1;

	return *(const uint8_t *)&one == 1;
}

static size_t put_tlv(uint8_t *buf, size_t at, size_t cap, uint16_t tag, const void *v, size_t len)
{
	if (len > 0xffff || at + 4 + len > cap)
		return at;
	put16(buf + at, tag);
	put16(buf + at + 2, (uint16_t)len);
	memcpy(buf + at + 4, v, len);
	return at + 4 + len;
}

size_t trace_header_encode(const struct trace_meta *meta, uint8_t *buf, size_t cap)
{
	size_t at = TRACE_FIXED_LEN;

	if (cap < TRACE_FIXED_LEN)
		return 0;
	if (cap > TRACE_HEADER_MAX)
		cap = TRACE_HEADER_MAX;
	memset(buf, 0, TRACE_FIXED_LEN);
	memcpy(buf, TRACE_MAGIC, 8);
	put16(buf + 8, TRACE_MAJOR);
	put16(buf + 10, TRACE_MINOR);
	put32(buf + 16, host_little_endian() ? FLAG_LITTLE_ENDIAN : 0);
	put64(buf + 24, meta->mono_ns);
	put64(buf + 32, meta->wall_ns);
	put64(buf + 40, meta->start_ns);
	put64(buf + 48, meta->retain_ns);
	put64(buf + 56, meta->interval_ns);
	put64(buf + 64, meta->secret_id);
	at = put_tlv(buf, at, cap, TLV_HOST, meta->host, strlen(meta->host));
	at = put_tlv(buf, at, cap, TLV_KERNEL, meta->kernel, strlen(meta->kernel));
	at = put_tlv(buf, at, cap, TLV_CLOCK, meta->clock, strlen(meta->clock));
	at = put_tlv(buf, at, cap, TLV_COMMAND, meta->command, strlen(meta->command));
	at = put_tlv(buf, at, cap, TLV_VERSION, meta->version, strlen(meta->version));
	for (int i = 0; i < meta->ntargets && i < TRACE_TARGETS_MAX; i++) {
		uint8_t pid[4];

		put32(pid, meta->targets[i]);
		at = put_tlv(buf, at, cap, TLV_TARGET, pid, 4);
	}
	put32(buf + 12, (uint32_t)at);
	put32(buf + 20, (uint32_t)crc32(0, buf + 24, (uInt)(at - 24)));
	return at;
}

size_t trace_payload_add(uint8_t *payload, size_t used, size_t cap, const void *rec, size_t len)
{
	size_t need = 8 + ((len + 7) & ~(size_t)7);

	if (len > TRACE_REC_MAX || used + need > cap)
		return 0;
	put32(payload + used, (uint32_t)len);
	put32(payload + used + 4, 0);
	memcpy(payload + used + 8, rec, len);
	memset(payload + used + 8 + len, 0, need - 8 - len);
	return need;
}

size_t trace_block_encode(uint32_t kind, const void *raw, size_t rawlen, uint32_t nrec,
			  uint32_t dropped, uint8_t **out)
{
	uLongf clen = compressBound(rawlen);
	uint8_t *b = malloc(TRACE_BLOCK_HDR_LEN + clen);

	*out = NULL;
	if (!b || rawlen > TRACE_BLOCK_MAX)
		goto fail;
	/* level 1: the writer must keep up with the ring buffer; the records
	 * are repetitive enough that it still shrinks them several times */
	if (compress2(b + TRACE_BLOCK_HDR_LEN, &clen, raw, rawlen, 1) != Z_OK)
		goto fail;
	memcpy(b, BLOCK_MAGIC, 4);
	put32(b + 4, kind);
	put32(b + 8, (uint32_t)clen);
	put32(b + 12, (uint32_t)rawlen);
	put32(b + 16, nrec);
	put32(b + 20, dropped);
	put32(b + 24, (uint32_t)crc32(0, b + TRACE_BLOCK_HDR_LEN, (uInt)clen));
	put32(b + 28, (uint32_t)crc32(0, b, 28));
	*out = b;
	return TRACE_BLOCK_HDR_LEN + clen;
fail:
	free(b);
	return 0;
}

void trace_end_encode(const struct trace_end *e, uint8_t out[32])
{
	put64(out, e->records);
	put64(out + 8, e->dropped);
	put64(out + 16, e->first_ts);
	put64(out + 24, e->last_ts);
}

/* ---------------------------------------------------------------- reading */

struct trace_reader {
	FILE *f;
	bool own;
	char name[256];
	char err[512];
	char lost[512];
	uint64_t data_start;   /* first block */
	uint64_t off;          /* the block being read */
	uint64_t next_off;     /* the one after it */
	uint8_t *cbuf;         /* compressed payload */
	size_t ccap;
	uint64_t *rbuf;        /* inflated payload, 8-byte aligned */
	size_t rlen, pos;
	uint32_t nrec, seen;
	uint64_t dropped, records;
	struct trace_end end;
	bool have_end, done, failed, cut;
	uint64_t widened[(sizeof(struct ls_rec_wait) + 7) / 8]; /* an older, shorter record, zero-filled */
};

static int fail_at(struct trace_reader *r, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->err, sizeof(r->err), "%s: ", r->name);

	va_start(ap, fmt);
	vsnprintf(r->err + n, sizeof(r->err) - n, fmt, ap);
	va_end(ap);
	r->failed = true;
	return -1;
}

/* Reads up to n bytes; returns how many (fewer only at the end). */
static size_t read_full(FILE *f, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		size_t k = fread((uint8_t *)buf + got, 1, n - got, f);

		if (!k)
			break;
		got += k;
	}
	return got;
}

static void copy_str(char *dst, size_t cap, const uint8_t *src, size_t len)
{
	size_t n = len < cap - 1 ? len : cap - 1;

	memcpy(dst, src, n);
	dst[n] = 0;
	for (size_t i = 0; i < n; i++) /* a header is shown to people: no control bytes */
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
			dst[i] = '?';
}

static int read_header(struct trace_reader *r, struct trace_meta *meta)
{
	uint8_t fixed[TRACE_FIXED_LEN], *h;
	size_t got = read_full(r->f, fixed, sizeof(fixed)), at;
	uint32_t hlen, flags;

	if (got < 8 ? memcmp(fixed, TRACE_MAGIC, got) || !got : memcmp(fixed, TRACE_MAGIC, 8)) {
		if (!got)
			return fail_at(r, "empty file, not a loopscope trace");
		return fail_at(r, "not a loopscope trace (bad magic at offset 0)");
	}
	if (got < 12)
		return fail_at(r, "header cut short at offset %zu: nothing to read", got);
	memset(meta, 0, sizeof(*meta));
	meta->major = get16(fixed + 8);
	meta->minor = get16(fixed + 10);
	if (meta->major > TRACE_MAJOR)
		return fail_at(r, "trace format version %u.%u is newer than this loopscope reads (%u.x)",
			       meta->major, meta->minor, TRACE_MAJOR);
	if (meta->major == 0)
		return fail_at(r, "bad trace format version 0 at offset 8");
	if (got < TRACE_FIXED_LEN)
		return fail_at(r, "header cut short at offset %zu: nothing to read", got);
	hlen = get32(fixed + 12);
	flags = get32(fixed + 16);
	if (hlen < TRACE_FIXED_LEN || hlen > TRACE_HEADER_MAX)
		return fail_at(r, "corrupt header at offset 12: length %u", hlen);
	if (!(flags & FLAG_LITTLE_ENDIAN) != !host_little_endian())
		return fail_at(r, "recorded on a machine of the other byte order (offset 16)");
	h = malloc(hlen);
	if (!h)
		return fail_at(r, "out of memory");
	memcpy(h, fixed, TRACE_FIXED_LEN);
	got = read_full(r->f, h + TRACE_FIXED_LEN, hlen - TRACE_FIXED_LEN);
	if (got < hlen - TRACE_FIXED_LEN) {
		free(h);
		return fail_at(r, "header cut short at offset %zu: nothing to read", TRACE_FIXED_LEN + got);
	}
	if (crc32(0, h + 24, hlen - 24) != get32(h + 20)) {
		free(h);
		return fail_at(r, "corrupt header at offset 0 (checksum mismatch)");
	}
	meta->mono_ns = get64(h + 24);
	meta->wall_ns = get64(h + 32);
	meta->start_ns = get64(h + 40);
	meta->retain_ns = get64(h + 48);
	meta->interval_ns = get64(h + 56);
	meta->secret_id = get64(h + 64);
	for (at = TRACE_FIXED_LEN; at + 4 <= hlen;) {
		uint16_t tag = get16(h + at), len = get16(h + at + 2);
		const uint8_t *v = h + at + 4;

		if (at + 4 + len > hlen)
			break;
		switch (tag) {
		case TLV_HOST:
			copy_str(meta->host, sizeof(meta->host), v, len);
			break;
		case TLV_KERNEL:
			copy_str(meta->kernel, sizeof(meta->kernel), v, len);
			break;
		case TLV_CLOCK:
			copy_str(meta->clock, sizeof(meta->clock), v, len);
			break;
		case TLV_COMMAND:
			copy_str(meta->command, sizeof(meta->command), v, len);
			break;
		case TLV_VERSION:
			copy_str(meta->version, sizeof(meta->version), v, len);
			break;
		case TLV_TARGET:
			if (len == 4 && meta->ntargets < TRACE_TARGETS_MAX)
				meta->targets[meta->ntargets++] = get32(v);
			break;
		default: /* a newer minor version's field */
			break;
		}
		at += 4 + len;
	}
	free(h);
	r->data_start = r->next_off = hlen;
	return 0;
}

struct trace_reader *trace_open_stream(FILE *f, const char *name, struct trace_meta *meta,
				       char *err, size_t n)
{
	struct trace_reader *r = calloc(1, sizeof(*r));
	struct trace_meta scratch;

	if (!r) {
		snprintf(err, n, "%s: out of memory", name);
		return NULL;
	}
	r->f = f;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->rbuf = malloc(TRACE_BLOCK_MAX);
	if (!r->rbuf) {
		fail_at(r, "out of memory");
	} else if (read_header(r, meta ? meta : &scratch) == 0) {
		return r;
	}
	snprintf(err, n, "%s", r->err);
	free(r->rbuf);
	free(r);
	return NULL;
}

struct trace_reader *trace_open(const char *path, struct trace_meta *meta, char *err, size_t n)
{
	FILE *f = fopen(path, "rb");
	struct trace_reader *r;

	if (!f) {
		snprintf(err, n, "%s: %s", path, strerror(errno));
		return NULL;
	}
	r = trace_open_stream(f, path, meta, err, n);
	if (!r) {
		fclose(f);
		return NULL;
	}
	r->own = true;
	return r;
}

/* The file ends inside the block at r->off: what is whole was read. */
static int cut_short(struct trace_reader *r, size_t have, size_t want)
{
	r->cut = true;
	r->done = true;
	if (want == TRACE_BLOCK_HDR_LEN)
		snprintf(r->lost, sizeof(r->lost),
			 "%s: cut short: the last block (offset %llu) has %zu bytes of its %d-byte header; "
			 "read %llu records, the records of that block are lost",
			 r->name, (unsigned long long)r->off, have, TRACE_BLOCK_HDR_LEN,
			 (unsigned long long)r->records);
	else
		snprintf(r->lost, sizeof(r->lost),
			 "%s: cut short: the last block (offset %llu) has %zu of its %zu bytes; "
			 "read %llu records, the records of that block are lost",
			 r->name, (unsigned long long)r->off, have, want, (unsigned long long)r->records);
	return 0;
}

static int load_block(struct trace_reader *r)
{
	uint8_t h[TRACE_BLOCK_HDR_LEN];
	uint32_t kind, clen, rlen, nrec;
	size_t got;
	uLongf out;
	int zerr;

	r->off = r->next_off;
	if (fseeko(r->f, (off_t)r->off, SEEK_SET))
		return fail_at(r, "cannot seek to offset %llu: %s", (unsigned long long)r->off,
			       strerror(errno));
	got = read_full(r->f, h, sizeof(h));
	if (got == 0) { /* a clean block boundary, but no end block */
		r->cut = true;
		r->done = true;
		snprintf(r->lost, sizeof(r->lost),
			 "%s: not closed (no end block after offset %llu): read %llu records; "
			 "what the recorder had not written yet is lost",
			 r->name, (unsigned long long)r->off, (unsigned long long)r->records);
		return 0;
	}
	if (got < sizeof(h))
		return cut_short(r, got, sizeof(h));
	if (memcmp(h, BLOCK_MAGIC, 4) || crc32(0, h, 28) != get32(h + 28))
		return fail_at(r, "corrupt block header at offset %llu", (unsigned long long)r->off);
	kind = get32(h + 4);
	clen = get32(h + 8);
	rlen = get32(h + 12);
	nrec = get32(h + 16);
	if (rlen > TRACE_BLOCK_MAX || clen > compressBound(TRACE_BLOCK_MAX) || rlen % 8 ||
	    nrec > rlen / 8)
		return fail_at(r, "corrupt block at offset %llu: lengths %u/%u out of bounds",
			       (unsigned long long)r->off, clen, rlen);
	if (clen > r->ccap) {
		uint8_t *c = realloc(r->cbuf, clen);

		if (!c)
			return fail_at(r, "out of memory");
		r->cbuf = c;
		r->ccap = clen;
	}
	got = read_full(r->f, r->cbuf, clen);
	if (got < clen)
		return cut_short(r, sizeof(h) + got, sizeof(h) + clen);
	if (crc32(0, r->cbuf, clen) != get32(h + 24))
		return fail_at(r, "corrupt block at offset %llu (checksum mismatch)",
			       (unsigned long long)r->off);
	out = rlen;
	zerr = uncompress((Bytef *)r->rbuf, &out, r->cbuf, clen);
	if (zerr != Z_OK || out != rlen)
		return fail_at(r, "corrupt block at offset %llu (does not inflate to %u bytes)",
			       (unsigned long long)r->off, rlen);
	r->next_off = r->off + sizeof(h) + clen;
	r->dropped += get32(h + 20);
	r->rlen = rlen;
	r->pos = 0;
	r->nrec = nrec;
	r->seen = 0;
	if (kind == TRACE_BLOCK_END) {
		const uint8_t *e = (const uint8_t *)r->rbuf;

		if (rlen < 32)
			return fail_at(r, "corrupt end block at offset %llu", (unsigned long long)r->off);
		r->end.records = get64(e);
		r->end.dropped = get64(e + 8);
		r->end.first_ts = get64(e + 16);
		r->end.last_ts = get64(e + 24);
		r->have_end = true;
		r->done = true;
		r->rlen = 0;
	} else if (kind != TRACE_BLOCK_RECORDS) {
		r->rlen = 0; /* a newer minor version's block: skipped */
	}
	return 0;
}

int trace_next(struct trace_reader *r, const void **rec, size_t *len)
{
	for (;;) {
		const uint8_t *p = (const uint8_t *)r->rbuf + r->pos;
		uint32_t n;

		if (r->failed)
			return -1;
		if (r->pos >= r->rlen) {
			if (r->rlen && r->seen != r->nrec)
				return fail_at(r, "corrupt block at offset %llu: %u records, header says %u",
					       (unsigned long long)r->off, r->seen, r->nrec);
			r->rlen = 0;
			if (r->done)
				return 0;
			if (load_block(r))
				return -1;
			continue;
		}
		n = get32(p);
		if (n < sizeof(struct ls_hdr) || n > TRACE_REC_MAX || 8 + (size_t)n > r->rlen - r->pos)
			return fail_at(r, "corrupt block at offset %llu: bad record length %u at byte %zu",
				       (unsigned long long)r->off, n, r->pos);
		*rec = p + 8;
		*len = n;
		/* a wait record of format 1.0 has no CPU times: given as 0 (unknown) */
		if (((const struct ls_hdr *)*rec)->type == LS_REC_WAIT && n >= LS_REC_WAIT_V10_SIZE &&
		    n < sizeof(struct ls_rec_wait)) {
			memset(r->widened, 0, sizeof(r->widened));
			memcpy(r->widened, *rec, n);
			*rec = r->widened;
			*len = sizeof(struct ls_rec_wait);
		}
		/* a close record of format 1.1 or before has no addresses: none */
		if (((const struct ls_hdr *)*rec)->type == LS_REC_CLOSE && n >= LS_REC_CLOSE_V11_SIZE &&
		    n < sizeof(struct ls_rec_close)) {
			memset(r->widened, 0, sizeof(r->widened));
			memcpy(r->widened, *rec, n);
			*rec = r->widened;
			*len = sizeof(struct ls_rec_close);
		}
		r->pos += 8 + ((n + 7) & ~7u);
		r->seen++;
		r->records++;
		return 1;
	}
}

const char *trace_error(const struct trace_reader *r)
{
	return r->err;
}

bool trace_truncated(const struct trace_reader *r, char *buf, size_t n)
{
	if (!r->cut)
		return false;
	snprintf(buf, n, "%s", r->lost);
	return true;
}

const struct trace_end *trace_end(const struct trace_reader *r)
{
	return r->have_end ? &r->end : NULL;
}

uint64_t trace_dropped(const struct trace_reader *r)
{
	return r->dropped;
}

uint64_t trace_offset(const struct trace_reader *r)
{
	return r->off;
}

int trace_rewind(struct trace_reader *r)
{
	r->next_off = r->off = r->data_start;
	r->rlen = r->pos = 0;
	r->nrec = r->seen = 0;
	r->records = r->dropped = 0;
	r->have_end = r->done = r->failed = r->cut = false;
	r->err[0] = r->lost[0] = 0;
	return 0;
}

void trace_close(struct trace_reader *r)
{
	if (!r)
		return;
	if (r->own)
		fclose(r->f);
	free(r->cbuf);
	free(r->rbuf);
	free(r);
}

/* ---------------------------------------------------------------- records */

static void name_of(char out[LS_COMM_LEN + 1], const char *in)
{
	memcpy(out, in, LS_COMM_LEN);
	out[LS_COMM_LEN] = 0;
}

int trace_apply(struct model *m, const void *rec, size_t len)
{
	const struct ls_hdr *h = rec;
	char name[LS_COMM_LEN + 1];

	if (len < sizeof(*h))
		return model_feed(m, rec, len);
	if (h->type < TREC_ADD_TARGET)
		return model_feed(m, rec, len);
	if (h->type >= TREC_TYPE_END)
		return 0; /* a newer minor version's record: skipped, as the format says */
	if (len < rec_type(h->type)->size || h->size > len)
		goto garbled;
	switch (h->type) {
	case TREC_ADD_TARGET:
		if (!h->tgid)
			goto garbled;
		name_of(name, ((const struct trec_target *)rec)->name);
		model_add_target(m, h->tgid, name);
		break;
	case TREC_SEED_TASK: {
		const struct trec_seed_task *s = rec;

		if (!h->tgid || !h->tid)
			goto garbled;
		name_of(name, s->name);
		model_seed_task(m, h->tgid, h->tid, name, (long)s->syscall_nr, h->ts);
		break;
	}
	case TREC_SEED_INTEREST: {
		const struct trec_seed_interest *s = rec;

		if (!h->tgid)
			goto garbled;
		model_seed_interest(m, h->tgid, s->epfd, s->tfd, s->events, s->token, h->ts);
		break;
	}
	case TREC_EVENTFD_COUNT: {
		const struct trec_eventfd_count *s = rec;

		if (!h->tgid)
			goto garbled;
		model_set_eventfd_count(m, h->tgid, s->fd, s->count);
		break;
	}
	case TREC_RENAME_TASK:
		if (!h->tid)
			goto garbled;
		name_of(name, ((const struct trec_rename *)rec)->name);
		model_rename_task(m, h->tid, name);
		break;
	case TREC_TARGET_EXITED:
		if (!h->tgid)
			goto garbled;
		model_target_exited(m, h->tgid, h->ts);
		break;
	case TREC_TICK: {
		const struct trec_tick *t = rec;

		m->stats.ringbuf_drops = t->ringbuf_drops;
		m->stats.inflight_drops = t->inflight_drops;
		break;
	}
	case TREC_TASK_CPU:
		if (!h->tid)
			goto garbled;
		model_task_cpu(m, h->tid, ((const struct trec_task_cpu *)rec)->cpu_ns, h->ts);
		break;
	case TREC_SEED_WAIT: {
		const struct trec_seed_wait *s = rec;

		if (!h->tgid || !h->tid)
			goto garbled;
		model_seed_wait(m, h->tgid, h->tid, s->epfd, s->timeout_ns, h->ts);
		break;
	}
	}
	return 0;
garbled:
	m->stats.garbled++;
	return -EINVAL;
}

const char *trace_rec_name(uint16_t type)
{
	const struct rec_type *t = rec_type(type);

	return t ? t->name : NULL;
}

void trace_hide_addrs(void *rec, size_t len, uint64_t secret)
{
	const struct ls_hdr *h = rec;
	const struct rec_type *t;

	if (len < sizeof(*h) || !(t = rec_type(h->type)) || len < t->size)
		return;
	for (int i = 0; i < t->nids; i++)
		if (rec_id_is(&t->ids[i], rec))
			rec_id_set(&t->ids[i], rec, hide_identity(secret, rec_id_get(&t->ids[i], rec)));
}
