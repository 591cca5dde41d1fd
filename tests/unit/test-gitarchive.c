/* gitarchive.c: GitLab's repository archive read under caps and path
 * checks, and git's blob ids. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/gitarchive.h"
#include "tap.h"

/* An entry to write: data NULL for a folder, link for a symlink. */
struct item {
	const char *path, *data, *link;
};

/* A tar.gz of the items, as git archive writes it (pax), in a new buffer. */
static char *
make_tgz(const struct item *items, size_t n, size_t *len)
{
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	struct archive *a = archive_write_new();

	ck_assert(buf != NULL && a != NULL);
	ck_assert_int_eq(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_memory(a, buf, cap, len), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, items[i].path);
		archive_entry_set_perm(e, 0644);
		if (items[i].link != NULL) {
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, items[i].link);
		} else if (items[i].data == NULL) {
			archive_entry_set_filetype(e, AE_IFDIR);
		} else {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, (la_int64_t)strlen(items[i].data));
		}
		ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
		if (items[i].data != NULL && items[i].link == NULL)
			archive_write_data(a, items[i].data, strlen(items[i].data));
		archive_entry_free(e);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return buf;
}

static int
want_instances(const char *path, void *ctx)
{
	(void)ctx;
	return strncmp(path, "instances/", 10) == 0;
}

static const struct gitarchive_caps caps = { .max_total = 1 << 20, .max_file = 1000, .max_entries = 100 };

/* Reads the items back; returns the code, out filled, err set. */
static enum gitarchive_rc
roundtrip(const struct item *items, size_t n, const struct gitarchive_caps *c, struct gitarchive_list *out,
          char *err, size_t errsz)
{
	size_t len;
	char *tgz = make_tgz(items, n, &len);
	enum gitarchive_rc rc = gitarchive_read(tgz, len, c, want_instances, NULL, out, err, errsz);

	free(tgz);
	return rc;
}

START_TEST(blob_ids_are_gits)
{
	static const struct {
		size_t n;
		const char *id;
	} cases[] = {
		{ 0, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391" }, { 1, "c1b0730e0133447badcfd47fd144e254807b06e1" },
		{ 47, "719ddd7888a02660234770b651274214ff7df239" }, { 48, "3b3abca28de4b8ce6ea9dac5da512120ed7c5a0c" },
		{ 55, "e329c5109ce10a7367561757d2f5a053c528f11e" }, { 56, "355e203863c368f0404d7fc7ae4761122c117dd2" },
		{ 63, "6529afa7528d02472056dd24b8348542a4ad65b0" }, { 64, "2036367ceafc6ad317a509db8f6b9c2773f731e0" },
		{ 1000, "14c7dfdd4258dec5c0e9d2e919bd249bd674be1f" },
	};
	char x[1000], hex[41];

	memset(x, 'x', sizeof x);
	/* every padding case of SHA-1 (the length lands before, at and after 56) */
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		gitarchive_blob_id(x, cases[i].n, hex);
		ck_assert_str_eq(hex, cases[i].id);
	}
	gitarchive_blob_id("hello\n", 6, hex);
	ck_assert_str_eq(hex, "ce013625030ba8dba906f756967f9e9ca394464a");
}
END_TEST

START_TEST(keeps_wanted_files_without_prefix)
{
	static const struct item items[] = {
		{ "p-abc-instances/", NULL, NULL }, { "p-abc-instances/instances/", NULL, NULL },
		{ "p-abc-instances/instances/a/", NULL, NULL }, { "p-abc-instances/instances/a/config.yml", "A: 1\n", NULL },
		{ "p-abc-instances/other.txt", "not wanted", NULL }, { "p-abc-instances/link", NULL, "/etc/passwd" },
	};
	struct gitarchive_list out;
	char err[300] = "";

	ck_assert_msg(roundtrip(items, 6, &caps, &out, err, sizeof err) == GITARCHIVE_OK, "%s", err);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(out.files[0].path, "instances/a/config.yml");
	ck_assert_str_eq(out.files[0].data, "A: 1\n");
	ck_assert_uint_eq(out.files[0].len, 5);
	gitarchive_free(&out);
}
END_TEST

START_TEST(refuses_unsafe_paths)
{
	static const struct item up[] = { { "p/", NULL, NULL }, { "p/../instances/x", "A: 1\n", NULL } };
	static const struct item abs[] = { { "/etc/passwd", "root\n", NULL } };
	static const struct item two[] = { { "p/instances/a", "1", NULL }, { "q/instances/b", "2", NULL } };
	static const struct item top[] = { { "instances", "1", NULL } };
	static const struct item dot[] = { { "p/./instances/a", "1", NULL } };
	static const struct item empty[] = { { "p//instances/a", "1", NULL } };
	static const struct item link[] = { { "p/instances/a/config.yml", NULL, "../../../etc/passwd" } };
	static const struct item twice[] = { { "p/instances/a", "1", NULL }, { "p/instances/a", "2", NULL } };
	const struct {
		const struct item *items;
		size_t n;
		const char *says;
	} cases[] = {
		{ up, 2, "unsafe path" }, { abs, 1, "unsafe path" }, { two, 2, "outside its folder" },
		{ top, 1, "not under a folder" }, { dot, 1, "unsafe path" }, { empty, 1, "unsafe path" },
		{ link, 1, "not a regular file" }, { twice, 2, "twice" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct gitarchive_list out;
		char err[300] = "";

		ck_assert_int_eq(roundtrip(cases[i].items, cases[i].n, &caps, &out, err, sizeof err), GITARCHIVE_BAD);
		ck_assert_msg(strstr(err, cases[i].says) != NULL, "case %zu: %s", i, err);
		ck_assert_uint_eq(out.n, 0);
	}
}
END_TEST

START_TEST(caps_hold)
{
	static const struct item three[] = { { "p/", NULL, NULL }, { "p/a", "1", NULL }, { "p/b", "2", NULL } };
	struct gitarchive_caps few = caps, small = caps;
	struct item big[2] = { { "p/", NULL, NULL }, { "p/instances/big.yml", NULL, NULL } };
	char *text = malloc(5001), err[300] = "";
	struct gitarchive_list out;

	few.max_entries = 2;
	ck_assert_int_eq(roundtrip(three, 3, &few, &out, err, sizeof err), GITARCHIVE_TOO_BIG);
	ck_assert_ptr_nonnull(strstr(err, "more than 2 entries"));
	memset(text, 'a', 5000);
	text[5000] = '\0';
	big[1].data = text;
	small.max_total = 4000;
	ck_assert_int_eq(roundtrip(big, 2, &small, &out, err, sizeof err), GITARCHIVE_TOO_BIG);
	ck_assert_ptr_nonnull(strstr(err, "more than 4000 bytes"));
	/* a file above max_file is read one byte past it: too big, as it is */
	ck_assert_int_eq(roundtrip(big, 2, &caps, &out, err, sizeof err), GITARCHIVE_OK);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_uint_eq(out.files[0].len, caps.max_file + 1);
	gitarchive_free(&out);
	free(text);
}
END_TEST

START_TEST(refuses_damaged_archives)
{
	static const struct item items[] = { { "p/", NULL, NULL }, { "p/instances/a", "A: 1\n", NULL } };
	size_t len;
	char *tgz = make_tgz(items, 2, &len), err[300] = "";
	struct gitarchive_list out;

	/* cut anywhere before its end, the archive is refused whole */
	for (size_t cut = 0; cut + 8 < len; cut += 7) {
		ck_assert_int_eq(gitarchive_read(tgz, cut, &caps, want_instances, NULL, &out, err, sizeof err), GITARCHIVE_BAD);
		ck_assert_uint_eq(out.n, 0);
	}
	ck_assert_int_eq(gitarchive_read("not a tar.gz", 12, &caps, want_instances, NULL, &out, err, sizeof err),
	                 GITARCHIVE_BAD);
	ck_assert_ptr_nonnull(strstr(err, "damaged"));
	free(tgz);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("gitarchive");
	TCase *tc = tcase_create("gitarchive");

	tcase_add_test(tc, blob_ids_are_gits);
	tcase_add_test(tc, keeps_wanted_files_without_prefix);
	tcase_add_test(tc, refuses_unsafe_paths);
	tcase_add_test(tc, caps_hold);
	tcase_add_test(tc, refuses_damaged_archives);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(suite());
}
