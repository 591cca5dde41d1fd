#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"

/* Matches path against pattern segment by segment.  Returns 1 on a match
 * (params filled when params != NULL), 0 on no match, -1 on a bad escape
 * in a parameter, -2 when out of memory. */
static int
match(const char *pattern, const char *path, struct kvlist *params)
{
	const char *pp = pattern, *sp = path;

	for (;;) {
		const char *pe, *se;

		if (*pp != '/' || *sp != '/')
			return *pp == '\0' && *sp == '\0';
		pp++;
		sp++;
		pe = strchrnul(pp, '/');
		se = strchrnul(sp, '/');
		if (*pp == ':') {
			if (se == sp)
				return 0;       /* an empty parameter never matches */
			if (params != NULL) {
				char *v = http_unescape(sp, (size_t)(se - sp), 0);
				if (v == NULL)
					return -1;
				if (kv_add(params, pp + 1, (size_t)(pe - pp - 1), v, strlen(v)) < 0) {
					free(v);
					return -2;
				}
				free(v);
			}
		} else if (pe - pp != se - sp || memcmp(pp, sp, (size_t)(pe - pp)) != 0) {
			return 0;
		}
		pp = pe;
		sp = se;
	}
}

enum route_result
route_find(const struct route *table, size_t n, enum http_method method, const char *path,
           const struct route **found, struct kvlist *params, char *allow, size_t allowsz)
{
	int seen[HTTP_METHOD_OTHER + 1] = { 0 };
	int path_known = 0;
	size_t len = 0;

	kv_free(params);
	*found = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct route *r = &table[i];
		int same = r->method == method || (method == HTTP_HEAD && r->method == HTTP_GET);

		if (!same) {
			if (match(r->pattern, path, NULL) == 1) {
				path_known = 1;
				seen[r->method] = 1;
			}
			continue;
		}
		switch (match(r->pattern, path, params)) {
		case 1:
			*found = r;
			return ROUTE_FOUND;
		case -1:
			kv_free(params);
			return ROUTE_BAD_PATH;
		case -2:
			kv_free(params);
			return ROUTE_NO_MEMORY;
		default:
			kv_free(params);
		}
	}
	if (!path_known)
		return ROUTE_NOT_FOUND;
	if (seen[HTTP_GET])
		seen[HTTP_HEAD] = 1;
	allow[0] = '\0';
	for (int m = HTTP_GET; m < HTTP_METHOD_OTHER; m++) {
		if (!seen[m])
			continue;
		len += (size_t)snprintf(allow + (len < allowsz ? len : allowsz),
		                        len < allowsz ? allowsz - len : 0, "%s%s",
		                        len ? ", " : "", http_method_name((enum http_method)m));
	}
	return ROUTE_BAD_METHOD;
}

static const char *const perm_names[PERM__COUNT] = {
	[PERM_PUBLIC] = "public",
	[PERM_ACCOUNT] = "account",
	[PERM_READ] = "read",
	[PERM_OPERATE] = "operate",
	[PERM_ADMIN] = "admin",
	[PERM_REPROVISION] = "reprovision",
};

const char *
perm_name(enum perm p)
{
	return (int)p > 0 && p < PERM__COUNT ? perm_names[p] : NULL;
}

static const char *const role_names[] = {
	[ROLE_VIEWER] = "viewer",
	[ROLE_OPERATOR] = "operator",
	[ROLE_ADMIN] = "admin",
};

enum role
role_parse(const char *name)
{
	for (size_t r = ROLE_VIEWER; name != NULL && r <= ROLE_ADMIN; r++)
		if (strcmp(name, role_names[r]) == 0)
			return (enum role)r;
	return ROLE_NONE;
}

const char *
role_name(enum role r)
{
	return r >= ROLE_VIEWER && r <= ROLE_ADMIN ? role_names[r] : "none";
}

enum role
perm_role(enum perm p)
{
	switch (p) {
	case PERM_ACCOUNT:
	case PERM_READ:
		return ROLE_VIEWER;
	case PERM_OPERATE:
	case PERM_REPROVISION:
		return ROLE_OPERATOR;
	case PERM_ADMIN:
		return ROLE_ADMIN;
	default:
		return ROLE_NONE;
	}
}
