/* Fuzzes the error path: arbitrary bytes as field names, values and
 * header values go through the request headers' checks, the UTF-8
 * helpers and response_error, and every answer must be a status line and
 * a body that is well-formed UTF-8 and JSON with an "error" object.  An
 * input is up to four lines: field name, value, header value, a byte
 * count to cut at. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/http.h"
#include "lib/input.h"
#include "lib/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The answer in resp, as the client gets it, is an error of status with
 * a JSON body of well-formed UTF-8; built, not the fixed fallback, when
 * built is set. */
static void
check_answer(const struct response *resp, int status, int built)
{
	struct buf out = { 0 };
	char want[32];
	const char *body;
	json_t *j, *e;

	if (resp->status != status || (built && resp->json == NULL) || response_serialize(resp, 0, &out) < 0)
		abort();
	snprintf(want, sizeof want, "Status: %d ", status);
	body = strstr(out.data, "\r\n\r\n");
	if (strncmp(out.data, want, strlen(want)) != 0 || body == NULL ||
	    !utf8_valid(out.data, out.len) || strstr(out.data, "Content-Type: application/json\r\n") == NULL)
		abort();
	j = json_loads(body + 4, 0, NULL);
	e = json_object_get(j, "error");
	if (!json_is_string(json_object_get(e, "code")) || !json_is_string(json_object_get(e, "message")))
		abort();
	json_decref(j);
	buf_free(&out);
}

/* utf8_copy into every size up to a little past the text: well-formed,
 * within the size, and, for well-formed text, a prefix of it that only
 * leaves out what could not fit. */
static void
check_copy(const char *s, size_t len)
{
	char out[128];
	size_t max = len + 5 < sizeof out ? len + 5 : sizeof out;
	int valid = utf8_valid(s, len);

	for (size_t size = 1; size <= max; size++) {
		size_t n = utf8_copy(out, size, s, len);

		if (n >= size || out[n] != '\0' || !utf8_valid(out, n))
			abort();
		if (valid && (memcmp(out, s, n) != 0 || (n < len && n + 4 < size)))
			abort();
		utf8_snprintf(out, size, "%s", s);
		if (strlen(out) >= size || !utf8_valid(out, strlen(out)))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char *part[4] = { NULL, NULL, NULL, NULL }, *env[6], err[256], clip[64];
	static const char *const allowed[] = { "name", NULL };
	struct response resp;
	struct request req;
	const char *field;
	json_t *obj;
	long cut = 0;

	log_set_level((enum log_level)(LOG_ERROR + 1));
	for (int i = 0; i < 4; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

		part[i] = strndup(p, n);        /* a NUL ends the part, as in a C string */
		if (part[i] == NULL)
			goto out;
		p += n + (nl != NULL);
	}
	for (int i = 0; i < 3; i++)
		check_copy(part[i], strlen(part[i]));

	/* a field name and a value in an error message, cut as handlers do */
	response_init(&resp);
	response_error(&resp, 422, "invalid_value", part[0], "'%s' is not '%s'",
	               utf8_clip(clip, (size_t)(parse_long(part[3], &cut) == 0 && cut > 0 && cut < 64 ? cut : 64),
	                         part[0]), part[1]);
	check_answer(&resp, 422, 1);
	response_error(&resp, 400, "bad_request", NULL, "%s", part[1]);
	check_answer(&resp, 400, 1);
	/* a code that is not a program's constant: the fixed body */
	response_error(&resp, 409, part[2], part[0], "%s", part[1]);
	check_answer(&resp, 409, 0);
	/* an unknown field of a JSON body */
	obj = json_object();
	if (json_object_set_new(obj, part[0], json_string("x")) == 0 && strcmp(part[0], "name") != 0) {
		if (input_object(&resp, obj, allowed) != -1)
			abort();
		check_answer(&resp, 400, 1);
	}
	json_decref(obj);
	response_free(&resp);

	/* header values and a query string, as nginx hands them over */
	if (asprintf(&env[2], "HTTP_IDEMPOTENCY_KEY=%s", part[2]) < 0)
		goto out;
	if (asprintf(&env[3], "HTTP_USER_AGENT=%s", part[2]) < 0) {
		free(env[2]);
		goto out;
	}
	if (asprintf(&env[4], "QUERY_STRING=%s", part[1]) < 0) {
		free(env[2]);
		free(env[3]);
		goto out;
	}
	env[0] = (char *)"REQUEST_METHOD=POST";
	env[1] = (char *)"REQUEST_URI=/api/v1/instances";
	env[5] = NULL;
	response_init(&resp);
	if (request_init(&req, env, &field, err, sizeof err) < 0) {
		response_error(&resp, 400, "bad_request", field, "%s", err);
		check_answer(&resp, 400, 1);
	} else {
		if (req.user_agent == NULL || strlen(req.user_agent) > HTTP_MAX_USER_AGENT ||
		    !utf8_valid(req.user_agent, strlen(req.user_agent)))
			abort();
		for (size_t i = 0; i < req.query.n; i++)
			if (!utf8_valid(req.query.items[i].key, strlen(req.query.items[i].key)) ||
			    !utf8_valid(req.query.items[i].value, strlen(req.query.items[i].value)))
				abort();
		if (request_check_headers(&req, &field, err, sizeof err) < 0) {
			response_error(&resp, 400, "invalid_header", field, "%s", err);
			check_answer(&resp, 400, 1);
		} else {
			const char *key = request_env(&req, "HTTP_IDEMPOTENCY_KEY");
			/* what passes is text PostgreSQL and jansson take */
			if (!utf8_valid(key, strlen(key)))
				abort();
		}
	}
	request_free(&req);
	response_free(&resp);
	free(env[2]);
	free(env[3]);
	free(env[4]);
out:
	for (int i = 0; i < 4; i++)
		free(part[i]);
	return 0;
}
