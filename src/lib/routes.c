#include "config.h"

#include "app.h"
#include "util.h"

/* Every route of the HTTP API.  docs/openapi.yaml describes the same set. */
const struct route app_routes[] = {
	{ HTTP_GET, "/api/v1/health", h_health, 0 },
	{ HTTP_POST, "/api/v1/auth/login", h_auth_login, 0 },
	{ HTTP_POST, "/api/v1/auth/logout", h_auth_logout, ROUTE_LOGIN | ROUTE_CSRF },
	{ HTTP_GET, "/api/v1/auth/me", h_auth_me, ROUTE_LOGIN },
	{ HTTP_POST, "/api/v1/auth/password", h_auth_password, ROUTE_LOGIN | ROUTE_CSRF },
};
const size_t app_nroutes = ARRAY_SIZE(app_routes);
