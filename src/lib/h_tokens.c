/* api-tokens: a user's own tokens for the CLI and scripts. */
#include "config.h"

#include <stdio.h>

#include <sodium.h>

#include "app.h"
#include "audit.h"
#include "handler.h"
#include "input.h"
#include "token.h"

void
h_tokens_list(struct app *app, struct request *req, struct response *resp)
{
	char uid[24];
	const char *params[1] = { uid };
	enum db_status st;
	json_t *items;

	snprintf(uid, sizeof uid, "%ld", app->caller.user_id);
	items = db_json(app->db, STMT_APITOKEN_LIST, 1, params, &st);
	if (items == NULL)
		respond_db_error(app, resp, st == DB_OK ? DB_ERROR : st);
	else
		response_json(resp, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

void
h_tokens_create(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "name", "read_only", NULL };
	char token[TOKEN_CHARS + 1], hash[TOKEN_HASH_HEX], uid[24], sid[24], tid[24], object[40];
	const char *name, *params[6] = { hash, uid, NULL, NULL, sid, tid };
	enum db_status st;
	json_t *tok;
	int ro;

	if (input_object(resp, req->json, fields) < 0 ||
	    (name = input_string(resp, req->json, "name", 100, 1, NULL)) == NULL ||
	    (ro = input_bool(resp, req->json, "read_only", 0)) == -1)
		return;
	if (token_new(token, hash) < 0) {
		response_error(resp, 500, "internal", NULL, "no randomness available");
		return;
	}
	snprintf(uid, sizeof uid, "%ld", app->caller.user_id);
	params[2] = name;
	/* a token never does more than its owner may do at the time of each
	 * request; read_only takes writes away from it for good */
	params[3] = ro == 1 ? "true" : "false";
	snprintf(sid, sizeof sid, "%ld", app->caller.session_id);
	snprintf(tid, sizeof tid, "%ld", app->caller.api_token_id);
	tok = db_json(app->db, STMT_APITOKEN_INSERT, 6, params, &st);
	if (tok == NULL) {
		respond_db_error(app, resp, st == DB_OK ? DB_ERROR : st);
		return;
	}
	snprintf(object, sizeof object, "api_token:%lld",
	         (long long)json_integer_value(json_object_get(tok, "id")));
	audit(app->db, app->caller.user_id, req->remote_addr, "api_token.create", object,
	      json_pack("{s:s, s:b}", "name", name, "read_only", ro == 1));
	/* the token itself is shown this once */
	json_object_set_new(tok, "token", json_string(token));
	sodium_memzero(token, sizeof token);
	response_json(resp, 201, tok);
}

void
h_tokens_revoke(struct app *app, struct request *req, struct response *resp)
{
	char cid[24], uid[24], object[40];
	PGresult *res;

	snprintf(uid, sizeof uid, "%ld", app->caller.user_id);
	res = exec_path_id(app, req, resp, STMT_APITOKEN_REVOKE, uid, 404, "token", cid);
	if (res == NULL)
		return;
	snprintf(object, sizeof object, "api_token:%s", cid);
	audit(app->db, app->caller.user_id, req->remote_addr, "api_token.revoke", object, NULL);
	response_json(resp, 200, json_pack("{s:b}", "revoked", 1));
	PQclear(res);
}
