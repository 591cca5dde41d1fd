/* Password policy and scrypt hashing (libscrypt, MCF "$s1$" strings). */
#ifndef OCIM_PASSWORD_H
#define OCIM_PASSWORD_H

#include <stddef.h>
#include <stdint.h>

#define PASSWORD_MIN_CHARS 12
#define PASSWORD_MAX_CHARS 128
#define PASSWORD_HASH_LEN 128           /* room for an MCF string */

/* Cost of new hashes: N = 2^15, r = 8, p = 3 (OWASP). */
#define PASSWORD_LOG2_N 15
#define PASSWORD_R 8
#define PASSWORD_P 3

struct scrypt_params {
	unsigned log2_n, r, p;
};

/* Checks length (in characters, UTF-8), embedded NUL and validity of the
 * UTF-8.  Returns NULL when acceptable, else a message for the user. */
const char *password_policy(const char *pw, size_t len);

/* Hashes pw into out (PASSWORD_HASH_LEN bytes).  Returns 0 or -1. */
int password_hash(const char *pw, char out[PASSWORD_HASH_LEN]);

/* Parses the parameters of a stored "$s1$NNrrpp$salt$hash" string.
 * Returns 0, or -1 when it is not one. */
int password_parse_params(const char *mcf, struct scrypt_params *out);

/* 1 when pw matches the stored hash, 0 otherwise, including for a corrupt
 * hash or one costlier than this build accepts. */
int password_verify(const char *stored, const char *pw);

/* Whether pw (compared without regard to ASCII case) is on the list of
 * common passwords in the file at path (one per line, sorted bytewise,
 * lower case).  The file is read once per process.  Returns 1 when it is,
 * 0 when it is not, -1 when the list cannot be read (callers refuse the
 * password then: the check fails closed). */
int password_blocked(const char *path, const char *pw);

/* password_policy and password_blocked in one: NULL when pw is
 * acceptable, else a message for the user. */
const char *password_check(const char *blocklist, const char *pw, size_t len);

/* A random password of len characters from an unambiguous alphabet. */
void password_generate(char *out, size_t len);

#endif
