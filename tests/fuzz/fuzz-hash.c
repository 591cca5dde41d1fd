/* Fuzzes the parsing of stored password hashes: a corrupt hash must mean
 * "no match", never a crash or an expensive hash run. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/password.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scrypt_params p;
	char *s = strndup((const char *)data, size);

	if (s == NULL)
		return 0;
	if (password_parse_params(s, &p) == 0) {
		if (p.log2_n < 1 || p.r < 1 || p.p < 1)
			abort();
		/* only cheap hashes are actually verified here */
		if (p.log2_n <= 10 && p.r <= 8 && p.p <= 2 && password_verify(s, "correct horse battery") < 0)
			abort();
	}
	free(s);
	return 0;
}
