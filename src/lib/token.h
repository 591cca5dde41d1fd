/* Secret tokens (session, invite, reset, API): 32 random bytes from the
 * OS, given out as 43 characters of unpadded base64url.  Only the SHA-256
 * of the raw bytes is stored or logged, as 64 hex digits. */
#ifndef OCIM_TOKEN_H
#define OCIM_TOKEN_H

#include <stddef.h>

#define TOKEN_BYTES 32
#define TOKEN_CHARS 43                  /* base64url of 32 bytes, no padding */
#define TOKEN_HASH_HEX 65               /* 64 hex digits and NUL */

/* Makes a new token (text in out, hash in hash).  Returns 0 or -1. */
int token_new(char out[TOKEN_CHARS + 1], char hash[TOKEN_HASH_HEX]);

/* Hashes a token given by a client.  Returns 0, or -1 when it is not
 * exactly 43 base64url characters encoding 32 bytes. */
int token_hash(const char *token, size_t len, char hash[TOKEN_HASH_HEX]);

#endif
