#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "openfaas.h"
#include "util.h"

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct buf *b = userp;
	size_t n = size * nmemb;

	if (b->len + n > 16 * 1024 * 1024)
		return 0;
	return buf_append(b, ptr, n) == 0 ? n : 0;
}

json_t *
openfaas_call(const char *gateway, const char *user, const char *password, const char *name, long timeout,
              char *err, size_t errsz)
{
	char url[1200], curl_err[CURL_ERROR_SIZE] = "";
	struct buf body = { 0 };
	json_error_t jerr;
	json_t *j = NULL;
	long status = 0;
	CURLcode cc;
	CURL *c = curl_easy_init();

	if (c == NULL) {
		snprintf(err, errsz, "libcurl failed to initialise");
		return NULL;
	}
	snprintf(url, sizeof url, "%.*s/function/%s",
	         (int)(strlen(gateway) - (strlen(gateway) > 0 && gateway[strlen(gateway) - 1] == '/')), gateway, name);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(c, CURLOPT_USERNAME, user);
	curl_easy_setopt(c, CURLOPT_PASSWORD, password);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		snprintf(err, errsz, "OpenFaaS %s: %s", name, curl_err[0] ? curl_err : curl_easy_strerror(cc));
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (status != 200) {
			snprintf(err, errsz, "OpenFaaS %s answered %ld", name, status);
		} else {
			j = json_loadb(body.data ? body.data : "", body.len, 0, &jerr);
			if (j == NULL)
				snprintf(err, errsz, "OpenFaaS %s answered malformed JSON: %s", name, jerr.text);
		}
	}
	buf_free(&body);
	curl_easy_cleanup(c);
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
