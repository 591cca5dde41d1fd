/* Fuzzes the reading of GitLab Pipeline Hook payloads: the JSON body parser
 * and the extraction of the pipeline, its instance and action. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/http.h"
#include "lib/states.h"
#include "lib/webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], why[256];
	struct pipeline_event ev;
	json_t *body = http_parse_json((const char *)data, size, err, sizeof err);
	int failed;

	if (body == NULL)
		return 0;
	if (webhook_pipeline_parse(body, &ev, why, sizeof why) == 0) {
		const char *state;

		if (ev.status == NULL || strlen(ev.status) > 64 || ev.request_id < 0)
			abort();
		if (ev.instance[0] != '\0' && strlen(ev.instance) >= sizeof ev.instance)
			abort();
		state = pipeline_next_state(ev.kind, ev.status, &failed);
		if (state != NULL && ev.kind == NULL)
			abort();
		if (failed && (state == NULL || strcmp(state, "failure") != 0))
			abort();
	} else if (why[0] == '\0') {
		abort();
	}
	json_decref(body);
	return 0;
}
