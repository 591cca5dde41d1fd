/* Fuzzes the query string parser. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvlist q = { 0 };
	char *s = strndup((const char *)data, size), err[256];

	if (s == NULL)
		return 0;
	if (http_parse_query(s, &q, err, sizeof err) == 0) {
		for (size_t i = 0; i < q.n; i++)
			if (q.items[i].key[0] == '\0' || kv_get(&q, q.items[i].key) == NULL)
				abort();
	} else if (q.n != 0 || err[0] == '\0') {
		abort();        /* a failed parse leaves nothing behind and says why */
	}
	kv_free(&q);
	free(s);
	return 0;
}
