/* POST /hooks/gitlab: GitLab's webhooks.  The project is found by the
 * payload's project id and authenticated by its own secret in
 * X-Gitlab-Token (compared as SHA-256, in constant time).  Deliveries are
 * recorded and de-duplicated; a Pipeline Hook upserts the pipeline and
 * moves its instance at once, a Push Hook marks the project for refresh.
 * Answers: 200 handled or duplicate, 202 an event Ocim does not use, 401
 * a wrong or missing token or a project Ocim does not know (the same
 * answer), 400 malformed; never a 500 for a payload's content. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "app.h"
#include "audit.h"
#include "handler.h"
#include "log.h"
#include "token.h"
#include "util.h"
#include "webhook.h"

/* Handles a Pipeline Hook.  Returns NULL, or what was wrong with it. */
static const char *
pipeline_hook(struct app *app, long project_id, const char *gitlab_url, const json_t *body, char *why, size_t whysz)
{
	struct pipeline_event ev;

	if (webhook_pipeline_parse(body, &ev, why, whysz) < 0)
		return why;
	return webhook_apply_pipeline(app->db, project_id, gitlab_url, &ev, why, whysz);
}

/* The first project with this GitLab id whose secret matches token, its
 * GitLab URL copied into gitlab_url; 0 when none does (an unknown project
 * and a wrong token alike), -1 when the database failed. */
static long
authenticate(struct app *app, const char *gitlab_id, const char *token, char *gitlab_url, size_t urlsz)
{
	char hash[TOKEN_HASH_HEX];
	const char *params[1] = { gitlab_id };
	PGresult *res = db_exec(app->db, STMT_PROJECTS_BY_GITLAB_ID, 1, params);
	long id = 0;
	int valid;

	if (db_result_status(res) != DB_OK) {
		PQclear(res);
		return -1;
	}
	valid = token != NULL && token_hash(token, strlen(token), hash) == 0;
	for (int i = 0; valid && i < PQntuples(res); i++) {
		const char *stored = PQgetvalue(res, i, 1);
		if (strlen(stored) == TOKEN_HASH_HEX - 1 && sodium_memcmp(stored, hash, TOKEN_HASH_HEX - 1) == 0 && id == 0) {
			parse_long(PQgetvalue(res, i, 0), &id);
			snprintf(gitlab_url, urlsz, "%s", PQgetvalue(res, i, 2));
		}
	}
	PQclear(res);
	return id;
}

void
h_hook_gitlab(struct app *app, struct request *req, struct response *resp)
{
	const char *event = request_env(req, "HTTP_X_GITLAB_EVENT");
	const char *token = request_env(req, "HTTP_X_GITLAB_TOKEN");
	const char *key = request_env(req, "HTTP_IDEMPOTENCY_KEY");
	const char *uuid = request_env(req, "HTTP_X_GITLAB_EVENT_UUID");
	const json_t *project = json_object_get(req->json, "project");
	json_t *gid = json_object_get(project, "id");
	char cgid[24] = "", cproject[24], bodykey[80], why[256] = "", cdelivery[24], gitlab_url[1024] = "", shown[101];
	const char *params[5], *error = NULL;
	PGresult *res;
	long project_id = 0, delivery;

	if (!json_is_object(req->json)) {
		response_error(resp, 400, "invalid_body", "body", "a GitLab webhook body is a JSON object");
		return;
	}
	if (!json_is_integer(gid))
		gid = json_object_get(req->json, "project_id");
	/* nothing is stored, and nothing said, before the token matches the
	 * project the payload names: an unknown project, a payload naming
	 * none and a wrong or missing token get the one same answer, so the
	 * answer tells no one which GitLab project ids are registered */
	if (json_is_integer(gid)) {
		snprintf(cgid, sizeof cgid, "%lld", (long long)json_integer_value(gid));
		project_id = authenticate(app, cgid, token, gitlab_url, sizeof gitlab_url);
		if (project_id < 0) {
			respond_db_error(app, resp, DB_UNAVAILABLE);
			return;
		}
	}
	if (project_id == 0) {
		audit(app->db, 0, req->remote_addr, "webhook.token_failure", NULL,
		      json_pack("{s:s?, s:s?, s:b}", "gitlab_project_id", cgid[0] ? cgid : NULL,
		                "event", event ? utf8_clip(shown, sizeof shown, event) : NULL, "token_sent", token != NULL));
		response_error(resp, 401, "bad_token", "X-Gitlab-Token", "missing or wrong X-Gitlab-Token");
		return;
	}
	/* the delivery's key, claimed only now (after authentication) and
	 * unique within the project only: nobody can take a project's key in
	 * advance and make its real delivery a "duplicate" */
	if (key == NULL)
		key = uuid;
	if (key == NULL) {
		/* old GitLab: the body itself identifies the delivery */
		unsigned char digest[crypto_hash_sha256_BYTES];
		crypto_hash_sha256(digest, (const unsigned char *)req->body, req->body_len);
		strcpy(bodykey, "sha256:");
		sodium_bin2hex(bodykey + 7, sizeof bodykey - 7, digest, sizeof digest);
		key = bodykey;
	}
	snprintf(cproject, sizeof cproject, "%ld", project_id);
	params[0] = key;
	params[1] = uuid;
	params[2] = cproject;
	params[3] = event;
	params[4] = req->body;
	/* the delivery, what it changes and its outcome: one unit, so a
	 * delivery is either recorded with its effect or not at all (and a
	 * redelivery is then processed) */
	if (db_begin(app->db) < 0) {
		respond_db_error(app, resp, DB_UNAVAILABLE);
		return;
	}
	res = db_exec(app->db, STMT_WEBHOOK_INSERT, 5, params);
	if (db_result_status(res) != DB_OK) {
		respond_db_error(app, resp, db_result_status(res));
		PQclear(res);
		db_rollback(app->db);
		return;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		db_rollback(app->db);
		response_json(resp, 200, json_pack("{s:s}", "status", "duplicate"));
		return;
	}
	parse_long(PQgetvalue(res, 0, 0), &delivery);
	PQclear(res);

	if (event != NULL && strcmp(event, "Pipeline Hook") == 0) {
		error = pipeline_hook(app, project_id, gitlab_url, req->json, why, sizeof why);
	} else if (event != NULL && strcmp(event, "Push Hook") == 0) {
		const char *p1[1] = { cproject };
		PQclear(db_exec(app->db, STMT_PROJECT_SYNC, 1, p1));
	} else {
		error = "event not handled";
	}
	snprintf(cdelivery, sizeof cdelivery, "%ld", delivery);
	{
		const char *dp[2] = { cdelivery, error };
		PQclear(db_exec(app->db, STMT_WEBHOOK_DONE, 2, dp));
	}
	if (db_commit(app->db) < 0) {
		log_warning("webhook delivery not stored: %s", db_error(app->db));
		respond_db_error(app, resp, DB_UNAVAILABLE);
		return;
	}
	if (error != NULL && strcmp(error, "event not handled") != 0)
		log_warning("webhook delivery %ld: %s", delivery, error);
	response_json(resp, error && strcmp(error, "event not handled") == 0 ? 202 : 200,
	              json_pack("{s:s, s:s?}", "status", error ? "recorded" : "processed", "error", error));
}
