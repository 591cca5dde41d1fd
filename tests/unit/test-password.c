/* Password policy, blocklist, scrypt hashes and their parameters. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/password.h"
#include "tap.h"

static const char *
blocklist(void)
{
	static char path[4096];
	const char *srcdir = getenv("OCIM_SRCDIR");

	snprintf(path, sizeof path, "%s/src/common-passwords.txt", srcdir ? srcdir : "..");
	return path;
}

START_TEST(policy)
{
	char s[200];

	ck_assert_ptr_nonnull(password_policy("elevenchars", 11));
	ck_assert_ptr_null(password_policy("twelve chars", 12));
	memset(s, 'a', 128);
	ck_assert_ptr_null(password_policy(s, 128));
	memset(s, 'a', 129);
	ck_assert_ptr_nonnull(strstr(password_policy(s, 129), "at most 128"));
	/* 12 characters of two bytes each: counted as characters */
	ck_assert_ptr_null(password_policy("éééééééééééé", strlen("éééééééééééé")));
	ck_assert_ptr_nonnull(strstr(password_policy("ééééé", strlen("ééééé")), "at least 12"));
	ck_assert_ptr_nonnull(strstr(password_policy("abcdef\0ghijklmn", 15), "NUL"));
	ck_assert_ptr_nonnull(strstr(password_policy("abcdefghijk\xff", 12), "UTF-8"));
	ck_assert_ptr_nonnull(strstr(password_policy("abcdefghij\xc3", 11), "UTF-8"));
}
END_TEST

START_TEST(blocked)
{
	ck_assert_int_eq(password_blocked(blocklist(), "password1234"), 1);
	ck_assert_int_eq(password_blocked(blocklist(), "PassWord1234"), 1);
	ck_assert_int_eq(password_blocked(blocklist(), "qwertyuiop"), 1);
	ck_assert_int_eq(password_blocked(blocklist(), "correct horse battery staple 9"), 0);
	ck_assert_ptr_nonnull(strstr(password_check(blocklist(), "password1234", 12), "too common"));
	ck_assert_ptr_null(password_check(blocklist(), "a fine long passphrase", 22));
}
END_TEST

START_TEST(blocklist_missing_fails_closed)
{
	ck_assert_int_eq(password_blocked("/nonexistent/list.txt", "whatever whatever"), -1);
	ck_assert_ptr_nonnull(password_check("/nonexistent/list.txt", "a fine long passphrase", 22));
}
END_TEST

START_TEST(hash_and_verify)
{
	char hash[PASSWORD_HASH_LEN];
	struct scrypt_params p;

	ck_assert_int_eq(password_hash("a fine long passphrase", hash), 0);
	ck_assert_msg(strncmp(hash, "$s1$0f0803$", 11) == 0, "%s", hash);
	ck_assert_int_eq(password_parse_params(hash, &p), 0);
	ck_assert_uint_eq(p.log2_n, 15);
	ck_assert_uint_eq(p.r, 8);
	ck_assert_uint_eq(p.p, 3);
	ck_assert_int_eq(password_verify(hash, "a fine long passphrase"), 1);
	ck_assert_int_eq(password_verify(hash, "a fine long passphrasE"), 0);
	/* the stored hash is left as it was */
	ck_assert_int_eq(password_verify(hash, "a fine long passphrase"), 1);
}
END_TEST

START_TEST(corrupt_hashes)
{
	struct scrypt_params p;

	ck_assert_int_eq(password_parse_params("$2b$10$abcdefghijklmnopqrstuv", &p), -1);
	ck_assert_int_eq(password_parse_params("$s1$0e08$salt$hash", &p), -1);
	ck_assert_int_eq(password_parse_params("$s1$0e0803$$hash", &p), -1);
	ck_assert_int_eq(password_parse_params("$s1$0e0803$salt$", &p), -1);
	ck_assert_int_eq(password_parse_params("$s1$000803$salt$hash", &p), -1);
	ck_assert_int_eq(password_parse_params("$s1$0G0803$salt$hash", &p), -1);
	ck_assert_int_eq(password_verify("garbage", "anything at all"), 0);
	ck_assert_int_eq(password_verify("$s1$0e0803$c2FsdA==$aGFzaA==", "anything at all"), 0);
	/* too costly to run: refused without hashing (2^31 * 8 * 128 bytes) */
	ck_assert_int_eq(password_verify("$s1$1f0803$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA==", "x"), 0);
}
END_TEST

START_TEST(generated)
{
	char pw[21];

	password_generate(pw, 20);
	ck_assert_uint_eq(strlen(pw), 20);
	ck_assert_uint_eq(strspn(pw, "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"), 20);
	ck_assert_ptr_null(password_policy(pw, 20));
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("password");
	TCase *tc = tcase_create("password");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, policy);
	tcase_add_test(tc, blocked);
	tcase_add_test(tc, blocklist_missing_fails_closed);
	tcase_add_test(tc, hash_and_verify);
	tcase_add_test(tc, corrupt_hashes);
	tcase_add_test(tc, generated);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(suite());
}
