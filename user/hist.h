/* hist.h - log-linear latency histogram: HIST_SUB_BITS sub-buckets per power
 * of two, a fixed struct with no allocation.  Percentiles are within
 * 1/2^HIST_SUB_BITS of the true value; count, sum, min and max are exact. */
#ifndef LOOPSCOPE_HIST_H
#define LOOPSCOPE_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 4
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_MAX_EXP 40 /* values of up to 2^(HIST_MAX_EXP+1)-1 get their own bucket */
/* values below HIST_SUB are exact, then HIST_SUB buckets for each of the
 * exponents HIST_SUB_BITS..HIST_MAX_EXP */
#define HIST_BUCKETS ((HIST_MAX_EXP - HIST_SUB_BITS + 2) * HIST_SUB)

struct hist {
	uint64_t count, sum, min, max;
	uint32_t buckets[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_add(struct hist *h, uint64_t v);
uint64_t hist_percentile(const struct hist *h, double p);
uint64_t hist_min(const struct hist *h);
uint64_t hist_mean(const struct hist *h);
/* The smallest value bucket i holds. */
uint64_t hist_bucket_low(unsigned int i);
void hist_merge(struct hist *dst, const struct hist *src);

#endif
