/* Log lines: escaping, levels, the line format. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "tap.h"

START_TEST(escape)
{
	char out[64];

	ck_assert_uint_eq(log_escape(out, sizeof out, "a\nb\rc\td\\e\x01"), 17);
	ck_assert_str_eq(out, "a\\nb\\rc\\td\\\\e\\x01");
	ck_assert_uint_eq(log_escape(out, 4, "abcdef"), 6);
	ck_assert_str_eq(out, "abc");
	ck_assert_uint_eq(log_escape(out, sizeof out, ""), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(levels)
{
	for (int l = LOG_DEBUG; l <= LOG_ERROR; l++)
		ck_assert_int_eq(log_level_parse(log_level_name((enum log_level)l)), l);
	ck_assert_int_eq(log_level_parse("loud"), -1);
}
END_TEST

START_TEST(one_line_per_event)
{
	char path[] = "/tmp/ocim-test-log-XXXXXX", line[512];
	int fd = mkstemp(path), saved = dup(2);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	dup2(fd, 2);
	log_set_program("t");
	log_set_level(LOG_INFO);
	log_debug("hidden");
	log_set_request_id("req\n1");
	log_info("user said: %s", "hi\nforged line");
	log_set_request_id(NULL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fdopen(fd, "r");
	rewind(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	ck_assert_msg(strlen(line) > 24 && line[4] == '-' && line[10] == 'T' && line[23] == 'Z', "%s", line);
	ck_assert_ptr_nonnull(strstr(line, "Z info t["));
	ck_assert_ptr_nonnull(strstr(line, "req=req\\n1 user said: hi\\nforged line\n"));
	ck_assert_ptr_null(fgets(line, sizeof line, f));
	fclose(f);
	unlink(path);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, escape);
	tcase_add_test(tc, levels);
	tcase_add_test(tc, one_line_per_event);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(suite());
}
