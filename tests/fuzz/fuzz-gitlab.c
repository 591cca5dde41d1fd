/* Fuzzes the reading of GitLab's JSON answers: repository tree items and
 * pipeline list items, as ocim-sync reads them. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/http.h"
#include "lib/sync.h"
#include "lib/webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], instance[64], why[256];
	json_t *list = http_parse_json((const char *)data, size, err, sizeof err), *item;
	size_t i;

	if (!json_is_array(list)) {
		json_decref(list);
		return 0;
	}
	json_array_foreach(list, i, item) {
		const char *path = json_string_value(json_object_get(item, "path"));
		struct pipeline_event ev;
		json_t *body;
		int grove = -1, kind;

		if (path != NULL) {
			kind = sync_tree_path(path, instance, sizeof instance, &grove);
			if (kind == 2 && (instance[0] < 'a' || instance[0] > 'z' || strlen(instance) > 50 || grove < 0))
				abort();
			if (kind == 1 && strcmp(path, "cluster.yml") != 0)
				abort();
		}
		body = json_pack("{s:O}", "object_attributes", item);
		if (body != NULL && webhook_pipeline_parse(body, &ev, why, sizeof why) == 0 && ev.status == NULL)
			abort();
		json_decref(body);
	}
	json_decref(list);
	return 0;
}
