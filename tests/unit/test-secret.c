/* Stored credentials: sealing, opening, tampering, the key file. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/secret.h"
#include "tap.h"

static char dir[] = "/tmp/ocim-test-secret-XXXXXX";

static void
path_of(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

START_TEST(seal_open)
{
	char path[256], err[512], *box, *plain;
	struct secret_key k, other;

	path_of(path, sizeof path, "k1");
	ck_assert_msg(secret_key_generate(path, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(secret_key_generate(path, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "exists already"));
	ck_assert_msg(secret_key_load(&k, path, err, sizeof err) == 0, "%s", err);
	box = secret_seal(&k, "glpat-secret", 12);
	ck_assert_ptr_nonnull(box);
	ck_assert(strncmp(box, "\\x", 2) == 0);
	ck_assert_ptr_null(strstr(box, "glpat"));
	plain = secret_open(&k, box);
	ck_assert_str_eq(plain, "glpat-secret");
	free(plain);
	/* two seals of the same text differ (random nonce) */
	{
		char *again = secret_seal(&k, "glpat-secret", 12);
		ck_assert_str_ne(again, box);
		free(again);
	}
	/* a flipped byte or another key: refused */
	box[20] = box[20] == '0' ? '1' : '0';
	ck_assert_ptr_null(secret_open(&k, box));
	box[20] = box[20] == '0' ? '1' : '0';
	path_of(path, sizeof path, "k2");
	ck_assert_int_eq(secret_key_generate(path, err, sizeof err), 0);
	ck_assert_int_eq(secret_key_load(&other, path, err, sizeof err), 0);
	ck_assert_ptr_null(secret_open(&other, box));
	ck_assert_ptr_null(secret_open(&k, "\\x00"));
	ck_assert_ptr_null(secret_open(&k, "plain text"));
	ck_assert_ptr_null(secret_open(&k, NULL));
	free(box);
	secret_key_wipe(&k);
	ck_assert_ptr_null(secret_seal(&k, "x", 1));
}
END_TEST

START_TEST(bad_key_files)
{
	char path[256], err[512];
	struct secret_key k;
	FILE *f;

	path_of(path, sizeof path, "short");
	f = fopen(path, "w");
	fputs("abcd\n", f);
	fclose(f);
	chmod(path, 0600);
	ck_assert_int_eq(secret_key_load(&k, path, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "64 hex digits"));
	path_of(path, sizeof path, "open");
	ck_assert_int_eq(secret_key_generate(path, err, sizeof err), 0);
	chmod(path, 0644);
	ck_assert_int_eq(secret_key_load(&k, path, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "readable by others"));
	ck_assert_int_eq(secret_key_load(&k, "/nonexistent/key", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/key"));
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("secret");
	TCase *tc = tcase_create("secret");

	tcase_add_test(tc, seal_open);
	tcase_add_test(tc, bad_key_files);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	char cmd[128];
	int rc;

	if (mkdtemp(dir) == NULL)
		return 99;
	rc = run_suite(suite());
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return rc;
}
