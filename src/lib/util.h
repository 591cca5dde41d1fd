/* Small helpers shared by every module. */
#ifndef OCIM_UTIL_H
#define OCIM_UTIL_H

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

/* strdup that aborts on failure; for program setup paths only. */
char *xstrdup(const char *s);

/* Whether word is one of the |-separated words of list ("a|b|c"). */
int list_has(const char *list, const char *word);

#endif
