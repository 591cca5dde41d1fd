#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "util.h"

int
parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0' || (*s != '-' && *s != '+' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

int
read_file(const char *path, size_t max, char **out, size_t *len, char *err, size_t errsz)
{
	struct stat st;
	char *buf;
	size_t n = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((size_t)st.st_size > max) {
		snprintf(err, errsz, "%s: larger than %zu bytes", path, max);
		close(fd);
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		snprintf(err, errsz, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errsz, "%s: %s", path, r < 0 ? strerror(errno) : "file shrank while reading");
			free(buf);
			close(fd);
			return -1;
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static int
buf_reserve(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	char *p;

	if (need <= b->cap)
		return 0;
	if (need < b->cap * 2)
		need = b->cap * 2;
	if (need < 256)
		need = 256;
	p = realloc(b->data, need);
	if (p == NULL)
		return -1;
	b->data = p;
	b->cap = need;
	return 0;
}

int
buf_append(struct buf *b, const void *data, size_t len)
{
	if (buf_reserve(b, len) < 0)
		return -1;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL) {
		fputs("out of memory\n", stderr);
		abort();
	}
	return p;
}

int
is_ip_address(const char *s)
{
	unsigned char buf[16];

	return s != NULL && (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}

int
email_valid(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s);

	if (n < 3 || n > 254 || at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@'))
		return 0;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>' || *p == ',')
			return 0;
	return strchr(at + 1, '.') != NULL;
}

/* The host and port of an http(s) URL's authority: host points into url,
 * *hostlen its length, *port 0 for the scheme's default (so that http and
 * https URLs of one host agree).  Returns 0, or -1 when url is not http(s)
 * or has userinfo or a bad port. */
static int
url_authority(const char *url, const char **host, size_t *hostlen, long *port, const char **rest)
{
	const char *p, *end, *colon;
	long def;

	if (strncasecmp(url, "https://", 8) == 0) {
		p = url + 8;
		def = 443;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		p = url + 7;
		def = 80;
	} else {
		return -1;
	}
	end = p + strcspn(p, "/?#");
	if (memchr(p, '@', (size_t)(end - p)) != NULL || end == p)
		return -1;
	colon = memchr(p, ':', (size_t)(end - p));
	*port = def;
	if (colon != NULL) {
		char digits[8];
		size_t n = (size_t)(end - colon - 1);

		if (n == 0 || n >= sizeof digits || strspn(colon + 1, "0123456789") < n)
			return -1;
		memcpy(digits, colon + 1, n);
		digits[n] = '\0';
		if (parse_long(digits, port) < 0 || *port < 1 || *port > 65535)
			return -1;
		end = colon;
	}
	if (*port == def)
		*port = 0;
	*host = p;
	*hostlen = (size_t)(end - p);
	if (*hostlen == 0)
		return -1;
	if (rest != NULL)
		*rest = colon != NULL ? colon + 1 + strspn(colon + 1, "0123456789") : end;
	return 0;
}

const char *
url_on_host(const char *url, const char *base)
{
	const char *h1, *h2, *rest;
	size_t n1, n2;
	long p1, p2;

	if (url == NULL || base == NULL || strlen(url) > 2000)
		return NULL;
	/* printable ASCII only: no spaces, controls or backslashes that a
	 * browser would read differently from this parser */
	for (const char *s = url; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f || *s == '\\')
			return NULL;
	if (url_authority(url, &h1, &n1, &p1, &rest) < 0 || url_authority(base, &h2, &n2, &p2, NULL) < 0)
		return NULL;
	if (*rest != '\0' && *rest != '/' && *rest != '?' && *rest != '#')
		return NULL;
	if (n1 != n2 || strncasecmp(h1, h2, n1) != 0 || p1 != p2)
		return NULL;
	return url;
}

/* n digits of s as a number in [min, max], or -1. */
static int
digits(const char **s, int n, int min, int max)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*s)++) {
		if (**s < '0' || **s > '9')
			return -1;
		v = v * 10 + (**s - '0');
	}
	return v >= min && v <= max ? v : -1;
}

const char *
time_valid(const char *t)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *s = t;
	int y, m, d;

	if (t == NULL || strlen(t) > 40)
		return NULL;
	if ((y = digits(&s, 4, 1900, 9999)) < 0 || *s++ != '-' || (m = digits(&s, 2, 1, 12)) < 0 || *s++ != '-' ||
	    (d = digits(&s, 2, 1, mdays[m - 1])) < 0)
		return NULL;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return NULL;
	if ((*s != 'T' && *s != ' ') || (s++, digits(&s, 2, 0, 23)) < 0 || *s++ != ':' || digits(&s, 2, 0, 59) < 0 ||
	    *s++ != ':' || digits(&s, 2, 0, 59) < 0)
		return NULL;
	if (*s == '.') {
		size_t n = strspn(++s, "0123456789");

		if (n < 1 || n > 9)
			return NULL;
		s += n;
	}
	if (*s == ' ' && (s[1] == '+' || s[1] == '-'))
		s++;
	if (*s == '\0' || strcmp(s, "Z") == 0 || strcmp(s, " UTC") == 0)
		return t;
	if (*s != '+' && *s != '-')
		return NULL;
	s++;
	if (digits(&s, 2, 0, 15) < 0)
		return NULL;
	if (*s == ':')
		s++;
	if (*s != '\0' && digits(&s, 2, 0, 59) < 0)
		return NULL;
	return *s == '\0' ? t : NULL;
}

double
backoff_seconds(double base, int n, double cap, long retry_after)
{
	double full = base, wait;

	for (int i = 1; i < n && full < cap; i++)
		full *= 2;
	if (full > cap)
		full = cap;
	wait = full / 2 + full / 2 * (double)randombytes_uniform(1001) / 1000.0;
	return retry_after >= 0 && (double)retry_after > wait ? (double)retry_after : wait;
}

int
url_join(char *out, size_t size, const char *base, const char *a, const char *b)
{
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return (size_t)snprintf(out, size, "%.*s%s%s", (int)n, base, a, b) < size ? 0 : -1;
}

int
list_has(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p != NULL && *p; p = strchr(p, '|'), p = p ? p + 1 : NULL)
		if (strncmp(p, word, n) == 0 && (p[n] == '|' || p[n] == '\0'))
			return 1;
	return 0;
}

/* The sequence at s (len > 0 bytes), after Unicode's table of well-formed
 * UTF-8 (3-7).  Sets *ok to 1 and returns the length of a well-formed
 * character; else sets *ok to 0 and returns the length of the ill-formed
 * part one U+FFFD replaces (its longest beginning that could still have
 * become a character, at least 1 byte), or to -1 when that part runs to
 * the end of s, as a character cut by a byte limit does. */
static size_t
utf8_next(const unsigned char *s, size_t len, int *ok)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need;

	*ok = 1;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0;      /* else overlong */
		else if (c == 0xed)
			hi = 0x9f;      /* else a surrogate */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90;      /* else overlong */
		else if (c == 0xf4)
			hi = 0x8f;      /* else above U+10FFFF */
	} else {
		*ok = 0;
		return 1;
	}
	for (size_t i = 1; i < need; i++) {
		if (i >= len) {
			*ok = -1;
			return i;
		}
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf)) {
			*ok = 0;
			return i;
		}
	}
	return need;
}

int
utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n;
	int ok;

	for (size_t i = 0; i < len; i += n) {
		n = utf8_next(u + i, len - i, &ok);
		if (ok != 1)
			return 0;
	}
	return 1;
}

size_t
utf8_copy(char *dst, size_t size, const char *s, size_t len)
{
	static const char replacement[] = "\xef\xbf\xbd";
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0;

	if (size == 0)
		return 0;
	for (size_t i = 0; i < len;) {
		int ok;
		size_t n = utf8_next(u + i, len - i, &ok);
		const char *piece = ok == 1 ? s + i : replacement;
		size_t pn = ok == 1 ? n : sizeof replacement - 1;

		if (pn >= size - o)
			break;
		memcpy(dst + o, piece, pn);
		o += pn;
		i += n;
	}
	dst[o] = '\0';
	return o;
}

const char *
utf8_clip(char *buf, size_t size, const char *s)
{
	utf8_copy(buf, size, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
	return buf;
}

int
utf8_vsnprintf(char *dst, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(dst, size, fmt, ap), ok, bad = 0;
	size_t len, k;
	char *copy;

	if (size == 0)
		return n;
	if (n < 0) {
		dst[0] = '\0';
		return n;
	}
	len = strlen(dst);
	for (size_t i = 0; i < len; i += k) {
		k = utf8_next((const unsigned char *)dst + i, len - i, &ok);
		if (ok < 0 && (size_t)n >= size) {
			/* the last character did not fit: leave it out whole */
			dst[i] = '\0';
			len = i;
			break;
		}
		bad |= ok != 1;
	}
	if (!bad)
		return n;
	/* ill-formed text in an argument: copy it back with U+FFFD */
	copy = strdup(dst);
	if (copy != NULL) {
		utf8_copy(dst, size, copy, len);
		free(copy);
		return n;
	}
	for (size_t i = 0; i < len; i += k) {
		k = utf8_next((const unsigned char *)dst + i, len - i, &ok);
		if (ok != 1)
			memset(dst + i, '?', k);
	}
	return n;
}

int
utf8_snprintf(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = utf8_vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	return n;
}
