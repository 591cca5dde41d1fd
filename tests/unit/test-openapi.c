/* docs/openapi.yaml and the router table describe the same routes, each
 * with the same permission (x-ocim-permission). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/app.h"
#include "lib/util.h"
#include "lib/ydoc.h"
#include "tap.h"

static struct ynode *paths;
static struct ynode *root;

/* "/auth/invites/{token}" -> "/api/v1/auth/invites/:token"; a path with
 * its own servers entry (url "/") is not under /api/v1. */
static void
to_pattern(const char *oapath, const struct ynode *item, char *out, size_t outsz)
{
	const struct ynode *servers = ynode_map_get(item, "servers");
	int own = servers != NULL && servers->kind == YNODE_SEQ && servers->n > 0;
	size_t n = (size_t)snprintf(out, outsz, "%s", own ? "" : "/api/v1");

	for (const char *p = oapath; *p && n + 2 < outsz; p++) {
		if (*p == '{')
			out[n++] = ':';
		else if (*p != '}')
			out[n++] = *p;
	}
	out[n] = '\0';
}

static void
load(void)
{
	const char *srcdir = getenv("OCIM_SRCDIR");
	char path[4096], err[512], *buf;
	size_t len;
	struct ylimits lim = { 4 * 1024 * 1024, 64, 1000000, 0, 0 };

	snprintf(path, sizeof path, "%s/docs/openapi.yaml", srcdir ? srcdir : ".");
	ck_assert_msg(read_file(path, lim.max_bytes, &buf, &len, err, sizeof err) == 0, "%s", err);
	root = ydoc_parse(buf, len, &lim, err, sizeof err);
	free(buf);
	ck_assert_msg(root != NULL, "openapi.yaml: %s", err);
	paths = (struct ynode *)ynode_map_get(root, "paths");
	ck_assert_msg(paths != NULL && paths->kind == YNODE_MAP, "openapi.yaml has no paths mapping");
}

static const char *
lower_method(enum http_method m)
{
	static char buf[16];
	const char *name = http_method_name(m);
	size_t i;

	for (i = 0; name[i] && i + 1 < sizeof buf; i++)
		buf[i] = (char)(name[i] | 0x20);
	buf[i] = '\0';
	return buf;
}

START_TEST(every_route_is_described)
{
	load();
	for (size_t r = 0; r < app_nroutes; r++) {
		int found = 0;
		for (size_t i = 0; i + 1 < paths->n && !found; i += 2) {
			char pattern[512];
			to_pattern(paths->items[i]->value, paths->items[i + 1], pattern, sizeof pattern);
			if (strcmp(pattern, app_routes[r].pattern) == 0)
				found = ynode_map_get(paths->items[i + 1], lower_method(app_routes[r].method)) != NULL;
		}
		ck_assert_msg(found, "%s %s is not in docs/openapi.yaml",
		              http_method_name(app_routes[r].method), app_routes[r].pattern);
	}
	ynode_free(root);
}
END_TEST

START_TEST(every_description_is_routed)
{
	static const char *const methods[] = { "get", "post", "put", "patch", "delete" };

	load();
	for (size_t i = 0; i + 1 < paths->n; i += 2) {
		char pattern[512];
		const struct ynode *ops = paths->items[i + 1];

		to_pattern(paths->items[i]->value, paths->items[i + 1], pattern, sizeof pattern);
		for (size_t m = 0; m < ARRAY_SIZE(methods); m++) {
			int found = 0;
			if (ynode_map_get(ops, methods[m]) == NULL)
				continue;
			for (size_t r = 0; r < app_nroutes && !found; r++)
				found = strcmp(app_routes[r].pattern, pattern) == 0 &&
				        strcmp(lower_method(app_routes[r].method), methods[m]) == 0;
			ck_assert_msg(found, "docs/openapi.yaml describes %s %s, which the router lacks",
			              methods[m], pattern);
		}
	}
	ynode_free(root);
}
END_TEST

/* The operation of docs/openapi.yaml for a route, or NULL. */
static const struct ynode *
operation(const struct route *rt)
{
	for (size_t i = 0; i + 1 < paths->n; i += 2) {
		char pattern[512];

		to_pattern(paths->items[i]->value, paths->items[i + 1], pattern, sizeof pattern);
		if (strcmp(pattern, rt->pattern) == 0)
			return ynode_map_get(paths->items[i + 1], lower_method(rt->method));
	}
	return NULL;
}

START_TEST(every_route_has_a_permission)
{
	for (size_t r = 0; r < app_nroutes; r++) {
		const struct route *rt = &app_routes[r];

		/* 0 is not a permission: a route added without one is refused
		 * here rather than served to anybody */
		ck_assert_msg(perm_name(rt->perm) != NULL && rt->perm != PERM_REPROVISION,
		              "%s %s has no permission in routes.c", http_method_name(rt->method), rt->pattern);
	}
}
END_TEST

START_TEST(route_permissions_match_openapi)
{
	load();
	/* routes.c -> openapi.yaml */
	for (size_t r = 0; r < app_nroutes; r++) {
		const struct route *rt = &app_routes[r];
		const struct ynode *op = operation(rt), *perm;

		ck_assert_msg(op != NULL, "%s %s is not in docs/openapi.yaml", http_method_name(rt->method), rt->pattern);
		perm = ynode_map_get(op, "x-ocim-permission");
		ck_assert_msg(perm != NULL && perm->kind == YNODE_SCALAR,
		              "docs/openapi.yaml: %s %s has no x-ocim-permission (routes.c: %s)",
		              http_method_name(rt->method), rt->pattern, perm_name(rt->perm));
		ck_assert_msg(strcmp(perm->value, perm_name(rt->perm)) == 0,
		              "%s %s needs '%s' in routes.c but '%s' in docs/openapi.yaml", http_method_name(rt->method),
		              rt->pattern, perm_name(rt->perm), perm->value);
	}
	/* openapi.yaml -> routes.c: every operation names a known permission,
	 * public operations and only they say security: [] */
	for (size_t i = 0; i + 1 < paths->n; i += 2) {
		static const char *const methods[] = { "get", "post", "put", "patch", "delete" };
		const struct ynode *ops = paths->items[i + 1];

		for (size_t m = 0; m < ARRAY_SIZE(methods); m++) {
			const struct ynode *op = ynode_map_get(ops, methods[m]), *perm, *sec;
			int known = 0;

			if (op == NULL)
				continue;
			perm = ynode_map_get(op, "x-ocim-permission");
			ck_assert_msg(perm != NULL && perm->kind == YNODE_SCALAR, "docs/openapi.yaml: %s %s has no x-ocim-permission",
			              methods[m], paths->items[i]->value);
			for (int p = PERM_PUBLIC; p < PERM__COUNT && !known; p++)
				known = strcmp(perm_name((enum perm)p), perm->value) == 0;
			ck_assert_msg(known, "docs/openapi.yaml: %s %s: unknown permission '%s'", methods[m],
			              paths->items[i]->value, perm->value);
			sec = ynode_map_get(op, "security");
			ck_assert_msg((strcmp(perm->value, "public") == 0) == (sec != NULL && sec->kind == YNODE_SEQ && sec->n == 0),
			              "docs/openapi.yaml: %s %s: 'security: []' goes with x-ocim-permission: public only",
			              methods[m], paths->items[i]->value);
		}
	}
	ynode_free(root);
}
END_TEST

START_TEST(unsafe_session_routes_need_csrf)
{
	for (size_t r = 0; r < app_nroutes; r++) {
		const struct route *rt = &app_routes[r];
		int unsafe = rt->method != HTTP_GET && rt->method != HTTP_HEAD;
		if (unsafe && rt->perm != PERM_PUBLIC)
			ck_assert_msg(rt->flags & ROUTE_CSRF, "%s %s changes state without ROUTE_CSRF",
			              http_method_name(rt->method), rt->pattern);
	}
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("openapi");
	TCase *tc = tcase_create("routes");

	tcase_add_test(tc, every_route_is_described);
	tcase_add_test(tc, every_description_is_routed);
	tcase_add_test(tc, unsafe_session_routes_need_csrf);
	tcase_add_test(tc, every_route_has_a_permission);
	tcase_add_test(tc, route_permissions_match_openapi);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(suite());
}
