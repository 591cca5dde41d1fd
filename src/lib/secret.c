#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"
#include "util.h"

#define NONCE crypto_secretbox_NONCEBYTES
#define MAC crypto_secretbox_MACBYTES
#define HEAD (1 + SECRET_ID_BYTES)      /* version byte and key id */

/* The id of a key: BLAKE2b keyed with the key over a fixed label, so the
 * id can be shown and stored without telling anything about the key. */
static void
key_id(const unsigned char key[SECRET_KEY_BYTES], unsigned char id[SECRET_ID_BYTES])
{
	static const char label[] = "ocim secret key id v1";
	unsigned char h[crypto_generichash_BYTES];

	crypto_generichash(h, sizeof h, (const unsigned char *)label, sizeof label - 1, key, SECRET_KEY_BYTES);
	memcpy(id, h, SECRET_ID_BYTES);
	sodium_memzero(h, sizeof h);
}

/* Parses the text of a key file into k (keys only).  Returns 0 or -1. */
static int
parse_ring(struct secret_key *k, char *text, const char *path, char *err, size_t errsz)
{
	char *line = text, *next;

	k->nkeys = 0;
	for (; line != NULL; line = next) {
		size_t len, bin = 0;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		len = strlen(line);
		while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (k->nkeys == SECRET_RING_MAX) {
			snprintf(err, errsz, "%s: more than %d keys (the current one, then the previous one)", path,
			         SECRET_RING_MAX);
			return -1;
		}
		if (len != SECRET_KEY_BYTES * 2 ||
		    sodium_hex2bin(k->key[k->nkeys], SECRET_KEY_BYTES, line, len, NULL, &bin, NULL) != 0 ||
		    bin != SECRET_KEY_BYTES) {
			snprintf(err, errsz, "%s: not a key (64 hex digits expected; make one with ocimctl keygen)", path);
			return -1;
		}
		key_id(k->key[k->nkeys], k->id[k->nkeys]);
		k->nkeys++;
	}
	if (k->nkeys == 0) {
		snprintf(err, errsz, "%s: not a key (64 hex digits expected; make one with ocimctl keygen)", path);
		return -1;
	}
	if (k->nkeys == 2 && sodium_memcmp(k->key[0], k->key[1], SECRET_KEY_BYTES) == 0) {
		snprintf(err, errsz, "%s: the previous key is the current one", path);
		return -1;
	}
	return 0;
}

int
secret_key_load(struct secret_key *k, const char *path, char *err, size_t errsz)
{
	char *text;
	size_t len;
	struct stat st;
	int rc;

	memset(k, 0, sizeof *k);
	if (sodium_init() < 0) {
		snprintf(err, errsz, "libsodium failed to initialise");
		return -1;
	}
	if (strlen(path) >= sizeof k->path) {
		snprintf(err, errsz, "the key file's path is too long");
		return -1;
	}
	/* the signature is taken before the read: a change after it makes
	 * the next secret_key_refresh read the file again */
	if (stat(path, &st) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((st.st_mode & 0007) != 0) {
		snprintf(err, errsz, "%s: the key file must not be readable by others (chmod 640)", path);
		return -1;
	}
	if (read_file(path, 4096, &text, &len, err, errsz) < 0)
		return -1;
	rc = parse_ring(k, text, path, err, errsz);
	sodium_memzero(text, len);
	free(text);
	if (rc < 0) {
		secret_key_wipe(k);
		return -1;
	}
	snprintf(k->path, sizeof k->path, "%s", path);
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	k->size = st.st_size;
	k->mtime = st.st_mtim;
	k->loaded = 1;
	return 0;
}

int
secret_key_refresh(struct secret_key *k, const char *path, char *err, size_t errsz)
{
	struct secret_key fresh;
	struct stat st;

	if (k->loaded && strcmp(k->path, path) == 0 && stat(path, &st) == 0 && st.st_dev == k->dev &&
	    st.st_ino == k->ino && st.st_size == k->size && st.st_mtim.tv_sec == k->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == k->mtime.tv_nsec)
		return 0;
	if (secret_key_load(&fresh, path, err, errsz) < 0)
		return -1;
	secret_key_wipe(k);
	*k = fresh;
	sodium_memzero(&fresh, sizeof fresh);
	return 1;
}

/* Writes the ring's keys (n of them) to the open fd, after a comment
 * line saying which is which when there are two.  Returns 0 or -1. */
static int
write_keys(int fd, const struct secret_key *k, int n)
{
	static const char head[] = "# Ocim key file: the first key seals new credentials, the second only opens "
	                           "old ones (ocimctl rotate-key)\n";
	char hex[SECRET_KEY_BYTES * 2 + 2];
	int ok = n < 2 || write(fd, head, sizeof head - 1) == (ssize_t)(sizeof head - 1);

	for (int i = 0; i < n && ok; i++) {
		sodium_bin2hex(hex, sizeof hex, k->key[i], SECRET_KEY_BYTES);
		hex[SECRET_KEY_BYTES * 2] = '\n';
		ok = write(fd, hex, SECRET_KEY_BYTES * 2 + 1) == SECRET_KEY_BYTES * 2 + 1;
	}
	sodium_memzero(hex, sizeof hex);
	return ok ? 0 : -1;
}

int
secret_key_generate(const char *path, char *err, size_t errsz)
{
	struct secret_key k;
	int fd, ok;

	if (sodium_init() < 0) {
		snprintf(err, errsz, "libsodium failed to initialise");
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", path, errno == EEXIST ? "exists already (it is not replaced)" : strerror(errno));
		return -1;
	}
	randombytes_buf(k.key[0], SECRET_KEY_BYTES);
	ok = write_keys(fd, &k, 1) == 0 && fsync(fd) == 0;
	if (close(fd) != 0)
		ok = 0;
	sodium_memzero(&k, sizeof k);
	if (!ok) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

int
secret_key_next(struct secret_key *out, const struct secret_key *old)
{
	memset(out, 0, sizeof *out);
	if (sodium_init() < 0 || !old->loaded)
		return -1;
	do
		randombytes_buf(out->key[0], SECRET_KEY_BYTES);
	while (sodium_memcmp(out->key[0], old->key[0], SECRET_KEY_BYTES) == 0);
	memcpy(out->key[1], old->key[0], SECRET_KEY_BYTES);
	key_id(out->key[0], out->id[0]);
	memcpy(out->id[1], old->id[0], SECRET_ID_BYTES);
	out->nkeys = 2;
	out->loaded = 1;
	return 0;
}

int
secret_key_write(const struct secret_key *k, const char *path, char *err, size_t errsz)
{
	char tmp[4200], dir[4200];
	struct stat old;
	int fd, ok, have_old;

	if (!k->loaded || snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		snprintf(err, errsz, "%s: no keys to write", path);
		return -1;
	}
	have_old = stat(path, &old) == 0;
	unlink(tmp);                    /* left by a run cut short */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	/* the responders read the file through its group: keep owner and group */
	if (have_old && fchown(fd, old.st_uid, old.st_gid) != 0) {
		struct stat mine;

		if (fstat(fd, &mine) != 0 || mine.st_uid != old.st_uid || mine.st_gid != old.st_gid) {
			snprintf(err, errsz, "%s: cannot give the new key file the owner and group of the old one "
			         "(uid %ld, gid %ld): %s; run as root or as its owner", path, (long)old.st_uid,
			         (long)old.st_gid, strerror(errno));
			close(fd);
			unlink(tmp);
			return -1;
		}
	}
	ok = fchmod(fd, 0640) == 0 && write_keys(fd, k, k->nkeys) == 0 && fsync(fd) == 0;
	if (close(fd) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) != 0) {
		snprintf(err, errsz, "%s: %s", ok ? path : tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	/* the rename itself is durable once the directory is */
	snprintf(dir, sizeof dir, "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

void
secret_key_id_hex(const struct secret_key *k, int i, char out[SECRET_ID_HEX])
{
	if (i < 0 || i >= k->nkeys) {
		snprintf(out, SECRET_ID_HEX, "none");
		return;
	}
	sodium_bin2hex(out, SECRET_ID_HEX, k->id[i], SECRET_ID_BYTES);
}

char *
secret_seal(const struct secret_key *k, const char *plain, size_t len)
{
	size_t vlen = HEAD + NONCE + MAC + len;
	unsigned char *v;
	char *out;

	if (!k->loaded || len > SECRET_MAX_PLAIN)
		return NULL;
	v = malloc(vlen);
	out = malloc(vlen * 2 + 3);
	if (v == NULL || out == NULL) {
		free(v);
		free(out);
		return NULL;
	}
	v[0] = SECRET_VERSION;
	memcpy(v + 1, k->id[0], SECRET_ID_BYTES);
	randombytes_buf(v + HEAD, NONCE);
	crypto_secretbox_easy(v + HEAD + NONCE, (const unsigned char *)plain, len, v + HEAD, k->key[0]);
	out[0] = '\\';
	out[1] = 'x';
	sodium_bin2hex(out + 2, vlen * 2 + 1, v, vlen);
	free(v);
	return out;
}

/* Decodes stored into a new buffer (*len bytes).  NULL when it is not the
 * hex text of a value of a possible size. */
static unsigned char *
decode(const char *stored, size_t *len)
{
	size_t hexlen, bin = 0;
	unsigned char *v;

	if (stored == NULL || strncmp(stored, "\\x", 2) != 0)
		return NULL;
	hexlen = strlen(stored + 2);
	*len = hexlen / 2;
	if (hexlen % 2 != 0 || *len < NONCE + MAC || *len > SECRET_MAX_PLAIN + HEAD + NONCE + MAC)
		return NULL;
	v = malloc(*len);
	if (v == NULL)
		return NULL;
	if (sodium_hex2bin(v, *len, stored + 2, hexlen, NULL, &bin, NULL) != 0 || bin != *len) {
		free(v);
		return NULL;
	}
	return v;
}

/* Opens nonce || box (n bytes) with key into a new string, or NULL. */
static char *
open_box(const unsigned char *nb, size_t n, const unsigned char key[SECRET_KEY_BYTES])
{
	char *plain;

	if (n < NONCE + MAC)
		return NULL;
	plain = malloc(n - NONCE - MAC + 1);
	if (plain == NULL)
		return NULL;
	if (crypto_secretbox_open_easy((unsigned char *)plain, nb + NONCE, n - NONCE, nb, key) != 0) {
		free(plain);
		return NULL;
	}
	plain[n - NONCE - MAC] = '\0';
	return plain;
}

/* The ring index of the key whose id the value carries, or -1. */
static int
carried_key(const struct secret_key *k, const unsigned char *v, size_t len)
{
	if (len < HEAD + NONCE + MAC || v[0] != SECRET_VERSION)
		return -1;
	for (int i = 0; i < k->nkeys; i++)
		if (memcmp(v + 1, k->id[i], SECRET_ID_BYTES) == 0)
			return i;
	return -1;
}

char *
secret_open_which(const struct secret_key *k, const char *stored, int *which)
{
	unsigned char *v;
	char *plain = NULL;
	size_t len;
	int i;

	*which = -1;
	if (!k->loaded || (v = decode(stored, &len)) == NULL)
		return NULL;
	i = carried_key(k, v, len);
	if (i >= 0 && (plain = open_box(v + HEAD, len - HEAD, k->key[i])) != NULL) {
		*which = i;
	} else {
		/* from before key ids: nonce || box, under any key of the ring
		 * (a random nonce may also start like a key id) */
		for (i = 0; i < k->nkeys && plain == NULL; i++)
			if ((plain = open_box(v, len, k->key[i])) != NULL)
				*which = i;
	}
	free(v);
	return plain;
}

char *
secret_open(const struct secret_key *k, const char *stored)
{
	int which;

	return secret_open_which(k, stored, &which);
}

const char *
secret_why(const struct secret_key *k, const char *stored, char *buf, size_t n)
{
	unsigned char *v;
	size_t len;
	char hex[SECRET_ID_HEX];

	if (!k->loaded) {
		snprintf(buf, n, "the key file is not loaded");
		return buf;
	}
	if ((v = decode(stored, &len)) == NULL) {
		snprintf(buf, n, "it is damaged (not a sealed value)");
		return buf;
	}
	if (len >= HEAD + NONCE + MAC && v[0] == SECRET_VERSION) {
		int i = carried_key(k, v, len);

		sodium_bin2hex(hex, sizeof hex, v + 1, SECRET_ID_BYTES);
		if (i >= 0)
			snprintf(buf, n, "it is damaged (altered or cut; sealed with the key %s of the key file)", hex);
		else
			snprintf(buf, n, "it was sealed with the key %s, which is not in the key file", hex);
	} else {
		snprintf(buf, n, "it opens with no key of the key file (sealed before key ids with a key no longer "
		         "there, or damaged)");
	}
	free(v);
	return buf;
}

void
secret_key_wipe(struct secret_key *k)
{
	sodium_memzero(k->key, sizeof k->key);
	sodium_memzero(k->id, sizeof k->id);
	k->nkeys = 0;
	k->loaded = 0;
}
