/* users (admin): list, create, update, end sessions. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "audit.h"
#include "handler.h"
#include "input.h"
#include "log.h"
#include "password.h"
#include "util.h"

void
h_users_list(struct app *app, struct request *req, struct response *resp)
{
	respond_page(app, req, resp, STMT_USER_LIST);
}

void
h_users_create(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "email", "display_name", "password", "role", "is_admin",
	                                      "can_reprovision", NULL };
	const char *email, *name, *pw, *params[5];
	char hash[PASSWORD_HASH_LEN];
	int role, reprov, absent;
	PGresult *res;
	enum db_status st;

	if (input_object(resp, req->json, fields) < 0 ||
	    (email = input_string(resp, req->json, "email", 254, 1, NULL)) == NULL)
		return;
	if (!email_valid(email)) {
		response_error(resp, 422, "invalid_email", "email", "'%s' is not a valid email address", email);
		return;
	}
	name = input_string(resp, req->json, "display_name", 200, 0, &absent);
	if (name == NULL && !absent)
		return;
	if ((pw = input_string(resp, req->json, "password", PASSWORD_MAX_CHARS * 4, 1, NULL)) == NULL ||
	    (role = input_role(resp, req->json)) == -1 ||
	    (reprov = input_bool(resp, req->json, "can_reprovision", 0)) == -1)
		return;
	if (role == ROLE_NONE)
		role = ROLE_VIEWER;     /* new accounts read until an admin says more */
	if (hash_new_password(app, resp, pw, "password", hash) < 0)
		return;
	params[0] = email;
	params[1] = name ? name : "";
	params[2] = hash;
	params[3] = role_name((enum role)role);
	params[4] = reprov == 1 ? "true" : "false";
	res = db_exec(app->db, STMT_USER_INSERT, 5, params);
	st = db_result_status(res);
	if (st == DB_CONFLICT) {
		response_error(resp, 409, "email_taken", "email", "a user with this email already exists");
	} else if (st != DB_OK) {
		respond_db_error(app, resp, st);
	} else {
		long id;
		char object[40];

		parse_long(PQgetvalue(res, 0, 0), &id);
		snprintf(object, sizeof object, "user:%ld", id);
		audit(app->db, app->caller.user_id, req->remote_addr, "user.create", object,
		      json_pack("{s:s, s:s, s:b}", "email", email, "role", role_name((enum role)role),
		                "can_reprovision", reprov == 1));
		respond_user(app, resp, 201, id);
	}
	PQclear(res);
}

/* The body's "project_ids": absent (*given = 0), null (every project: *out
 * set to NULL) or a list of project ids, written into buf as a PostgreSQL
 * bigint[] ("{1,4}"; "{}" for none).  Returns 0, or -1 with a 400 in resp. */
static int
input_projects(struct response *resp, const json_t *body, char *buf, size_t size, const char **out, int *given)
{
	const json_t *v = json_object_get(body, "project_ids"), *item;
	size_t i, n = 0;

	*given = v != NULL;
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v) || json_array_size(v) > APP_MAX_PROJECTS) {
		response_error(resp, 400, "invalid_type", "project_ids",
		               "'project_ids' must be null (every project) or a list of at most %d project ids",
		               APP_MAX_PROJECTS);
		return -1;
	}
	n = (size_t)snprintf(buf, size, "{");
	json_array_foreach(v, i, item) {
		if (!json_is_integer(item) || json_integer_value(item) < 1) {
			response_error(resp, 400, "invalid_type", "project_ids", "'project_ids' holds project ids (integers)");
			return -1;
		}
		n += (size_t)snprintf(buf + n, size - n, "%s%lld", i ? "," : "", (long long)json_integer_value(item));
		if (n >= size - 2) {    /* cannot happen: APP_MAX_PROJECTS ids of 19 digits fit */
			response_error(resp, 400, "invalid_type", "project_ids", "'project_ids' is too long");
			return -1;
		}
	}
	snprintf(buf + n, size - n, "}");
	*out = buf;
	return 0;
}

void
h_users_update(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "display_name", "role", "is_admin", "is_active", "can_reprovision",
	                                      "project_ids", NULL };
	const char *name, *params[5], *projects;
	char cid[24], object[40], old_role[16], old_projects[APP_PROJECTS_TEXT], plist[APP_PROJECTS_TEXT];
	int role, active, reprov, absent, given, old_reprov, old_all;
	long id;
	enum db_status st;
	PGresult *res;
	json_t *user;

	if (input_path_id(resp, req, "id", &id) < 0 || input_object(resp, req->json, fields) < 0)
		return;
	name = input_string(resp, req->json, "display_name", 200, 0, &absent);
	if (name == NULL && !absent)
		return;
	if ((role = input_role(resp, req->json)) == -1 ||
	    (active = input_bool(resp, req->json, "is_active", 0)) == -1 ||
	    (reprov = input_bool(resp, req->json, "can_reprovision", 0)) == -1 ||
	    input_projects(resp, req->json, plist, sizeof plist, &projects, &given) < 0)
		return;
	if (id == app->caller.user_id && ((role != ROLE_NONE && role != ROLE_ADMIN) || active == 0)) {
		response_error(resp, 422, "self_demotion", active == 0 ? "is_active" :
		               json_object_get(req->json, "role") != NULL ? "role" : "is_admin",
		               "you cannot take away your own admin rights or deactivate yourself");
		return;
	}
	snprintf(cid, sizeof cid, "%ld", id);
	params[0] = cid;
	params[1] = name;
	params[2] = role == ROLE_NONE ? NULL : role_name((enum role)role);
	params[3] = active < 0 ? NULL : active ? "true" : "false";
	params[4] = reprov < 0 ? NULL : reprov ? "true" : "false";
	/* the change of what a user may do, the deactivation and the end of
	 * the user's sessions and tokens: one unit */
	if (db_begin(app->db) < 0) {
		respond_db_error(app, resp, DB_UNAVAILABLE);
		return;
	}
	res = db_exec(app->db, STMT_USER_ACCESS, 1, params);
	st = db_result_status(res);
	if (st != DB_OK || PQntuples(res) != 1) {
		PQclear(res);
		db_rollback(app->db);
		if (st == DB_OK)
			response_error(resp, 404, "not_found", NULL, "no such user");
		else
			respond_db_error(app, resp, st);
		return;
	}
	snprintf(old_role, sizeof old_role, "%s", PQgetvalue(res, 0, ACCESS_ROLE));
	old_reprov = PQgetvalue(res, 0, ACCESS_REPROVISION)[0] == 't';
	snprintf(old_projects, sizeof old_projects, "%s", PQgetvalue(res, 0, ACCESS_PROJECTS));
	old_all = PQgetvalue(res, 0, ACCESS_ALL_PROJECTS)[0] == 't';
	PQclear(res);
	if (given) {
		const char *pp[2] = { cid, projects };

		res = db_exec(app->db, STMT_USER_SET_PROJECTS, 2, pp);
		st = db_result_status(res);
		PQclear(res);
		if (st != DB_OK) {
			db_rollback(app->db);
			if (st == DB_INVALID)
				response_error(resp, 422, "unknown_project", "project_ids", "a project in 'project_ids' does not exist");
			else
				respond_db_error(app, resp, st);
			return;
		}
	}
	user = db_json(app->db, STMT_USER_UPDATE, 5, params, &st);
	if (user == NULL) {
		db_rollback(app->db);
		respond_db_error(app, resp, st == DB_OK ? DB_ERROR : st);
		return;
	}
	if (active == 0) {
		/* every session and every API token: a reactivation gives none back */
		const char *p1[1] = { cid };
		PGresult *r = db_exec(app->db, STMT_USER_END_ACCESS, 1, p1);

		st = db_result_status(r);
		PQclear(r);
	}
	if (st != DB_OK || db_commit(app->db) < 0) {
		log_warning("user update not stored: %s", db_error(app->db));
		db_rollback(app->db);
		json_decref(user);
		respond_db_error(app, resp, DB_UNAVAILABLE);
		return;
	}
	snprintf(object, sizeof object, "user:%ld", id);
	audit(app->db, app->caller.user_id, req->remote_addr, "user.update", object, json_deep_copy(req->json));
	/* every change of what a user may do has an entry of its own */
	if (params[2] != NULL && strcmp(params[2], old_role) != 0)
		audit(app->db, app->caller.user_id, req->remote_addr, "user.role", object,
		      json_pack("{s:s, s:s}", "from", old_role, "to", params[2]));
	if (reprov >= 0 && reprov != old_reprov)
		audit(app->db, app->caller.user_id, req->remote_addr, "user.reprovision", object,
		      json_pack("{s:b}", "granted", reprov));
	if (given)
		audit(app->db, app->caller.user_id, req->remote_addr, "user.projects", object,
		      json_pack("{s:o, s:O}", "from", old_all ? json_null() : pg_array_json(old_projects),
		                "to", json_object_get(user, "project_ids")));
	response_json(resp, 200, user);
}

void
h_users_end_sessions(struct app *app, struct request *req, struct response *resp)
{
	char cid[24], object[40];
	const char *params[1] = { cid };
	PGresult *res;
	long id;

	if (input_path_id(resp, req, "id", &id) < 0)
		return;
	snprintf(cid, sizeof cid, "%ld", id);
	res = db_exec(app->db, STMT_SESSIONS_DELETE_USER, 1, params);
	if (db_result_status(res) != DB_OK) {
		respond_db_error(app, resp, db_result_status(res));
	} else {
		snprintf(object, sizeof object, "user:%ld", id);
		audit(app->db, app->caller.user_id, req->remote_addr, "user.end_sessions", object,
		      json_pack("{s:i}", "sessions", atoi(PQcmdTuples(res))));
		response_json(resp, 200, json_pack("{s:i}", "ended", atoi(PQcmdTuples(res))));
	}
	PQclear(res);
}
