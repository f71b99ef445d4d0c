/* test_util.c - duration parsing (every unit, every refusal: NaN and
 * infinity included), the map, the address hiding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util.h"

static void test_durations(void **state)
{
	assert_int_equal(parse_duration("1"), 1000000000LL);
	assert_int_equal(parse_duration("0.5"), 500000000LL);
	assert_int_equal(parse_duration("2s"), 2000000000LL);
	assert_int_equal(parse_duration("250ms"), 250000000LL);
	assert_int_equal(parse_duration("10us"), 10000LL);
	assert_int_equal(parse_duration("1m"), 60000000000LL);
	assert_int_equal(parse_duration("0"), 0);
}

static void test_duration_refusals(void **state)
{
	static const char *const bad[] = {"", "x", "-1", "1x", "1 s", "nan", "NaN", "inf",
					  "-inf", "infinity", "1e30", "1e10", "s", "ms"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_duration(bad[i]) != -1)
			fail_msg("'%s' was taken as %lld ns", bad[i], (long long)parse_duration(bad[i]));
}

static void test_omap(void **state)
{
	struct omap m = {0};
	uint64_t k, sum = 0;
	void *v;
	int n = 0;

	for (uint64_t i = 1; i <= 1000; i++)
		assert_int_equal(omap_put(&m, i * 7919, (void *)(uintptr_t)i), 0);
	assert_int_equal(m.len, 1000);
	assert_ptr_equal(omap_get(&m, 7919 * 500), (void *)500);
	assert_ptr_equal(omap_del(&m, 7919 * 500), (void *)500);
	assert_null(omap_get(&m, 7919 * 500));
	assert_null(omap_del(&m, 7919 * 500));
	for (size_t i = 0; omap_next(&m, &i, &k, &v);) {
		sum += (uintptr_t)v;
		n++;
	}
	assert_int_equal(n, 999);
	assert_int_equal(sum, 1000 * 1001 / 2 - 500);
	omap_free(&m);
	assert_int_equal(m.len, 0);
}

static void test_hidden_addresses(void **state)
{
	uint64_t a = hide_addr(42, 0xffff888012345678ULL);

	assert_int_equal(a, hide_addr(42, 0xffff888012345678ULL)); /* stable in a run */
	assert_int_not_equal(a, hide_addr(43, 0xffff888012345678ULL)); /* keyed */
	assert_int_not_equal(a, 0xffff888012345678ULL);
	assert_int_not_equal(a, hide_addr(42, 0xffff888012345680ULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_duration_refusals),
		cmocka_unit_test(test_omap),
		cmocka_unit_test(test_hidden_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
