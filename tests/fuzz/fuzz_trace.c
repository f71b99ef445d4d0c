/* fuzz_trace.c - libFuzzer target for the trace file reader and for what
 * replay does with the records it returns (trace_apply into a model, the
 * JSON report).  Two shapes of input, by the first byte:
 *
 *   odd:  the rest is one block's uncompressed payload; the harness wraps
 *         it in a valid header and block, so mutations reach the record
 *         framing, trace_apply() and the model instead of dying at zlib;
 *   even: a whole file, whose header and block checksums the harness
 *         recomputes first (a mutated byte would otherwise only ever test
 *         the checksum); the unit tests cover the checksum failures.
 *
 * Whatever the input: no crash, no sanitizer report, no hang, no
 * allocation beyond libFuzzer's -malloc_limit_mb. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "model.h"
#include "report.h"
#include "trace.h"

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static void fix_checksums(uint8_t *b, size_t n)
{
	size_t at;
	uint32_t hlen;

	if (n < TRACE_FIXED_LEN || memcmp(b, TRACE_MAGIC, 8))
		return;
	hlen = get32(b + 12);
	if (hlen < TRACE_FIXED_LEN || hlen > n)
		return;
	put32(b + 20, (uint32_t)crc32(0, b + 24, hlen - 24));
	for (at = hlen; at + TRACE_BLOCK_HDR_LEN <= n;) {
		uint32_t clen = get32(b + at + 8);

		if (clen > n - at - TRACE_BLOCK_HDR_LEN)
			break;
		put32(b + at + 24, (uint32_t)crc32(0, b + at + TRACE_BLOCK_HDR_LEN, clen));
		put32(b + at + 28, (uint32_t)crc32(0, b + at, 28));
		at += TRACE_BLOCK_HDR_LEN + clen;
	}
}

/* A file of one block holding payload as it is (its length rounded to 8). */
static uint8_t *wrap(const uint8_t *payload, size_t n, size_t *out_len)
{
	struct trace_meta meta = {.start_ns = 1000, .retain_ns = 1000000};
	size_t rawlen = (n + 7) & ~(size_t)7, hlen, blen;
	uint8_t *raw = calloc(1, rawlen + 8), *hdr = malloc(TRACE_HEADER_MAX), *blk, *file;
	uint32_t nrec = 0;

	memcpy(raw, payload, n);
	for (size_t at = 0; at + 8 <= rawlen;) { /* the count the framing implies */
		uint32_t len = get32(raw + at);

		nrec++;
		at += 8 + (((size_t)len + 7) & ~(size_t)7);
	}
	hlen = trace_header_encode(&meta, hdr, TRACE_HEADER_MAX);
	blen = trace_block_encode(TRACE_BLOCK_RECORDS, raw, rawlen, nrec, 0, &blk);
	file = malloc(hlen + blen + 1);
	memcpy(file, hdr, hlen);
	if (blen)
		memcpy(file + hlen, blk, blen);
	*out_len = hlen + blen;
	free(blk);
	free(hdr);
	free(raw);
	return file;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_meta meta;
	struct trace_reader *rd;
	struct model *m;
	const void *rec;
	uint8_t *buf;
	size_t n, len;
	char err[600];
	FILE *f;
	uint64_t last = 0;

	if (size < 1 || size > TRACE_BLOCK_MAX)
		return 0;
	if (data[0] & 1) {
		buf = wrap(data + 1, size - 1, &n);
	} else {
		n = size - 1;
		buf = malloc(n + 1);
		memcpy(buf, data + 1, n);
		fix_checksums(buf, n);
	}
	f = fmemopen(buf, n ? n : 1, "rb");
	if (!f) {
		free(buf);
		return 0;
	}
	if (!n)
		fseek(f, 0, SEEK_END);
	rd = trace_open_stream(f, "fuzz", &meta, err, sizeof(err));
	if (rd) {
		m = model_new(7, meta.retain_ns, meta.start_ns);
		while (trace_next(rd, &rec, &len) == 1) {
			const struct ls_hdr *h = rec;

			trace_apply(m, rec, len);
			if (h->ts > last)
				last = h->ts;
		}
		trace_truncated(rd, err, sizeof(err));
		{
			struct report_info ri = {.now = last, .final = true};
			json_object *j = report_json(m, &ri);

			json_object_put(j);
		}
		model_expire(m, last);
		model_free(m);
		trace_close(rd);
	}
	fclose(f);
	free(buf);
	return 0;
}
