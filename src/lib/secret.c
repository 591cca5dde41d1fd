#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"
#include "util.h"

int
secret_key_load(struct secret_key *k, const char *path, char *err, size_t errsz)
{
	char *text;
	size_t len, bin = 0;
	struct stat st;

	k->loaded = 0;
	if (sodium_init() < 0) {
		snprintf(err, errsz, "libsodium failed to initialise");
		return -1;
	}
	if (stat(path, &st) == 0 && (st.st_mode & 0007) != 0) {
		snprintf(err, errsz, "%s: the key file must not be readable by others (chmod 640)", path);
		return -1;
	}
	if (read_file(path, 4096, &text, &len, err, errsz) < 0)
		return -1;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	if (len != SECRET_KEY_BYTES * 2 ||
	    sodium_hex2bin(k->key, sizeof k->key, text, len, NULL, &bin, NULL) != 0 || bin != SECRET_KEY_BYTES) {
		snprintf(err, errsz, "%s: not a key (64 hex digits expected; make one with ocimctl keygen)", path);
		sodium_memzero(text, len);
		free(text);
		return -1;
	}
	sodium_memzero(text, len);
	free(text);
	k->loaded = 1;
	return 0;
}

int
secret_key_generate(const char *path, char *err, size_t errsz)
{
	unsigned char key[SECRET_KEY_BYTES];
	char hex[SECRET_KEY_BYTES * 2 + 2];
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
	randombytes_buf(key, sizeof key);
	sodium_bin2hex(hex, sizeof hex, key, sizeof key);
	strcat(hex, "\n");
	ok = write(fd, hex, strlen(hex)) == (ssize_t)strlen(hex) && fsync(fd) == 0;
	if (close(fd) != 0)
		ok = 0;
	sodium_memzero(key, sizeof key);
	sodium_memzero(hex, sizeof hex);
	if (!ok) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

char *
secret_seal(const struct secret_key *k, const char *plain, size_t len)
{
	size_t boxlen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
	unsigned char *box;
	char *out;

	if (!k->loaded || len > SECRET_MAX_PLAIN)
		return NULL;
	box = malloc(boxlen);
	out = malloc(boxlen * 2 + 3);
	if (box == NULL || out == NULL) {
		free(box);
		free(out);
		return NULL;
	}
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)plain, len, box, k->key);
	out[0] = '\\';
	out[1] = 'x';
	sodium_bin2hex(out + 2, boxlen * 2 + 1, box, boxlen);
	free(box);
	return out;
}

char *
secret_open(const struct secret_key *k, const char *stored)
{
	size_t hexlen, boxlen, bin = 0;
	unsigned char *box;
	char *plain;

	if (!k->loaded || stored == NULL || strncmp(stored, "\\x", 2) != 0)
		return NULL;
	hexlen = strlen(stored + 2);
	boxlen = hexlen / 2;
	if (hexlen % 2 != 0 || boxlen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES ||
	    boxlen > SECRET_MAX_PLAIN + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
		return NULL;
	box = malloc(boxlen);
	plain = malloc(boxlen);
	if (box == NULL || plain == NULL ||
	    sodium_hex2bin(box, boxlen, stored + 2, hexlen, NULL, &bin, NULL) != 0 || bin != boxlen ||
	    crypto_secretbox_open_easy((unsigned char *)plain, box + crypto_secretbox_NONCEBYTES,
	                               boxlen - crypto_secretbox_NONCEBYTES, box, k->key) != 0) {
		free(box);
		free(plain);
		return NULL;
	}
	plain[boxlen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES] = '\0';
	free(box);
	return plain;
}

void
secret_key_wipe(struct secret_key *k)
{
	sodium_memzero(k->key, sizeof k->key);
	k->loaded = 0;
}
