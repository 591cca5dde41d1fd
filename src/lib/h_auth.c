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
#include "oidc.h"
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
int
auth_session_start(struct app *app, struct request *req, struct response *resp, const char *uid,
                   const char *method, char csrf[TOKEN_CHARS + 1])
{
	char token[TOKEN_CHARS + 1], hash[TOKEN_HASH_HEX], chash[TOKEN_HASH_HEX], lifetime[24];
	const char *params[7];
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
	params[6] = method;
	res = db_exec(app->db, STMT_SESSION_INSERT, 7, params);
	ok = db_result_status(res) == DB_OK;
	if (ok)
		set_session_cookie(app, resp, token, app->conf->auth.session_absolute_seconds);
	else
		respond_db_error(app, resp, db_result_status(res));
	PQclear(res);
	sodium_memzero(token, sizeof token);
	return ok ? 0 : -1;
}

/* Device cookies (OWASP's "Slow Down Online Guessing Attacks with Device
 * Cookies"): a login gives the browser a random token bound to the account,
 * stored as its hash.  A client that shows one valid for the account has
 * its failures counted against that cookie alone; every other client
 * counts against the account, whose lock then keeps out only clients
 * without one.  So nobody locks a user out of a browser that logged in
 * before by guessing on purpose. */
static const char *
device_cookie_name(const struct app *app)
{
	return app->conf->auth.secure_cookies ? "__Host-ocim_device" : "ocim_device";
}

/* Finds the caller's device cookie for account uid: *device its id (0: the
 * client has none valid for it), *locked whether it is locked.  Returns 0,
 * or -1 with the error in resp. */
static int
device_find(struct app *app, struct request *req, struct response *resp, const char *uid, long *device,
            int *locked)
{
	const char *cookie = kv_get(&req->cookies, device_cookie_name(app));
	char hash[TOKEN_HASH_HEX];
	const char *params[2] = { hash, uid };
	PGresult *res;

	*device = 0;
	*locked = 0;
	if (cookie == NULL || token_hash(cookie, strlen(cookie), hash) < 0)
		return 0;
	res = db_exec(app->db, STMT_DEVICE_LOOKUP, 2, params);
	if (db_result_status(res) != DB_OK) {
		respond_db_error(app, resp, db_result_status(res));
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 1) {
		parse_long(PQgetvalue(res, 0, DEVICE_ID), device);
		*locked = PQgetvalue(res, 0, DEVICE_LOCKED)[0] == 't';
	}
	PQclear(res);
	return 0;
}

/* Counts a wrong password for account user_id: against the client's device
 * cookie device when it has one, else against the account's unknown
 * clients.  Past auth.lock_after_failures each failure locks, for longer
 * every time (STMT_LOGIN_FAILED). */
static void
count_failure(struct app *app, struct request *req, long user_id, long device)
{
	char id[24], limit[24], first[24], most[24];
	const char *params[4] = { id, limit, first, most };
	PGresult *res;
	long failures = 0, seconds = 0;

	snprintf(id, sizeof id, "%ld", device ? device : user_id);
	snprintf(limit, sizeof limit, "%ld", app->conf->auth.lock_after_failures);
	snprintf(first, sizeof first, "%ld", app->conf->auth.lock_first_seconds);
	snprintf(most, sizeof most, "%ld", app->conf->auth.lock_seconds);
	res = db_exec(app->db, device ? STMT_DEVICE_FAILED : STMT_LOGIN_FAILED, 4, params);
	if (db_result_status(res) == DB_OK && PQntuples(res) == 1) {
		parse_long(PQgetvalue(res, 0, FAIL_COUNT), &failures);
		parse_long(PQgetvalue(res, 0, FAIL_LOCKED_SECONDS), &seconds);
	} else {
		log_warning("a failed login of user %ld was not counted: %s", user_id, db_error(app->db));
	}
	PQclear(res);
	if (seconds > 0)
		audit(app->db, user_id, req->remote_addr, "user.locked", NULL,
		      json_pack("{s:I, s:I, s:s}", "seconds", (json_int_t)seconds, "failures", (json_int_t)failures,
		                "clients", device ? "this device cookie" : "clients without a device cookie"));
}

/* After a good password: the client's device cookie for the account is
 * refreshed (its failures forgotten), or a new one is set. */
static void
device_remember(struct app *app, struct response *resp, const char *uid, long device)
{
	char token[TOKEN_CHARS + 1], hash[TOKEN_HASH_HEX], secs[24], id[24], cookie[256];
	const char *params[3] = { hash, uid, secs };
	PGresult *res;

	snprintf(secs, sizeof secs, "%ld", app->conf->auth.device_cookie_seconds);
	if (device) {
		snprintf(id, sizeof id, "%ld", device);
		params[0] = id;
		params[1] = secs;
		PQclear(db_exec(app->db, STMT_DEVICE_OK, 2, params));
		return;
	}
	if (token_new(token, hash) < 0)
		return;         /* no device cookie: the next login is an unknown client's */
	res = db_exec(app->db, STMT_DEVICE_INSERT, 3, params);
	if (db_result_status(res) == DB_OK) {
		/* only ever sent to the login and password routes' site: Strict */
		snprintf(cookie, sizeof cookie, "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Strict%s",
		         device_cookie_name(app), token, app->conf->auth.device_cookie_seconds,
		         app->conf->auth.secure_cookies ? "; Secure" : "");
		response_header(resp, "Set-Cookie", cookie);
		sodium_memzero(cookie, sizeof cookie);
	}
	PQclear(res);
	sodium_memzero(token, sizeof token);
}

/* A password login of an address whose domain requires OpenID Connect
 * (sql/018_oidc_domains.sql) is refused with a sentence that names the
 * buttons to use.  The answer depends on the domain alone: every address
 * of it, with an account or without, gets it before any password is
 * looked at, so it tells nothing about accounts, confirms no password and
 * counts no failure (docs/security.md).  Returns 0 when no rule applies,
 * else 1 with the answer in resp. */
static int
refuse_oidc_domain(struct app *app, struct request *req, struct response *resp, const char *email)
{
	const char *params[1] = { email };
	char msg[600];
	long uid = 0;
	PGresult *res = db_exec(app->db, STMT_OIDC_RULE_FOR, 1, params);

	if (db_result_status(res) != DB_OK) {
		respond_db_error(app, resp, db_result_status(res));
		PQclear(res);
		return 1;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		return 0;
	}
	oidc_way_in(app->conf, PQgetvalue(res, 0, RULE_DOMAIN), PQgetvalue(res, 0, RULE_PROVIDERS), msg, sizeof msg);
	if (!PQgetisnull(res, 0, RULE_USER_ID))
		parse_long(PQgetvalue(res, 0, RULE_USER_ID), &uid);
	audit(app->db, uid, req->remote_addr, "login.failure", NULL,
	      json_pack("{s:s, s:s, s:s}", "email", email, "reason", "oidc required", "domain",
	                PQgetvalue(res, 0, RULE_DOMAIN)));
	PQclear(res);
	response_error(resp, 403, "oidc_required", "email", "%s", msg);
	return 1;
}

void
h_auth_login(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "email", "password", NULL };
	const char *email, *password, *params[2];
	char csrf[TOKEN_CHARS + 1], uid[24];
	PGresult *res;
	long user_id = 0, device = 0;
	int known, active, locked, device_locked, ok;

	if (input_object(resp, req->json, fields) < 0 ||
	    (email = input_string(resp, req->json, "email", 254, 1, NULL)) == NULL ||
	    (password = input_string(resp, req->json, "password", PASSWORD_MAX_CHARS * 4, 1, NULL)) == NULL)
		return;
	params[0] = email;
	if (refuse_oidc_domain(app, req, resp, email) != 0)
		return;
	res = db_exec(app->db, STMT_USER_BY_EMAIL, 1, params);
	if (db_result_status(res) != DB_OK) {
		respond_db_error(app, resp, db_result_status(res));
		PQclear(res);
		return;
	}
	known = PQntuples(res) == 1;
	active = known && PQgetvalue(res, 0, LOGIN_ACTIVE)[0] == 't';
	if (known)
		parse_long(PQgetvalue(res, 0, LOGIN_ID), &user_id);
	snprintf(uid, sizeof uid, "%ld", user_id);
	/* asked for unknown emails too (account 0): the same statements either way */
	if (device_find(app, req, resp, uid, &device, &device_locked) < 0) {
		PQclear(res);
		return;
	}
	/* the account's lock keeps out clients without a device cookie for it;
	 * a client with one is held only by that cookie's own lock */
	locked = device ? device_locked : known && PQgetvalue(res, 0, LOGIN_LOCKED)[0] == 't';
	/* the same work and the same answer whether or not the account exists */
	ok = password_verify(known && active && !locked ? PQgetvalue(res, 0, LOGIN_HASH) : dummy_hash, password);
	if (!ok || !known || !active || locked) {
		if (known && active && !locked)
			count_failure(app, req, user_id, device);
		audit(app->db, known ? user_id : 0, req->remote_addr, "login.failure", NULL,
		      json_pack("{s:s, s:s, s:b}", "email", email, "reason",
		                !known ? "unknown email" : !active ? "inactive" : locked ? "locked" : "wrong password",
		                "device_cookie", device != 0));
		PQclear(res);
		response_error(resp, 401, "login_failed", NULL, LOGIN_FAILED_MESSAGE);
		return;
	}

	if (auth_session_start(app, req, resp, uid, "password", csrf) < 0) {
		PQclear(res);
		return;
	}
	params[0] = uid;
	params[1] = device ? "true" : "false";
	PQclear(db_exec(app->db, STMT_LOGIN_OK, 2, params));
	device_remember(app, resp, uid, device);
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
	/* what this server has switched on, so the UI can say why an action
	 * it offers nobody is missing */
	json_object_set_new(body, "features", json_pack("{s:b}", "reprovision",
	                                                app->conf->actions.reprovision_enabled));
	if (c->session_id != 0)
		json_object_set_new(body, "csrf_token", json_string(c->csrf_token));
	response_json(resp, 200, body);
}

/* The end of a password's unit (a change or a reset): queues msg, the mail
 * that tells the account's owner (when there is one), and commits; when
 * ok is false or any of it fails, nothing is kept and the answer is 503.
 * Takes msg.  Returns 0 when committed, -1 when answered. */
static int
finish_password_unit(struct app *app, struct response *resp, int ok, const char *email, char *msg,
                     const char *what)
{
	if (ok && msg != NULL) {
		const char *mp[4] = { email, ACCOUNTS_PASSWORD_CHANGED_SUBJECT, msg, NULL };
		PGresult *res = db_exec(app->db, STMT_MAIL_QUEUE, 4, mp);

		ok = db_result_status(res) == DB_OK;
		PQclear(res);
	}
	app->after_mail = msg != NULL;
	accounts_mail_free(msg);
	if (!ok || db_commit(app->db) < 0) {
		log_warning("%s not stored: %s", what, db_error(app->db));
		db_rollback(app->db);
		app->after_mail = 0;
		respond_db_error(app, resp, DB_UNAVAILABLE);
		return -1;
	}
	return 0;
}

/* A change needs a browser session (an API token never changes the
 * password it stands beside), and a wrong current password counts like a
 * failed login, against the same counter and lock a login from this client
 * would meet.  end_tokens says whether every API token ends too; the mail
 * says what ended. */
void
h_auth_password(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "current_password", "new_password", "end_tokens", NULL };
	const char *current, *fresh, *params[4];
	char uid[24], sid[24], hash[PASSWORD_HASH_LEN], *msg = NULL;
	long device = 0, ended[ENDED__COLS] = { 0 };
	PGresult *res;
	int ok, locked, end_tokens;

	if (app->caller.session_id == 0) {
		audit(app->db, app->caller.user_id, req->remote_addr, "password.change_failure", NULL,
		      json_pack("{s:s}", "reason", "API token"));
		response_error(resp, 403, "session_required", NULL,
		               "changing the password needs a browser session: log in with the password, not an API token");
		return;
	}
	if (input_object(resp, req->json, fields) < 0 ||
	    (current = input_string(resp, req->json, "current_password", PASSWORD_MAX_CHARS * 4, 1, NULL)) == NULL ||
	    (fresh = input_string(resp, req->json, "new_password", PASSWORD_MAX_CHARS * 4, 1, NULL)) == NULL ||
	    (end_tokens = input_bool(resp, req->json, "end_tokens", 0)) == -1)
		return;
	snprintf(uid, sizeof uid, "%ld", app->caller.user_id);
	params[0] = uid;
	res = db_exec(app->db, STMT_USER_PASSWORD_HASH, 1, params);
	if (db_result_status(res) != DB_OK || PQntuples(res) != 1) {
		respond_db_error(app, resp, db_result_status(res));
		PQclear(res);
		return;
	}
	if (device_find(app, req, resp, uid, &device, &locked) < 0) {
		PQclear(res);
		return;
	}
	if (!device)
		locked = PQgetvalue(res, 0, 1)[0] == 't';       /* the account's lock for unknown clients */
	if (locked) {
		PQclear(res);
		audit(app->db, app->caller.user_id, req->remote_addr, "password.change_failure", NULL,
		      json_pack("{s:s}", "reason", "locked"));
		response_error(resp, 429, "too_many_failures", "current_password",
		               "too many wrong passwords: wait a few minutes before trying again");
		return;
	}
	ok = password_verify(PQgetvalue(res, 0, 0), current);
	PQclear(res);
	if (!ok) {
		count_failure(app, req, app->caller.user_id, device);
		audit(app->db, app->caller.user_id, req->remote_addr, "password.change_failure", NULL,
		      json_pack("{s:s}", "reason", "wrong password"));
		response_error(resp, 403, "wrong_password", "current_password", "the current password is wrong");
		return;
	}
	if (hash_new_password(app, resp, fresh, "new_password", hash) < 0)
		return;
	/* the new password, the end of what it ends, the voided reset links and
	 * the mail that tells of it: one unit */
	if (db_begin(app->db) < 0) {
		respond_db_error(app, resp, DB_UNAVAILABLE);
		return;
	}
	snprintf(sid, sizeof sid, "%ld", app->caller.session_id);
	params[1] = hash;
	params[2] = sid;
	params[3] = end_tokens == 1 ? "true" : "false";
	res = db_exec(app->db, STMT_PASSWORD_CHANGE, 4, params);
	ok = db_result_status(res) == DB_OK && PQntuples(res) == 1;
	if (ok) {
		for (int i = 0; i <= ENDED_LINKS; i++)
			parse_long(PQgetvalue(res, 0, i), &ended[i]);
		msg = accounts_password_changed_mail(app->conf, 0, ended[ENDED_SESSIONS], ended[ENDED_TOKENS],
		                                     ended[ENDED_TOKENS_KEPT]);
	}
	PQclear(res);
	if (finish_password_unit(app, resp, ok, app->caller.email, msg, "password change") < 0)
		return;
	audit(app->db, app->caller.user_id, req->remote_addr, "password.change", NULL,
	      json_pack("{s:I, s:I, s:I, s:I}", "sessions_ended", (json_int_t)ended[ENDED_SESSIONS],
	                "tokens_ended", (json_int_t)ended[ENDED_TOKENS], "tokens_kept", (json_int_t)ended[ENDED_TOKENS_KEPT],
	                "reset_links_voided", (json_int_t)ended[ENDED_LINKS]));
	response_json(resp, 200, json_pack("{s:b, s:I, s:I, s:I}", "changed", 1,
	                                   "sessions_ended", (json_int_t)ended[ENDED_SESSIONS],
	                                   "tokens_ended", (json_int_t)ended[ENDED_TOKENS],
	                                   "tokens_kept", (json_int_t)ended[ENDED_TOKENS_KEPT]));
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

/* A reset uses its link, voids the account's other links and ends every
 * session and API token (STMT_RESET_CONSUME), and queues the mail that says
 * so, in one unit. */
void
h_auth_reset_confirm(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "token", "new_password", NULL };
	const char *token, *fresh, *params[2];
	char thash[TOKEN_HASH_HEX], phash[PASSWORD_HASH_LEN], email[256], *msg = NULL;
	long ended[ENDED__COLS] = { 0 }, uid = 0;
	PGresult *res;
	int ok, found = 0;

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
	if (db_begin(app->db) < 0) {
		respond_db_error(app, resp, DB_UNAVAILABLE);
		return;
	}
	params[0] = thash;
	params[1] = phash;
	res = db_exec(app->db, STMT_RESET_CONSUME, 2, params);
	ok = db_result_status(res) == DB_OK;
	if (ok && PQntuples(res) == 1) {
		found = 1;
		for (int i = 0; i <= ENDED_USER_ID; i++)
			parse_long(PQgetvalue(res, 0, i), &ended[i]);
		uid = ended[ENDED_USER_ID];
		snprintf(email, sizeof email, "%s", PQgetvalue(res, 0, ENDED_EMAIL));
		msg = accounts_password_changed_mail(app->conf, 1, ended[ENDED_SESSIONS], ended[ENDED_TOKENS], 0);
	}
	PQclear(res);
	if (finish_password_unit(app, resp, ok, email, msg, "password reset") < 0)
		return;
	if (!found) {
		audit(app->db, 0, req->remote_addr, "password.reset_failure", NULL, NULL);
		response_error(resp, 404, "invalid_link", "token", "this reset link is invalid, used or expired");
		return;
	}
	audit(app->db, uid, req->remote_addr, "password.reset", NULL,
	      json_pack("{s:I, s:I, s:I}", "sessions_ended", (json_int_t)ended[ENDED_SESSIONS],
	                "tokens_ended", (json_int_t)ended[ENDED_TOKENS], "reset_links_voided", (json_int_t)ended[ENDED_LINKS]));
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
	if (auth_session_start(app, req, resp, PQgetvalue(res, 0, 0), "password", csrf) < 0) {
		PQclear(res);
		return;
	}
	/* the browser that registered is the account's first known device */
	device_remember(app, resp, PQgetvalue(res, 0, 0), 0);
	audit(app->db, uid, req->remote_addr, "login", NULL, json_pack("{s:s}", "via", "register"));
	response_json(resp, 201,
	              json_pack("{s:o, s:s}", "user",
	                        user_json(uid, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
	                                  PQgetvalue(res, 0, 3)[0] == 't'),
	                        "csrf_token", csrf));
	PQclear(res);
}
