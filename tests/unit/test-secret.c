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

/* The hex of a value sealed the way Ocim did before key ids: nonce || box
 * under key, the nonce starting with first. */
static char *
legacy_seal(const unsigned char *key, const char *plain, unsigned char first)
{
	size_t len = strlen(plain), blen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
	unsigned char *b = malloc(blen);
	char *out = malloc(blen * 2 + 3);

	randombytes_buf(b, crypto_secretbox_NONCEBYTES);
	b[0] = first;
	crypto_secretbox_easy(b + crypto_secretbox_NONCEBYTES, (const unsigned char *)plain, len, b, key);
	out[0] = '\\';
	out[1] = 'x';
	sodium_bin2hex(out + 2, blen * 2 + 1, b, blen);
	free(b);
	return out;
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
}

START_TEST(key_ids)
{
	char path[256], err[512], id[SECRET_ID_HEX], id2[SECRET_ID_HEX], keyhex[65], *box;
	struct secret_key k, again, other;

	path_of(path, sizeof path, "ids");
	ck_assert_int_eq(secret_key_generate(path, err, sizeof err), 0);
	ck_assert_int_eq(secret_key_load(&k, path, err, sizeof err), 0);
	ck_assert_int_eq(k.nkeys, 1);
	secret_key_id_hex(&k, 0, id);
	ck_assert_uint_eq(strlen(id), 8);
	/* the id names the key but is not a piece of it */
	sodium_bin2hex(keyhex, sizeof keyhex, k.key[0], SECRET_KEY_BYTES);
	ck_assert_ptr_null(strstr(keyhex, id));
	/* the same key gives the same id; another key another */
	ck_assert_int_eq(secret_key_load(&again, path, err, sizeof err), 0);
	secret_key_id_hex(&again, 0, id2);
	ck_assert_str_eq(id, id2);
	path_of(path, sizeof path, "ids2");
	ck_assert_int_eq(secret_key_generate(path, err, sizeof err), 0);
	ck_assert_int_eq(secret_key_load(&other, path, err, sizeof err), 0);
	secret_key_id_hex(&other, 0, id2);
	ck_assert_str_ne(id, id2);
	/* a sealed value starts with the version byte and the key's id */
	box = secret_seal(&k, "glpat-secret", 12);
	ck_assert(strncmp(box, "\\x01", 4) == 0);
	ck_assert(strncmp(box + 4, id, 8) == 0);
	free(box);
	secret_key_wipe(&k);
	secret_key_wipe(&again);
	secret_key_wipe(&other);
}
END_TEST

START_TEST(ring_of_two)
{
	char path[256], err[512], why[200], idold[SECRET_ID_HEX], idnew[SECRET_ID_HEX], *old_box, *new_box, *plain;
	struct secret_key old, ring, reread;
	struct stat st;
	int which;

	path_of(path, sizeof path, "ring");
	ck_assert_int_eq(secret_key_generate(path, err, sizeof err), 0);
	ck_assert_int_eq(secret_key_load(&old, path, err, sizeof err), 0);
	old_box = secret_seal(&old, "old value", 9);
	ck_assert_int_eq(secret_key_next(&ring, &old), 0);
	ck_assert_int_eq(ring.nkeys, 2);
	ck_assert_msg(secret_key_write(&ring, path, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0640);
	ck_assert_int_eq(secret_key_load(&reread, path, err, sizeof err), 0);
	ck_assert_int_eq(reread.nkeys, 2);
	ck_assert(memcmp(reread.key, ring.key, sizeof ring.key) == 0);
	secret_key_id_hex(&reread, 0, idnew);
	secret_key_id_hex(&old, 0, idold);
	{
		char prev[SECRET_ID_HEX];
		secret_key_id_hex(&reread, 1, prev);
		ck_assert_str_eq(prev, idold);
	}
	/* new values are sealed with the new key; old ones still open */
	new_box = secret_seal(&reread, "new value", 9);
	ck_assert(strncmp(new_box + 4, idnew, 8) == 0);
	plain = secret_open_which(&reread, old_box, &which);
	ck_assert_str_eq(plain, "old value");
	ck_assert_int_eq(which, 1);
	free(plain);
	plain = secret_open_which(&reread, new_box, &which);
	ck_assert_str_eq(plain, "new value");
	ck_assert_int_eq(which, 0);
	free(plain);
	/* the old ring alone does not know the new key, and says so */
	ck_assert_ptr_null(secret_open(&old, new_box));
	secret_why(&old, new_box, why, sizeof why);
	ck_assert_ptr_nonnull(strstr(why, idnew));
	ck_assert_ptr_nonnull(strstr(why, "not in the key file"));
	free(old_box);
	free(new_box);
	secret_key_wipe(&old);
	secret_key_wipe(&ring);
	secret_key_wipe(&reread);
}
END_TEST

START_TEST(ring_files)
{
	char path[256], err[512], text[300], a[65], b[65];
	struct secret_key k;

	memset(a, 'a', 64);
	a[64] = '\0';
	memset(b, 'b', 64);
	b[64] = '\0';
	path_of(path, sizeof path, "hand");
	/* comments, blank lines, CRLF: two keys, the first current */
	snprintf(text, sizeof text, "# written by hand\r\n\n%s\r\n# previous\n%s\n", a, b);
	write_text(path, text);
	ck_assert_msg(secret_key_load(&k, path, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(k.nkeys, 2);
	ck_assert_int_eq(k.key[0][0], 0xaa);
	ck_assert_int_eq(k.key[1][0], 0xbb);
	/* a key file of one key without a newline, as before */
	write_text(path, a);
	ck_assert_int_eq(secret_key_load(&k, path, err, sizeof err), 0);
	ck_assert_int_eq(k.nkeys, 1);
	snprintf(text, sizeof text, "%s\n%s\n%s\n", a, b, a);
	write_text(path, text);
	ck_assert_int_eq(secret_key_load(&k, path, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "more than 2 keys"));
	snprintf(text, sizeof text, "%s\n%s\n", a, a);
	write_text(path, text);
	ck_assert_int_eq(secret_key_load(&k, path, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "previous key is the current one"));
	write_text(path, "# nothing\n\n");
	ck_assert_int_eq(secret_key_load(&k, path, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "64 hex digits"));
	ck_assert_int_eq(k.loaded, 0);
}
END_TEST

START_TEST(old_format_values)
{
	char path[256], err[512], why[200], *box, *plain;
	struct secret_key k, ring, foreign;
	int which;

	path_of(path, sizeof path, "legacy");
	ck_assert_int_eq(secret_key_generate(path, err, sizeof err), 0);
	ck_assert_int_eq(secret_key_load(&k, path, err, sizeof err), 0);
	/* sealed before key ids: opens with the current key ... */
	box = legacy_seal(k.key[0], "glptt-legacy", 0x42);
	plain = secret_open_which(&k, box, &which);
	ck_assert_str_eq(plain, "glptt-legacy");
	ck_assert_int_eq(which, 0);
	free(plain);
	/* ... and with the previous one after a rotation */
	ck_assert_int_eq(secret_key_next(&ring, &k), 0);
	plain = secret_open_which(&ring, box, &which);
	ck_assert_str_eq(plain, "glptt-legacy");
	ck_assert_int_eq(which, 1);
	free(plain);
	free(box);
	/* a nonce that happens to start like a version byte still opens */
	box = legacy_seal(k.key[0], "glptt-legacy", 0x01);
	plain = secret_open(&ring, box);
	ck_assert_str_eq(plain, "glptt-legacy");
	free(plain);
	/* under a key no longer in the ring: refused, and why */
	path_of(path, sizeof path, "legacy2");
	ck_assert_int_eq(secret_key_generate(path, err, sizeof err), 0);
	ck_assert_int_eq(secret_key_load(&foreign, path, err, sizeof err), 0);
	free(box);
	box = legacy_seal(k.key[0], "glptt-legacy", 0x42);
	ck_assert_ptr_null(secret_open(&foreign, box));
	secret_why(&foreign, box, why, sizeof why);
	ck_assert_ptr_nonnull(strstr(why, "before key ids"));
	free(box);
	secret_key_wipe(&k);
	secret_key_wipe(&ring);
	secret_key_wipe(&foreign);
}
END_TEST

START_TEST(unknown_id_and_damage)
{
	char path[256], err[512], why[200], id[SECRET_ID_HEX], *box;
	struct secret_key k, foreign;
	size_t n;

	path_of(path, sizeof path, "u1");
	ck_assert_int_eq(secret_key_generate(path, err, sizeof err), 0);
	ck_assert_int_eq(secret_key_load(&k, path, err, sizeof err), 0);
	path_of(path, sizeof path, "u2");
	ck_assert_int_eq(secret_key_generate(path, err, sizeof err), 0);
	ck_assert_int_eq(secret_key_load(&foreign, path, err, sizeof err), 0);
	secret_key_id_hex(&foreign, 0, id);
	box = secret_seal(&foreign, "glptt-x", 7);
	ck_assert_ptr_null(secret_open(&k, box));
	secret_why(&k, box, why, sizeof why);
	ck_assert_ptr_nonnull(strstr(why, id));
	ck_assert_ptr_nonnull(strstr(why, "not in the key file"));
	free(box);
	/* a known id, a flipped byte of the box: damaged */
	box = secret_seal(&k, "glptt-x", 7);
	n = strlen(box);
	box[n - 1] = box[n - 1] == '0' ? '1' : '0';
	ck_assert_ptr_null(secret_open(&k, box));
	secret_why(&k, box, why, sizeof why);
	ck_assert_ptr_nonnull(strstr(why, "damaged (altered"));
	/* cut short, not hex, empty */
	box[n - 1] = '\0';
	ck_assert_ptr_null(secret_open(&k, box));
	ck_assert_ptr_nonnull(strstr(secret_why(&k, box, why, sizeof why), "not a sealed value"));
	ck_assert_ptr_nonnull(strstr(secret_why(&k, "\\xzz", why, sizeof why), "not a sealed value"));
	ck_assert_ptr_nonnull(strstr(secret_why(&k, "", why, sizeof why), "not a sealed value"));
	free(box);
	secret_key_wipe(&k);
	secret_key_wipe(&foreign);
}
END_TEST

START_TEST(refresh)
{
	char path[256], err[512], *box, *plain;
	struct secret_key k, next;

	path_of(path, sizeof path, "live");
	ck_assert_int_eq(secret_key_generate(path, err, sizeof err), 0);
	memset(&k, 0, sizeof k);
	ck_assert_int_eq(secret_key_refresh(&k, path, err, sizeof err), 1);     /* first load */
	ck_assert_int_eq(secret_key_refresh(&k, path, err, sizeof err), 0);     /* unchanged */
	ck_assert_int_eq(secret_key_next(&next, &k), 0);
	box = secret_seal(&next, "after rotation", 14);
	ck_assert_ptr_null(secret_open(&k, box));
	ck_assert_int_eq(secret_key_write(&next, path, err, sizeof err), 0);
	ck_assert_int_eq(secret_key_refresh(&k, path, err, sizeof err), 1);     /* a new file */
	ck_assert_int_eq(k.nkeys, 2);
	plain = secret_open(&k, box);
	ck_assert_str_eq(plain, "after rotation");
	free(plain);
	/* a broken file: an error, and the keys read before stay */
	unlink(path);
	write_text(path, "not a key\n");
	ck_assert_int_eq(secret_key_refresh(&k, path, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "64 hex digits"));
	ck_assert_int_eq(k.loaded, 1);
	plain = secret_open(&k, box);
	ck_assert_str_eq(plain, "after rotation");
	free(plain);
	free(box);
	secret_key_wipe(&k);
	secret_key_wipe(&next);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("secret");
	TCase *tc = tcase_create("secret");

	tcase_add_test(tc, seal_open);
	tcase_add_test(tc, bad_key_files);
	tcase_add_test(tc, key_ids);
	tcase_add_test(tc, ring_of_two);
	tcase_add_test(tc, ring_files);
	tcase_add_test(tc, old_format_values);
	tcase_add_test(tc, unknown_id_and_damage);
	tcase_add_test(tc, refresh);
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
