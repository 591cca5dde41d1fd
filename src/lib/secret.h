/* Stored third-party credentials (GitLab tokens, deploy keys, OpenFaaS
 * passwords): authenticated encryption with libsodium's crypto_secretbox
 * under the keys of the key file (a keyring).
 *
 * The key file holds one or two keys, one a line, 64 hex digits each;
 * empty lines and lines starting with '#' are ignored.  The first key is
 * the current one: it seals every new value.  The second, if any, is the
 * previous one (left by ocimctl rotate-key): it only opens.  A file of one
 * key (as ocimctl keygen writes it) is a ring of one.
 *
 * Stored form: PostgreSQL bytea hex text "\x" || hex(value), where value
 * is 0x01 || key id (4 bytes) || nonce || box.  The key id is the start of
 * a BLAKE2b hash keyed with the key over a fixed label: it names the key
 * without saying anything about it.  Values sealed before key ids
 * (nonce || box) still open: every key of the ring is tried. */
#ifndef OCIM_SECRET_H
#define OCIM_SECRET_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include <sodium.h>

#define SECRET_KEY_BYTES crypto_secretbox_KEYBYTES
#define SECRET_MAX_PLAIN 16384
#define SECRET_RING_MAX 2               /* current and previous */
#define SECRET_ID_BYTES 4
#define SECRET_ID_HEX (SECRET_ID_BYTES * 2 + 1)
#define SECRET_VERSION 0x01             /* first byte of a value with a key id */

/* The keyring: key[0] seals, every key opens.  Filled by secret_key_load,
 * wiped by secret_key_wipe. */
struct secret_key {
	unsigned char key[SECRET_RING_MAX][SECRET_KEY_BYTES];
	unsigned char id[SECRET_RING_MAX][SECRET_ID_BYTES];
	int nkeys;
	int loaded;
	/* the key file as read: a change of any of these makes
	 * secret_key_refresh read it again */
	char path[4096];
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* Reads a key file (see above).  Returns 0, or -1 with a message naming
 * the file in err (k is then not loaded).  The file must not be readable
 * by others. */
int secret_key_load(struct secret_key *k, const char *path, char *err, size_t errsz);

/* Reads the key file of k again when it changed since it was read (one
 * stat when it did not), or loads path when k is not loaded yet.  Returns
 * 0 when nothing changed, 1 when the ring was read again, -1 with err when
 * the file cannot be read (a loaded ring is then kept as it was). */
int secret_key_refresh(struct secret_key *k, const char *path, char *err, size_t errsz);

/* Writes a new random key to path (mode 0640), refusing to overwrite an
 * existing file.  Returns 0 or -1 with err. */
int secret_key_generate(const char *path, char *err, size_t errsz);

/* Makes out a new ring: a new random current key, and the current key of
 * old as the previous one.  Returns 0 or -1 (libsodium unusable). */
int secret_key_next(struct secret_key *out, const struct secret_key *old);

/* Replaces the key file at path by the ring k atomically (a temporary
 * file, fsync, rename, fsync of the directory), mode 0640 and the owner
 * and group of the file it replaces.  Returns 0 or -1 with err. */
int secret_key_write(const struct secret_key *k, const char *path, char *err, size_t errsz);

/* The id of key i of k as 8 hex digits into out (SECRET_ID_HEX bytes). */
void secret_key_id_hex(const struct secret_key *k, int i, char out[SECRET_ID_HEX]);

/* Encrypts plain under the current key into a new "\x..." string (caller
 * frees).  NULL on error. */
char *secret_seal(const struct secret_key *k, const char *plain, size_t len);

/* Decrypts a stored "\x..." string into a new NUL-terminated string
 * (caller wipes and frees).  NULL when it is not one, was altered, or was
 * sealed with a key that is not in the ring; secret_why says which. */
char *secret_open(const struct secret_key *k, const char *stored);

/* Like secret_open; *which gets the index in the ring of the key that
 * opened it (0 the current), or -1. */
char *secret_open_which(const struct secret_key *k, const char *stored, int *which);

/* Why stored does not open with k, as a phrase for a user ("sealed with
 * the key 1a2b3c4d, which is not in the key file"); into buf, returned. */
const char *secret_why(const struct secret_key *k, const char *stored, char *buf, size_t n);

void secret_key_wipe(struct secret_key *k);

#endif
