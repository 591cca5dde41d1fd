/* projects: the GitLab repositories Ocim follows.  Credentials are
 * write-only: stored encrypted, answered as "..._set": true/false. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "app.h"
#include "audit.h"
#include "handler.h"
#include "input.h"
#include "log.h"
#include "token.h"
#include "util.h"

#define MAX_TOKEN 4096          /* GitLab tokens are short; deploy keys are not */
#define MAX_DEPLOY_KEY 16000

void
h_projects_list(struct app *app, struct request *req, struct response *resp)
{
	respond_page_visible(app, req, resp, STMT_PROJECT_LIST);
}

void
h_projects_get(struct app *app, struct request *req, struct response *resp)
{
	respond_by_id(app, req, resp, STMT_PROJECT_GET, "project");
}

/* Seals the optional secret field of the body into *out (caller frees).
 * Returns 0 (absent: *out NULL), or -1 with an error in resp. */
static int
seal_field(struct app *app, struct request *req, struct response *resp, const char *field,
           size_t max, char **out)
{
	const struct secret_key *key;
	const char *v;
	int absent;

	*out = NULL;
	v = input_string(resp, req->json, field, max, 0, &absent);
	if (v == NULL)
		return absent ? 0 : -1;
	if (v[0] == '\0') {
		response_error(resp, 422, "invalid_value", field, "'%s' must not be empty", field);
		return -1;
	}
	key = app_key(app, resp);
	if (key == NULL)
		return -1;
	*out = secret_seal(key, v, strlen(v));
	if (*out == NULL) {
		response_error(resp, 500, "internal", NULL, "sealing '%s' failed", field);
		return -1;
	}
	return 0;
}

/* A GitLab base URL: http(s)://host[:port][/path], no query, no spaces. */
static int
gitlab_url_ok(const char *u)
{
	size_t n = strlen(u);

	if (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0)
		return 0;
	if (n > 500 || strpbrk(u, " \t\r\n?#@") != NULL)
		return 0;
	return strlen(strstr(u, "://") + 3) > 0;
}

void
h_projects_create(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "name", "gitlab_url", "gitlab_project_id", "description",
	                                      "default_branch", "api_token", "trigger_token", "deploy_key", NULL };
	const char *name, *url, *desc, *branch, *params[9];
	char *api = NULL, *trigger = NULL, *deploy = NULL, cgid[24], secret[TOKEN_CHARS + 1];
	char shash[TOKEN_HASH_HEX], hook_url[600], object[40];
	json_t *gid, *p;
	enum db_status st;
	int absent;

	if (input_object(resp, req->json, fields) < 0 ||
	    (name = input_string(resp, req->json, "name", 100, 1, NULL)) == NULL ||
	    (url = input_string(resp, req->json, "gitlab_url", 500, 1, NULL)) == NULL)
		return;
	if (!gitlab_url_ok(url)) {
		response_error(resp, 422, "invalid_url", "gitlab_url", "'gitlab_url' must be an http(s) URL such as https://gitlab.com");
		return;
	}
	gid = json_object_get(req->json, "gitlab_project_id");
	if (!json_is_integer(gid) || json_integer_value(gid) < 1) {
		response_error(resp, 400, "invalid_type", "gitlab_project_id", "'gitlab_project_id' must be a positive integer");
		return;
	}
	desc = input_string(resp, req->json, "description", 2000, 0, &absent);
	if (desc == NULL && !absent)
		return;
	branch = input_string(resp, req->json, "default_branch", 255, 0, &absent);
	if (branch == NULL && !absent)
		return;
	if (seal_field(app, req, resp, "api_token", MAX_TOKEN, &api) < 0 ||
	    seal_field(app, req, resp, "trigger_token", MAX_TOKEN, &trigger) < 0 ||
	    seal_field(app, req, resp, "deploy_key", MAX_DEPLOY_KEY, &deploy) < 0)
		goto out;
	if (api == NULL || trigger == NULL) {
		response_error(resp, 400, "missing_field", api == NULL ? "api_token" : "trigger_token",
		               "'%s' is required", api == NULL ? "api_token" : "trigger_token");
		goto out;
	}
	/* the webhook secret is shown once; only its hash is kept */
	if (token_new(secret, shash) < 0) {
		response_error(resp, 500, "internal", NULL, "no randomness available");
		goto out;
	}
	snprintf(cgid, sizeof cgid, "%lld", (long long)json_integer_value(gid));
	params[0] = name;
	params[1] = url;
	params[2] = cgid;
	params[3] = desc ? desc : "";
	params[4] = branch ? branch : "main";
	params[5] = api;
	params[6] = trigger;
	params[7] = deploy;
	params[8] = shash;
	p = db_json(app->db, STMT_PROJECT_INSERT, 9, params, &st);
	if (p == NULL) {
		if (st == DB_CONFLICT)
			response_error(resp, 409, "project_exists", "name",
			               "a project with this name, or this GitLab project, exists already");
		else
			respond_db_error(app, resp, st == DB_OK ? DB_ERROR : st);
		goto out;
	}
	snprintf(hook_url, sizeof hook_url, "%s/hooks/gitlab", app->conf->http.base_url);
	json_object_set_new(p, "webhook_url", json_string(hook_url));
	json_object_set_new(p, "webhook_secret", json_string(secret));
	snprintf(object, sizeof object, "project:%lld", (long long)json_integer_value(json_object_get(p, "id")));
	audit(app->db, app->caller.user_id, req->remote_addr, "project.create", object,
	      json_pack("{s:s, s:s, s:s}", "name", name, "gitlab_url", url, "gitlab_project_id", cgid));
	response_json(resp, 201, p);
out:
	sodium_memzero(secret, sizeof secret);
	free(api);
	free(trigger);
	free(deploy);
}

void
h_projects_update(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "name", "description", "default_branch", "api_token",
	                                      "trigger_token", "deploy_key", NULL };
	const char *name, *desc, *branch, *params[7];
	char *api = NULL, *trigger = NULL, *deploy = NULL, cid[24], object[40];
	enum db_status st;
	json_t *p, *changed;
	int absent[3];
	long id;

	if (input_path_id(resp, req, "id", &id) < 0 || input_object(resp, req->json, fields) < 0)
		return;
	if (((name = input_string(resp, req->json, "name", 100, 0, &absent[0])) == NULL && !absent[0]) ||
	    ((desc = input_string(resp, req->json, "description", 2000, 0, &absent[1])) == NULL && !absent[1]) ||
	    ((branch = input_string(resp, req->json, "default_branch", 255, 0, &absent[2])) == NULL && !absent[2]))
		return;
	if (seal_field(app, req, resp, "api_token", MAX_TOKEN, &api) < 0 ||
	    seal_field(app, req, resp, "trigger_token", MAX_TOKEN, &trigger) < 0 ||
	    seal_field(app, req, resp, "deploy_key", MAX_DEPLOY_KEY, &deploy) < 0)
		goto out;
	snprintf(cid, sizeof cid, "%ld", id);
	params[0] = cid;
	params[1] = name;
	params[2] = desc;
	params[3] = branch;
	params[4] = api;
	params[5] = trigger;
	params[6] = deploy;
	p = db_json(app->db, STMT_PROJECT_UPDATE, 7, params, &st);
	if (p == NULL) {
		if (st == DB_OK)
			response_error(resp, 404, "not_found", NULL, "no such project");
		else if (st == DB_CONFLICT)
			response_error(resp, 409, "project_exists", "name", "a project with this name exists already");
		else
			respond_db_error(app, resp, st);
		goto out;
	}
	/* the audit names what changed, never the secrets themselves */
	changed = json_array();
	for (const char *const *f = fields; *f != NULL; f++)
		if (json_object_get(req->json, *f) != NULL)
			json_array_append_new(changed, json_string(*f));
	snprintf(object, sizeof object, "project:%ld", id);
	audit(app->db, app->caller.user_id, req->remote_addr, "project.update", object,
	      json_pack("{s:o}", "changed", changed));
	response_json(resp, 200, p);
out:
	free(api);
	free(trigger);
	free(deploy);
}

void
h_projects_delete(struct app *app, struct request *req, struct response *resp)
{
	char cid[24], object[40];
	PGresult *res = exec_path_id(app, req, resp, STMT_PROJECT_DELETE, NULL, 404, "project", cid);

	if (res == NULL)
		return;
	snprintf(object, sizeof object, "project:%s", cid);
	audit(app->db, app->caller.user_id, req->remote_addr, "project.delete", object,
	      json_pack("{s:s}", "name", PQgetvalue(res, 0, 0)));
	response_json(resp, 200, json_pack("{s:b}", "deleted", 1));
	PQclear(res);
}

/* Answers 202 with the queued refresh the statement (row of exec_path_id)
 * returned in its second column, and has the responder start `ocim-sync
 * --project ID` once the answer is out.  audit_action, when not NULL, is
 * recorded first.  Frees res. */
static void
answer_queued(struct app *app, struct request *req, struct response *resp, PGresult *res, const char *cid,
              const char *audit_action)
{
	json_error_t jerr;
	json_t *queued = json_loads(PQgetvalue(res, 0, 1), 0, &jerr);

	PQclear(res);
	if (queued == NULL) {
		log_error("a queued refresh that is not JSON: %s", jerr.text);
		response_error(resp, 500, "internal", NULL, "internal error");
		return;
	}
	if (audit_action != NULL) {
		char object[40];

		snprintf(object, sizeof object, "project:%s", cid);
		audit(app->db, app->caller.user_id, req->remote_addr, audit_action, object, NULL);
	}
	parse_long(cid, &app->after_project);
	response_json(resp, 202, queued);
}

/* Queues a refresh and answers at once (202, the queued state); a detached
 * ocim-sync --project reads GitLab after the answer, under the project's
 * lock (or the next cron run does).  The client polls the project until
 * sync_requested is false or last_sync_at moves. */
void
h_projects_sync(struct app *app, struct request *req, struct response *resp)
{
	char cid[24];
	PGresult *res = exec_path_id(app, req, resp, STMT_PROJECT_SYNC, NULL, 404, "project", cid);

	if (res != NULL)
		answer_queued(app, req, resp, res, cid, NULL);
}

/* An admin's confirmation that a refused read may mark its instances
 * deleted (more than sync.max_delete_fraction): good for the next tree
 * read, which is queued at once (202, as a refresh). */
void
h_projects_allow_deletes(struct app *app, struct request *req, struct response *resp)
{
	char cid[24];
	PGresult *res = exec_path_id(app, req, resp, STMT_PROJECT_ALLOW_DELETES, NULL, 404, "project", cid);

	if (res != NULL)
		answer_queued(app, req, resp, res, cid, "project.allow_deletes");
}

/* The last runs of ocim-sync, newest first: "last synced N s ago" and what
 * went wrong where (for a limited caller, in its projects only). */
void
h_sync_runs_list(struct app *app, struct request *req, struct response *resp)
{
	respond_page_visible(app, req, resp, STMT_SYNC_RUN_LIST);
}
