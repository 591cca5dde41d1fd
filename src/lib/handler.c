#include "config.h"

#include <stdio.h>
#include <string.h>

#include "handler.h"
#include "input.h"
#include "log.h"

void
respond_db_error(struct app *app, struct response *resp, enum db_status st)
{
	if (st == DB_UNAVAILABLE) {
		response_error(resp, 503, "database_unavailable", NULL, "the database is unavailable");
		return;
	}
	if (st == DB_INVALID) {
		log_info("database refused a value: %s", db_error(app->db));
		response_error(resp, 400, "invalid_value", NULL, "a parameter has a value out of range");
		return;
	}
	log_error("database: %s", db_error(app->db));
	response_error(resp, 500, "internal", NULL, "internal error");
}

void
respond_list(struct app *app, struct response *resp, enum db_stmt stmt, int nparams,
             const char *const *params, long limit, const char *cursor_key)
{
	enum db_status st;
	json_t *items = db_json(app->db, stmt, nparams, params, &st), *next = NULL;
	size_t n;

	if (items == NULL) {
		respond_db_error(app, resp, st == DB_OK ? DB_ERROR : st);
		return;
	}
	n = json_array_size(items);
	if (n > 0 && (long)n >= limit)
		next = json_copy(json_object_get(json_array_get(items, n - 1), cursor_key));
	response_json(resp, 200, json_pack("{s:o, s:o?}", "items", items, "next_cursor", next));
}

void
respond_page(struct app *app, struct request *req, struct response *resp, enum db_stmt stmt)
{
	char limit[24], cursor[24];
	const char *params[2] = { cursor, limit };

	if (page_params(resp, req, limit, cursor) < 0)
		return;
	if (cursor[0] == '\0')
		params[0] = NULL;
	respond_list(app, resp, stmt, 2, params, atol(limit), "id");
}

void
respond_page_visible(struct app *app, struct request *req, struct response *resp, enum db_stmt stmt)
{
	char limit[24], cursor[24];
	const char *params[3] = { cursor, limit, app_visible_projects(app) };

	if (page_params(resp, req, limit, cursor) < 0)
		return;
	if (cursor[0] == '\0')
		params[0] = NULL;
	respond_list(app, resp, stmt, 3, params, atol(limit), "id");
}

void
respond_user(struct app *app, struct response *resp, int status, long id)
{
	char cid[24];
	const char *params[1] = { cid };
	enum db_status st;
	json_t *user;

	snprintf(cid, sizeof cid, "%ld", id);
	user = db_json(app->db, STMT_USER_GET, 1, params, &st);
	if (user != NULL)
		response_json(resp, status, user);
	else if (st == DB_OK)
		response_error(resp, 404, "not_found", NULL, "no such user");
	else
		respond_db_error(app, resp, st);
}

int
hash_new_password(struct app *app, struct response *resp, const char *pw, const char *field,
                  char hash[PASSWORD_HASH_LEN])
{
	const char *problem = password_check(app->conf->auth.password_blocklist, pw, strlen(pw));

	if (problem != NULL) {
		response_error(resp, 422, "weak_password", field, "%s", problem);
		return -1;
	}
	if (password_hash(pw, hash) < 0) {
		response_error(resp, 500, "internal", NULL, "hashing the password failed");
		return -1;
	}
	return 0;
}

int
page_params(struct response *resp, const struct request *req, char limit[24], char cursor[24])
{
	long l, c;

	if (input_query_long(resp, req, "limit", 1, 200, 50, &l) < 0 ||
	    input_query_long(resp, req, "cursor", 0, LONG_MAX, 0, &c) < 0)
		return -1;
	snprintf(limit, 24, "%ld", l);
	if (c > 0)
		snprintf(cursor, 24, "%ld", c);
	else
		cursor[0] = '\0';
	return 0;
}

PGresult *
exec_path_id(struct app *app, struct request *req, struct response *resp, enum db_stmt stmt,
             const char *extra, int status, const char *what, char cid[24])
{
	const char *params[2] = { cid, extra };
	PGresult *res;
	long id;

	if (input_path_id(resp, req, "id", &id) < 0)
		return NULL;
	snprintf(cid, 24, "%ld", id);
	res = db_exec(app->db, stmt, extra ? 2 : 1, params);
	if (db_result_status(res) != DB_OK) {
		respond_db_error(app, resp, db_result_status(res));
	} else if (PQntuples(res) < 1) {
		response_error(resp, status, status == 404 ? "not_found" : "conflict", NULL, "no such %s", what);
	} else {
		return res;
	}
	PQclear(res);
	return NULL;
}

/* Answers the JSON row of stmt for the path id, or 404 with what. */
void
respond_by_id(struct app *app, struct request *req, struct response *resp, enum db_stmt stmt, const char *what)
{
	char cid[24];
	const char *params[1] = { cid };
	enum db_status st;
	json_t *j;
	long id;

	if (input_path_id(resp, req, "id", &id) < 0)
		return;
	snprintf(cid, sizeof cid, "%ld", id);
	j = db_json(app->db, stmt, 1, params, &st);
	if (j != NULL)
		response_json(resp, 200, j);
	else if (st == DB_OK)
		response_error(resp, 404, "not_found", NULL, "no such %s", what);
	else
		respond_db_error(app, resp, st);
}

int
input_role(struct response *resp, const json_t *body)
{
	const char *name;
	int absent, admin;
	enum role r;

	name = input_string(resp, body, "role", 32, 0, &absent);
	if (name == NULL && !absent)
		return -1;
	if ((admin = input_bool(resp, body, "is_admin", 0)) == -1)
		return -1;
	if (name != NULL && admin >= 0) {
		response_error(resp, 400, "invalid_field", "is_admin", "give 'role' or the older 'is_admin', not both");
		return -1;
	}
	if (name == NULL)
		return admin == 1 ? ROLE_ADMIN : admin == 0 ? ROLE_OPERATOR : ROLE_NONE;
	r = role_parse(name);
	if (r == ROLE_NONE) {
		response_error(resp, 422, "invalid_role", "role", "'role' must be viewer, operator or admin");
		return -1;
	}
	return (int)r;
}

json_t *
pg_array_json(const char *text)
{
	json_t *list = json_array();
	const char *p = text;

	if (p == NULL || *p != '{')
		return json_null();
	while (*p != '\0' && *p != '}') {
		char *end;
		long long id;

		if (*p == '{' || *p == ',') {
			p++;
			continue;
		}
		id = strtoll(p, &end, 10);
		if (end == p)
			break;
		json_array_append_new(list, json_integer(id));
		p = end;
	}
	return list;
}
