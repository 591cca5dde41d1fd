#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "gitarchive.h"

void
gitarchive_free(struct gitarchive_list *list)
{
	for (size_t i = 0; i < list->n; i++) {
		free(list->files[i].path);
		free(list->files[i].data);
	}
	free(list->files);
	list->files = NULL;
	list->n = 0;
}

/* Whether path is relative and plain: no "..", ".", or empty component
 * (a folder's own entry may end with one "/"). */
static int
safe_path(const char *path)
{
	const char *p = path;

	if (*p == '\0' || *p == '/')
		return 0;
	while (*p != '\0') {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
		if (*p == '/' && *++p == '\0')
			break;          /* "dir/" */
	}
	return 1;
}

/* Reads the rest of the current entry's data, at most max bytes, into a
 * new NUL-terminated buffer; NULL with err. */
static char *
read_data(struct archive *a, size_t max, size_t *len, char *err, size_t errsz)
{
	size_t cap = max < 4096 ? max : 4096, n = 0;
	char *data = malloc(cap + 1), *grown;
	la_ssize_t got;

	while (data != NULL && n < max) {
		if (n == cap) {
			cap = cap * 2 < max ? cap * 2 : max;
			if ((grown = realloc(data, cap + 1)) == NULL)
				break;
			data = grown;
		}
		got = archive_read_data(a, data + n, cap - n);
		if (got < 0) {
			snprintf(err, errsz, "the archive is damaged: %s", archive_error_string(a));
			free(data);
			return NULL;
		}
		if (got == 0) {
			data[n] = '\0';
			*len = n;
			return data;
		}
		n += (size_t)got;
	}
	if (data == NULL || n < max) {
		free(data);
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	data[n] = '\0';
	*len = n;
	return data;
}

enum gitarchive_rc
gitarchive_read(const void *data, size_t len, const struct gitarchive_caps *caps,
                int (*want)(const char *path, void *ctx), void *ctx,
                struct gitarchive_list *out, char *err, size_t errsz)
{
	struct archive *a = archive_read_new();
	struct archive_entry *entry;
	char prefix[256] = "";
	size_t entries = 0, total = 0, prefix_len = 0;
	enum gitarchive_rc rc = GITARCHIVE_BAD;
	int r;

	out->files = NULL;
	out->n = 0;
	if (a == NULL || archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		snprintf(err, errsz, "the archive is damaged: %s",
		         a ? archive_error_string(a) ? archive_error_string(a) : "not a tar.gz" : "out of memory");
		goto out;
	}
	while ((r = archive_read_next_header(a, &entry)) != ARCHIVE_EOF) {
		const char *path, *rest;
		struct gitarchive_file *grown, f = { 0 };

		if (r < ARCHIVE_WARN) {
			snprintf(err, errsz, "the archive is damaged: %s", archive_error_string(a));
			goto out;
		}
		path = archive_entry_pathname(entry);
		if (path == NULL || !safe_path(path)) {
			snprintf(err, errsz, "the archive has an entry with an unsafe path (%.80s)", path ? path : "none");
			goto out;
		}
		/* every entry sits under the prefix folder the first one names */
		if (prefix_len == 0) {
			prefix_len = strcspn(path, "/") + 1;
			if (prefix_len >= sizeof prefix || path[prefix_len - 1] != '/') {
				snprintf(err, errsz, "the archive's first entry (%.80s) is not under a folder", path);
				goto out;
			}
			memcpy(prefix, path, prefix_len);
			prefix[prefix_len] = '\0';
		}
		if (strncmp(path, prefix, prefix_len) != 0) {
			snprintf(err, errsz, "the archive has an entry (%.80s) outside its folder %s", path, prefix);
			goto out;
		}
		if (++entries > caps->max_entries) {
			snprintf(err, errsz, "the archive has more than %zu entries", caps->max_entries);
			rc = GITARCHIVE_TOO_BIG;
			goto out;
		}
		if (archive_entry_size_is_set(entry) && archive_entry_size(entry) > 0) {
			size_t size = (size_t)archive_entry_size(entry);

			if (size > caps->max_total || total + size > caps->max_total) {
				snprintf(err, errsz, "the archive holds more than %zu bytes", caps->max_total);
				rc = GITARCHIVE_TOO_BIG;
				goto out;
			}
			total += size;
		}
		rest = path + prefix_len;
		/* folders are no files, as the tree's "tree" items are not */
		if (*rest == '\0' || archive_entry_filetype(entry) == AE_IFDIR || !want(rest, ctx))
			continue;       /* libarchive skips its data */
		if (archive_entry_filetype(entry) != AE_IFREG || archive_entry_hardlink(entry) != NULL) {
			snprintf(err, errsz, "%.120s is not a regular file in the archive", rest);
			goto out;
		}
		for (size_t i = 0; i < out->n; i++)
			if (strcmp(out->files[i].path, rest) == 0) {
				snprintf(err, errsz, "%.120s is twice in the archive", rest);
				goto out;
			}
		if ((f.path = strdup(rest)) == NULL ||
		    (f.data = read_data(a, caps->max_file + 1, &f.len, err, errsz)) == NULL ||
		    (grown = realloc(out->files, (out->n + 1) * sizeof *grown)) == NULL) {
			if (f.path == NULL || f.data != NULL)
				snprintf(err, errsz, "out of memory");
			free(f.path);
			free(f.data);
			goto out;
		}
		out->files = grown;
		out->files[out->n++] = f;
	}
	/* an archive of nothing (end blocks only) lists no file: that is valid */
	rc = GITARCHIVE_OK;
out:
	if (rc != GITARCHIVE_OK)
		gitarchive_free(out);
	archive_read_free(a);
	return rc;
}

/* SHA-1 (FIPS 180-4), only to name blobs as git does; not for security. */
struct sha1 {
	uint32_t h[5];
	uint64_t len;
	unsigned char block[64];
	size_t used;
};

static uint32_t
rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static void
sha1_block(struct sha1 *s, const unsigned char *p)
{
	uint32_t w[80], a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	for (int i = 0; i < 80; i++) {
		uint32_t f, k, t;

		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol(b, 30);
		b = a;
		a = t;
	}
	s->h[0] += a;
	s->h[1] += b;
	s->h[2] += c;
	s->h[3] += d;
	s->h[4] += e;
}

static void
sha1_update(struct sha1 *s, const void *data, size_t len)
{
	const unsigned char *p = data;

	s->len += len;
	while (len > 0) {
		size_t n = 64 - s->used < len ? 64 - s->used : len;

		memcpy(s->block + s->used, p, n);
		s->used += n;
		p += n;
		len -= n;
		if (s->used == 64) {
			sha1_block(s, s->block);
			s->used = 0;
		}
	}
}

void
gitarchive_blob_id(const void *data, size_t len, char hex[41])
{
	struct sha1 s = { .h = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 } };
	unsigned char pad[72] = { 0x80 };
	char head[32];
	uint64_t bits;
	size_t padlen;
	int n = snprintf(head, sizeof head, "blob %zu", len);

	sha1_update(&s, head, (size_t)n + 1);   /* with its NUL */
	sha1_update(&s, data, len);
	bits = s.len * 8;
	padlen = s.used < 56 ? 56 - s.used : 120 - s.used;
	for (int i = 0; i < 8; i++)
		pad[padlen + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
	sha1_update(&s, pad, padlen + 8);
	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned)(s.h[i / 4] >> (24 - 8 * (i % 4))) & 0xff);
}
