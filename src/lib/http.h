/* HTTP requests and responses, independent of FastCGI so that the parsers
 * can be unit-tested and fuzzed.  Every parser has a size cap, rejects
 * malformed input with a message, and never leaves a half-parsed result. */
#ifndef OCIM_HTTP_H
#define OCIM_HTTP_H

#include <stddef.h>
#include <jansson.h>

#include "util.h"

enum http_method {
	HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_PUT, HTTP_PATCH, HTTP_DELETE, HTTP_OPTIONS,
	HTTP_METHOD_OTHER
};

#define HTTP_MAX_QUERY 8192             /* bytes of QUERY_STRING */
#define HTTP_MAX_QUERY_PARAMS 64
#define HTTP_MAX_COOKIE 8192            /* bytes of the Cookie header */
#define HTTP_MAX_COOKIES 64
#define HTTP_MAX_JSON_DEPTH 32
#define HTTP_MAX_USER_AGENT 512         /* bytes of User-Agent kept (sessions.user_agent) */
#define HTTP_MAX_IDEMPOTENCY_KEY 200

/* A list of owned name/value strings, in input order. */
struct kv {
	char *key;
	char *value;
};
struct kvlist {
	struct kv *items;
	size_t n;
};
/* First value for key, or NULL.  Borrowed. */
const char *kv_get(const struct kvlist *l, const char *key);
int kv_add(struct kvlist *l, const char *key, size_t klen, const char *value, size_t vlen);
void kv_free(struct kvlist *l);

enum http_method http_method_parse(const char *s);
const char *http_method_name(enum http_method m);
const char *http_status_text(int status);

/* Percent-decodes src[0..len) into a new string (caller frees); '+' means
 * space when plus_is_space.  Returns NULL for a bad escape or an encoded
 * NUL. */
char *http_unescape(const char *src, size_t len, int plus_is_space);

/* Parses "a=1&b=x%20y" into out (cleared first); names and values must be
 * UTF-8.  Returns 0, or -1 with a message naming the parameter in err; out
 * is then empty. */
int http_parse_query(const char *qs, struct kvlist *out, char *err, size_t errsz);

/* Parses a Cookie header.  Pairs that are not name=value are skipped, as
 * browsers send cookies other sites on this host set; only the caps are
 * errors.  Returns 0 or -1 with a message in err. */
int http_parse_cookies(const char *header, struct kvlist *out, char *err, size_t errsz);

/* Whether an If-None-Match header value (a list of entity tags, or "*")
 * names etag (a quoted entity tag).  The comparison is the weak one RFC
 * 9110 asks for here: a W/ prefix on either side is ignored. */
int http_etag_matches(const char *if_none_match, const char *etag);

/* Parses a JSON request body of len bytes: object or array at the top,
 * no duplicate keys, no NUL, depth at most HTTP_MAX_JSON_DEPTH.  Returns a
 * new reference, or NULL with "line L, column C: ..." in err. */
json_t *http_parse_json(const char *body, size_t len, char *err, size_t errsz);

struct request {
	enum http_method method;
	char *path;                     /* raw (still percent-encoded) path */
	struct kvlist query;
	struct kvlist cookies;
	struct kvlist params;           /* filled by the router */
	const char *content_type;       /* borrowed from env */
	long content_length;            /* -1 when absent */
	const char *remote_addr;
	char *user_agent;               /* owned: well-formed UTF-8, cut to HTTP_MAX_USER_AGENT */
	const char *request_id;
	char *body;                     /* owned, NUL-terminated */
	size_t body_len;
	json_t *json;                   /* parsed body or NULL; owned */
	char *const *env;               /* the CGI environment, borrowed */
};

/* A CGI variable (e.g. "HTTP_X_CSRF_TOKEN") from the environment, or NULL. */
const char *request_env(const struct request *r, const char *name);

/* Fills r from a CGI/FastCGI environment.  Query and cookie errors are
 * reported: returns 0, or -1 with *field set to "query" or "cookie" and a
 * message in err.  r must be released with request_free either way. */
int request_init(struct request *r, char *const *env, const char **field, char *err, size_t errsz);
void request_free(struct request *r);

/* Checks the request headers whose values reach SQL or JSON
 * (Idempotency-Key, X-Gitlab-Event, X-Gitlab-Event-UUID: 1 to N printable
 * ASCII characters).  Returns 0, or -1 with *field set to the header's
 * name and a message in err. */
int request_check_headers(const struct request *r, const char **field, char *err, size_t errsz);

struct response {
	int status;
	struct kvlist headers;
	json_t *json;                   /* body, owned; or NULL */
	char *raw;                      /* or a JSON text made elsewhere, owned */
};

void response_init(struct response *resp);
void response_free(struct response *resp);
/* Sets status and body (the reference is stolen). */
void response_json(struct response *resp, int status, json_t *body);
/* Sets status and a body that is JSON text already (ownership taken). */
void response_raw_json(struct response *resp, int status, char *text);
/* Sets a uniform error body {"error":{"code","message","field"}}.  The
 * message and field are made well-formed UTF-8 (cut on a character
 * boundary, ill-formed bytes as U+FFFD); should the body still not be
 * built, a fixed one with the same status is answered and the reason
 * logged. */
void response_error(struct response *resp, int status, const char *code, const char *field,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int response_header(struct response *resp, const char *name, const char *value);
/* Writes a CGI response (Status line, headers, blank line, body) to out;
 * for HEAD requests without the body.  An error status without a body,
 * or a body that cannot be written (then as a 500), gets a fixed JSON
 * error body.  Returns 0 or -1 (out of memory). */
int response_serialize(const struct response *resp, int head, struct buf *out);

#endif
