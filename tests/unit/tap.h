/* Runs a Check suite and reports it as TAP on stdout for automake's
 * tap-driver: one line per test case. */
#ifndef OCIM_TEST_TAP_H
#define OCIM_TEST_TAP_H

#include <check.h>
#include <stdlib.h>

static inline int
run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
