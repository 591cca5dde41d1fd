/* Query string, cookie and JSON body parsing; requests and responses. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/http.h"
#include "tap.h"

START_TEST(unescape)
{
	char *s;

	s = http_unescape("a%41+b", 6, 1);
	ck_assert_str_eq(s, "aA b");
	free(s);
	s = http_unescape("a+b", 3, 0);
	ck_assert_str_eq(s, "a+b");
	free(s);
	ck_assert_ptr_null(http_unescape("%4", 2, 1));
	ck_assert_ptr_null(http_unescape("%zz", 3, 1));
	ck_assert_ptr_null(http_unescape("%00", 3, 1));
	ck_assert_ptr_null(http_unescape("%", 1, 1));
}
END_TEST

START_TEST(query_basic)
{
	struct kvlist q = { 0 };
	char err[256];

	ck_assert_int_eq(http_parse_query("status=running&name=a%20b&&status=failure&flag", &q, err, sizeof err), 0);
	ck_assert_uint_eq(q.n, 4);
	ck_assert_str_eq(q.items[0].key, "status");
	ck_assert_str_eq(q.items[0].value, "running");
	ck_assert_str_eq(q.items[1].value, "a b");
	ck_assert_str_eq(q.items[2].value, "failure");
	ck_assert_str_eq(q.items[3].key, "flag");
	ck_assert_str_eq(q.items[3].value, "");
	ck_assert_str_eq(kv_get(&q, "status"), "running");
	ck_assert_ptr_null(kv_get(&q, "nope"));
	kv_free(&q);
	ck_assert_int_eq(http_parse_query("", &q, err, sizeof err), 0);
	ck_assert_uint_eq(q.n, 0);
	ck_assert_int_eq(http_parse_query(NULL, &q, err, sizeof err), 0);
}
END_TEST

START_TEST(query_errors)
{
	struct kvlist q = { 0 };
	char err[256], big[HTTP_MAX_QUERY + 2];

	ck_assert_int_eq(http_parse_query("a=1&limit=%zz", &q, err, sizeof err), -1);
	ck_assert_uint_eq(q.n, 0);
	ck_assert_ptr_nonnull(strstr(err, "'limit'"));
	ck_assert_int_eq(http_parse_query("=1", &q, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "empty name"));
	ck_assert_int_eq(http_parse_query("a=%00", &q, err, sizeof err), -1);
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(http_parse_query(big, &q, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "longer than"));
	{
		char many[HTTP_MAX_QUERY];
		size_t n = 0;
		for (int i = 0; i <= HTTP_MAX_QUERY_PARAMS; i++)
			n += (size_t)snprintf(many + n, sizeof many - n, "%sk%d=v", i ? "&" : "", i);
		ck_assert_int_eq(http_parse_query(many, &q, err, sizeof err), -1);
		ck_assert_ptr_nonnull(strstr(err, "query parameters"));
		ck_assert_uint_eq(q.n, 0);
	}
}
END_TEST

START_TEST(cookies)
{
	struct kvlist c = { 0 };
	char err[256], big[HTTP_MAX_COOKIE + 10];

	ck_assert_int_eq(http_parse_cookies("a=1; __Host-ocim_session=tok-en_1;b=\"quoted\" ; junk; =x; c d=1; e=", &c, err, sizeof err), 0);
	ck_assert_uint_eq(c.n, 4);
	ck_assert_str_eq(kv_get(&c, "a"), "1");
	ck_assert_str_eq(kv_get(&c, "__Host-ocim_session"), "tok-en_1");
	ck_assert_str_eq(kv_get(&c, "b"), "quoted");
	ck_assert_str_eq(kv_get(&c, "e"), "");
	ck_assert_ptr_null(kv_get(&c, "junk"));
	kv_free(&c);
	memset(big, 'x', sizeof big - 1);
	big[0] = 'a';
	big[1] = '=';
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(http_parse_cookies(big, &c, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "Cookie header"));
	ck_assert_uint_eq(c.n, 0);
}
END_TEST

START_TEST(json_bodies)
{
	char err[256], deep[200];
	json_t *j;

	j = http_parse_json("{\"a\": [1, 2]}", 13, err, sizeof err);
	ck_assert_ptr_nonnull(j);
	ck_assert(json_is_object(j));
	json_decref(j);
	j = http_parse_json("[true]", 6, err, sizeof err);
	ck_assert_ptr_nonnull(j);
	json_decref(j);
	ck_assert_ptr_null(http_parse_json("\"scalar\"", 8, err, sizeof err));
	ck_assert_msg(strncmp(err, "line 1, column", 14) == 0 && strstr(err, "expected"), "%s", err);
	ck_assert_ptr_null(http_parse_json("{\"a\":1,\"a\":2}", 13, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "duplicate"));
	ck_assert_ptr_null(http_parse_json("{\"a\":\"x\\u0000y\"}", 16, err, sizeof err));
	ck_assert_ptr_null(http_parse_json("{\n \"a\": tru }", 13, err, sizeof err));
	ck_assert_msg(strncmp(err, "line 2, column", 14) == 0, "%s", err);
	memset(deep, '[', 40);
	memset(deep + 40, ']', 40);
	ck_assert_ptr_null(http_parse_json(deep, 80, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "nested deeper"));
	/* brackets inside strings do not count as depth */
	{
		const char *s = "{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}";
		j = http_parse_json(s, strlen(s), err, sizeof err);
	}
	ck_assert_ptr_nonnull(j);
	json_decref(j);
}
END_TEST

START_TEST(request_from_env)
{
	char *env[] = { "REQUEST_METHOD=PATCH", "REQUEST_URI=/api/v1/users/7?x=1", "QUERY_STRING=x=1",
	                "HTTP_COOKIE=s=abc", "CONTENT_LENGTH=12", "CONTENT_TYPE=application/json",
	                "REMOTE_ADDR=127.0.0.1", "REQUEST_ID=r1", "HTTP_X_CSRF_TOKEN=t", NULL };
	char *bad[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/", "CONTENT_LENGTH=12x", NULL };
	struct request r;
	const char *field;
	char err[256];

	ck_assert_int_eq(request_init(&r, env, &field, err, sizeof err), 0);
	ck_assert_int_eq(r.method, HTTP_PATCH);
	ck_assert_str_eq(r.path, "/api/v1/users/7");
	ck_assert_str_eq(kv_get(&r.query, "x"), "1");
	ck_assert_str_eq(kv_get(&r.cookies, "s"), "abc");
	ck_assert_int_eq(r.content_length, 12);
	ck_assert_str_eq(r.request_id, "r1");
	ck_assert_str_eq(request_env(&r, "HTTP_X_CSRF_TOKEN"), "t");
	ck_assert_ptr_null(request_env(&r, "HTTP_X_CSRF"));
	request_free(&r);
	ck_assert_int_eq(request_init(&r, bad, &field, err, sizeof err), -1);
	ck_assert_str_eq(field, "Content-Length");
	request_free(&r);
}
END_TEST

START_TEST(error_format)
{
	struct response resp;
	struct buf out = { 0 };
	json_t *e;

	response_init(&resp);
	response_error(&resp, 404, "not_found", NULL, "no %s", "such thing");
	ck_assert_int_eq(resp.status, 404);
	ck_assert_uint_eq(json_object_size(resp.json), 1);
	e = json_object_get(resp.json, "error");
	ck_assert_uint_eq(json_object_size(e), 3);
	ck_assert_str_eq(json_string_value(json_object_get(e, "code")), "not_found");
	ck_assert_str_eq(json_string_value(json_object_get(e, "message")), "no such thing");
	ck_assert(json_is_null(json_object_get(e, "field")));
	ck_assert_int_eq(response_header(&resp, "Allow", "GET"), 0);
	ck_assert_int_eq(response_header(&resp, "X-Evil", "a\r\nSet-Cookie: x=y"), -1);
	ck_assert_int_eq(response_serialize(&resp, 0, &out), 0);
	ck_assert_msg(strncmp(out.data, "Status: 404 Not Found\r\nContent-Type: application/json\r\n", 54) == 0, "%s", out.data);
	ck_assert_ptr_nonnull(strstr(out.data, "\r\nAllow: GET\r\n"));
	ck_assert_ptr_null(strstr(out.data, "X-Evil"));
	{
		const char *body = strstr(out.data, "\r\n\r\n") + 4;
		char cl[64];
		snprintf(cl, sizeof cl, "Content-Length: %zu\r\n", strlen(body));
		ck_assert_ptr_nonnull(strstr(out.data, cl));
		ck_assert_str_eq(body, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such thing\",\"field\":null}}\n");
	}
	buf_free(&out);
	/* HEAD: the same headers, no body */
	ck_assert_int_eq(response_serialize(&resp, 1, &out), 0);
	ck_assert_str_eq(strstr(out.data, "\r\n\r\n"), "\r\n\r\n");
	buf_free(&out);
	response_error(&resp, 400, "invalid_type", "email", "bad");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(resp.json, "error"), "field")), "email");
	response_free(&resp);
}
END_TEST

START_TEST(query_not_utf8)
{
	struct kvlist q = { 0 };
	char err[256];

	/* PostgreSQL refuses such text: a clear 400 instead of a database error */
	ck_assert_int_eq(http_parse_query("a=1&q=%FF", &q, err, sizeof err), -1);
	ck_assert_uint_eq(q.n, 0);
	ck_assert_str_eq(err, "query parameter 'q': the value is not UTF-8");
	ck_assert_int_eq(http_parse_query("q=%E2%82", &q, err, sizeof err), -1);
	ck_assert_int_eq(http_parse_query("%C3=1", &q, err, sizeof err), -1);
	ck_assert_str_eq(err, "query parameter 1: the name is not UTF-8");
	ck_assert_int_eq(http_parse_query("q=%E2%82%AC&%C3%A9=%F0%9F%98%80", &q, err, sizeof err), 0);
	ck_assert_str_eq(kv_get(&q, "q"), "\xe2\x82\xac");
	ck_assert_str_eq(kv_get(&q, "\xc3\xa9"), "\xf0\x9f\x98\x80");
	kv_free(&q);
}
END_TEST

START_TEST(user_agent_made_safe)
{
	char ua[HTTP_MAX_USER_AGENT + 64] = "HTTP_USER_AGENT=";
	char *env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/", ua, NULL };
	struct request r;
	const char *field;
	char err[256];
	size_t n;

	/* ill-formed bytes become U+FFFD */
	strcat(ua, "curl\xff/8");
	ck_assert_int_eq(request_init(&r, env, &field, err, sizeof err), 0);
	ck_assert_str_eq(r.user_agent, "curl\xef\xbf\xbd/8");
	request_free(&r);
	/* a long one is cut to HTTP_MAX_USER_AGENT bytes on a character boundary */
	strcpy(ua, "HTTP_USER_AGENT=x");
	while (strlen(ua) + 3 < sizeof ua)
		strcat(ua, "\xe2\x82\xac");
	ck_assert_int_eq(request_init(&r, env, &field, err, sizeof err), 0);
	n = strlen(r.user_agent);
	ck_assert_uint_eq(n, 1 + (HTTP_MAX_USER_AGENT - 1) / 3 * 3);
	ck_assert(utf8_valid(r.user_agent, n));
	request_free(&r);
	env[2] = NULL;
	ck_assert_int_eq(request_init(&r, env, &field, err, sizeof err), 0);
	ck_assert_ptr_null(r.user_agent);
	request_free(&r);
}
END_TEST

START_TEST(headers_checked)
{
	static const struct {
		const char *header, *field;
	} cases[] = {
		{ "HTTP_IDEMPOTENCY_KEY=k\xff", "Idempotency-Key" },
		{ "HTTP_IDEMPOTENCY_KEY=\xe2\x82\xac", "Idempotency-Key" },
		{ "HTTP_IDEMPOTENCY_KEY=", "Idempotency-Key" },
		{ "HTTP_IDEMPOTENCY_KEY=a\tb", "Idempotency-Key" },
		{ "HTTP_X_GITLAB_EVENT=Pipeline \xc3", "X-Gitlab-Event" },
		{ "HTTP_X_GITLAB_EVENT_UUID=\x01", "X-Gitlab-Event-UUID" },
	};
	char long_key[HTTP_MAX_IDEMPOTENCY_KEY + 32] = "HTTP_IDEMPOTENCY_KEY=";
	char *env[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/", NULL, NULL };
	struct request r;
	const char *field;
	char err[256];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		env[2] = (char *)cases[i].header;
		ck_assert_int_eq(request_init(&r, env, &field, err, sizeof err), 0);
		field = NULL;
		ck_assert_int_eq(request_check_headers(&r, &field, err, sizeof err), -1);
		ck_assert_str_eq(field, cases[i].field);
		ck_assert_ptr_nonnull(strstr(err, "printable ASCII"));
		request_free(&r);
	}
	/* HTTP_MAX_IDEMPOTENCY_KEY characters pass, one more does not */
	env[2] = long_key;
	memset(long_key + 21, 'k', HTTP_MAX_IDEMPOTENCY_KEY);
	ck_assert_int_eq(request_init(&r, env, &field, err, sizeof err), 0);
	ck_assert_int_eq(request_check_headers(&r, &field, err, sizeof err), 0);
	request_free(&r);
	strcat(long_key, "k");
	ck_assert_int_eq(request_init(&r, env, &field, err, sizeof err), 0);
	ck_assert_int_eq(request_check_headers(&r, &field, err, sizeof err), -1);
	ck_assert_str_eq(err, "Idempotency-Key must be 1 to 200 printable ASCII characters");
	request_free(&r);
	env[2] = "HTTP_IDEMPOTENCY_KEY=deploy 7d1c-4a ~!";
	ck_assert_int_eq(request_init(&r, env, &field, err, sizeof err), 0);
	ck_assert_int_eq(request_check_headers(&r, &field, err, sizeof err), 0);
	request_free(&r);
}
END_TEST

/* The body of resp as the client gets it, checked to be JSON of one
 * "error" object; returns it (caller decrefs). */
static json_t *
error_body(const struct response *resp, int status)
{
	struct buf out = { 0 };
	char want[64];
	const char *body;
	json_t *j;

	ck_assert_int_eq(response_serialize(resp, 0, &out), 0);
	snprintf(want, sizeof want, "Status: %d ", status);
	ck_assert_msg(strncmp(out.data, want, strlen(want)) == 0, "%s", out.data);
	body = strstr(out.data, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	ck_assert(utf8_valid(body, strlen(body)));
	j = json_loads(body + 4, 0, NULL);
	ck_assert_msg(json_is_object(json_object_get(j, "error")), "%s", out.data);
	ck_assert(json_is_string(json_object_get(json_object_get(j, "error"), "message")));
	buf_free(&out);
	return j;
}

START_TEST(error_text_made_safe)
{
	struct response resp;
	char value[1200] = "";
	const char *msg;
	json_t *j;

	response_init(&resp);
	/* a message cut in the middle of a character at 511 bytes */
	while (strlen(value) + 2 < sizeof value)
		strcat(value, "\xc3\xa9");
	response_error(&resp, 422, "invalid_value", "name", "x%s", value);
	ck_assert_ptr_nonnull(resp.json);
	msg = json_string_value(json_object_get(json_object_get(resp.json, "error"), "message"));
	ck_assert_uint_eq(strlen(msg), 511);
	json_decref(error_body(&resp, 422));
	/* ill-formed bytes in the message and the field name */
	response_error(&resp, 400, "unknown_field", "a\xff", "unknown field '%s'", "a\xff");
	ck_assert_ptr_nonnull(resp.json);
	j = error_body(&resp, 400);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "message")),
	                 "unknown field 'a\xef\xbf\xbd'");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "field")), "a\xef\xbf\xbd");
	json_decref(j);
	response_free(&resp);
}
END_TEST

START_TEST(etag_matching)
{
	ck_assert_int_eq(http_etag_matches("\"7.3\"", "\"7.3\""), 1);
	ck_assert_int_eq(http_etag_matches("W/\"7.3\"", "\"7.3\""), 1);
	ck_assert_int_eq(http_etag_matches("\"1.1\", W/\"7.3\"", "\"7.3\""), 1);
	ck_assert_int_eq(http_etag_matches("*", "\"7.3\""), 1);
	/* a prefix or a longer tag is another tag */
	ck_assert_int_eq(http_etag_matches("\"7.\"", "\"7.3\""), 0);
	ck_assert_int_eq(http_etag_matches("\"7.33\"", "\"7.3\""), 0);
	ck_assert_int_eq(http_etag_matches("7.3", "\"7.3\""), 0);
	ck_assert_int_eq(http_etag_matches("\"7.3", "\"7.3\""), 0);
	ck_assert_int_eq(http_etag_matches("", "\"7.3\""), 0);
	ck_assert_int_eq(http_etag_matches(NULL, "\"7.3\""), 0);
	ck_assert_int_eq(http_etag_matches("\"1\", garbage, \"7.3\"", "\"7.3\""), 0);
}
END_TEST

START_TEST(error_body_never_lost)
{
	struct response resp;
	json_t *j;

	response_init(&resp);
	/* an error body jansson refuses (here: its code) gives a fixed body, same status */
	response_error(&resp, 409, "bad\xff", NULL, "x");
	ck_assert_int_eq(resp.status, 409);
	j = error_body(&resp, 409);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "code")), "internal");
	json_decref(j);
	response_error(&resp, 422, "name_taken", "\xff\xfe", "%s", "x");
	ck_assert_ptr_nonnull(resp.json);
	/* an error status without a body */
	response_json(&resp, 503, NULL);
	json_decref(error_body(&resp, 503));
	/* a body that cannot be written (a string jansson did not check) is a 500 */
	response_json(&resp, 200, json_pack("{s:o}", "x", json_stringn_nocheck("\xff", 1)));
	ck_assert_ptr_nonnull(resp.json);
	json_decref(error_body(&resp, 500));
	response_free(&resp);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("parsers");

	tcase_add_test(tc, unescape);
	tcase_add_test(tc, query_basic);
	tcase_add_test(tc, query_errors);
	tcase_add_test(tc, query_not_utf8);
	tcase_add_test(tc, cookies);
	tcase_add_test(tc, json_bodies);
	suite_add_tcase(s, tc);
	tc = tcase_create("messages");
	tcase_add_test(tc, request_from_env);
	tcase_add_test(tc, error_format);
	tcase_add_test(tc, user_agent_made_safe);
	tcase_add_test(tc, headers_checked);
	tcase_add_test(tc, error_text_made_safe);
	tcase_add_test(tc, error_body_never_lost);
	tcase_add_test(tc, etag_matching);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(suite());
}
