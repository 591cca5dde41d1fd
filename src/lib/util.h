/* Small helpers shared by every module. */
#ifndef OCIM_UTIL_H
#define OCIM_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Parses a whole decimal integer (optional sign, no spaces, no trailing
 * garbage).  Returns 0, or -1 when s is not one or overflows. */
int parse_long(const char *s, long *out);

/* Reads a whole file of at most max bytes into a new NUL-terminated buffer
 * (caller frees).  Returns 0, or -1 with a message naming the file in err. */
int read_file(const char *path, size_t max, char **out, size_t *len, char *err, size_t errsz);

/* A growable byte buffer; always NUL-terminated when data != NULL. */
struct buf {
	char *data;
	size_t len, cap;
};
int buf_append(struct buf *b, const void *data, size_t len);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);

/* base (without its trailing slashes) + a + b into out.  Returns 0, or -1
 * when it does not fit. */
int url_join(char *out, size_t size, const char *base, const char *a, const char *b);

/* Seconds to wait before retry number n (1, 2, ...): base doubled each
 * time up to cap, with jitter (half to all of it), or retry_after (seconds,
 * -1 for none) when that is longer. */
double backoff_seconds(double base, int n, double cap, long retry_after);

/* s is an IPv4 or IPv6 address PostgreSQL's inet type accepts. */
int is_ip_address(const char *s);

/* A plausible email address: one @ with text on both sides and a dot
 * after it, no spaces or control characters, at most 254 bytes. */
int email_valid(const char *s);

/* url when it is an http(s) URL on the host (and port) of base, such as a
 * project's GitLab URL; else NULL.  Every URL that comes from outside
 * (webhook payloads, GitLab's answers) passes this before it is stored, so
 * a javascript: or data: URL, another host, userinfo ("@") or a control
 * character is never stored or shown as a link. */
const char *url_on_host(const char *url, const char *base);

/* t when it is a time PostgreSQL's timestamptz takes, in the forms GitLab
 * writes ("2026-11-22 10:00:00 UTC", "2026-11-22T10:00:00.123Z",
 * "...+01:00"), with every field in range (years 1900 to 9999, a real day
 * of the month, hours to 23, minutes and seconds to 59); else NULL. */
const char *time_valid(const char *t);

/* UTF-8 text for JSON, PostgreSQL's text columns and messages.  jansson
 * refuses a string that is not well-formed UTF-8 (json_pack then returns
 * NULL) and PostgreSQL refuses it with SQLSTATE 22021, so text that comes
 * from outside, or was cut to fit a buffer, passes these first.  A byte
 * count such as printf's "%.64s" can cut a character in two: use
 * utf8_clip instead. */

/* Whether s[0..len) is well-formed UTF-8 (no overlong forms, surrogates or
 * code points above U+10FFFF). */
int utf8_valid(const char *s, size_t len);

/* Copies s[0..len) into dst (size bytes): every ill-formed sequence
 * becomes U+FFFD, and the copy ends before the first character that would
 * not fit, so dst is well-formed, NUL-terminated UTF-8 with no character
 * cut.  Returns the bytes written, without the NUL; nothing is written
 * when size is 0.  dst and s must not overlap. */
size_t utf8_copy(char *dst, size_t size, const char *s, size_t len);

/* utf8_copy of the string s (NULL is "") into buf; returns buf, to pass
 * where a "%.Ns" would cut: "'%s'", utf8_clip(b, sizeof b, name). */
const char *utf8_clip(char *buf, size_t size, const char *s);

/* snprintf whose result is well-formed UTF-8: a character cut by the end
 * of dst is left out whole, ill-formed bytes of the arguments become
 * U+FFFD (or '?' when no memory is left to make room for it).  Returns
 * what vsnprintf returns. */
int utf8_vsnprintf(char *dst, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int utf8_snprintf(char *dst, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* strdup that aborts on failure; for program setup paths only. */
char *xstrdup(const char *s);

/* Whether word is one of the |-separated words of list ("a|b|c"). */
int list_has(const char *list, const char *word);

#endif
