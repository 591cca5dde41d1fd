#include "config.h"

#include <string.h>

#include "input.h"

int
input_object(struct response *resp, const json_t *body, const char *const *allowed)
{
	const char *key;
	json_t *value;

	if (!json_is_object(body)) {
		response_error(resp, 400, "invalid_body", "body", "the body must be a JSON object");
		return -1;
	}
	json_object_foreach((json_t *)body, key, value) {
		const char *const *a;
		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (*a == NULL) {
			response_error(resp, 400, "unknown_field", key, "unknown field '%.64s'", key);
			return -1;
		}
	}
	return 0;
}

const char *
input_string(struct response *resp, const json_t *body, const char *field, size_t maxbytes,
             int required, int *absent)
{
	json_t *v = json_is_object(body) ? json_object_get(body, field) : NULL;
	const char *s;

	if (absent != NULL)
		*absent = 0;
	if (v == NULL || json_is_null(v)) {
		if (!required) {
			if (absent != NULL)
				*absent = 1;
			return NULL;
		}
		response_error(resp, 400, "missing_field", field, "'%s' is required", field);
		return NULL;
	}
	if (!json_is_string(v)) {
		response_error(resp, 400, "invalid_type", field, "'%s' must be a string", field);
		return NULL;
	}
	s = json_string_value(v);
	if (required && s[0] == '\0') {
		response_error(resp, 422, "invalid_value", field, "'%s' must not be empty", field);
		return NULL;
	}
	if (json_string_length(v) > maxbytes) {
		response_error(resp, 422, "too_long", field, "'%s' must be at most %zu bytes", field, maxbytes);
		return NULL;
	}
	return s;
}
