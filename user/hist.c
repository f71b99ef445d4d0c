/* hist.c - log-linear histogram of u64 values (nanoseconds).  Values below
 * HIST_SUB have a bucket each; above, each power of two 2^e is split into
 * HIST_SUB buckets of width 2^(e-HIST_SUB_BITS), so a bucket is never wider
 * than 1/HIST_SUB of its lower bound. */
#include "hist.h"

#include <string.h>

static unsigned int bucket_of(uint64_t v)
{
	unsigned int e;

	if (v < HIST_SUB)
		return v;
	e = 63 - __builtin_clzll(v);
	if (e > HIST_MAX_EXP)
		return HIST_BUCKETS - 1;
	return (e - HIST_SUB_BITS + 1) * HIST_SUB +
	       ((v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

/* The middle of bucket i's range. */
static uint64_t bucket_mid(unsigned int i)
{
	unsigned int shift;
	uint64_t lo;

	if (i < HIST_SUB)
		return i;
	shift = i / HIST_SUB - 1;
	lo = (uint64_t)(HIST_SUB + i % HIST_SUB) << shift;
	return lo + (((uint64_t)1 << shift) - 1) / 2;
}

uint64_t hist_bucket_low(unsigned int i)
{
	if (i < HIST_SUB)
		return i;
	return (uint64_t)(HIST_SUB + i % HIST_SUB) << (i / HIST_SUB - 1);
}

/* Saturate rather than wrap: a wrapped bucket would move every percentile. */
static void bucket_inc(uint32_t *b, uint32_t n)
{
	*b = *b > UINT32_MAX - n ? UINT32_MAX : *b + n;
}

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void hist_add(struct hist *h, uint64_t v)
{
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	bucket_inc(&h->buckets[bucket_of(v)], 1);
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0, v = h->max;
	double r;
	unsigned int i;

	if (!h->count)
		return 0;
	if (!(p > 0))
		p = 0;
	if (p > 100)
		p = 100;
	r = p / 100 * (double)h->count;
	if (r >= (double)h->count) {
		rank = h->count;
	} else {
		rank = (uint64_t)r;
		if ((double)rank < r)
			rank++;
	}
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;

	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			/* the last bucket has no upper bound but max */
			v = i == HIST_BUCKETS - 1 ? h->max : bucket_mid(i);
			break;
		}
	}
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

uint64_t hist_min(const struct hist *h)
{
	return h->count ? h->min : 0;
}

uint64_t hist_mean(const struct hist *h)
{
	return h->count ? h->sum / h->count : 0;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned int i;

	if (!src->count)
		return;
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	for (i = 0; i < HIST_BUCKETS; i++)
		bucket_inc(&dst->buckets[i], src->buckets[i]);
}
