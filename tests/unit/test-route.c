/* The router: literal and parameter segments, 404, 405 with Allow; the
 * names of roles and permissions and which role holds which. */
#include "config.h"

#include <check.h>
#include <stdio.h>

#include "lib/route.h"
#include "tap.h"

static void h(struct app *a, struct request *q, struct response *r) { (void)a; (void)q; (void)r; }

static const struct route table[] = {
	{ HTTP_GET, "/api/v1/things", h, 0, PERM_READ },
	{ HTTP_POST, "/api/v1/things", h, ROUTE_CSRF, PERM_OPERATE },
	{ HTTP_GET, "/api/v1/things/:id", h, 0, PERM_READ },
	{ HTTP_DELETE, "/api/v1/things/:id", h, 0, PERM_READ },
	{ HTTP_POST, "/api/v1/things/:id/actions/:kind", h, 0, PERM_READ },
};
#define N (sizeof table / sizeof table[0])

START_TEST(found)
{
	const struct route *r;
	struct kvlist p = { 0 };
	char allow[64];

	ck_assert_int_eq(route_find(table, N, HTTP_GET, "/api/v1/things", &r, &p, allow, sizeof allow), ROUTE_FOUND);
	ck_assert_ptr_eq(r, &table[0]);
	ck_assert_int_eq(route_find(table, N, HTTP_POST, "/api/v1/things", &r, &p, allow, sizeof allow), ROUTE_FOUND);
	ck_assert_ptr_eq(r, &table[1]);
	ck_assert_int_eq(route_find(table, N, HTTP_HEAD, "/api/v1/things/42", &r, &p, allow, sizeof allow), ROUTE_FOUND);
	ck_assert_ptr_eq(r, &table[2]);
	ck_assert_str_eq(kv_get(&p, "id"), "42");
	ck_assert_int_eq(route_find(table, N, HTTP_POST, "/api/v1/things/a%2Fb/actions/archive", &r, &p, allow, sizeof allow), ROUTE_FOUND);
	ck_assert_str_eq(kv_get(&p, "id"), "a/b");
	ck_assert_str_eq(kv_get(&p, "kind"), "archive");
	kv_free(&p);
}
END_TEST

START_TEST(not_found)
{
	const struct route *r;
	struct kvlist p = { 0 };
	char allow[64];

	ck_assert_int_eq(route_find(table, N, HTTP_GET, "/api/v1/thing", &r, &p, allow, sizeof allow), ROUTE_NOT_FOUND);
	ck_assert_int_eq(route_find(table, N, HTTP_GET, "/api/v1/things/", &r, &p, allow, sizeof allow), ROUTE_NOT_FOUND);
	ck_assert_int_eq(route_find(table, N, HTTP_GET, "/api/v1/things/1/2", &r, &p, allow, sizeof allow), ROUTE_NOT_FOUND);
	ck_assert_int_eq(route_find(table, N, HTTP_GET, "/api/v1//things", &r, &p, allow, sizeof allow), ROUTE_NOT_FOUND);
	ck_assert_int_eq(route_find(table, N, HTTP_GET, "", &r, &p, allow, sizeof allow), ROUTE_NOT_FOUND);
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(p.n, 0);
}
END_TEST

START_TEST(bad_method)
{
	const struct route *r;
	struct kvlist p = { 0 };
	char allow[64];

	ck_assert_int_eq(route_find(table, N, HTTP_PUT, "/api/v1/things", &r, &p, allow, sizeof allow), ROUTE_BAD_METHOD);
	ck_assert_str_eq(allow, "GET, HEAD, POST");
	ck_assert_int_eq(route_find(table, N, HTTP_PATCH, "/api/v1/things/9", &r, &p, allow, sizeof allow), ROUTE_BAD_METHOD);
	ck_assert_str_eq(allow, "GET, HEAD, DELETE");
	ck_assert_int_eq(route_find(table, N, HTTP_GET, "/api/v1/things/9/actions/x", &r, &p, allow, sizeof allow), ROUTE_BAD_METHOD);
	ck_assert_str_eq(allow, "POST");
	ck_assert_uint_eq(p.n, 0);
}
END_TEST

START_TEST(bad_path)
{
	const struct route *r;
	struct kvlist p = { 0 };
	char allow[64];

	ck_assert_int_eq(route_find(table, N, HTTP_GET, "/api/v1/things/%zz", &r, &p, allow, sizeof allow), ROUTE_BAD_PATH);
	ck_assert_int_eq(route_find(table, N, HTTP_GET, "/api/v1/things/a%00", &r, &p, allow, sizeof allow), ROUTE_BAD_PATH);
	ck_assert_uint_eq(p.n, 0);
}
END_TEST

START_TEST(roles_and_permissions)
{
	ck_assert_int_eq(role_parse("viewer"), ROLE_VIEWER);
	ck_assert_int_eq(role_parse("operator"), ROLE_OPERATOR);
	ck_assert_int_eq(role_parse("admin"), ROLE_ADMIN);
	ck_assert_int_eq(role_parse("Admin"), ROLE_NONE);
	ck_assert_int_eq(role_parse(""), ROLE_NONE);
	ck_assert_int_eq(role_parse(NULL), ROLE_NONE);
	ck_assert_str_eq(role_name(ROLE_OPERATOR), "operator");
	ck_assert_str_eq(role_name(ROLE_NONE), "none");
	ck_assert_ptr_null(perm_name((enum perm)0));
	ck_assert_ptr_null(perm_name(PERM__COUNT));
	ck_assert_str_eq(perm_name(PERM_REPROVISION), "reprovision");
	/* each role holds the permissions of the roles before it */
	ck_assert_int_eq(perm_role(PERM_PUBLIC), ROLE_NONE);
	ck_assert_int_eq(perm_role(PERM_ACCOUNT), ROLE_VIEWER);
	ck_assert_int_eq(perm_role(PERM_READ), ROLE_VIEWER);
	ck_assert_int_eq(perm_role(PERM_OPERATE), ROLE_OPERATOR);
	ck_assert_int_eq(perm_role(PERM_REPROVISION), ROLE_OPERATOR);
	ck_assert_int_eq(perm_role(PERM_ADMIN), ROLE_ADMIN);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("match");

	tcase_add_test(tc, found);
	tcase_add_test(tc, not_found);
	tcase_add_test(tc, bad_method);
	tcase_add_test(tc, bad_path);
	tcase_add_test(tc, roles_and_permissions);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(suite());
}
