/* Fuzzes the Cookie header parser. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvlist c = { 0 };
	char *s = strndup((const char *)data, size), err[256];

	if (s == NULL)
		return 0;
	if (http_parse_cookies(s, &c, err, sizeof err) == 0) {
		for (size_t i = 0; i < c.n; i++)
			if (c.items[i].key[0] == '\0' || strpbrk(c.items[i].value, "; ") != NULL)
				abort();
	} else if (c.n != 0) {
		abort();
	}
	kv_free(&c);
	free(s);
	return 0;
}
