#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "fetch.h"
#include "gitlab.h"
#include "util.h"

/* Appends "&name=value" (both form-escaped) to form. */
static int
form_add(CURL *c, struct buf *form, const char *name, const char *value)
{
	char *n = curl_easy_escape(c, name, 0), *v = curl_easy_escape(c, value, 0);
	int rc = n && v ? buf_printf(form, "%s%s=%s", form->len ? "&" : "", n, v) : -1;

	curl_free(n);
	curl_free(v);
	return rc;
}

int
gitlab_url(char *out, size_t size, const char *base, const char *path)
{
	return url_join(out, size, base, "/api/v4", path);
}

int
gitlab_check(const struct fetch *r, long want, char *err, size_t errsz)
{
	const struct fetch_answer *a = &r->answer;
	const char *api = strstr(r->url, "/api/v4/"), *what = api != NULL ? api + 7 : r->url;
	const char *m;
	char swhat[201], sm[151], serr[191];
	json_t *j;

	if (a->status == want)
		return 0;
	if (a->status < 0) {
		utf8_snprintf(err, errsz, "GitLab did not answer %s: %s", utf8_clip(swhat, sizeof swhat, what),
		              utf8_clip(serr, sizeof serr, r->error));
		return -1;
	}
	j = json_loadb(a->body.data, a->body.len, 0, NULL);
	m = json_string_value(json_object_get(j, "message"));
	/* GitLab's message is anybody's text: cut it whole, it goes into JSON and SQL */
	utf8_snprintf(err, errsz, "GitLab answered %ld to %s%s%s%s", a->status, utf8_clip(swhat, sizeof swhat, what),
	              m ? ": " : "", utf8_clip(sm, sizeof sm, m), r->attempts > 1 ? " (after retries)" : "");
	json_decref(j);
	return -1;
}

int
gitlab_same_api(const char *base, const char *url)
{
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return strncmp(url, base, n) == 0 && strncmp(url + n, "/api/v4/", 8) == 0;
}

int
gitlab_trigger(const char *base, long project, const char *token, const char *ref, const json_t *vars,
               long timeout, json_t **pipeline, long *retry_after, int *unknown, char *err, size_t errsz)
{
	struct fetch r = { 0 };
	struct buf form = { 0 };
	char url[2200], path[80];
	const char *key;
	json_t *value;
	long status = -1;
	CURL *c = curl_easy_init();     /* for escaping only */
	int rc = 0;

	*pipeline = NULL;
	*retry_after = -1;
	*unknown = 0;
	if (c == NULL) {
		snprintf(err, errsz, "libcurl failed to initialise");
		return -1;
	}
	snprintf(path, sizeof path, "/projects/%ld/trigger/pipeline", project);
	rc |= gitlab_url(url, sizeof url, base, path);
	rc |= form_add(c, &form, "token", token);
	rc |= form_add(c, &form, "ref", ref);
	json_object_foreach((json_t *)vars, key, value) {
		char name[160];
		if (!json_is_string(value))
			continue;
		snprintf(name, sizeof name, "variables[%s]", key);
		rc |= form_add(c, &form, name, json_string_value(value));
	}
	curl_easy_cleanup(c);
	if (rc != 0 || form.data == NULL) {
		snprintf(err, errsz, rc != 0 && form.data != NULL ? "GitLab URL too long" : "out of memory");
		goto out;
	}
	/* no retry here: a trigger that may have reached GitLab is not sent again */
	r.url = url;
	r.form = form.data;
	fetch_run(&r, 1, timeout, 1, NULL);
	status = r.answer.status;
	*retry_after = r.answer.retry_after;
	*unknown = (status == -1 && !r.unsent) || status >= 500;
	if (gitlab_check(&r, 201, err, errsz) == 0) {
		json_error_t jerr;
		*pipeline = json_loadb(r.answer.body.data, r.answer.body.len, 0, &jerr);
		if (*pipeline == NULL || !json_is_integer(json_object_get(*pipeline, "id"))) {
			snprintf(err, errsz, "GitLab answered 201 without a pipeline: %s", *pipeline ? "no id" : jerr.text);
			json_decref(*pipeline);
			*pipeline = NULL;
			status = -1;
			*unknown = 1;       /* GitLab made something; what, is to be found */
		}
	}
out:
	if (form.data != NULL)
		sodium_memzero(form.data, form.len);
	buf_free(&form);
	fetch_answer_free(&r.answer);
	return (int)status;
}
