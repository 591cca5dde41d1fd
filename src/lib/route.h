/* The router: one declarative table of method + path pattern + handler +
 * flags.  Patterns are literal segments and ":name" parameters, e.g.
 * "/api/v1/instances/:id/actions". */
#ifndef OCIM_ROUTE_H
#define OCIM_ROUTE_H

#include <stddef.h>

#include "http.h"

struct app;
typedef void (*route_handler)(struct app *app, struct request *req, struct response *resp);

enum route_flags {
	ROUTE_LOGIN = 1u << 0,          /* needs a logged-in user */
	ROUTE_ADMIN = 1u << 1,          /* needs an admin */
	ROUTE_CSRF = 1u << 2,           /* browser sessions must send X-CSRF-Token */
	ROUTE_POLLED = 1u << 3,         /* a polled read: ETag from the change clock, 304 */
};

struct route {
	enum http_method method;
	const char *pattern;
	route_handler handler;
	unsigned flags;
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
