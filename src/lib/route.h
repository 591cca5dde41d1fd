/* The router: one declarative table of method + path pattern + handler +
 * flags + the permission the route needs.  Patterns are literal segments and ":name" parameters, e.g.
 * "/api/v1/instances/:id/actions". */
#ifndef OCIM_ROUTE_H
#define OCIM_ROUTE_H

#include <stddef.h>

#include "http.h"

struct app;
typedef void (*route_handler)(struct app *app, struct request *req, struct response *resp);

enum route_flags {
	ROUTE_CSRF = 1u << 2,           /* browser sessions must send X-CSRF-Token */
	ROUTE_POLLED = 1u << 3,         /* a polled read: ETag from the change clock, 304 */
};

/* What a caller must hold to use a route; docs/openapi.yaml names it for
 * every operation (x-ocim-permission).  0 is no value on purpose: a route
 * without its permission fails the unit test instead of being public. */
enum perm {
	PERM_PUBLIC = 1,                /* anybody, logged in or not */
	PERM_ACCOUNT,                   /* any logged-in user: their own session, password, tokens */
	PERM_READ,                      /* viewer: read what the user may see */
	PERM_OPERATE,                   /* operator: run instance actions, refresh a project */
	PERM_ADMIN,                     /* admin: users, invites, projects, clusters, audit log */
	PERM_REPROVISION,               /* the reprovision action, granted per user */
	PERM__COUNT
};

/* The name of p ("read"), as the API and the OpenAPI file spell it; NULL
 * for a value out of range. */
const char *perm_name(enum perm p);

/* The roles, weakest first: each holds the permissions of those before. */
enum role { ROLE_NONE, ROLE_VIEWER, ROLE_OPERATOR, ROLE_ADMIN };

/* "viewer" -> ROLE_VIEWER; ROLE_NONE for anything else. */
enum role role_parse(const char *name);
const char *role_name(enum role r);

/* The weakest role that holds p (ROLE_OPERATOR for reprovision, which
 * needs the grant as well), ROLE_NONE for public. */
enum role perm_role(enum perm p);

struct route {
	enum http_method method;
	const char *pattern;
	route_handler handler;
	unsigned flags;
	enum perm perm;
};

enum route_result {
	ROUTE_FOUND,
	ROUTE_NOT_FOUND,                /* no pattern matches the path */
	ROUTE_BAD_METHOD,               /* the path exists, not with this method */
	ROUTE_BAD_PATH,                 /* a parameter has a bad escape or NUL */
	ROUTE_NO_MEMORY,
};

/* Looks up method and path (percent-encoded) in table.  On ROUTE_FOUND
 * *found is the route and params holds the decoded parameters (cleared
 * first; caller frees with kv_free).  On ROUTE_BAD_METHOD allow receives
 * the "GET, HEAD, POST" list for the Allow header.  HEAD matches GET. */
enum route_result route_find(const struct route *table, size_t n, enum http_method method,
                             const char *path, const struct route **found,
                             struct kvlist *params, char *allow, size_t allowsz);

#endif
