/* clusters, instances and pipelines: what ocim-sync and the webhooks
 * learned, with the filters of the sidebar and the lists. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "app.h"
#include "audit.h"
#include "handler.h"
#include "input.h"
#include "states.h"
#include "util.h"

/* A text filter from the query: NULL when absent or empty; -1 with a 400
 * when longer than max. */
static int
text_param(struct response *resp, const struct request *req, const char *name, size_t max, const char **out)
{
	const char *v = kv_get(&req->query, name);

	*out = v != NULL && v[0] != '\0' ? v : NULL;
	if (*out != NULL && strlen(*out) > max) {
		response_error(resp, 400, "invalid_parameter", name, "'%s' is at most %zu characters", name, max);
		return -1;
	}
	return 0;
}

/* One of the |-separated values, or absent. */
static int
choice_param(struct response *resp, const struct request *req, const char *name, const char *choices,
             const char **out)
{
	if (text_param(resp, req, name, 64, out) < 0 || *out == NULL)
		return *out == NULL ? 0 : -1;
	if (list_has(choices, *out))
		return 0;
	response_error(resp, 400, "invalid_parameter", name, "'%s' must be one of %s", name, choices);
	return -1;
}

/* An id filter: NULL when absent, else its text in buf. */
static int
id_param(struct response *resp, const struct request *req, const char *name, char buf[24], const char **out)
{
	long v;

	if (input_query_long(resp, req, name, 0, LONG_MAX, 0, &v) < 0)
		return -1;
	snprintf(buf, 24, "%ld", v);
	*out = v > 0 ? buf : NULL;
	return 0;
}

/* A time filter: NULL when absent, else ISO 8601 (2026-11-22T14:00:00Z);
 * PostgreSQL refuses an impossible date (422). */
static int
time_param(struct response *resp, const struct request *req, const char *name, const char **out)
{
	if (text_param(resp, req, name, 40, out) < 0)
		return -1;
	if (*out != NULL && (strlen(*out) < 10 || strspn(*out, "0123456789-:TZ+. ") != strlen(*out))) {
		response_error(resp, 400, "invalid_parameter", name, "'%s' looks like 2026-11-22T14:00:00Z", name);
		return -1;
	}
	return 0;
}

#define PROVIDERS "aws|digitalocean|other"
#define CLUSTER_STATUSES "pending|active|archived|deleted"

void
h_clusters_list(struct app *app, struct request *req, struct response *resp)
{
	char limit[24], cursor[24], project[24];
	const char *params[7];

	if (page_params(resp, req, limit, cursor) < 0 ||
	    text_param(resp, req, "name", 100, &params[0]) < 0 ||
	    choice_param(resp, req, "provider", PROVIDERS, &params[1]) < 0 ||
	    choice_param(resp, req, "status", CLUSTER_STATUSES, &params[2]) < 0 ||
	    id_param(resp, req, "project", project, &params[3]) < 0)
		return;
	params[4] = cursor[0] ? cursor : NULL;
	params[5] = limit;
	params[6] = app_visible_projects(app);
	respond_list(app, resp, STMT_CLUSTER_LIST, 7, params, atol(limit), "id");
}

void
h_clusters_get(struct app *app, struct request *req, struct response *resp)
{
	respond_by_id(app, req, resp, STMT_CLUSTER_GET, "cluster");
}

/* links: an object of strings (http(s) URLs). */
static int
links_ok(struct response *resp, const json_t *links)
{
	const char *k;
	json_t *v;

	if (!json_is_object(links) || json_object_size(links) > 20) {
		response_error(resp, 400, "invalid_type", "links", "'links' must be an object of at most 20 URLs");
		return 0;
	}
	json_object_foreach((json_t *)links, k, v) {
		const char *u = json_string_value(v);
		if (u == NULL || strlen(k) > 64 || strlen(u) > 500 ||
		    (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0)) {
			char shown[65];

			response_error(resp, 422, "invalid_value", "links", "link '%s' must be an http(s) URL",
			               utf8_clip(shown, sizeof shown, k));
			return 0;
		}
	}
	return 1;
}

void
h_clusters_update(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "links", "openfaas_url", "openfaas_username", "openfaas_password", NULL };
	const json_t *links = json_object_get(req->json, "links");
	const char *url, *user, *pass, *params[4];
	char cid[24], object[40], *links_text = NULL, *sealed = NULL;
	int absent[3];
	PGresult *res;
	long id;

	if (input_path_id(resp, req, "id", &id) < 0 || input_object(resp, req->json, fields) < 0)
		return;
	if (links != NULL && !links_ok(resp, links))
		return;
	if (((url = input_string(resp, req->json, "openfaas_url", 500, 0, &absent[0])) == NULL && !absent[0]) ||
	    ((user = input_string(resp, req->json, "openfaas_username", 200, 0, &absent[1])) == NULL && !absent[1]) ||
	    ((pass = input_string(resp, req->json, "openfaas_password", 1000, 0, &absent[2])) == NULL && !absent[2]))
		return;
	if (url != NULL && url[0] != '\0' && strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
		response_error(resp, 422, "invalid_url", "openfaas_url", "'openfaas_url' must be an http(s) URL");
		return;
	}
	if ((user == NULL) != (pass == NULL)) {
		response_error(resp, 400, "missing_field", user ? "openfaas_password" : "openfaas_username",
		               "OpenFaaS credentials need both a username and a password");
		return;
	}
	if (user != NULL) {
		const struct secret_key *key = app_key(app, resp);
		json_t *cred;
		char *text;

		if (key == NULL)
			return;
		cred = json_pack("{s:s, s:s}", "username", user, "password", pass);
		text = json_dumps(cred, JSON_COMPACT);
		json_decref(cred);
		sealed = text ? secret_seal(key, text, strlen(text)) : NULL;
		if (text != NULL) {
			sodium_memzero(text, strlen(text));
			free(text);
		}
		if (sealed == NULL) {
			response_error(resp, 500, "internal", NULL, "sealing the credentials failed");
			return;
		}
	}
	if (links != NULL)
		links_text = json_dumps(links, JSON_COMPACT);
	snprintf(cid, sizeof cid, "%ld", id);
	params[0] = cid;
	params[1] = links_text;
	params[2] = url;
	params[3] = sealed;
	res = db_exec(app->db, STMT_CLUSTER_UPDATE, 4, params);
	if (db_result_status(res) != DB_OK) {
		respond_db_error(app, resp, db_result_status(res));
	} else if (PQntuples(res) != 1) {
		response_error(resp, 404, "not_found", NULL, "no such cluster");
	} else {
		json_t *changed = json_array();
		for (const char *const *f = fields; *f != NULL; f++)
			if (json_object_get(req->json, *f) != NULL)
				json_array_append_new(changed, json_string(*f));
		snprintf(object, sizeof object, "cluster:%ld", id);
		audit(app->db, app->caller.user_id, req->remote_addr, "cluster.update", object,
		      json_pack("{s:o}", "changed", changed));
		respond_by_id(app, req, resp, STMT_CLUSTER_GET, "cluster");
	}
	PQclear(res);
	free(links_text);
	free(sealed);
}

void
h_clusters_delete(struct app *app, struct request *req, struct response *resp)
{
	char cid[24], object[40];
	PGresult *res = exec_path_id(app, req, resp, STMT_CLUSTER_DELETE, NULL, 404, "cluster", cid);

	if (res == NULL)
		return;
	snprintf(object, sizeof object, "cluster:%s", cid);
	audit(app->db, app->caller.user_id, req->remote_addr, "cluster.delete", object,
	      json_pack("{s:s}", "name", PQgetvalue(res, 0, 0)));
	response_json(resp, 200, json_pack("{s:b}", "deleted", 1));
	PQclear(res);
}

/* A cursor of the instance list sorted by sort: "name|id",
 * "time|id" or "state|name|id", as the list itself made it. */
static int
cursor_ok(const char *cursor, const char *sort)
{
	int parts = strcmp(sort, "status") == 0 ? 3 : 2, n = 1;
	const char *last = strrchr(cursor, '|');
	long id;

	for (const char *p = cursor; *p; p++)
		n += *p == '|';
	/* a state, a name (50 at most) and an id fit in 100 */
	if (n != parts || last == NULL || strlen(cursor) > 100 || parse_long(last + 1, &id) < 0 || id < 1)
		return 0;
	if (strcmp(sort, "updated") == 0)
		return last - cursor >= 20 && strspn(cursor, "0123456789-:T.Z") == (size_t)(last - cursor);
	return strspn(cursor, "abcdefghijklmnopqrstuvwxyz0123456789_-|") == strlen(cursor);
}

void
h_instances_list(struct app *app, struct request *req, struct response *resp)
{
	char limit[24], project[24], cluster_id[24], key[128];
	const char *params[12], *sort, *config, *cursor;
	enum db_status st;
	enum db_stmt stmt;
	char *page;
	long l;

	if (input_query_long(resp, req, "limit", 1, 200, 50, &l) < 0 ||
	    text_param(resp, req, "cluster", 100, &params[0]) < 0 ||
	    choice_param(resp, req, "provider", PROVIDERS, &params[1]) < 0 ||
	    text_param(resp, req, "name", 50, &params[2]) < 0 ||
	    choice_param(resp, req, "status", instance_state_list(), &params[3]) < 0 ||
	    text_param(resp, req, "config", 500, &config) < 0 ||
	    text_param(resp, req, "q", 200, &params[6]) < 0 ||
	    id_param(resp, req, "project", project, &params[7]) < 0 ||
	    id_param(resp, req, "cluster_id", cluster_id, &params[11]) < 0 ||
	    choice_param(resp, req, "sort", "name|updated|status", &sort) < 0 ||
	    text_param(resp, req, "cursor", 300, &cursor) < 0)
		return;
	params[4] = params[5] = NULL;
	if (config != NULL) {
		/* KEY=VALUE, or a bare KEY: the instances whose config.yml,
		 * grove.yml or cluster's cluster.yml has it */
		const char *eq = strchr(config, '=');
		size_t klen = eq != NULL ? (size_t)(eq - config) : strlen(config);

		if (klen == 0 || klen >= sizeof key) {
			response_error(resp, 400, "invalid_parameter", "config",
			               "'config' looks like KEY=VALUE or KEY (a key of at most %zu characters)", sizeof key - 1);
			return;
		}
		snprintf(key, sizeof key, "%.*s", (int)klen, config);
		params[4] = key;
		params[5] = eq != NULL ? eq + 1 : NULL;
	}
	/* the cursor is the previous page's next_cursor, as it was given */
	if (cursor != NULL && !cursor_ok(cursor, sort == NULL ? "name" : sort)) {
		response_error(resp, 400, "invalid_parameter", "cursor", "not a cursor of this list");
		return;
	}
	params[8] = cursor;
	snprintf(limit, sizeof limit, "%ld", l);
	params[9] = limit;
	params[10] = app_visible_projects(app);
	stmt = sort == NULL || strcmp(sort, "name") == 0 ? STMT_INSTANCE_LIST_NAME :
	       strcmp(sort, "updated") == 0 ? STMT_INSTANCE_LIST_UPDATED : STMT_INSTANCE_LIST_STATUS;
	if (stmt == STMT_INSTANCE_LIST_NAME && params[0] == NULL && params[1] == NULL &&
	    params[2] == NULL && params[4] == NULL && params[6] == NULL && params[7] == NULL &&
	    params[10] == NULL && params[11] == NULL) {
		/* all, or one status, by name: the statement with plans of its own */
		char cname[101] = "", cid[24] = "0";
		const char *fast[4] = { params[3], cname, cid, limit };

		if (cursor != NULL) {
			/* cursor_ok made sure it is "name|id" */
			const char *bar = strchr(cursor, '|');
			snprintf(cname, sizeof cname, "%.*s", (int)(bar - cursor), cursor);
			snprintf(cid, sizeof cid, "%s", bar + 1);
		}
		page = db_page(app->db, STMT_INSTANCE_LIST_STATE, 4, fast, l, &st);
	} else {
		page = db_page(app->db, stmt, 12, params, l, &st);
	}
	if (page != NULL)
		response_raw_json(resp, 200, page);
	else if (st == DB_INVALID)
		response_error(resp, 400, "invalid_parameter", "cursor", "not a cursor of this list");
	else
		respond_db_error(app, resp, st == DB_OK ? DB_ERROR : st);
}

void
h_instances_get(struct app *app, struct request *req, struct response *resp)
{
	respond_by_id(app, req, resp, STMT_INSTANCE_GET, "instance");
}

void
h_instances_update(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "description", NULL };
	const char *desc, *params[2];
	char cid[24];
	PGresult *res;
	long id;

	if (input_path_id(resp, req, "id", &id) < 0 || input_object(resp, req->json, fields) < 0 ||
	    (desc = input_string(resp, req->json, "description", 2000, 0, NULL)) == NULL) {
		if (resp->json == NULL)
			response_error(resp, 400, "missing_field", "description", "'description' is required");
		return;
	}
	snprintf(cid, sizeof cid, "%ld", id);
	params[0] = cid;
	params[1] = desc;
	res = db_exec(app->db, STMT_INSTANCE_DESCRIBE, 2, params);
	if (db_result_status(res) != DB_OK)
		respond_db_error(app, resp, db_result_status(res));
	else if (PQntuples(res) != 1)
		response_error(resp, 404, "not_found", NULL, "no such instance");
	else
		respond_by_id(app, req, resp, STMT_INSTANCE_GET, "instance");
	PQclear(res);
}

void
h_pipelines_list(struct app *app, struct request *req, struct response *resp)
{
	char limit[24], cursor[24], project[24], cluster[24], instance[24];
	const char *params[10];

	if (page_params(resp, req, limit, cursor) < 0 ||
	    id_param(resp, req, "project", project, &params[0]) < 0 ||
	    id_param(resp, req, "cluster", cluster, &params[1]) < 0 ||
	    id_param(resp, req, "instance", instance, &params[2]) < 0 ||
	    text_param(resp, req, "status", 64, &params[3]) < 0 ||
	    choice_param(resp, req, "action", "create|update|archive|unarchive|delete|build-images|reprovision", &params[4]) < 0 ||
	    time_param(resp, req, "since", &params[8]) < 0 || time_param(resp, req, "until", &params[9]) < 0)
		return;
	params[5] = cursor[0] ? cursor : NULL;
	params[6] = limit;
	params[7] = app_visible_projects(app);
	respond_list(app, resp, STMT_PIPELINE_LIST, 10, params, atol(limit), "id");
}

void
h_pipelines_get(struct app *app, struct request *req, struct response *resp)
{
	respond_by_id(app, req, resp, STMT_PIPELINE_GET, "pipeline");
}

/* GET /api/v1/instance-states: the lifecycle table of states.c. */
void
h_instance_states(struct app *app, struct request *req, struct response *resp)
{
	(void)app;
	(void)req;
	response_json(resp, 200, states_json());
}
