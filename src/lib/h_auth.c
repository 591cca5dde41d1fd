/* auth/login, auth/logout, auth/me, auth/password. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "accounts.h"
#include "app.h"
#include "audit.h"
#include "handler.h"
#include "input.h"
#include "log.h"
#include "mail.h"
#include "password.h"
#include "token.h"
#include "util.h"

/* A hash at the production cost of a password nobody knows: verified for
 * unknown or locked accounts so that every failed login costs the same. */
static const char dummy_hash[] =
	"$s1$0f0803$yKFkLGnGdw9kSeX2LY6QjA==$1j7cpxuGYV4xHKnDNbOzUH9NLWHge6XNWEt+zLGAo1Zby"
	"TFFNqXYseyu9VseTDUnvd/4avLdYdHP5utXcQHdGw==";

#define LOGIN_FAILED_MESSAGE "wrong email or password"

static json_t *
user_json(long id, const char *email, const char *name, int admin)
{
	return json_pack("{s:I, s:s, s:s, s:b}", "id", (json_int_t)id, "email", email,
	                 "display_name", name, "is_admin", admin);
}

static void
set_session_cookie(struct app *app, struct response *resp, const char *token, long max_age)
{
	char cookie[256];

	snprintf(cookie, sizeof cookie, "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Lax%s",
	         app_session_cookie(app), token, max_age,
	         app->conf->auth.secure_cookies ? "; Secure" : "");
	response_header(resp, "Set-Cookie", cookie);
}

/* Opens a session for user uid: the cookie goes into resp, the CSRF token
 * into csrf.  Returns 0, or -1 with an error in resp. */
static int
session_start(struct app *app, struct request *req, struct response *resp, const char *uid,
              char csrf[TOKEN_CHARS + 1])
{
	char token[TOKEN_CHARS + 1], hash[TOKEN_HASH_HEX], chash[TOKEN_HASH_HEX], lifetime[24];
	const char *params[6];
	PGresult *res;
	int ok;

	if (token_new(token, hash) < 0 || token_new(csrf, chash) < 0) {
		response_error(resp, 500, "internal", NULL, "no randomness available");
		return -1;
	}
	snprintf(lifetime, sizeof lifetime, "%ld", app->conf->auth.session_absolute_seconds);
	params[0] = hash;
	params[1] = uid;
	params[2] = csrf;
	params[3] = lifetime;
	params[4] = req->user_agent ? req->user_agent : "";
	params[5] = is_ip_address(req->remote_addr) ? req->remote_addr : NULL;
	res = db_exec(app->db, STMT_SESSION_INSERT, 6, params);
	ok = db_result_status(res) == DB_OK;
	if (ok)
		set_session_cookie(app, resp, token, app->conf->auth.session_absolute_seconds);
	else
		respond_db_error(app, resp, db_result_status(res));
	PQclear(res);
	sodium_memzero(token, sizeof token);
	return ok ? 0 : -1;
}

void
h_auth_login(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "email", "password", NULL };
	const char *email, *password, *params[1];
	char csrf[TOKEN_CHARS + 1], uid[24];
	PGresult *res, *r2;
	long user_id = 0;
	int known, active, locked, ok;

	if (input_object(resp, req->json, fields) < 0 ||
	    (email = input_string(resp, req->json, "email", 254, 1, NULL)) == NULL ||
	    (password = input_string(resp, req->json, "password", PASSWORD_MAX_CHARS * 4, 1, NULL)) == NULL)
		return;
	params[0] = email;
	res = db_exec(app->db, STMT_USER_BY_EMAIL, 1, params);
	if (db_result_status(res) != DB_OK) {
		respond_db_error(app, resp, db_result_status(res));
		PQclear(res);
		return;
	}
	known = PQntuples(res) == 1;
	active = known && PQgetvalue(res, 0, LOGIN_ACTIVE)[0] == 't';
	locked = known && PQgetvalue(res, 0, LOGIN_LOCKED)[0] == 't';
	/* the same work and the same answer whether or not the account exists */
	ok = password_verify(known && active && !locked ? PQgetvalue(res, 0, LOGIN_HASH) : dummy_hash, password);
	if (known)
		parse_long(PQgetvalue(res, 0, LOGIN_ID), &user_id);
	if (!ok || !known || !active || locked) {
		if (known && active && !locked) {
			const char *fp[3];
			char limit[24], secs[24];

			snprintf(limit, sizeof limit, "%ld", app->conf->auth.lock_after_failures);
			snprintf(secs, sizeof secs, "%ld", app->conf->auth.lock_seconds);
			snprintf(uid, sizeof uid, "%ld", user_id);
			fp[0] = uid;
			fp[1] = limit;
			fp[2] = secs;
			r2 = db_exec(app->db, STMT_LOGIN_FAILED, 3, fp);
			if (db_result_status(r2) == DB_OK && PQntuples(r2) == 1 && PQgetvalue(r2, 0, 0)[0] == 't')
				audit(app->db, user_id, req->remote_addr, "user.locked", NULL,
				      json_pack("{s:I}", "seconds", (json_int_t)app->conf->auth.lock_seconds));
			PQclear(r2);
		}
		audit(app->db, known ? user_id : 0, req->remote_addr, "login.failure", NULL,
		      json_pack("{s:s, s:s}", "email", email, "reason",
		                !known ? "unknown email" : !active ? "inactive" : locked ? "locked" : "wrong password"));
		PQclear(res);
		response_error(resp, 401, "login_failed", NULL, LOGIN_FAILED_MESSAGE);
		return;
	}

	snprintf(uid, sizeof uid, "%ld", user_id);
	if (session_start(app, req, resp, uid, csrf) < 0) {
		PQclear(res);
		return;
	}
	params[0] = uid;
	PQclear(db_exec(app->db, STMT_LOGIN_OK, 1, params));
	audit(app->db, user_id, req->remote_addr, "login", NULL, NULL);
	response_json(resp, 200,
	              json_pack("{s:o, s:s}", "user",
	                        user_json(user_id, PQgetvalue(res, 0, LOGIN_EMAIL), PQgetvalue(res, 0, LOGIN_NAME),
	                                  PQgetvalue(res, 0, LOGIN_IS_ADMIN)[0] == 't'),
	                        "csrf_token", csrf));
	PQclear(res);
}

void
h_auth_logout(struct app *app, struct request *req, struct response *resp)
{
	const char *cookie = kv_get(&req->cookies, app_session_cookie(app));
	char hash[TOKEN_HASH_HEX];
	const char *params[1] = { hash };

	if (app->caller.session_id == 0) {
		response_error(resp, 400, "not_a_session", NULL, "only browser sessions log out; revoke API tokens instead");
		return;
	}
	if (cookie != NULL && token_hash(cookie, strlen(cookie), hash) == 0) {
		PGresult *res = db_exec(app->db, STMT_SESSION_DELETE, 1, params);
		if (db_result_status(res) != DB_OK) {
			respond_db_error(app, resp, db_result_status(res));
			PQclear(res);
			return;
		}
		PQclear(res);
	}
	audit(app->db, app->caller.user_id, req->remote_addr, "logout", NULL, NULL);
	set_session_cookie(app, resp, "", 0);
	response_json(resp, 200, json_pack("{s:b}", "logged_out", 1));
}

void
h_auth_me(struct app *app, struct request *req, struct response *resp)
{
	const struct caller *c = &app->caller;
	json_t *body = json_pack("{s:o}", "user", user_json(c->user_id, c->email, c->display_name, c->is_admin));
	json_t *user = json_object_get(body, "user"), *perms = json_array();

	/* what the UI may offer: the caller's role and what it allows now
	 * (for a read-only token, reads only) */
	for (int p = PERM_ACCOUNT; p < PERM__COUNT; p++)
		if (app_may(app, (enum perm)p))
			json_array_append_new(perms, json_string(perm_name((enum perm)p)));
	json_object_set_new(user, "role", json_string(role_name(c->role)));
	json_object_set_new(user, "can_reprovision", json_boolean(c->can_reprovision));
	json_object_set_new(user, "project_ids", c->limited ? pg_array_json(c->projects) : json_null());
	json_object_set_new(body, "permissions", perms);
	json_object_set_new(body, "read_only", json_boolean(c->read_only));
	if (c->session_id != 0)
		json_object_set_new(body, "csrf_token", json_string(c->csrf_token));
	response_json(resp, 200, body);
}

void
h_auth_password(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "current_password", "new_password", NULL };
	const char *current, *fresh, *params[2];
	char uid[24], sid[24], hash[PASSWORD_HASH_LEN], *msg;
	PGresult *res;
	int ok, queued;

	if (input_object(resp, req->json, fields) < 0 ||
	    (current = input_string(resp, req->json, "current_password", PASSWORD_MAX_CHARS * 4, 1, NULL)) == NULL ||
	    (fresh = input_string(resp, req->json, "new_password", PASSWORD_MAX_CHARS * 4, 1, NULL)) == NULL)
		return;
	snprintf(uid, sizeof uid, "%ld", app->caller.user_id);
	params[0] = uid;
	res = db_exec(app->db, STMT_USER_PASSWORD_HASH, 1, params);
	if (db_result_status(res) != DB_OK || PQntuples(res) != 1) {
		respond_db_error(app, resp, db_result_status(res));
		PQclear(res);
		return;
	}
	ok = password_verify(PQgetvalue(res, 0, 0), current);
	PQclear(res);
	if (!ok) {
		audit(app->db, app->caller.user_id, req->remote_addr, "password.change_failure", NULL, NULL);
		response_error(resp, 403, "wrong_password", "current_password", "the current password is wrong");
		return;
	}
	if (hash_new_password(app, resp, fresh, "new_password", hash) < 0)
		return;
	/* the new password, the end of every other session and the mail that
	 * tells of it: one unit */
	msg = accounts_password_changed_mail(app->conf);
	if (db_begin(app->db) < 0) {
		accounts_mail_free(msg);
		respond_db_error(app, resp, DB_UNAVAILABLE);
		return;
	}
	params[1] = hash;
	res = db_exec(app->db, STMT_USER_SET_PASSWORD, 2, params);
	ok = db_result_status(res) == DB_OK;
	PQclear(res);
	if (ok) {
		snprintf(sid, sizeof sid, "%ld", app->caller.session_id);
		params[1] = app->caller.session_id ? sid : NULL;
		res = db_exec(app->db, STMT_SESSIONS_DELETE_OTHERS, 2, params);
		ok = db_result_status(res) == DB_OK;
		PQclear(res);
	}
	if (ok && msg != NULL) {
		const char *mp[4] = { app->caller.email, ACCOUNTS_PASSWORD_CHANGED_SUBJECT, msg, NULL };

		res = db_exec(app->db, STMT_MAIL_QUEUE, 4, mp);
		ok = db_result_status(res) == DB_OK;
		PQclear(res);
	}
	queued = msg != NULL;
	accounts_mail_free(msg);
	if (!ok || db_commit(app->db) < 0) {
		log_warning("password change not stored: %s", db_error(app->db));
		db_rollback(app->db);
		respond_db_error(app, resp, DB_UNAVAILABLE);
		return;
	}
	app->after_mail = queued;
	audit(app->db, app->caller.user_id, req->remote_addr, "password.change", NULL, NULL);
	response_json(resp, 200, json_pack("{s:b}", "changed", 1));
}

/* The same answer, and the same work, whether or not the account exists:
 * a token is made and hashed, the message built, and one statement inserts
 * the link and its mail only for an active account, and the audit entry in
 * both cases.  Nothing here waits for the mail server (the outbox). */
void
h_auth_reset_request(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "email", NULL };
	char token[TOKEN_CHARS + 1], hash[TOKEN_HASH_HEX], secs[24], *msg;
	const char *email, *params[6];
	PGresult *res;
	int queued;

	if (input_object(resp, req->json, fields) < 0 ||
	    (email = input_string(resp, req->json, "email", 254, 1, NULL)) == NULL)
		return;
	if (token_new(token, hash) < 0) {
		response_error(resp, 500, "internal", NULL, "internal error");
		return;
	}
	msg = accounts_reset_mail(app->conf, token);
	sodium_memzero(token, sizeof token);
	snprintf(secs, sizeof secs, "%ld", app->conf->auth.reset_seconds);
	params[0] = email;
	params[1] = hash;
	params[2] = secs;
	params[3] = ACCOUNTS_RESET_SUBJECT;
	params[4] = msg;
	params[5] = is_ip_address(req->remote_addr) ? req->remote_addr : NULL;
	queued = msg != NULL;
	res = db_exec(app->db, STMT_RESET_REQUEST, 6, params);
	accounts_mail_free(msg);
	if (db_result_status(res) != DB_OK) {
		respond_db_error(app, resp, db_result_status(res));
		PQclear(res);
		return;
	}
	PQclear(res);
	/* whether or not a message was queued: the sender finds out */
	app->after_mail = queued;
	response_json(resp, 202, json_pack("{s:s}", "message",
	              "If an account with this email exists, a message with a reset link is on its way."));
}

void
h_auth_reset_confirm(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "token", "new_password", NULL };
	const char *token, *fresh, *params[4];
	char thash[TOKEN_HASH_HEX], phash[PASSWORD_HASH_LEN], *msg;
	PGresult *res;

	if (input_object(resp, req->json, fields) < 0 ||
	    (token = input_string(resp, req->json, "token", 64, 1, NULL)) == NULL ||
	    (fresh = input_string(resp, req->json, "new_password", PASSWORD_MAX_CHARS * 4, 1, NULL)) == NULL)
		return;
	if (token_hash(token, strlen(token), thash) < 0) {
		response_error(resp, 404, "invalid_link", "token", "this reset link is invalid, used or expired");
		return;
	}
	if (hash_new_password(app, resp, fresh, "new_password", phash) < 0)
		return;
	params[0] = thash;
	params[1] = phash;
	params[2] = ACCOUNTS_PASSWORD_CHANGED_SUBJECT;
	params[3] = msg = accounts_password_changed_mail(app->conf);
	res = db_exec(app->db, STMT_RESET_CONSUME, 4, params);
	accounts_mail_free(msg);
	if (db_result_status(res) != DB_OK) {
		respond_db_error(app, resp, db_result_status(res));
		PQclear(res);
		return;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		audit(app->db, 0, req->remote_addr, "password.reset_failure", NULL, NULL);
		response_error(resp, 404, "invalid_link", "token", "this reset link is invalid, used or expired");
		return;
	}
	{
		long uid;
		parse_long(PQgetvalue(res, 0, 0), &uid);
		audit(app->db, uid, req->remote_addr, "password.reset", NULL, NULL);
		app->after_mail = mail_enabled(app->conf);
	}
	PQclear(res);
	/* no automatic login: the user signs in with the new password */
	response_json(resp, 200, json_pack("{s:b}", "reset", 1));
}

void
h_auth_invite_lookup(struct app *app, struct request *req, struct response *resp)
{
	const char *token = kv_get(&req->params, "token");
	char hash[TOKEN_HASH_HEX];
	const char *params[1] = { hash };
	PGresult *res;

	/* unknown, expired, used and revoked all look the same */
	if (token == NULL || token_hash(token, strlen(token), hash) < 0) {
		response_error(resp, 404, "invalid_invite", NULL, "this invitation is invalid, used or expired");
		return;
	}
	res = db_exec(app->db, STMT_INVITE_LOOKUP, 1, params);
	if (db_result_status(res) != DB_OK) {
		respond_db_error(app, resp, db_result_status(res));
		PQclear(res);
		return;
	}
	if (PQntuples(res) != 1)
		response_error(resp, 404, "invalid_invite", NULL, "this invitation is invalid, used or expired");
	else
		response_json(resp, 200, json_pack("{s:s, s:b, s:s}", "email", PQgetvalue(res, 0, 0),
		                                   "is_admin", PQgetvalue(res, 0, 1)[0] == 't', "role",
		                                   PQgetvalue(res, 0, 2)));
	PQclear(res);
}

void
h_auth_register(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "token", "name", "password", NULL };
	const char *token, *name, *pw, *params[3];
	char thash[TOKEN_HASH_HEX], phash[PASSWORD_HASH_LEN], csrf[TOKEN_CHARS + 1];
	PGresult *res;
	enum db_status st;
	long uid;

	if (input_object(resp, req->json, fields) < 0 ||
	    (token = input_string(resp, req->json, "token", 64, 1, NULL)) == NULL ||
	    (name = input_string(resp, req->json, "name", 200, 1, NULL)) == NULL ||
	    (pw = input_string(resp, req->json, "password", PASSWORD_MAX_CHARS * 4, 1, NULL)) == NULL)
		return;
	if (token_hash(token, strlen(token), thash) < 0) {
		response_error(resp, 404, "invalid_invite", "token", "this invitation is invalid, used or expired");
		return;
	}
	if (hash_new_password(app, resp, pw, "password", phash) < 0)
		return;
	params[0] = thash;
	params[1] = name;
	params[2] = phash;
	res = db_exec(app->db, STMT_REGISTER, 3, params);
	st = db_result_status(res);
	if (st != DB_OK && st != DB_CONFLICT) {
		respond_db_error(app, resp, db_result_status(res));
		PQclear(res);
		return;
	}
	/* an account made for the invited address in the meantime (a 23505)
	 * answers like a used invite: registration tells nothing about accounts */
	if (st == DB_CONFLICT || PQntuples(res) != 1) {
		PQclear(res);
		response_error(resp, 404, "invalid_invite", "token", "this invitation is invalid, used or expired");
		return;
	}
	parse_long(PQgetvalue(res, 0, 0), &uid);
	audit(app->db, uid, req->remote_addr, "register", NULL, json_pack("{s:b}", "admin", PQgetvalue(res, 0, 3)[0] == 't'));

	/* registered users are logged in at once */
	if (session_start(app, req, resp, PQgetvalue(res, 0, 0), csrf) < 0) {
		PQclear(res);
		return;
	}
	audit(app->db, uid, req->remote_addr, "login", NULL, json_pack("{s:s}", "via", "register"));
	response_json(resp, 201,
	              json_pack("{s:o, s:s}", "user",
	                        user_json(uid, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
	                                  PQgetvalue(res, 0, 3)[0] == 't'),
	                        "csrf_token", csrf));
	PQclear(res);
}
