/* GitLab's repository archive (GET /projects/:id/repository/archive.tar.gz):
 * the files of a commit in one answer, read with libarchive under caps. */
#ifndef OCIM_GITARCHIVE_H
#define OCIM_GITARCHIVE_H

#include <stddef.h>

struct gitarchive_caps {
	size_t max_total;               /* the entries' sizes together, uncompressed */
	size_t max_file;                /* a kept file is read up to max_file + 1 bytes */
	size_t max_entries;
};

/* A kept file: its path without the archive's prefix folder, and its
 * bytes (NUL-terminated; len is at most max_file + 1, so a file above the
 * cap still shows it is too big).  Both owned by the list. */
struct gitarchive_file {
	char *path;
	char *data;
	size_t len;
};

struct gitarchive_list {
	struct gitarchive_file *files;
	size_t n;
};

enum gitarchive_rc {
	GITARCHIVE_OK = 0,
	GITARCHIVE_BAD = -1,            /* corrupt, cut, an unsafe path, a wanted path that is not a file */
	GITARCHIVE_TOO_BIG = -2,        /* over a cap: read the files another way */
};

/* Reads the tar.gz in data[0..len).  Every entry must sit under one prefix
 * folder (GitLab's "<project>-<ref>-<sha>/"); absolute paths, "..", "." and
 * empty path components are refused.  want(path, ctx) says which files to
 * keep (path without the prefix; folders are not offered); a wanted path
 * that is not a regular file (a link) is refused too.  On GITARCHIVE_OK, out holds the kept
 * files (free with gitarchive_free); otherwise out is empty and err says
 * why. */
enum gitarchive_rc gitarchive_read(const void *data, size_t len, const struct gitarchive_caps *caps,
                                   int (*want)(const char *path, void *ctx), void *ctx,
                                   struct gitarchive_list *out, char *err, size_t errsz);

void gitarchive_free(struct gitarchive_list *list);

/* Git's blob id of data[0..len) (SHA-1 of "blob <len>\0" and the bytes)
 * as 40 hex digits into hex: the id GitLab's tree gives a file of a SHA-1
 * repository, so that a file read from the archive is known again. */
void gitarchive_blob_id(const void *data, size_t len, char hex[41]);

#endif
