/* Fuzzes the YAML reader and the configuration loader on top of it. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "lib/conf.h"
#include "lib/ydoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct ynode *root = ydoc_parse((const char *)data, size, NULL, err, sizeof err);
	struct conf c;

	if (root != NULL) {
		json_t *j = ynode_to_json(root);
		json_decref(j);
		ynode_free(root);
	} else if (err[0] == '\0') {
		abort();
	}
	if (conf_defaults(&c) == 0) {
		if (conf_load_buffer(&c, (const char *)data, size, "fuzz", err, sizeof err) < 0 &&
		    err[0] == '\0')
			abort();
		if (c.database.conninfo == NULL || c.log.level == NULL)
			abort();
	}
	conf_free(&c);
	return 0;
}
