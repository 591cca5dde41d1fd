/* Instance actions: deploy, update, archive, unarchive, delete, build
 * images, reprovision.  Each is stored in the outbox first, then sent to
 * GitLab once; when GitLab does not answer it stays queued for ocim-sync.
 * The answer is 202 with the action either way. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "app.h"
#include "audit.h"
#include "fetch.h"
#include "handler.h"
#include "input.h"
#include "log.h"
#include "states.h"
#include "sync.h"
#include "util.h"
#include "ydoc.h"

#define MAX_OVERRIDES (64 * 1024)

/* The optional "overrides" field: a YAML mapping as text.  Returns 0 with
 * *yaml (borrowed, NULL when absent or empty) and *parsed (new reference or
 * NULL), or -1 with a 400 naming line and column in resp. */
static int
read_overrides(struct response *resp, const json_t *body, const char **yaml, json_t **parsed)
{
	char err[300];
	struct ynode *root;
	struct ylimits lim = { .max_bytes = MAX_OVERRIDES, .max_depth = 32, .max_nodes = 20000,
	                       .max_alias_nodes = 20000, .max_alias_depth = 8 };
	int absent;

	*parsed = NULL;
	*yaml = input_string(resp, body, "overrides", MAX_OVERRIDES, 0, &absent);
	if (*yaml == NULL)
		return absent ? 0 : -1;
	if ((*yaml)[strspn(*yaml, " \t\r\n")] == '\0') {
		*yaml = NULL;
		return 0;
	}
	root = ydoc_parse(*yaml, strlen(*yaml), &lim, err, sizeof err);
	if (root == NULL) {
		response_error(resp, 400, "invalid_yaml", "overrides", "overrides: %s", err);
		return -1;
	}
	if (root->kind != YNODE_MAP) {
		response_error(resp, 400, "invalid_yaml", "overrides",
		               "overrides: line %u, column %u: must be a mapping of settings, not %s",
		               root->line, root->col, ynode_kind_name(root->kind));
		ynode_free(root);
		return -1;
	}
	*parsed = ynode_to_json(root);
	ynode_free(root);
	return 0;
}

/* Opens the unit of an action request.  Returns 0, or -1 with the error in resp. */
static int
begin(struct app *app, struct response *resp)
{
	if (db_begin(app->db) == 0)
		return 0;
	respond_db_error(app, resp, DB_UNAVAILABLE);
	return -1;
}

/* Commits it: 0, or -1 with the error in resp (nothing of it was stored,
 * or, when the connection broke during COMMIT, that is not known). */
static int
commit(struct app *app, struct response *resp)
{
	if (db_commit(app->db) == 0)
		return 0;
	log_warning("action request not stored: %s", db_error(app->db));
	respond_db_error(app, resp, DB_UNAVAILABLE);
	return -1;
}

static void
rollback(struct app *app)
{
	db_rollback(app->db);
}

/* Marks the instance pending on the action's behalf, inside the unit.
 * Returns 0, or -1 with the error in resp. */
static int
set_pending(struct app *app, struct response *resp, const char *instance, const char *state, long action)
{
	char aid[24];
	const char *params[3] = { instance, state, aid };
	PGresult *res;
	enum db_status st;

	snprintf(aid, sizeof aid, "%ld", action);
	res = db_exec(app->db, STMT_INSTANCE_PENDING, 3, params);
	st = db_result_status(res);
	PQclear(res);
	if (st == DB_OK)
		return 0;
	respond_db_error(app, resp, st);
	return -1;
}

/* Within the open transaction: the caller's earlier action with this
 * Idempotency-Key, answered as it is.  Returns 1 when answered. */
static int
repeated(struct app *app, struct request *req, struct response *resp)
{
	const char *key = request_env(req, "HTTP_IDEMPOTENCY_KEY");
	char uid[24];
	const char *params[2] = { uid, key };
	enum db_status st;
	json_t *a;

	if (key == NULL)
		return 0;
	snprintf(uid, sizeof uid, "%ld", app->caller.user_id);
	a = db_json(app->db, STMT_ACTION_BY_KEY, 2, params, &st);
	if (a == NULL && st == DB_OK)
		return 0;
	/* a failed lookup has aborted the transaction: nothing after it would work */
	rollback(app);
	if (a == NULL) {
		/* the lookup failed: going on would run in an aborted transaction */
		respond_db_error(app, resp, st);
		return 1;
	}
	response_json(resp, 202, a);
	return 1;
}

/* Inserts the action; returns its id, or 0 with an error in resp. */
static long
insert_action(struct app *app, struct request *req, struct response *resp, const char *kind,
              const char *project, const char *cluster, const char *instance, const char *name, json_t *vars)
{
	char uid[24], *vtext = json_dumps(vars, JSON_COMPACT | JSON_SORT_KEYS);
	const char *params[8] = { kind, project, cluster, instance, name, vtext, uid,
	                          request_env(req, "HTTP_IDEMPOTENCY_KEY") };
	PGresult *res;
	long id = 0;

	snprintf(uid, sizeof uid, "%ld", app->caller.user_id);
	res = db_exec(app->db, STMT_ACTION_INSERT, 8, params);
	if (db_result_status(res) == DB_OK && PQntuples(res) == 1)
		parse_long(PQgetvalue(res, 0, 0), &id);
	else
		respond_db_error(app, resp, db_result_status(res));
	PQclear(res);
	free(vtext);
	return id;
}

/* After the commit: the 202 with the action as stored (queued).  The
 * request does not wait for GitLab: once the answer is out, the responder
 * starts `ocim-sync --action ID` (app_after), which sends it; should that
 * not start, the next cron run does. */
static void
dispatch_and_answer(struct app *app, struct request *req, struct response *resp, long id, const char *kind,
                    const char *object)
{
	char cid[24];
	const char *params[1] = { cid };
	enum db_status st;
	json_t *a;

	audit(app->db, app->caller.user_id, req->remote_addr, "instance.action", object,
	      json_pack("{s:s, s:I}", "kind", kind, "action", (json_int_t)id));
	snprintf(cid, sizeof cid, "%ld", id);
	a = db_json(app->db, STMT_ACTION_GET, 1, params, &st);
	if (a == NULL) {
		respond_db_error(app, resp, st == DB_OK ? DB_ERROR : st);
		return;
	}
	app->after_action = id;
	response_json(resp, 202, a);
}

void
h_instances_create(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "cluster_id", "name", "overrides", NULL };
	const json_t *cluster = json_object_get(req->json, "cluster_id");
	const char *name, *yaml, *params[3];
	char ccluster[24], cinstance[24], cproject[24], object[120];
	json_t *overrides = NULL, *vars;
	PGresult *res;
	long id;

	if (input_object(resp, req->json, fields) < 0 ||
	    (name = input_string(resp, req->json, "name", 64, 1, NULL)) == NULL)
		return;
	if (!json_is_integer(cluster) || json_integer_value(cluster) < 1) {
		response_error(resp, 400, "invalid_type", "cluster_id", "'cluster_id' must be a cluster's id");
		return;
	}
	if (strlen(name) > 50 || name[0] < 'a' || name[0] > 'z' ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(name)) {
		response_error(resp, 422, "invalid_name", "name",
		               "names are 1-50 lowercase letters, digits, '-' and '_', starting with a letter");
		return;
	}
	if (read_overrides(resp, req->json, &yaml, &overrides) < 0)
		return;
	json_decref(overrides);
	if (begin(app, resp) < 0)
		return;
	if (repeated(app, req, resp))
		return;
	snprintf(ccluster, sizeof ccluster, "%lld", (long long)json_integer_value(cluster));
	params[0] = ccluster;
	res = db_exec(app->db, STMT_CLUSTER_FOR_ACTION, 1, params);
	if (db_result_status(res) != DB_OK || PQntuples(res) != 1) {
		if (db_result_status(res) != DB_OK)
			respond_db_error(app, resp, db_result_status(res));
		else
			response_error(resp, 422, "unknown_cluster", "cluster_id", "no cluster with this id");
		PQclear(res);
		rollback(app);
		return;
	}
	snprintf(cproject, sizeof cproject, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	if (!app_sees_project(app, atol(cproject))) {
		/* a cluster of a project the caller does not see: as if there were none */
		response_error(resp, 422, "unknown_cluster", "cluster_id", "no cluster with this id");
		rollback(app);
		return;
	}
	params[1] = name;
	res = db_exec(app->db, STMT_INSTANCE_CREATE_PENDING, 2, params);
	if (db_result_status(res) != DB_OK || PQntuples(res) != 1) {
		if (db_result_status(res) != DB_OK)
			respond_db_error(app, resp, db_result_status(res));
		else
			response_error(resp, 409, "name_taken", "name", "an instance named '%s' exists in this cluster", name);
		PQclear(res);
		rollback(app);
		return;
	}
	snprintf(cinstance, sizeof cinstance, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	vars = json_pack("{s:s, s:s}", "NEW_INSTANCE_TRIGGER", "1", "INSTANCE_NAME", name);
	if (yaml != NULL)
		json_object_set_new(vars, "CONFIG_OVERRIDES", json_string(yaml));
	id = insert_action(app, req, resp, "create", cproject, ccluster, cinstance, name, vars);
	json_decref(vars);
	if (id == 0) {
		rollback(app);
		return;
	}
	if (set_pending(app, resp, cinstance, "create_pending", id) < 0) {
		rollback(app);
		return;
	}
	if (commit(app, resp) < 0)
		return;
	snprintf(object, sizeof object, "instance:%s", cinstance);
	dispatch_and_answer(app, req, resp, id, "create", object);
}

/* refresh: queues a refresh of the instance's project and answers at once
 * (202, the queued state); GitLab is read after the answer by a detached
 * ocim-sync --project under the project's lock, never inside the request. */
static void
refresh(struct app *app, struct request *req, struct response *resp, long iid)
{
	char cid[24], object[40];
	const char *params[1] = { cid };
	json_error_t jerr;
	json_t *queued;
	PGresult *res;
	long pid;

	snprintf(cid, sizeof cid, "%ld", iid);
	res = db_exec(app->db, STMT_PROJECT_OF_INSTANCE, 1, params);
	if (db_result_status(res) != DB_OK || PQntuples(res) != 1) {
		if (db_result_status(res) != DB_OK)
			respond_db_error(app, resp, db_result_status(res));
		else
			response_error(resp, 404, "not_found", NULL, "no such instance");
		PQclear(res);
		return;
	}
	parse_long(PQgetvalue(res, 0, 0), &pid);
	PQclear(res);
	snprintf(cid, sizeof cid, "%ld", pid);
	res = db_exec(app->db, STMT_PROJECT_SYNC, 1, params);
	if (db_result_status(res) != DB_OK || PQntuples(res) != 1) {
		respond_db_error(app, resp, db_result_status(res) == DB_OK ? DB_ERROR : db_result_status(res));
		PQclear(res);
		return;
	}
	queued = json_loads(PQgetvalue(res, 0, 1), 0, &jerr);
	PQclear(res);
	if (queued == NULL) {
		response_error(resp, 500, "internal", NULL, "internal error");
		return;
	}
	json_object_set_new(queued, "kind", json_string("refresh"));
	json_object_set_new(queued, "instance_id", json_integer(iid));
	snprintf(object, sizeof object, "instance:%ld", iid);
	audit(app->db, app->caller.user_id, req->remote_addr, "instance.refresh", object,
	      json_pack("{s:I}", "project_id", (json_int_t)pid));
	app->after_project = pid;
	response_json(resp, 202, queued);
}

void
h_instances_action(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "kind", "overrides", NULL };
	const struct action_kind *def;
	const char *kind, *yaml, *params[1];
	char cid[24], name[64], state[32], cluster[24], project[24], object[120];
	json_t *overrides = NULL, *vars;
	PGresult *res;
	long iid, id;

	if (input_path_id(resp, req, "id", &iid) < 0 || input_object(resp, req->json, fields) < 0 ||
	    (kind = input_string(resp, req->json, "kind", 32, 1, NULL)) == NULL)
		return;
	if (strcmp(kind, "refresh") == 0) {
		if (json_object_get(req->json, "overrides") != NULL) {
			response_error(resp, 400, "invalid_field", "overrides", "only an update takes overrides");
			return;
		}
		refresh(app, req, resp, iid);
		return;
	}
	def = strcmp(kind, "create") == 0 ? NULL : action_kind_find(kind);
	if (def == NULL) {
		response_error(resp, 400, "invalid_value", "kind",
		               "'kind' must be one of update, archive, unarchive, delete, build-images, reprovision, refresh");
		return;
	}
	if (strcmp(kind, "reprovision") == 0 && !app->conf->actions.reprovision_enabled) {
		response_error(resp, 403, "forbidden", "kind", "reprovisioning is not enabled (actions.reprovision_enabled)");
		return;
	}
	/* the one permission a route's table cannot name: it depends on the body */
	if (strcmp(kind, "reprovision") == 0 && !app_may(app, PERM_REPROVISION)) {
		app_forbid(app, req, resp, PERM_REPROVISION);
		return;
	}
	if (read_overrides(resp, req->json, &yaml, &overrides) < 0)
		return;
	json_decref(overrides);
	if (yaml != NULL && strcmp(kind, "update") != 0) {
		response_error(resp, 400, "invalid_field", "overrides", "only an update takes overrides");
		return;
	}
	if (begin(app, resp) < 0)
		return;
	if (repeated(app, req, resp))
		return;
	snprintf(cid, sizeof cid, "%ld", iid);
	params[0] = cid;
	res = db_exec(app->db, STMT_INSTANCE_FOR_ACTION, 1, params);
	if (db_result_status(res) != DB_OK || PQntuples(res) != 1) {
		if (db_result_status(res) != DB_OK)
			respond_db_error(app, resp, db_result_status(res));
		else
			response_error(resp, 404, "not_found", NULL, "no such instance");
		PQclear(res);
		rollback(app);
		return;
	}
	snprintf(name, sizeof name, "%s", PQgetvalue(res, 0, 1));
	snprintf(state, sizeof state, "%s", PQgetvalue(res, 0, 2));
	snprintf(cluster, sizeof cluster, "%s", PQgetvalue(res, 0, 3));
	snprintf(project, sizeof project, "%s", PQgetvalue(res, 0, 4));
	PQclear(res);
	if (!action_may_start(def, state)) {
		rollback(app);
		response_error(resp, 409, "wrong_state", "kind", "cannot %s an instance that is %s", kind, state);
		return;
	}
	vars = json_pack("{s:s}", "INSTANCE_NAME", name);
	if (def->trigger != NULL)
		json_object_set_new(vars, def->trigger, json_string("1"));
	if (strcmp(kind, "update") == 0)
		json_object_set_new(vars, "CONFIG_OVERRIDES", json_string(yaml ? yaml : ""));
	id = insert_action(app, req, resp, kind, project, cluster, cid, name, vars);
	json_decref(vars);
	if (id == 0) {
		rollback(app);
		return;
	}
	if (def->pending != NULL && set_pending(app, resp, cid, def->pending, id) < 0) {
		rollback(app);
		return;
	}
	if (commit(app, resp) < 0)
		return;
	snprintf(object, sizeof object, "instance:%s", cid);
	dispatch_and_answer(app, req, resp, id, kind, object);
}

/* Deep-merges over into base (mappings merge, everything else replaces). */
static void
merge(json_t *base, const json_t *over)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)over, k, v) {
		json_t *old = json_object_get(base, k);
		if (json_is_object(old) && json_is_object(v))
			merge(old, v);
		else
			json_object_set(base, k, v);
	}
}

/* Appends {path, old, new} for every leaf that differs between a and b. */
static void
diff(const json_t *a, const json_t *b, const char *prefix, json_t *out)
{
	const char *k;
	json_t *v;
	char path[512];

	if (json_is_object(a) && json_is_object(b)) {
		json_object_foreach((json_t *)b, k, v) {
			snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", k);
			diff(json_object_get(a, k), v, path, out);
		}
		json_object_foreach((json_t *)a, k, v) {
			if (json_object_get(b, k) != NULL)
				continue;
			snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", k);
			json_array_append_new(out, json_pack("{s:s, s:O, s:n}", "path", path, "old", v, "new"));
		}
		return;
	}
	if (a == NULL || !json_equal(a, b))
		json_array_append_new(out, json_pack("{s:s, s:O?, s:O?}", "path", prefix, "old", a, "new", b));
}

void
h_instances_plan(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "overrides", NULL };
	const char *yaml, *params[1];
	char cid[24];
	json_t *overrides, *current, *merged, *changes;
	PGresult *res;
	long iid;

	if (input_path_id(resp, req, "id", &iid) < 0 || input_object(resp, req->json, fields) < 0 ||
	    read_overrides(resp, req->json, &yaml, &overrides) < 0)
		return;
	snprintf(cid, sizeof cid, "%ld", iid);
	params[0] = cid;
	res = db_exec(app->db, STMT_INSTANCE_FOR_ACTION, 1, params);
	if (db_result_status(res) != DB_OK || PQntuples(res) != 1) {
		if (db_result_status(res) != DB_OK)
			respond_db_error(app, resp, db_result_status(res));
		else
			response_error(resp, 404, "not_found", NULL, "no such instance");
		PQclear(res);
		json_decref(overrides);
		return;
	}
	current = PQgetisnull(res, 0, 5) ? json_object() : json_loads(PQgetvalue(res, 0, 5), 0, NULL);
	PQclear(res);
	if (!json_is_object(current)) {
		json_decref(current);
		current = json_object();
	}
	merged = json_deep_copy(current);
	if (overrides != NULL)
		merge(merged, overrides);
	changes = json_array();
	diff(current, merged, "", changes);
	response_json(resp, 200, json_pack("{s:o, s:o, s:o}", "current", current, "merged", merged, "changes", changes));
	json_decref(overrides);
}

void
h_actions_list(struct app *app, struct request *req, struct response *resp)
{
	char limit[24], cursor[24], instance[24];
	const char *params[6];
	long inst;

	if (page_params(resp, req, limit, cursor) < 0 ||
	    input_query_long(resp, req, "instance", 0, LONG_MAX, 0, &inst) < 0)
		return;
	params[0] = kv_get(&req->query, "state");
	params[3] = kv_get(&req->query, "kind");
	if ((params[0] != NULL && !list_has(ACTION_STATES, params[0])) ||
	    (params[3] != NULL && action_kind_find(params[3]) == NULL)) {
		response_error(resp, 400, "invalid_parameter", params[0] && !list_has(ACTION_STATES, params[0]) ? "state" : "kind",
		               "unknown value");
		return;
	}
	snprintf(instance, sizeof instance, "%ld", inst);
	params[1] = inst > 0 ? instance : NULL;
	params[2] = params[3];
	params[3] = cursor[0] ? cursor : NULL;
	params[4] = limit;
	params[5] = app_visible_projects(app);
	respond_list(app, resp, STMT_ACTION_LIST, 6, params, atol(limit), "id");
}

void
h_actions_get(struct app *app, struct request *req, struct response *resp)
{
	respond_by_id(app, req, resp, STMT_ACTION_GET, "action");
}

/* The row of the action a retry or a cancel names (stmt takes its id),
 * locked inside the open unit; NULL when there is none or the database
 * failed: the unit is then rolled back and resp says which. */
static PGresult *
locked_action(struct app *app, struct response *resp, enum db_stmt stmt, const char *const *params)
{
	PGresult *res = db_exec(app->db, stmt, 1, params);
	enum db_status st = db_result_status(res);

	if (st == DB_OK && PQntuples(res) == 1)
		return res;
	PQclear(res);
	rollback(app);
	if (st != DB_OK)
		respond_db_error(app, resp, st);
	else
		response_error(resp, 404, "not_found", NULL, "no such action");
	return NULL;
}

/* A failed action queued again, through the same state table as a new
 * one: its instance must be in a state the kind starts from (or in the
 * failure this action left it in), and waits in the kind's pending state
 * again.  The check, the pending state and the requeue are one unit. */
void
h_actions_retry(struct app *app, struct request *req, struct response *resp)
{
	char cid[24], object[40], kind[32], iid[24] = "", state[32] = "";
	const char *params[1] = { cid };
	const struct action_kind *def;
	PGresult *res;
	enum db_status st;
	long id;
	int own_failure = 0;

	if (input_path_id(resp, req, "id", &id) < 0)
		return;
	snprintf(cid, sizeof cid, "%ld", id);
	if (begin(app, resp) < 0)
		return;
	if ((res = locked_action(app, resp, STMT_ACTION_FOR_RETRY, params)) == NULL)
		return;
	/* columns: kind, instance_id, state */
	snprintf(kind, sizeof kind, "%s", PQgetvalue(res, 0, 0));
	if (!PQgetisnull(res, 0, 1))
		snprintf(iid, sizeof iid, "%s", PQgetvalue(res, 0, 1));
	/* sending a reprovision again takes what asking for one takes */
	if (strcmp(kind, "reprovision") == 0 && !app_may(app, PERM_REPROVISION)) {
		PQclear(res);
		rollback(app);
		app_forbid(app, req, resp, PERM_REPROVISION);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 2), "failed") != 0) {
		response_error(resp, 409, "wrong_state", NULL, "only a failed action can be retried; this one is %s",
		               PQgetvalue(res, 0, 2));
		PQclear(res);
		rollback(app);
		return;
	}
	PQclear(res);
	def = action_kind_find(kind);
	if (iid[0] != '\0' && def != NULL && def->pending != NULL) {
		params[0] = iid;
		res = db_exec(app->db, STMT_INSTANCE_FOR_ACTION, 1, params);
		st = db_result_status(res);
		if (st == DB_OK && PQntuples(res) == 1) {
			snprintf(state, sizeof state, "%s", PQgetvalue(res, 0, 2));
			own_failure = strcmp(state, "failure") == 0 && strcmp(PQgetvalue(res, 0, 6), cid) == 0;
		}
		PQclear(res);
		params[0] = cid;
		if (st != DB_OK) {
			rollback(app);
			respond_db_error(app, resp, st);
			return;
		}
		if (state[0] != '\0' && !action_may_start(def, state) && !own_failure) {
			rollback(app);
			response_error(resp, 409, "wrong_state", NULL, "cannot retry the %s: the instance is %s now",
			               kind, state);
			return;
		}
		if (state[0] != '\0' && set_pending(app, resp, iid, def->pending, id) < 0) {
			rollback(app);
			return;
		}
	}
	res = db_exec(app->db, STMT_ACTION_RETRY, 1, params);
	st = db_result_status(res);
	PQclear(res);
	if (st != DB_OK) {
		rollback(app);
		respond_db_error(app, resp, st);
		return;
	}
	if (commit(app, resp) < 0)
		return;
	snprintf(object, sizeof object, "action:%s", cid);
	dispatch_and_answer(app, req, resp, id, "retry", object);
}

/* The 409 of a cancel that comes too late (or twice): the message names
 * the action's state, and error.state carries it for clients. */
static void
refuse_cancel(struct response *resp, const char *state)
{
	json_t *err;

	if (strcmp(state, "cancelled") == 0)
		response_error(resp, 409, "wrong_state", NULL, "this action is cancelled already");
	else if (strcmp(state, "failed") == 0)
		response_error(resp, 409, "wrong_state", NULL,
		               "only a queued action can be cancelled; this one is failed (it never reached GitLab "
		               "and will not be sent again unless retried)");
	else
		response_error(resp, 409, "wrong_state", NULL,
		               "only a queued action can be cancelled; this one is %s (it may have reached GitLab: "
		               "cancel its pipeline there)", state);
	err = resp->json != NULL ? json_object_get(resp->json, "error") : NULL;
	if (err != NULL)
		json_object_set_new(err, "state", json_string(state));
}

/* A queued action withdrawn before it reaches GitLab.  The action's row
 * lock and the conditional UPDATE make it race safely with the dispatcher,
 * whose claim is UPDATE ... WHERE state = 'queued': whichever commits
 * first wins, and the other finds the row no longer queued (a cancel that
 * comes second answers 409 "dispatching"; a claim that comes second skips
 * the action).  The instance goes back to the state the action found it
 * in (the kind's table entry says otherwise for create), and the audit
 * entry is written in the same unit. */
void
h_actions_cancel(struct app *app, struct request *req, struct response *resp)
{
	char cid[24], uid[24], object[40], kind[32], iid[24] = "", state[32], reason[120];
	const char *params[5] = { cid, uid };
	const char *restored = NULL;
	const struct action_kind *def;
	json_t *a, *details;
	PGresult *res;
	enum db_status st;
	long id;

	if (input_path_id(resp, req, "id", &id) < 0)
		return;
	snprintf(cid, sizeof cid, "%ld", id);
	snprintf(uid, sizeof uid, "%ld", app->caller.user_id);
	if (begin(app, resp) < 0)
		return;
	if ((res = locked_action(app, resp, STMT_ACTION_FOR_CANCEL, params)) == NULL)
		return;
	snprintf(kind, sizeof kind, "%s", PQgetvalue(res, 0, CANCEL_KIND));
	if (!PQgetisnull(res, 0, CANCEL_INSTANCE_ID))
		snprintf(iid, sizeof iid, "%s", PQgetvalue(res, 0, CANCEL_INSTANCE_ID));
	snprintf(state, sizeof state, "%s", PQgetvalue(res, 0, CANCEL_STATE));
	PQclear(res);
	/* stopping an action takes what starting one of its kind takes */
	if (strcmp(kind, "reprovision") == 0 && !app_may(app, PERM_REPROVISION)) {
		rollback(app);
		app_forbid(app, req, resp, PERM_REPROVISION);
		return;
	}
	if (strcmp(state, "queued") != 0) {
		rollback(app);
		refuse_cancel(resp, state);
		return;
	}
	res = db_exec(app->db, STMT_ACTION_CANCEL, 2, params);
	st = db_result_status(res);
	if (st == DB_OK && PQntuples(res) != 1)
		st = DB_ERROR;          /* the row lock makes this impossible */
	PQclear(res);
	if (st != DB_OK) {
		rollback(app);
		respond_db_error(app, resp, st);
		return;
	}
	def = action_kind_find(kind);
	if (iid[0] != '\0' && def != NULL && def->pending != NULL) {
		snprintf(reason, sizeof reason, "its %s (action %ld) was cancelled before it reached GitLab", kind, id);
		params[0] = iid;
		params[1] = cid;
		params[2] = def->pending;
		params[3] = def->cancelled;
		params[4] = reason;
		res = db_exec(app->db, STMT_INSTANCE_CANCEL_RESTORE, 5, params);
		st = db_result_status(res);
		if (st == DB_OK && PQntuples(res) == 1)
			snprintf(state, sizeof state, "%s", PQgetvalue(res, 0, 0));
		else
			state[0] = '\0';
		PQclear(res);
		params[0] = cid;
		params[1] = uid;
		if (st != DB_OK) {
			rollback(app);
			respond_db_error(app, resp, st);
			return;
		}
		restored = state[0] ? state : NULL;
	}
	snprintf(object, sizeof object, "action:%s", cid);
	details = json_pack("{s:s, s:s?}", "kind", kind, "instance_state", restored);
	if (iid[0] != '\0')
		json_object_set_new(details, "instance_id", json_integer(atol(iid)));
	if (audit(app->db, app->caller.user_id, req->remote_addr, "action.cancel", object, details) < 0) {
		/* the unit is aborted: the cancel is not kept without its record */
		rollback(app);
		respond_db_error(app, resp, DB_UNAVAILABLE);
		return;
	}
	if (commit(app, resp) < 0)
		return;
	a = db_json(app->db, STMT_ACTION_GET, 1, params, &st);
	if (a == NULL) {
		respond_db_error(app, resp, st == DB_OK ? DB_ERROR : st);
		return;
	}
	response_json(resp, 200, a);
}
