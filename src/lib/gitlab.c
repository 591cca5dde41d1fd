#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <sodium.h>

#include "gitlab.h"
#include "util.h"

#define GITLAB_MAX_ANSWER (16 * 1024 * 1024)

struct get_state {
	struct gitlab_answer *a;
	struct buf body;
	int too_big;
};

static size_t
get_body(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct get_state *g = userp;
	size_t n = size * nmemb;

	if (g->body.len + n > GITLAB_MAX_ANSWER) {
		g->too_big = 1;
		return 0;
	}
	return buf_append(&g->body, ptr, n) == 0 ? n : 0;
}

/* Keeps the headers paging and rate limits depend on. */
static size_t
get_header(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct get_state *g = userp;
	size_t n = size * nmemb;
	char line[2300];

	snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line - 1 ? n : sizeof line - 1), ptr);
	line[strcspn(line, "\r\n")] = '\0';
	if (strncasecmp(line, "Link:", 5) == 0) {
		/* <url>; rel="next", <url>; rel="prev" */
		for (char *p = line + 5; (p = strchr(p, '<')) != NULL; p++) {
			char *end = strchr(p, '>');
			if (end == NULL)
				break;
			if (strncmp(end, ">; rel=\"next\"", 13) == 0 && (size_t)(end - p - 1) < sizeof g->a->next_link)
				snprintf(g->a->next_link, sizeof g->a->next_link, "%.*s", (int)(end - p - 1), p + 1);
			p = end;
		}
	} else if (strncasecmp(line, "x-next-page:", 12) == 0) {
		snprintf(g->a->next_page, sizeof g->a->next_page, "%s", line + 12 + strspn(line + 12, " "));
	} else if (strncasecmp(line, "Retry-After:", 12) == 0) {
		long v;
		if (parse_long(line + 12 + strspn(line + 12, " "), &v) == 0 && v >= 0)
			g->a->retry_after = v;
	}
	return n;
}

/* The options every GitLab request shares: callbacks into g, timeouts,
 * protocols, user agent. */
static void
common_options(CURL *c, struct get_state *g, long timeout)
{
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, get_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, g);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, get_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, g);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "ocim/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
}

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
gitlab_trigger(const char *base, long project, const char *token, const char *ref, const json_t *vars,
               long timeout, json_t **pipeline, long *retry_after, char *err, size_t errsz)
{
	struct gitlab_answer ans = { .status = -1, .retry_after = -1 };
	struct get_state a = { .a = &ans };
	struct buf form = { 0 }, url = { 0 };
	char curl_err[CURL_ERROR_SIZE] = "";
	const char *key;
	json_t *value;
	long status = -1;
	CURLcode cc;
	CURL *c;
	int rc = 0;

	*pipeline = NULL;
	*retry_after = -1;
	c = curl_easy_init();
	if (c == NULL) {
		snprintf(err, errsz, "libcurl failed to initialise");
		return -1;
	}
	rc |= buf_printf(&url, "%.*s/api/v4/projects/%ld/trigger/pipeline",
	                 (int)(strlen(base) - (strlen(base) > 0 && base[strlen(base) - 1] == '/')), base, project);
	rc |= form_add(c, &form, "token", token);
	rc |= form_add(c, &form, "ref", ref);
	json_object_foreach((json_t *)vars, key, value) {
		char name[160];
		if (!json_is_string(value))
			continue;
		snprintf(name, sizeof name, "variables[%s]", key);
		rc |= form_add(c, &form, name, json_string_value(value));
	}
	if (rc != 0) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	common_options(c, &a, timeout);
	curl_easy_setopt(c, CURLOPT_URL, url.data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, form.data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)form.len);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		snprintf(err, errsz, "GitLab did not answer: %s", a.too_big ? "answer too large" :
		         curl_err[0] ? curl_err : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	*retry_after = ans.retry_after;
	if (status == 201) {
		json_error_t jerr;
		*pipeline = json_loadb(a.body.data ? a.body.data : "", a.body.len, 0, &jerr);
		if (*pipeline == NULL || !json_is_integer(json_object_get(*pipeline, "id"))) {
			snprintf(err, errsz, "GitLab answered 201 without a pipeline: %s", *pipeline ? "no id" : jerr.text);
			json_decref(*pipeline);
			*pipeline = NULL;
			status = -1;
		}
	} else {
		json_t *j = json_loadb(a.body.data ? a.body.data : "", a.body.len, 0, NULL);
		const char *m = json_string_value(json_object_get(j, "message"));
		snprintf(err, errsz, "GitLab answered %ld%s%.200s", status, m ? ": " : "", m ? m : "");
		json_decref(j);
	}
out:
	if (form.data != NULL)
		sodium_memzero(form.data, form.len);
	buf_free(&form);
	buf_free(&url);
	buf_free(&a.body);
	curl_easy_cleanup(c);
	return (int)status;
}

/* One handle for every GET of this process: libcurl keeps its connections
 * open between requests (keep-alive; HTTP/2 where the server offers it). */
static CURL *get_handle;

void
gitlab_cleanup(void)
{
	if (get_handle != NULL)
		curl_easy_cleanup(get_handle);
	get_handle = NULL;
}

int
gitlab_get(const char *base, const char *token, const char *path, long timeout,
           struct gitlab_answer *a, char *err, size_t errsz)
{
	struct get_state g = { .a = a };
	struct curl_slist *headers = NULL;
	char curl_err[CURL_ERROR_SIZE] = "", auth[600], url[4096];
	CURLcode cc;
	CURL *c;

	memset(a, 0, sizeof *a);
	a->status = -1;
	a->retry_after = -1;
	if (get_handle == NULL)
		get_handle = curl_easy_init();
	else
		curl_easy_reset(get_handle);    /* options go, open connections stay */
	c = get_handle;
	if (c == NULL) {
		snprintf(err, errsz, "libcurl failed to initialise");
		return -1;
	}
	if (strncmp(path, "http", 4) == 0)
		snprintf(url, sizeof url, "%s", path);
	else
		snprintf(url, sizeof url, "%.*s/api/v4%s",
		         (int)(strlen(base) - (strlen(base) > 0 && base[strlen(base) - 1] == '/')), base, path);
	snprintf(auth, sizeof auth, "PRIVATE-TOKEN: %s", token);
	headers = curl_slist_append(headers, auth);
	common_options(c, &g, timeout);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	cc = curl_easy_perform(c);
	sodium_memzero(auth, sizeof auth);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	if (cc != CURLE_OK) {
		snprintf(err, errsz, "%s: %s", path, g.too_big ? "answer too large" : curl_err[0] ? curl_err : curl_easy_strerror(cc));
		buf_free(&g.body);
		return -1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
	if (g.body.data == NULL && buf_append(&g.body, "", 0) < 0) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	a->body.data = g.body.data;
	a->body.len = g.body.len;
	return 0;
}

void
gitlab_answer_free(struct gitlab_answer *a)
{
	free(a->body.data);
	a->body.data = NULL;
}

/* One transfer of gitlab_get_many. */
struct transfer {
	CURL *easy;
	struct get_state state;
	struct curl_slist *headers;
	char url[4096];
	size_t index;
};

/* Sets up t for paths[index]; returns 0 or -1. */
static int
transfer_start(struct transfer *t, const char *base, const char *auth, const char *path, long timeout,
               struct gitlab_answer *a, size_t index)
{
	memset(a, 0, sizeof *a);
	a->status = -1;
	a->retry_after = -1;
	memset(&t->state, 0, sizeof t->state);
	t->state.a = a;
	t->index = index;
	if (t->easy == NULL)
		t->easy = curl_easy_init();
	else
		curl_easy_reset(t->easy);
	if (t->easy == NULL)
		return -1;
	snprintf(t->url, sizeof t->url, "%.*s/api/v4%s",
	         (int)(strlen(base) - (strlen(base) > 0 && base[strlen(base) - 1] == '/')), base, path);
	if (t->headers == NULL)
		t->headers = curl_slist_append(NULL, auth);
	common_options(t->easy, &t->state, timeout);
	curl_easy_setopt(t->easy, CURLOPT_URL, t->url);
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(t->easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
	return 0;
}

int
gitlab_get_many(const char *base, const char *token, const char *const *paths, size_t n, long timeout,
                int concurrency, struct gitlab_answer *answers, char *err, size_t errsz)
{
	struct transfer *slots;
	char auth[600];
	size_t next = 0;
	int running = 0, failed = 0;
	CURLM *multi;

	if (n == 0)
		return 0;
	if (concurrency < 1)
		concurrency = 1;
	if ((size_t)concurrency > n)
		concurrency = (int)n;
	multi = curl_multi_init();
	slots = calloc((size_t)concurrency, sizeof *slots);
	if (multi == NULL || slots == NULL) {
		snprintf(err, errsz, "out of memory");
		curl_multi_cleanup(multi);
		free(slots);
		return (int)n;
	}
	/* reuse connections between the transfers of this batch */
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)concurrency);
	snprintf(auth, sizeof auth, "PRIVATE-TOKEN: %s", token);
	for (int i = 0; i < concurrency; i++, next++) {
		if (transfer_start(&slots[i], base, auth, paths[next], timeout, &answers[next], next) < 0)
			break;
		curl_multi_add_handle(multi, slots[i].easy);
		running++;
	}
	while (running > 0) {
		CURLMsg *msg;
		int left, still;

		curl_multi_perform(multi, &still);
		while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
			struct transfer *t;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
			if (msg->data.result == CURLE_OK) {
				curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->state.a->status);
				if (t->state.body.data == NULL)
					buf_append(&t->state.body, "", 0);
				t->state.a->body.data = t->state.body.data;
				t->state.a->body.len = t->state.body.len;
			} else {
				failed++;
				snprintf(err, errsz, "%s: %s", paths[t->index], curl_easy_strerror(msg->data.result));
				buf_free(&t->state.body);
			}
			curl_multi_remove_handle(multi, t->easy);
			running--;
			if (next < n && transfer_start(t, base, auth, paths[next], timeout, &answers[next], next) == 0) {
				next++;
				curl_multi_add_handle(multi, t->easy);
				running++;
			}
		}
		if (running > 0)
			curl_multi_poll(multi, NULL, 0, 1000, NULL);
	}
	for (int i = 0; i < concurrency; i++) {
		if (slots[i].easy != NULL)
			curl_easy_cleanup(slots[i].easy);
		curl_slist_free_all(slots[i].headers);
	}
	sodium_memzero(auth, sizeof auth);
	free(slots);
	curl_multi_cleanup(multi);
	/* requests never started (out of memory) count as failed */
	for (; next < n; next++)
		failed++;
	return failed;
}
