#include "config.h"

#include "app.h"
#include "util.h"

/* Every route of the HTTP API and the permission it needs (checked in
 * app.c before the handler runs).  docs/openapi.yaml describes the same
 * set, each operation with its x-ocim-permission. */
const struct route app_routes[] = {
	{ HTTP_GET, "/api/v1/health", h_health, 0, PERM_PUBLIC },
	{ HTTP_POST, "/api/v1/auth/login", h_auth_login, 0, PERM_PUBLIC },
	{ HTTP_POST, "/api/v1/auth/logout", h_auth_logout, ROUTE_CSRF, PERM_ACCOUNT },
	{ HTTP_GET, "/api/v1/auth/me", h_auth_me, 0, PERM_ACCOUNT },
	{ HTTP_POST, "/api/v1/auth/password", h_auth_password, ROUTE_CSRF, PERM_ACCOUNT },
	{ HTTP_POST, "/api/v1/auth/password-reset", h_auth_reset_request, 0, PERM_PUBLIC },
	{ HTTP_POST, "/api/v1/auth/password-reset/confirm", h_auth_reset_confirm, 0, PERM_PUBLIC },
	{ HTTP_GET, "/api/v1/auth/invites/:token", h_auth_invite_lookup, 0, PERM_PUBLIC },
	{ HTTP_POST, "/api/v1/auth/register", h_auth_register, 0, PERM_PUBLIC },
	{ HTTP_GET, "/api/v1/auth/oidc", h_oidc_providers, 0, PERM_PUBLIC },
	{ HTTP_GET, "/api/v1/auth/oidc/:provider", h_oidc_start, 0, PERM_PUBLIC },
	{ HTTP_GET, "/api/v1/auth/oidc/:provider/callback", h_oidc_callback, 0, PERM_PUBLIC },
	{ HTTP_GET, "/api/v1/users", h_users_list, 0, PERM_ADMIN },
	{ HTTP_POST, "/api/v1/users", h_users_create, ROUTE_CSRF, PERM_ADMIN },
	{ HTTP_PATCH, "/api/v1/users/:id", h_users_update, ROUTE_CSRF, PERM_ADMIN },
	{ HTTP_POST, "/api/v1/users/:id/end-sessions", h_users_end_sessions, ROUTE_CSRF, PERM_ADMIN },
	{ HTTP_GET, "/api/v1/invites", h_invites_list, 0, PERM_ADMIN },
	{ HTTP_POST, "/api/v1/invites", h_invites_create, ROUTE_CSRF, PERM_ADMIN },
	{ HTTP_DELETE, "/api/v1/invites/:id", h_invites_revoke, ROUTE_CSRF, PERM_ADMIN },
	{ HTTP_GET, "/api/v1/api-tokens", h_tokens_list, 0, PERM_ACCOUNT },
	{ HTTP_POST, "/api/v1/api-tokens", h_tokens_create, ROUTE_CSRF, PERM_ACCOUNT },
	{ HTTP_DELETE, "/api/v1/api-tokens/:id", h_tokens_revoke, ROUTE_CSRF, PERM_ACCOUNT },
	{ HTTP_GET, "/api/v1/audit", h_audit_list, 0, PERM_ADMIN },
	{ HTTP_GET, "/api/v1/projects", h_projects_list, ROUTE_POLLED, PERM_READ },
	{ HTTP_POST, "/api/v1/projects", h_projects_create, ROUTE_CSRF, PERM_ADMIN },
	{ HTTP_GET, "/api/v1/projects/:id", h_projects_get, ROUTE_POLLED, PERM_READ },
	{ HTTP_PATCH, "/api/v1/projects/:id", h_projects_update, ROUTE_CSRF, PERM_ADMIN },
	{ HTTP_DELETE, "/api/v1/projects/:id", h_projects_delete, ROUTE_CSRF, PERM_ADMIN },
	{ HTTP_POST, "/api/v1/projects/:id/sync", h_projects_sync, ROUTE_CSRF, PERM_OPERATE },
	{ HTTP_POST, "/api/v1/projects/:id/allow-deletes", h_projects_allow_deletes, ROUTE_CSRF, PERM_ADMIN },
	{ HTTP_GET, "/api/v1/sync-runs", h_sync_runs_list, ROUTE_POLLED, PERM_READ },
	{ HTTP_GET, "/api/v1/instance-states", h_instance_states, 0, PERM_READ },
	{ HTTP_GET, "/api/v1/clusters", h_clusters_list, ROUTE_POLLED, PERM_READ },
	{ HTTP_GET, "/api/v1/clusters/:id", h_clusters_get, ROUTE_POLLED, PERM_READ },
	{ HTTP_PATCH, "/api/v1/clusters/:id", h_clusters_update, ROUTE_CSRF, PERM_ADMIN },
	{ HTTP_DELETE, "/api/v1/clusters/:id", h_clusters_delete, ROUTE_CSRF, PERM_ADMIN },
	{ HTTP_GET, "/api/v1/instances", h_instances_list, ROUTE_POLLED, PERM_READ },
	{ HTTP_GET, "/api/v1/instances/:id", h_instances_get, ROUTE_POLLED, PERM_READ },
	{ HTTP_PATCH, "/api/v1/instances/:id", h_instances_update, ROUTE_CSRF, PERM_OPERATE },
	{ HTTP_POST, "/api/v1/instances", h_instances_create, ROUTE_CSRF, PERM_OPERATE },
	{ HTTP_POST, "/api/v1/instances/:id/actions", h_instances_action, ROUTE_CSRF, PERM_OPERATE },
	{ HTTP_POST, "/api/v1/instances/:id/plan", h_instances_plan, ROUTE_CSRF, PERM_OPERATE },
	{ HTTP_GET, "/api/v1/actions", h_actions_list, ROUTE_POLLED, PERM_READ },
	{ HTTP_GET, "/api/v1/actions/:id", h_actions_get, ROUTE_POLLED, PERM_READ },
	{ HTTP_POST, "/api/v1/actions/:id/retry", h_actions_retry, ROUTE_CSRF, PERM_OPERATE },
	{ HTTP_GET, "/api/v1/pipelines", h_pipelines_list, ROUTE_POLLED, PERM_READ },
	{ HTTP_GET, "/api/v1/pipelines/:id", h_pipelines_get, ROUTE_POLLED, PERM_READ },
	{ HTTP_POST, "/hooks/gitlab", h_hook_gitlab, 0, PERM_PUBLIC },
};
const size_t app_nroutes = ARRAY_SIZE(app_routes);
