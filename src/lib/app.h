/* Request dispatch for the responder: everything between a parsed CGI
 * request and the response, independent of FastCGI. */
#ifndef OCIM_APP_H
#define OCIM_APP_H

#include "conf.h"
#include "db.h"
#include "http.h"
#include "route.h"
#include "secret.h"

/* A user is limited to at most this many projects (PATCH /users/{id}
 * refuses more), which fit in a bigint[]'s text of APP_PROJECTS_TEXT. */
#define APP_MAX_PROJECTS 1000
#define APP_PROJECTS_TEXT (APP_MAX_PROJECTS * 21 + 3)

/* Who sends the request being served. */
struct caller {
	long user_id;                   /* 0: nobody logged in */
	long session_id;                /* browser session, or 0 */
	long api_token_id;              /* Bearer token, or 0 */
	int is_admin;                   /* role == ROLE_ADMIN */
	enum role role;                 /* the owner's role, read at every request */
	int can_reprovision;            /* the reprovision grant */
	int read_only;                  /* a read-only API token: reads only */
	int limited;                    /* sees only the projects listed in projects */
	char projects[APP_PROJECTS_TEXT]; /* when limited: their ids as a PostgreSQL array, "{1,4}" */
	char email[256];
	char display_name[256];
	char csrf_token[64];
};

struct app {
	const struct conf *conf;
	struct db *db;
	struct caller caller;           /* reset for every request */
	struct secret_key key;          /* the keyring, read again when its file changes */
	/* outside work the request queued, started by app_after once the
	 * answer is out: send the mail outbox, refresh this project */
	int after_mail;
	long after_project;
	long after_action;
};

/* The route table of the HTTP API (routes.c). */
extern const struct route app_routes[];
extern const size_t app_nroutes;

/* Largest body accepted for a request to path (webhooks get more). */
long app_body_cap(const struct app *app, const char *path);

/* Answers req (body, if any, already read into req->body) into resp:
 * content type and JSON checks, routing, flags, the handler. */
void app_handle(struct app *app, struct request *req, struct response *resp);

/* Called by the responder after the answer went out (FCGX_Finish_r):
 * starts a detached ocim-sync for the work the request queued (--mail,
 * --project N, --action N) and forgets it.  When it cannot start, the work stays
 * queued for the next cron run (logged). */
void app_after(struct app *app);

/* The keyring for stored credentials, loaded on first use and read again
 * when the key file changed (one stat a call).  NULL with a 503 in resp
 * when the key file cannot be read and no keys were read before. */
const struct secret_key *app_key(struct app *app, struct response *resp);

/* Whether the caller holds permission p: its role and grant, and for a
 * read-only token no more than PERM_READ. */
int app_may(const struct app *app, enum perm p);

/* Answers 403 "forbidden" naming the permission p (error.permission) and
 * the weakest role that holds it, and audits the denial. */
void app_forbid(struct app *app, struct request *req, struct response *resp, enum perm p);

/* The projects the caller may see as a PostgreSQL bigint[] literal for a
 * statement's parameter, or NULL when the caller sees every project. */
const char *app_visible_projects(const struct app *app);

/* Whether the caller may see project id. */
int app_sees_project(const struct app *app, long project_id);

/* The name of the session cookie (__Host- prefixed with secure cookies). */
const char *app_session_cookie(const struct app *app);

/* Handlers, one file per resource (h_*.c). */
void h_health(struct app *app, struct request *req, struct response *resp);
void h_instance_states(struct app *app, struct request *req, struct response *resp);
void h_auth_login(struct app *app, struct request *req, struct response *resp);
void h_auth_logout(struct app *app, struct request *req, struct response *resp);
void h_auth_me(struct app *app, struct request *req, struct response *resp);
void h_auth_password(struct app *app, struct request *req, struct response *resp);
void h_auth_reset_request(struct app *app, struct request *req, struct response *resp);
void h_auth_reset_confirm(struct app *app, struct request *req, struct response *resp);
void h_auth_invite_lookup(struct app *app, struct request *req, struct response *resp);
void h_auth_register(struct app *app, struct request *req, struct response *resp);
void h_oidc_providers(struct app *app, struct request *req, struct response *resp);
void h_oidc_start(struct app *app, struct request *req, struct response *resp);
void h_oidc_callback(struct app *app, struct request *req, struct response *resp);
/* Opens a browser session for user uid (h_auth.c), as a password login
 * does: the cookie into resp, the CSRF token into csrf (44 bytes); method
 * ("password", "oidc") is stored with it.  Returns 0, or -1 with an
 * error in resp. */
int auth_session_start(struct app *app, struct request *req, struct response *resp, const char *uid,
                       const char *method, char csrf[44]);
void h_users_list(struct app *app, struct request *req, struct response *resp);
void h_users_create(struct app *app, struct request *req, struct response *resp);
void h_users_update(struct app *app, struct request *req, struct response *resp);
void h_users_end_sessions(struct app *app, struct request *req, struct response *resp);
void h_users_oidc_unlink(struct app *app, struct request *req, struct response *resp);
void h_oidc_domains_list(struct app *app, struct request *req, struct response *resp);
void h_oidc_domains_add(struct app *app, struct request *req, struct response *resp);
void h_oidc_domains_remove(struct app *app, struct request *req, struct response *resp);
void h_invites_list(struct app *app, struct request *req, struct response *resp);
void h_invites_create(struct app *app, struct request *req, struct response *resp);
void h_invites_revoke(struct app *app, struct request *req, struct response *resp);
void h_tokens_list(struct app *app, struct request *req, struct response *resp);
void h_tokens_create(struct app *app, struct request *req, struct response *resp);
void h_tokens_revoke(struct app *app, struct request *req, struct response *resp);
void h_audit_list(struct app *app, struct request *req, struct response *resp);
void h_sync_runs_list(struct app *app, struct request *req, struct response *resp);
void h_projects_list(struct app *app, struct request *req, struct response *resp);
void h_projects_get(struct app *app, struct request *req, struct response *resp);
void h_projects_create(struct app *app, struct request *req, struct response *resp);
void h_projects_update(struct app *app, struct request *req, struct response *resp);
void h_projects_delete(struct app *app, struct request *req, struct response *resp);
void h_projects_sync(struct app *app, struct request *req, struct response *resp);
void h_projects_allow_deletes(struct app *app, struct request *req, struct response *resp);
void h_hook_gitlab(struct app *app, struct request *req, struct response *resp);
void h_clusters_list(struct app *app, struct request *req, struct response *resp);
void h_clusters_get(struct app *app, struct request *req, struct response *resp);
void h_clusters_update(struct app *app, struct request *req, struct response *resp);
void h_clusters_delete(struct app *app, struct request *req, struct response *resp);
void h_instances_list(struct app *app, struct request *req, struct response *resp);
void h_instances_get(struct app *app, struct request *req, struct response *resp);
void h_instances_update(struct app *app, struct request *req, struct response *resp);
void h_pipelines_list(struct app *app, struct request *req, struct response *resp);
void h_pipelines_get(struct app *app, struct request *req, struct response *resp);
void h_instances_create(struct app *app, struct request *req, struct response *resp);
void h_instances_action(struct app *app, struct request *req, struct response *resp);
void h_instances_plan(struct app *app, struct request *req, struct response *resp);
void h_actions_list(struct app *app, struct request *req, struct response *resp);
void h_actions_get(struct app *app, struct request *req, struct response *resp);
void h_actions_retry(struct app *app, struct request *req, struct response *resp);
void h_actions_cancel(struct app *app, struct request *req, struct response *resp);

#endif
