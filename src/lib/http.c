#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "http.h"
#include "log.h"

const char *
kv_get(const struct kvlist *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].key, key) == 0)
			return l->items[i].value;
	return NULL;
}

int
kv_add(struct kvlist *l, const char *key, size_t klen, const char *value, size_t vlen)
{
	struct kv *items = realloc(l->items, (l->n + 1) * sizeof *items);
	char *k, *v;

	if (items == NULL)
		return -1;
	l->items = items;
	k = strndup(key, klen);
	v = strndup(value, vlen);
	if (k == NULL || v == NULL) {
		free(k);
		free(v);
		return -1;
	}
	l->items[l->n].key = k;
	l->items[l->n].value = v;
	l->n++;
	return 0;
}

/* Like kv_add, but takes ownership of already allocated strings. */
static int
kv_add_owned(struct kvlist *l, char *key, char *value)
{
	struct kv *items = realloc(l->items, (l->n + 1) * sizeof *items);

	if (items == NULL) {
		free(key);
		free(value);
		return -1;
	}
	l->items = items;
	l->items[l->n].key = key;
	l->items[l->n].value = value;
	l->n++;
	return 0;
}

void
kv_free(struct kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].key);
		free(l->items[i].value);
	}
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

static const char *const method_names[] = {
	[HTTP_GET] = "GET", [HTTP_HEAD] = "HEAD", [HTTP_POST] = "POST", [HTTP_PUT] = "PUT",
	[HTTP_PATCH] = "PATCH", [HTTP_DELETE] = "DELETE", [HTTP_OPTIONS] = "OPTIONS",
	[HTTP_METHOD_OTHER] = "OTHER",
};

enum http_method
http_method_parse(const char *s)
{
	for (int m = HTTP_GET; m < HTTP_METHOD_OTHER; m++)
		if (s != NULL && strcmp(s, method_names[m]) == 0)
			return (enum http_method)m;
	return HTTP_METHOD_OTHER;
}

const char *
http_method_name(enum http_method m)
{
	return method_names[m];
}

const char *
http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 302: return "Found";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
http_unescape(const char *src, size_t len, int plus_is_space)
{
	char *out = malloc(len + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char c = src[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= len) {
				free(out);
				return NULL;
			}
			hi = hexval(src[i + 1]);
			lo = hexval(src[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				free(out);
				return NULL;
			}
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			*o++ = ' ';
		} else if (c == '\0') {
			free(out);
			return NULL;
		} else {
			*o++ = c;
		}
	}
	*o = '\0';
	return out;
}

int
http_parse_query(const char *qs, struct kvlist *out, char *err, size_t errsz)
{
	const char *p = qs, *end;
	size_t len;

	kv_free(out);
	if (qs == NULL)
		return 0;
	len = strlen(qs);
	if (len > HTTP_MAX_QUERY) {
		snprintf(err, errsz, "query string longer than %d bytes", HTTP_MAX_QUERY);
		return -1;
	}
	end = qs + len;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		char *key, *value;

		if (stop == p) {        /* empty pair, as in "a=1&&b=2" */
			p = stop + 1;
			continue;
		}
		if (out->n >= HTTP_MAX_QUERY_PARAMS) {
			snprintf(err, errsz, "more than %d query parameters", HTTP_MAX_QUERY_PARAMS);
			goto bad;
		}
		key = http_unescape(p, (size_t)((eq ? eq : stop) - p), 1);
		if (key == NULL || key[0] == '\0') {
			snprintf(err, errsz, "query parameter %zu: %s", out->n + 1,
			         key == NULL ? "invalid percent-encoding in name" : "empty name");
			free(key);
			goto bad;
		}
		if (!utf8_valid(key, strlen(key))) {
			snprintf(err, errsz, "query parameter %zu: the name is not UTF-8", out->n + 1);
			free(key);
			goto bad;
		}
		value = eq ? http_unescape(eq + 1, (size_t)(stop - eq - 1), 1) : strdup("");
		if (value == NULL || !utf8_valid(value, strlen(value))) {
			char shown[65];

			snprintf(err, errsz, "query parameter '%s': %s", utf8_clip(shown, sizeof shown, key),
			         value == NULL ? "invalid percent-encoding" : "the value is not UTF-8");
			free(key);
			free(value);
			goto bad;
		}
		if (kv_add_owned(out, key, value) < 0) {
			snprintf(err, errsz, "out of memory");
			goto bad;
		}
		p = stop + 1;
	}
	return 0;
bad:
	kv_free(out);
	return -1;
}

static int
is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?={}", c) == NULL;
}

static const char *
etag_opaque(const char *tag, size_t *len)
{
	if (strncmp(tag, "W/", 2) == 0)
		tag += 2;
	if (*tag != '"')
		return NULL;
	const char *end = strchr(tag + 1, '"');
	if (end == NULL)
		return NULL;
	*len = (size_t)(end - tag) + 1;
	return tag;
}

int
http_etag_matches(const char *if_none_match, const char *etag)
{
	const char *want, *p = if_none_match;
	size_t wantlen, len;

	if (p == NULL || (want = etag_opaque(etag, &wantlen)) == NULL)
		return 0;
	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			return 0;
		if (*p == '*')
			return 1;
		const char *tag = etag_opaque(p, &len);
		if (tag == NULL)
			return 0;       /* not a list of entity tags: no match */
		if (len == wantlen && memcmp(tag, want, len) == 0)
			return 1;
		p = tag + len;
	}
}

int
http_parse_cookies(const char *header, struct kvlist *out, char *err, size_t errsz)
{
	const char *p, *end;
	size_t len;

	kv_free(out);
	if (header == NULL)
		return 0;
	len = strlen(header);
	if (len > HTTP_MAX_COOKIE) {
		snprintf(err, errsz, "Cookie header longer than %d bytes", HTTP_MAX_COOKIE);
		return -1;
	}
	p = header;
	end = header + len;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi ? semi : end;
		const char *name, *name_end, *val, *val_end, *eq;
		int ok = 1;

		while (p < stop && (*p == ' ' || *p == '\t'))
			p++;
		eq = p < stop ? memchr(p, '=', (size_t)(stop - p)) : NULL;
		name = p;
		name_end = eq ? eq : stop;
		while (name_end > name && (name_end[-1] == ' ' || name_end[-1] == '\t'))
			name_end--;
		if (eq == NULL || name_end == name)
			ok = 0;
		for (const char *c = name; ok && c < name_end; c++)
			ok = is_token_char((unsigned char)*c);
		if (ok) {
			val = eq + 1;
			val_end = stop;
			while (val < val_end && (*val == ' ' || *val == '\t'))
				val++;
			while (val_end > val && (val_end[-1] == ' ' || val_end[-1] == '\t'))
				val_end--;
			if (val_end - val >= 2 && *val == '"' && val_end[-1] == '"') {
				val++;
				val_end--;
			}
			for (const char *c = val; ok && c < val_end; c++) {
				unsigned char u = (unsigned char)*c;
				ok = u >= 0x21 && u != 0x7f && u != '"' && u != ',' && u != ';' && u != '\\';
			}
		}
		if (ok) {
			if (out->n >= HTTP_MAX_COOKIES) {
				snprintf(err, errsz, "more than %d cookies", HTTP_MAX_COOKIES);
				kv_free(out);
				return -1;
			}
			if (kv_add(out, name, (size_t)(name_end - name), val, (size_t)(val_end - val)) < 0) {
				snprintf(err, errsz, "out of memory");
				kv_free(out);
				return -1;
			}
		}
		p = stop + 1;
	}
	return 0;
}

/* Finds the line and column of byte offset pos in s. */
static void
line_col(const char *s, size_t pos, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < pos; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

json_t *
http_parse_json(const char *body, size_t len, char *err, size_t errsz)
{
	json_error_t jerr;
	json_t *root;
	int depth = 0, in_string = 0;

	/* jansson nests up to 2048 levels on the C stack; refuse deep bodies first. */
	for (size_t i = 0; i < len; i++) {
		char c = body[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > HTTP_MAX_JSON_DEPTH) {
				int line, col;
				line_col(body, i, &line, &col);
				snprintf(err, errsz, "line %d, column %d: nested deeper than %d levels",
				         line, col, HTTP_MAX_JSON_DEPTH);
				return NULL;
			}
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		if (jerr.line > 0)
			snprintf(err, errsz, "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
		else
			snprintf(err, errsz, "%s", jerr.text);
		return NULL;
	}
	if (!json_is_object(root) && !json_is_array(root)) {
		snprintf(err, errsz, "line 1, column 1: the body must be a JSON object or array");
		json_decref(root);
		return NULL;
	}
	return root;
}

const char *
request_env(const struct request *r, const char *name)
{
	size_t n = strlen(name);

	if (r->env == NULL)
		return NULL;
	for (char *const *e = r->env; *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

int
request_init(struct request *r, char *const *env, const char **field, char *err, size_t errsz)
{
	const char *uri, *q, *cl, *ua;
	long v;

	memset(r, 0, sizeof *r);
	r->env = env;
	r->content_length = -1;
	*field = NULL;
	r->method = http_method_parse(request_env(r, "REQUEST_METHOD"));
	uri = request_env(r, "REQUEST_URI");
	if (uri == NULL)
		uri = request_env(r, "DOCUMENT_URI");
	if (uri == NULL)
		uri = "/";
	q = strchr(uri, '?');
	r->path = q ? strndup(uri, (size_t)(q - uri)) : strdup(uri);
	if (r->path == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	r->content_type = request_env(r, "CONTENT_TYPE");
	cl = request_env(r, "CONTENT_LENGTH");
	if (cl != NULL && cl[0] != '\0') {
		if (parse_long(cl, &v) < 0 || v < 0) {
			*field = "Content-Length";
			snprintf(err, errsz, "invalid Content-Length");
			return -1;
		}
		r->content_length = v;
	}
	r->remote_addr = request_env(r, "REMOTE_ADDR");
	ua = request_env(r, "HTTP_USER_AGENT");
	if (ua != NULL) {
		/* stored with sessions: refusing a login for it would be wrong */
		r->user_agent = malloc(HTTP_MAX_USER_AGENT + 1);
		if (r->user_agent == NULL) {
			snprintf(err, errsz, "out of memory");
			return -1;
		}
		utf8_copy(r->user_agent, HTTP_MAX_USER_AGENT + 1, ua, strlen(ua));
	}
	r->request_id = request_env(r, "REQUEST_ID");
	if (http_parse_query(request_env(r, "QUERY_STRING"), &r->query, err, errsz) < 0) {
		*field = "query";
		return -1;
	}
	if (http_parse_cookies(request_env(r, "HTTP_COOKIE"), &r->cookies, err, errsz) < 0) {
		*field = "cookie";
		return -1;
	}
	return 0;
}

/* Request headers whose values reach SQL or JSON, and how long they may
 * be.  The others are only compared or hashed (Authorization, Cookie,
 * X-CSRF-Token, X-Gitlab-Token, Sec-Fetch-Site), made safe (User-Agent)
 * or checked where they are used (REMOTE_ADDR: is_ip_address). */
static const struct {
	const char *env, *name;
	size_t max;
} checked_headers[] = {
	{ "HTTP_IDEMPOTENCY_KEY", "Idempotency-Key", HTTP_MAX_IDEMPOTENCY_KEY },
	{ "HTTP_X_GITLAB_EVENT", "X-Gitlab-Event", 100 },
	{ "HTTP_X_GITLAB_EVENT_UUID", "X-Gitlab-Event-UUID", 100 },
};

int
request_check_headers(const struct request *r, const char **field, char *err, size_t errsz)
{
	for (size_t i = 0; i < ARRAY_SIZE(checked_headers); i++) {
		const char *v = request_env(r, checked_headers[i].env);
		size_t n = v != NULL ? strlen(v) : 0;
		int ok = n >= 1 && n <= checked_headers[i].max;

		for (size_t k = 0; ok && k < n; k++)
			ok = (unsigned char)v[k] >= 0x20 && (unsigned char)v[k] <= 0x7e;
		if (v != NULL && !ok) {
			*field = checked_headers[i].name;
			snprintf(err, errsz, "%s must be 1 to %zu printable ASCII characters", checked_headers[i].name,
			         checked_headers[i].max);
			return -1;
		}
	}
	return 0;
}

void
request_free(struct request *r)
{
	free(r->path);
	free(r->user_agent);
	kv_free(&r->query);
	kv_free(&r->cookies);
	kv_free(&r->params);
	/* bodies carry passwords: wipe before giving the memory back */
	if (r->body != NULL)
		sodium_memzero(r->body, r->body_len);
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof *r);
}

void
response_init(struct response *resp)
{
	memset(resp, 0, sizeof *resp);
	resp->status = 200;
}

void
response_free(struct response *resp)
{
	kv_free(&resp->headers);
	json_decref(resp->json);
	free(resp->raw);
	memset(resp, 0, sizeof *resp);
}

void
response_json(struct response *resp, int status, json_t *body)
{
	json_decref(resp->json);
	free(resp->raw);
	resp->raw = NULL;
	resp->status = status;
	resp->json = body;
}

void
response_raw_json(struct response *resp, int status, char *text)
{
	response_json(resp, status, NULL);
	resp->raw = text;
}

/* Answers status with a fixed error body, built without jansson, for when
 * the real one cannot be; code is kept when it is a plain identifier.  If
 * even this copy fails, response_serialize answers its own fixed body. */
static void
response_fixed_error(struct response *resp, int status, const char *code)
{
	char text[192];

	if (code == NULL || code[0] == '\0' || strlen(code) > 40 ||
	    strspn(code, "abcdefghijklmnopqrstuvwxyz_") != strlen(code))
		code = "internal";
	snprintf(text, sizeof text, "{\"error\":{\"code\":\"%s\",\"message\":\"%s (the details could not be "
	         "encoded; see the server log)\",\"field\":null}}", code, http_status_text(status));
	response_json(resp, status, NULL);
	resp->raw = strdup(text);
}

void
response_error(struct response *resp, int status, const char *code, const char *field,
               const char *fmt, ...)
{
	char msg[512], shown[256];
	json_error_t jerr;
	va_list ap;
	json_t *body;

	/* user text in the message or the field name may be cut or ill-formed:
	 * jansson would refuse it and the answer would lose its body */
	va_start(ap, fmt);
	utf8_vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	body = json_pack_ex(&jerr, 0, "{s:{s:s, s:s, s:s?}}", "error", "code", code, "message", msg,
	                    "field", field != NULL ? utf8_clip(shown, sizeof shown, field) : NULL);
	if (body == NULL) {
		log_error("the body of a %d answer (%s) could not be built (%s); answering a fixed one", status,
		          code != NULL ? code : "no code", jerr.text);
		response_fixed_error(resp, status, code);
		return;
	}
	response_json(resp, status, body);
}

int
response_header(struct response *resp, const char *name, const char *value)
{
	/* a header value never carries a line break: that would split the response */
	if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL)
		return -1;
	return kv_add(&resp->headers, name, strlen(name), value, strlen(value));
}

int
response_serialize(const struct response *resp, int head, struct buf *out)
{
	char *dumped = NULL, fixed[192];
	const char *body = resp->raw;
	int rc = 0, status = resp->status;

	if (resp->json != NULL) {
		dumped = json_dumps(resp->json, JSON_COMPACT | JSON_ENSURE_ASCII);
		if (dumped == NULL) {
			log_error("the body of a %d answer could not be written; answering 500", status);
			status = 500;
		}
		body = dumped;
	}
	if (body == NULL && status >= 400) {
		/* an error never goes out without its JSON body */
		snprintf(fixed, sizeof fixed, "{\"error\":{\"code\":\"internal\",\"message\":\"%s (the details "
		         "could not be encoded; see the server log)\",\"field\":null}}", http_status_text(status));
		body = fixed;
	}
	rc |= buf_printf(out, "Status: %d %s\r\n", status, http_status_text(status));
	if (body != NULL)
		rc |= buf_printf(out, "Content-Type: application/json\r\nContent-Length: %zu\r\n",
		                 strlen(body) + 1);
	else if (status != 304)
		rc |= buf_printf(out, "Content-Length: 0\r\n");
	/* no answer is kept anywhere unless its route said how (polled reads) */
	if (kv_get(&resp->headers, "Cache-Control") == NULL)
		rc |= buf_printf(out, "Cache-Control: no-store\r\n");
	for (size_t i = 0; i < resp->headers.n; i++)
		rc |= buf_printf(out, "%s: %s\r\n", resp->headers.items[i].key, resp->headers.items[i].value);
	rc |= buf_printf(out, "\r\n");
	if (body != NULL && !head) {
		rc |= buf_append(out, body, strlen(body));
		rc |= buf_append(out, "\n", 1);
	}
	free(dumped);
	return rc < 0 ? -1 : 0;
}
