/* Fuzzes the JSON request body parser. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "lib/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	json_t *j = http_parse_json((const char *)data, size, err, sizeof err);

	if (j != NULL) {
		char *again;
		if (!json_is_object(j) && !json_is_array(j))
			abort();
		/* whatever was accepted serialises again */
		again = json_dumps(j, JSON_COMPACT);
		if (again == NULL)
			abort();
		free(again);
		json_decref(j);
	} else if (err[0] == '\0') {
		abort();
	}
	return 0;
}
