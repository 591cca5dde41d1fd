/* Helpers of util.c: the retry backoff, UTF-8 text. */
#include "config.h"

#include <check.h>
#include <jansson.h>
#include <sodium.h>
#include <string.h>

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

/* 1-, 2-, 3- and 4-byte characters: a, é, €, 😀 */
#define MIXED "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"

/* Whether jansson, which refuses what PostgreSQL refuses, takes s. */
static int
jansson_takes(const char *s, size_t len)
{
	json_t *j = json_stringn(s, len);
	int ok = j != NULL;

	json_decref(j);
	return ok;
}

START_TEST(utf8_copy_cuts_on_boundaries)
{
	/* bytes kept for each room (size - 1): whole characters only */
	static const size_t kept[] = { 0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 10, 10 };
	char buf[16];

	for (size_t size = 1; size < ARRAY_SIZE(kept) + 1; size++) {
		size_t n = utf8_copy(buf, size, MIXED, strlen(MIXED));

		ck_assert_msg(n == kept[size - 1], "size %zu: kept %zu bytes, not %zu", size, n, kept[size - 1]);
		ck_assert_uint_eq(strlen(buf), n);
		ck_assert(memcmp(buf, MIXED, n) == 0);
		ck_assert(utf8_valid(buf, n) && jansson_takes(buf, n));
	}
	/* size 0 writes nothing */
	buf[0] = 'x';
	ck_assert_uint_eq(utf8_copy(buf, 0, MIXED, strlen(MIXED)), 0);
	ck_assert_int_eq(buf[0], 'x');
}
END_TEST

START_TEST(utf8_copy_each_width)
{
	static const char *const chars[] = { "a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
	                                     "\x7f", "\xdf\xbf", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf",
	                                     "\xc2\x80", "\xe0\xa0\x80", "\xf0\x90\x80\x80" };
	char text[64], buf[64];

	for (size_t c = 0; c < ARRAY_SIZE(chars); c++) {
		size_t w = strlen(chars[c]);

		text[0] = '\0';
		for (int i = 0; i < 5; i++)
			strcat(text, chars[c]);
		ck_assert(utf8_valid(text, 5 * w));
		for (size_t size = 1; size <= 5 * w + 2; size++) {
			size_t n = utf8_copy(buf, size, text, 5 * w), want = (size - 1) / w * w;

			if (want > 5 * w)
				want = 5 * w;
			ck_assert_msg(n == want, "%zu-byte character, size %zu: %zu bytes", w, size, n);
			ck_assert(memcmp(buf, text, n) == 0 && buf[n] == '\0');
			/* the same cut through utf8_snprintf and utf8_clip */
			ck_assert_int_eq(utf8_snprintf(buf, size, "%s", text), (int)(5 * w));
			ck_assert_uint_eq(strlen(buf), want);
			ck_assert_uint_eq(strlen(utf8_clip(buf, size, text)), want);
		}
	}
}
END_TEST

START_TEST(utf8_copy_replaces_ill_formed)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "\x80", "\xef\xbf\xbd" },                             /* a lone continuation byte */
		{ "a\xffz", "a\xef\xbf\xbdz" },
		{ "\xc0\x80", "\xef\xbf\xbd\xef\xbf\xbd" },             /* overlong NUL */
		{ "\xe0\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },     /* overlong */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },     /* a surrogate */
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },  /* > U+10FFFF */
		{ "\xe2\x82", "\xef\xbf\xbd" },                         /* cut at the end: one U+FFFD */
		{ "\xe2\x82z", "\xef\xbf\xbdz" },                       /* cut in the middle */
		{ "\xf0\x9f\x98", "\xef\xbf\xbd" },
		{ "\xc3", "\xef\xbf\xbd" },
	};
	char buf[64];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		ck_assert(!utf8_valid(cases[i].in, strlen(cases[i].in)));
		utf8_copy(buf, sizeof buf, cases[i].in, strlen(cases[i].in));
		ck_assert_msg(strcmp(buf, cases[i].out) == 0, "case %zu", i);
		utf8_snprintf(buf, sizeof buf, "%s", cases[i].in);
		ck_assert_msg(strcmp(buf, cases[i].out) == 0, "utf8_snprintf, case %zu", i);
	}
	/* a replacement that does not fit is left out whole */
	ck_assert_uint_eq(utf8_copy(buf, 3, "\xff", 1), 0);
	ck_assert_uint_eq(utf8_copy(buf, 4, "\xff", 1), 3);
	ck_assert_str_eq(utf8_clip(buf, sizeof buf, NULL), "");
}
END_TEST

START_TEST(utf8_snprintf_cuts_the_end_whole)
{
	char buf[8];

	/* "x: " + 3 bytes of the euro sign would need 6 + NUL; 5 bytes fit */
	ck_assert_int_eq(utf8_snprintf(buf, 6, "x: %s", "\xe2\x82\xac"), 6);
	ck_assert_str_eq(buf, "x: ");
	/* U+FFFD for an ill-formed byte takes the room of the character after it */
	utf8_snprintf(buf, 6, "%s%s", "\xff", "\xf0\x9f\x98\x80");
	ck_assert_str_eq(buf, "\xef\xbf\xbd");
	utf8_snprintf(buf, 1, "%s", "abc");
	ck_assert_str_eq(buf, "");
}
END_TEST

/* utf8_valid agrees with jansson on s; a repaired copy of what is not
 * valid is taken. */
static void
check_against_jansson(const unsigned char *s, size_t len, char *out, size_t outsz)
{
	int valid = utf8_valid((const char *)s, len);

	ck_assert_int_eq(valid, jansson_takes((const char *)s, len));
	if (!valid) {
		utf8_copy(out, outsz, (const char *)s, len);
		ck_assert(jansson_takes(out, strlen(out)));
	}
}

/* Every string of 1 and 2 bytes and every 3- and 4-byte one with a
 * leading byte of a multi-byte character (the third byte at the edges of
 * the continuation range): utf8_valid agrees with
 * jansson, and utf8_copy's result is always taken. */
START_TEST(url_on_host_keeps_gitlab_links_only)
{
	static const char *const good[] = {
		"https://gitlab.example.com/grove/-/pipelines/7",
		"http://gitlab.example.com/grove/-/pipelines/7",       /* either scheme */
		"HTTPS://GitLab.Example.com/x?y=1#z",
		"https://gitlab.example.com:443/x",
		"https://gitlab.example.com",
	};
	static const char *const bad[] = {
		"javascript:alert(1)", "JavaScript://gitlab.example.com/%0aalert(1)",
		"data:text/html,<script>alert(1)</script>", "//gitlab.example.com/x", "/grove/-/pipelines/7",
		"ftp://gitlab.example.com/x", "https://evil.example.com/x", "https://gitlab.example.com.evil.com/x",
		"https://gitlab.example.com@evil.com/x", "https://user:pw@gitlab.example.com/x",
		"https://gitlab.example.com:8443/x", "https://gitlab.example.com:x/", "https://gitlab.example.com:99999/",
		"https://gitlab.example.com/a b", "https://gitlab.example.com/a\tb", "https://gitlab.example.com\\@evil.com/",
		"https://gitlab.example.com/\xc3\xa9", "https://", "", "https:gitlab.example.com/x",
		"https://gitlab.example.comx/",
	};

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(url_on_host(good[i], "https://gitlab.example.com") == good[i], "refused %s", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(url_on_host(bad[i], "https://gitlab.example.com/") == NULL, "kept %s", bad[i]);
	/* a GitLab on a port: the port is part of the host */
	ck_assert(url_on_host("http://127.0.0.1:8929/g/-/pipelines/1", "http://127.0.0.1:8929") != NULL);
	ck_assert(url_on_host("http://127.0.0.1:8930/g/-/pipelines/1", "http://127.0.0.1:8929") == NULL);
	ck_assert(url_on_host("http://127.0.0.1/g", "http://127.0.0.1:8929") == NULL);
	ck_assert(url_on_host(NULL, "https://gitlab.example.com") == NULL);
	ck_assert(url_on_host("https://gitlab.example.com/x", NULL) == NULL);
	ck_assert(url_on_host("https://gitlab.example.com/x", "javascript:x") == NULL);
}
END_TEST

START_TEST(time_valid_in_range_only)
{
	static const char *const good[] = {
		"2026-11-22 10:00:00 UTC", "2026-11-22T10:00:00Z", "2026-11-22T10:00:00.123Z",
		"2026-11-22T10:00:00.123456789+01:00", "2026-11-22T10:00:00-0530", "2026-11-22 10:00:00 +0100",
		"2024-02-29 00:00:00 UTC", "2000-02-29T23:59:59Z", "1900-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
		"2026-11-22T10:00:00",
	};
	static const char *const bad[] = {
		"99999-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "1899-12-31T23:59:59Z", "2026-13-01T00:00:00Z",
		"2026-00-10T00:00:00Z", "2026-04-31T00:00:00Z", "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
		"2026-11-22T24:00:00Z", "2026-11-22T10:60:00Z", "2026-11-22T10:00:61Z", "2026-11-22T10:00:00+16:00",
		"2026-11-22T10:00:00.Z", "2026-11-22T10:00:00.1234567890Z", "2026-11-22", "2026-11-22T10:00Z",
		"2026-11-22T10:00:00 PST", "infinity", "epoch", "now", "", "2026-11-22T10:00:00Z ",
		"2026-11-22 10:00:00 UTC; DROP", "+2026-11-22T10:00:00Z", "2026-1-22T10:00:00Z",
	};

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(time_valid(good[i]) == good[i], "refused %s", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(time_valid(bad[i]) == NULL, "kept %s", bad[i]);
	ck_assert(time_valid(NULL) == NULL);
}
END_TEST

START_TEST(utf8_agrees_with_jansson)
{
	static const unsigned char thirds[] = { 0x7f, 0x80, 0xbf, 0xc0 };
	unsigned char s[4];
	char out[32];

	for (unsigned a = 0; a < 256; a++) {
		for (unsigned b = 0; b < 256; b++) {
			s[0] = (unsigned char)a;
			s[1] = (unsigned char)b;
			for (size_t len = 1; len <= 2; len++) {
				if (s[0] == 0 || (len == 2 && s[1] == 0))
					continue;       /* jansson takes no NUL */
				check_against_jansson(s, len, out, sizeof out);
			}
			for (size_t c = 0; a >= 0xc0 && c < ARRAY_SIZE(thirds); c++) {
				s[2] = thirds[c];
				s[3] = 0x80;
				for (size_t len = 3; len <= 4; len++) {
					if (b == 0)
						continue;
					check_against_jansson(s, len, out, sizeof out);
				}
			}
		}
	}
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
	tcase_add_test(tc, utf8_copy_cuts_on_boundaries);
	tcase_add_test(tc, utf8_copy_each_width);
	tcase_add_test(tc, utf8_copy_replaces_ill_formed);
	tcase_add_test(tc, utf8_snprintf_cuts_the_end_whole);
	suite_add_tcase(s, tc);
	/* some 200 000 strings: room for a loaded machine */
	tc = tcase_create("utf8-exhaustive");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, utf8_agrees_with_jansson);
	tcase_add_test(tc, url_on_host_keeps_gitlab_links_only);
	tcase_add_test(tc, time_valid_in_range_only);
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
