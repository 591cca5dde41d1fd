#include "config.h"

#include <string.h>

#include <sodium.h>

#include "token.h"

static void
hash_bytes(const unsigned char raw[TOKEN_BYTES], char hash[TOKEN_HASH_HEX])
{
	unsigned char digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, raw, TOKEN_BYTES);
	sodium_bin2hex(hash, TOKEN_HASH_HEX, digest, sizeof digest);
}

int
token_new(char out[TOKEN_CHARS + 1], char hash[TOKEN_HASH_HEX])
{
	unsigned char raw[TOKEN_BYTES];

	if (sodium_init() < 0)
		return -1;
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out, TOKEN_CHARS + 1, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	hash_bytes(raw, hash);
	sodium_memzero(raw, sizeof raw);
	return 0;
}

int
token_hash(const char *token, size_t len, char hash[TOKEN_HASH_HEX])
{
	unsigned char raw[TOKEN_BYTES];
	size_t n = 0;
	const char *end = NULL;

	if (len != TOKEN_CHARS || memchr(token, '\0', len) != NULL)
		return -1;
	if (sodium_base642bin(raw, sizeof raw, token, len, NULL, &n, &end,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n != TOKEN_BYTES || end != token + len)
		return -1;
	hash_bytes(raw, hash);
	sodium_memzero(raw, sizeof raw);
	return 0;
}
