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

json_t *
openfaas_pods(const json_t *instance, const json_t *errors, const char *name)
{
	const json_t *listed = json_object_get(instance, "pods"), *e, *p;
	json_t *pods = json_array();
	size_t i, k;

	json_array_foreach(listed, i, p)
		if (json_is_object(p))
			json_array_append_new(pods, json_deep_copy(p));
	json_array_foreach(errors, i, e) {
		const char *who = json_string_value(json_object_get(e, "instance"));
		const char *pod = json_string_value(json_object_get(e, "pod"));
		json_t *reason = json_object_get(e, "reason"), *mine = NULL;

		if (who == NULL || strcmp(who, name) != 0)
			continue;
		json_array_foreach(pods, k, p) {
			const char *pn = json_string_value(json_object_get(p, "name"));
			if (pod != NULL && pn != NULL && strcmp(pn, pod) == 0) {
				mine = (json_t *)p;
				break;
			}
		}
		if (mine == NULL) {
			mine = json_pack("{s:s?, s:b}", "name", pod, "ready", 0);
			json_array_append_new(pods, mine);
		}
		json_object_set_new(mine, "reason", json_is_string(reason) ? json_incref(reason) : json_string("error"));
	}
	return pods;
}
