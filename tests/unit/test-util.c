/* Helpers of util.c: the retry backoff. */
#include "config.h"

#include <check.h>
#include <sodium.h>

#include "lib/util.h"
#include "tap.h"

START_TEST(backoff_doubles_with_jitter)
{
	/* retry n waits between half and all of base * 2^(n-1) */
	for (int n = 1; n <= 5; n++) {
		double full = 0.5 * (double)(1 << (n - 1)), lo = full, hi = 0;

		for (int i = 0; i < 200; i++) {
			double w = backoff_seconds(0.5, n, 3600, -1);
			ck_assert(w >= full / 2 && w <= full);
			lo = w < lo ? w : lo;
			hi = w > hi ? w : hi;
		}
		ck_assert_msg(hi - lo > full / 10, "retry %d: no jitter (%.3f..%.3f)", n, lo, hi);
	}
}
END_TEST

START_TEST(backoff_capped)
{
	for (int i = 0; i < 100; i++) {
		double w = backoff_seconds(30, 40, 3600, -1);
		ck_assert(w >= 1800 && w <= 3600);
	}
	/* no overflow however many attempts */
	ck_assert(backoff_seconds(1, 1000000, 10, -1) <= 10);
}
END_TEST

START_TEST(backoff_honours_retry_after)
{
	ck_assert(backoff_seconds(0.5, 1, 60, 7) == 7.0);
	/* a Retry-After shorter than the backoff does not shorten it */
	ck_assert(backoff_seconds(100, 1, 3600, 1) >= 50);
	ck_assert(backoff_seconds(0.5, 1, 60, 0) >= 0.25);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");

	tcase_add_test(tc, backoff_doubles_with_jitter);
	tcase_add_test(tc, backoff_capped);
	tcase_add_test(tc, backoff_honours_retry_after);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	return run_suite(suite());
}
