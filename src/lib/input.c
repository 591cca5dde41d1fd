#include "config.h"

#include <limits.h>
#include <string.h>

#include <sodium.h>

#include "input.h"
#include "util.h"

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
			char shown[65];

			response_error(resp, 400, "unknown_field", key, "unknown field '%s'",
			               utf8_clip(shown, sizeof shown, key));
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

int
input_bool(struct response *resp, const json_t *body, const char *field, int required)
{
	json_t *v = json_object_get(body, field);

	if (v == NULL || json_is_null(v)) {
		if (!required)
			return -2;
		response_error(resp, 400, "missing_field", field, "'%s' is required", field);
		return -1;
	}
	if (!json_is_boolean(v)) {
		response_error(resp, 400, "invalid_type", field, "'%s' must be true or false", field);
		return -1;
	}
	return json_is_true(v);
}

int
input_query_long(struct response *resp, const struct request *req, const char *name, long min,
                 long max, long def, long *out)
{
	const char *v = kv_get(&req->query, name);

	if (v == NULL || v[0] == '\0') {
		*out = def;
		return 0;
	}
	if (parse_long(v, out) < 0 || *out < min || *out > max) {
		response_error(resp, 400, "invalid_parameter", name,
		               "'%s' must be an integer from %ld to %ld", name, min, max);
		return -1;
	}
	return 0;
}

int
input_path_id(struct response *resp, const struct request *req, const char *name, long *out)
{
	const char *v = kv_get(&req->params, name);

	/* an id that cannot be one is the client's mistake, named; a good one
	 * that names nothing is the handler's 404 */
	if (v == NULL || parse_long(v, out) < 0 || *out < 1) {
		response_error(resp, 400, "invalid_id", name, "the %s in the path must be a whole number from 1 to %ld",
		               name, LONG_MAX);
		return -1;
	}
	return 0;
}

void
input_wipe(json_t *body, const char *field)
{
	json_t *v = json_object_get(body, field);

	/* jansson owns a writable copy of every string it parsed */
	if (json_is_string(v))
		sodium_memzero((char *)json_string_value(v), json_string_length(v));
}
