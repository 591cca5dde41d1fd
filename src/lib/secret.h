/* Stored third-party credentials (GitLab tokens, deploy keys, OpenFaaS
 * passwords): authenticated encryption with libsodium's crypto_secretbox
 * under the key in the key file.  Stored form: PostgreSQL bytea hex text
 * "\x" || hex(nonce || box). */
#ifndef OCIM_SECRET_H
#define OCIM_SECRET_H

#include <stddef.h>

#include <sodium.h>

#define SECRET_KEY_BYTES crypto_secretbox_KEYBYTES
#define SECRET_MAX_PLAIN 16384

struct secret_key {
	unsigned char key[SECRET_KEY_BYTES];
	int loaded;
};

/* Reads a key file (64 hex digits and a newline).  Returns 0, or -1 with a
 * message naming the file in err.  The file must not be readable by others. */
int secret_key_load(struct secret_key *k, const char *path, char *err, size_t errsz);

/* Writes a new random key to path (mode 0640), refusing to overwrite an
 * existing file.  Returns 0 or -1 with err. */
int secret_key_generate(const char *path, char *err, size_t errsz);

/* Encrypts plain into a new "\x..." string (caller frees).  NULL on error. */
char *secret_seal(const struct secret_key *k, const char *plain, size_t len);

/* Decrypts a stored "\x..." string into a new NUL-terminated string
 * (caller wipes and frees).  NULL when it is not one, was altered, or was
 * sealed with another key. */
char *secret_open(const struct secret_key *k, const char *stored);

void secret_key_wipe(struct secret_key *k);

#endif
