#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openfaas.h"
#include "util.h"

int
openfaas_url(char *out, size_t size, const char *gateway, const char *name)
{
	return url_join(out, size, gateway, "/function/", name);
}

json_t *
openfaas_answer(const struct fetch *r, const char *name, char *err, size_t errsz)
{
	json_error_t jerr;
	json_t *j;

	if (r->answer.status < 0) {
		snprintf(err, errsz, "OpenFaaS %s: %s", name, r->error);
		return NULL;
	}
	if (r->answer.status != 200) {
		snprintf(err, errsz, "OpenFaaS %s answered %ld", name, r->answer.status);
		return NULL;
	}
	j = json_loadb(r->answer.body.data, r->answer.body.len, 0, &jerr);
	if (j == NULL)
		snprintf(err, errsz, "OpenFaaS %s answered malformed JSON: %s", name, jerr.text);
	return j;
}

const char *
openfaas_health(const json_t *instance, const json_t *errors, const char *name)
{
	const json_t *pods = json_object_get(instance, "pods"), *e, *p;
	size_t i;

	if (instance == NULL)
		return "unreachable";
	json_array_foreach(errors, i, e) {
		const char *who = json_string_value(json_object_get(e, "instance"));
		if (who != NULL && strcmp(who, name) == 0)
			return "degraded";
	}
	json_array_foreach(pods, i, p)
		if (!json_is_true(json_object_get(p, "ready")))
			return "degraded";
	return json_array_size(pods) > 0 ? "healthy" : "unreachable";
}
