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
	{ HTTP_POST, "/api/v1/auth/password-reset", h_auth_reset_request, 0 },
	{ HTTP_POST, "/api/v1/auth/password-reset/confirm", h_auth_reset_confirm, 0 },
	{ HTTP_GET, "/api/v1/auth/invites/:token", h_auth_invite_lookup, 0 },
	{ HTTP_POST, "/api/v1/auth/register", h_auth_register, 0 },
	{ HTTP_GET, "/api/v1/users", h_users_list, ROUTE_ADMIN },
	{ HTTP_POST, "/api/v1/users", h_users_create, ROUTE_ADMIN | ROUTE_CSRF },
	{ HTTP_PATCH, "/api/v1/users/:id", h_users_update, ROUTE_ADMIN | ROUTE_CSRF },
	{ HTTP_POST, "/api/v1/users/:id/end-sessions", h_users_end_sessions, ROUTE_ADMIN | ROUTE_CSRF },
	{ HTTP_GET, "/api/v1/invites", h_invites_list, ROUTE_ADMIN },
	{ HTTP_POST, "/api/v1/invites", h_invites_create, ROUTE_ADMIN | ROUTE_CSRF },
	{ HTTP_DELETE, "/api/v1/invites/:id", h_invites_revoke, ROUTE_ADMIN | ROUTE_CSRF },
	{ HTTP_GET, "/api/v1/api-tokens", h_tokens_list, ROUTE_LOGIN },
	{ HTTP_POST, "/api/v1/api-tokens", h_tokens_create, ROUTE_LOGIN | ROUTE_CSRF },
	{ HTTP_DELETE, "/api/v1/api-tokens/:id", h_tokens_revoke, ROUTE_LOGIN | ROUTE_CSRF },
	{ HTTP_GET, "/api/v1/audit", h_audit_list, ROUTE_ADMIN },
	{ HTTP_GET, "/api/v1/projects", h_projects_list, ROUTE_LOGIN },
	{ HTTP_POST, "/api/v1/projects", h_projects_create, ROUTE_ADMIN | ROUTE_CSRF },
	{ HTTP_GET, "/api/v1/projects/:id", h_projects_get, ROUTE_LOGIN },
	{ HTTP_PATCH, "/api/v1/projects/:id", h_projects_update, ROUTE_ADMIN | ROUTE_CSRF },
	{ HTTP_DELETE, "/api/v1/projects/:id", h_projects_delete, ROUTE_ADMIN | ROUTE_CSRF },
	{ HTTP_POST, "/api/v1/projects/:id/sync", h_projects_sync, ROUTE_LOGIN | ROUTE_CSRF },
	{ HTTP_GET, "/api/v1/clusters", h_clusters_list, ROUTE_LOGIN },
	{ HTTP_GET, "/api/v1/clusters/:id", h_clusters_get, ROUTE_LOGIN },
	{ HTTP_PATCH, "/api/v1/clusters/:id", h_clusters_update, ROUTE_ADMIN | ROUTE_CSRF },
	{ HTTP_DELETE, "/api/v1/clusters/:id", h_clusters_delete, ROUTE_ADMIN | ROUTE_CSRF },
	{ HTTP_GET, "/api/v1/instances", h_instances_list, ROUTE_LOGIN },
	{ HTTP_GET, "/api/v1/instances/:id", h_instances_get, ROUTE_LOGIN },
	{ HTTP_PATCH, "/api/v1/instances/:id", h_instances_update, ROUTE_LOGIN | ROUTE_CSRF },
	{ HTTP_GET, "/api/v1/pipelines", h_pipelines_list, ROUTE_LOGIN },
	{ HTTP_GET, "/api/v1/pipelines/:id", h_pipelines_get, ROUTE_LOGIN },
	{ HTTP_POST, "/hooks/gitlab", h_hook_gitlab, 0 },
};
const size_t app_nroutes = ARRAY_SIZE(app_routes);
