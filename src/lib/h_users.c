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
	static const char *const fields[] = { "email", "display_name", "password", "is_admin", NULL };
	const char *email, *name, *pw, *params[4];
	char hash[PASSWORD_HASH_LEN];
	int admin, absent;
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
	    (admin = input_bool(resp, req->json, "is_admin", 0)) == -1)
		return;
	if (hash_new_password(app, resp, pw, "password", hash) < 0)
		return;
	params[0] = email;
	params[1] = name ? name : "";
	params[2] = hash;
	params[3] = admin == 1 ? "true" : "false";
	res = db_exec(app->db, STMT_USER_INSERT, 4, params);
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
		      json_pack("{s:s, s:b}", "email", email, "admin", admin == 1));
		respond_user(app, resp, 201, id);
	}
	PQclear(res);
}

void
h_users_update(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "display_name", "is_admin", "is_active", NULL };
	const char *name, *params[4];
	char cid[24], object[40];
	int admin, active, absent;
	long id;
	enum db_status st;
	json_t *user;

	if (input_path_id(resp, req, "id", &id) < 0 || input_object(resp, req->json, fields) < 0)
		return;
	name = input_string(resp, req->json, "display_name", 200, 0, &absent);
	if (name == NULL && !absent)
		return;
	if ((admin = input_bool(resp, req->json, "is_admin", 0)) == -1 ||
	    (active = input_bool(resp, req->json, "is_active", 0)) == -1)
		return;
	if (id == app->caller.user_id && (admin == 0 || active == 0)) {
		response_error(resp, 422, "self_demotion", admin == 0 ? "is_admin" : "is_active",
		               "you cannot take away your own admin rights or deactivate yourself");
		return;
	}
	snprintf(cid, sizeof cid, "%ld", id);
	params[0] = cid;
	params[1] = name;
	params[2] = admin < 0 ? NULL : admin ? "true" : "false";
	params[3] = active < 0 ? NULL : active ? "true" : "false";
	/* a deactivation and the end of the user's sessions and tokens: one unit */
	if (db_begin(app->db) < 0) {
		respond_db_error(app, resp, DB_UNAVAILABLE);
		return;
	}
	user = db_json(app->db, STMT_USER_UPDATE, 4, params, &st);
	if (user == NULL) {
		db_rollback(app->db);
		if (st == DB_OK)
			response_error(resp, 404, "not_found", NULL, "no such user");
		else
			respond_db_error(app, resp, st);
		return;
	}
	if (active == 0) {
		/* every session and every API token: a reactivation gives none back */
		const char *p1[1] = { cid };
		PGresult *res = db_exec(app->db, STMT_USER_END_ACCESS, 1, p1);

		st = db_result_status(res);
		PQclear(res);
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
