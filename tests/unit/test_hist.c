/* test_hist.c - hist: exact count/min/max/sum, percentiles within 1/16,
 * small values exact, clamping of huge values, merge == add. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hist.h"

static void assert_within_16th(uint64_t got, uint64_t want)
{
	uint64_t d = got > want ? got - want : want - got;

	if (d * 16 > want)
		fail_msg("%llu is not within 1/16 of %llu",
			 (unsigned long long)got, (unsigned long long)want);
}

static void test_empty(void **state)
{
	struct hist h;

	hist_init(&h);
	assert_int_equal(h.count, 0);
	assert_int_equal(h.sum, 0);
	assert_int_equal(h.max, 0);
	assert_int_equal(hist_min(&h), 0);
	assert_int_equal(hist_mean(&h), 0);
	assert_int_equal(hist_percentile(&h, 0), 0);
	assert_int_equal(hist_percentile(&h, 50), 0);
	assert_int_equal(hist_percentile(&h, 100), 0);
}

static void test_single(void **state)
{
	struct hist h;

	hist_init(&h);
	hist_add(&h, 123457);
	assert_int_equal(h.count, 1);
	assert_int_equal(h.sum, 123457);
	assert_int_equal(h.max, 123457);
	assert_int_equal(hist_min(&h), 123457);
	assert_int_equal(hist_mean(&h), 123457);
	assert_int_equal(hist_percentile(&h, 0), 123457);
	assert_int_equal(hist_percentile(&h, 50), 123457);
	assert_int_equal(hist_percentile(&h, 100), 123457);
}

static void test_uniform(void **state)
{
	struct hist h;
	uint64_t v;

	hist_init(&h);
	for (v = 1; v <= 1000; v++)
		hist_add(&h, v);
	assert_int_equal(h.count, 1000);
	assert_int_equal(h.sum, 500500);
	assert_int_equal(h.max, 1000);
	assert_int_equal(hist_min(&h), 1);
	assert_int_equal(hist_mean(&h), 500);
	assert_within_16th(hist_percentile(&h, 50), 500);
	assert_within_16th(hist_percentile(&h, 90), 900);
	assert_within_16th(hist_percentile(&h, 99), 990);
	assert_int_equal(hist_percentile(&h, 0), 1);
	assert_within_16th(hist_percentile(&h, 100), 1000);
	assert_true(hist_percentile(&h, 100) <= 1000);
	/* out-of-range p is clamped to [0, 100] */
	assert_int_equal(hist_percentile(&h, -5), hist_percentile(&h, 0));
	assert_int_equal(hist_percentile(&h, 250), hist_percentile(&h, 100));
}

static void test_small_exact(void **state)
{
	struct hist h;
	uint64_t v;
	int k;

	hist_init(&h);
	for (v = 0; v < 16; v++)
		hist_add(&h, v);
	for (k = 0; k < 16; k++)
		assert_int_equal(h.buckets[k], 1);
	assert_int_equal(h.buckets[16], 0);
	for (k = 1; k <= 16; k++)
		assert_int_equal(hist_percentile(&h, 6.25 * k), k - 1);

	/* neither min nor max can pull the answer onto v here */
	for (v = 0; v < 16; v++) {
		hist_init(&h);
		hist_add(&h, 0);
		hist_add(&h, v);
		hist_add(&h, 1000000);
		assert_int_equal(hist_percentile(&h, 50), v);
	}
}

static void test_relative_error(void **state)
{
	struct hist h;
	uint64_t v;
	int e;

	for (v = 1; v < 70000; v += v < 4096 ? 1 : 7) {
		hist_init(&h);
		hist_add(&h, 0);
		hist_add(&h, v);
		hist_add(&h, UINT64_C(1) << 41);
		assert_within_16th(hist_percentile(&h, 50), v);
	}
	for (e = 4; e <= HIST_MAX_EXP; e++) {
		uint64_t edges[] = { (UINT64_C(1) << e) - 1, UINT64_C(1) << e,
				     (UINT64_C(1) << e) + 1,
				     (UINT64_C(3) << (e - 1)) - 1 };
		size_t i;

		for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
			hist_init(&h);
			hist_add(&h, 0);
			hist_add(&h, edges[i]);
			hist_add(&h, UINT64_MAX);
			assert_within_16th(hist_percentile(&h, 50), edges[i]);
		}
	}
}

static void test_huge_clamps(void **state)
{
	const uint64_t huge = UINT64_C(1) << 50;
	struct hist h;

	hist_init(&h);
	hist_add(&h, huge);
	assert_int_equal(h.buckets[HIST_BUCKETS - 1], 1);
	assert_int_equal(h.max, huge);
	assert_int_equal(hist_percentile(&h, 100), huge);

	hist_add(&h, 3);
	assert_int_equal(h.count, 2);
	assert_int_equal(h.sum, huge + 3);
	assert_int_equal(h.max, huge);
	assert_int_equal(hist_min(&h), 3);
	assert_int_equal(h.buckets[3], 1);
	assert_int_equal(h.buckets[HIST_BUCKETS - 1], 1);
	assert_int_equal(hist_percentile(&h, 50), 3);
	assert_int_equal(hist_percentile(&h, 100), huge);
	assert_int_equal(hist_mean(&h), (huge + 3) / 2);
}

static void test_merge(void **state)
{
	struct hist a, b, all, empty;
	uint64_t v;

	hist_init(&a);
	hist_init(&b);
	hist_init(&all);
	hist_init(&empty);
	for (v = 1; v <= 500; v++) {
		hist_add(&a, v * 37);
		hist_add(&all, v * 37);
	}
	for (v = 501; v <= 1000; v++) {
		hist_add(&b, v * v);
		hist_add(&all, v * v);
	}
	hist_add(&b, UINT64_C(1) << 45);
	hist_add(&all, UINT64_C(1) << 45);
	hist_add(&b, 0);
	hist_add(&all, 0);

	hist_merge(&a, &b);
	assert_int_equal(a.count, all.count);
	assert_int_equal(a.count, 1002);
	assert_int_equal(a.sum, all.sum);
	assert_int_equal(a.max, UINT64_C(1) << 45);
	assert_int_equal(hist_min(&a), 0);
	assert_memory_equal(a.buckets, all.buckets, sizeof(a.buckets));
	assert_int_equal(hist_percentile(&a, 50), hist_percentile(&all, 50));
	assert_int_equal(hist_percentile(&a, 99), hist_percentile(&all, 99));

	/* merging an empty histogram changes nothing, into one copies */
	hist_merge(&a, &empty);
	assert_memory_equal(&a, &all, sizeof(a));
	hist_merge(&empty, &all);
	assert_memory_equal(&empty, &all, sizeof(all));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_small_exact),
		cmocka_unit_test(test_relative_error),
		cmocka_unit_test(test_huge_clamps),
		cmocka_unit_test(test_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
