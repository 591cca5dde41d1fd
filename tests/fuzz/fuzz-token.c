/* Fuzzes the decoding of tokens that clients send (cookies, Bearer, links). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char hash[TOKEN_HASH_HEX];

	if (token_hash((const char *)data, size, hash) == 0) {
		if (size != TOKEN_CHARS || strlen(hash) != 64 || strspn(hash, "0123456789abcdef") != 64)
			abort();
	}
	return 0;
}
