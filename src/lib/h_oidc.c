/* Sign-in with an OpenID Connect provider (Google by default): the login
 * page's buttons, the redirect to the provider and its callback.
 *
 * The browser leaves with a state, a nonce and a PKCE challenge; the
 * state is also put in a short-lived cookie, so that the callback is
 * answered only in the browser that started it (login CSRF), and its row
 * (sql/017_oidc.sql) is consumed once.  Every failure ends on the login
 * page as /login?oidc_error=CODE (the page says what it means) and in the
 * audit log as "login.failure" with the technical reason.  Nothing of a
 * code or a token is logged. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "app.h"
#include "audit.h"
#include "handler.h"
#include "log.h"
#include "oidc.h"
#include "token.h"
#include "util.h"

#define OIDC_LOGIN_SECONDS 600          /* from the button to the callback */
#define OIDC_MAX_AGE 600                /* iat no older than this */

static const char *
state_cookie_name(const struct app *app)
{
	return app->conf->auth.secure_cookies ? "__Host-ocim_oidc" : "ocim_oidc";
}

static const struct oidc_provider *
provider_find(const struct app *app, const char *name)
{
	for (size_t i = 0; name != NULL && i < app->conf->oidc.nproviders; i++)
		if (strcmp(app->conf->oidc.providers[i].name, name) == 0)
			return &app->conf->oidc.providers[i];
	return NULL;
}

static void
redirect_uri(const struct app *app, const struct oidc_provider *p, char *out, size_t n)
{
	const char *base = app->conf->http.base_url;
	size_t len = strlen(base);

	while (len > 0 && base[len - 1] == '/')
		len--;
	snprintf(out, n, "%.*s/api/v1/auth/oidc/%s/callback", (int)len, base, p->name);
}

static void
redirect(struct response *resp, const char *location)
{
	resp->status = 302;
	response_header(resp, "Location", location);
	response_header(resp, "Referrer-Policy", "no-referrer");
}

static void
clear_state_cookie(struct app *app, struct response *resp)
{
	char cookie[128];

	snprintf(cookie, sizeof cookie, "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax%s", state_cookie_name(app),
	         app->conf->auth.secure_cookies ? "; Secure" : "");
	response_header(resp, "Set-Cookie", cookie);
}

/* Ends a failed sign-in: the login page with code (which the page turns
 * into a sentence), the audit log with the technical reason. */
static void
refuse(struct app *app, struct request *req, struct response *resp, const struct oidc_provider *p, long user_id,
       const char *code, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void
refuse(struct app *app, struct request *req, struct response *resp, const struct oidc_provider *p, long user_id,
       const char *code, const char *fmt, ...)
{
	char reason[400], loc[96];
	va_list ap;

	va_start(ap, fmt);
	utf8_vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	audit(app->db, user_id, req->remote_addr, "login.failure", NULL,
	      json_pack("{s:s, s:s, s:s, s:s}", "method", "oidc", "provider", p ? p->name : "", "error", code,
	                "reason", reason));
	log_info("oidc sign-in with %s refused (%s): %s", p ? p->name : "?", code, reason);
	response_free(resp);
	response_init(resp);
	clear_state_cookie(app, resp);
	snprintf(loc, sizeof loc, "/login?oidc_error=%s", code);
	redirect(resp, loc);
}

void
h_oidc_providers(struct app *app, struct request *req, struct response *resp)
{
	json_t *list = json_array();

	(void)req;
	for (size_t i = 0; i < app->conf->oidc.nproviders; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:s+}", "name", app->conf->oidc.providers[i].name,
		                                      "label", app->conf->oidc.providers[i].label, "start",
		                                      "/api/v1/auth/oidc/", app->conf->oidc.providers[i].name));
	response_json(resp, 200, json_pack("{s:o}", "providers", list));
}

/* The client secret: sealed in the configuration, or in a file no one
 * but the service may read.  Caller wipes and frees. */
static char *
client_secret(struct app *app, struct response *resp, const struct oidc_provider *p, char *why, size_t whysz)
{
	char err[256], *buf = NULL;
	size_t len;
	struct stat st;

	if (p->client_secret[0] != '\0') {
		const struct secret_key *k = app_key(app, resp);
		char *s;
		if (k == NULL) {
			snprintf(why, whysz, "the key file cannot be read");
			return NULL;
		}
		if ((s = secret_open(k, p->client_secret)) == NULL)
			secret_why(k, p->client_secret, why, whysz);
		return s;
	}
	if (stat(p->client_secret_file, &st) < 0) {
		snprintf(why, whysz, "the client secret file %s: %s", p->client_secret_file, strerror(errno));
		return NULL;
	}
	if (st.st_mode & S_IROTH) {
		snprintf(why, whysz, "the client secret file %s is readable by others: chmod o-r", p->client_secret_file);
		return NULL;
	}
	if (read_file(p->client_secret_file, 4096, &buf, &len, err, sizeof err) < 0) {
		snprintf(why, whysz, "%s", err);
		return NULL;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	return buf;
}

static void
wipe_free(char *s)
{
	if (s != NULL) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

void
h_oidc_start(struct app *app, struct request *req, struct response *resp)
{
	const struct oidc_provider *p = provider_find(app, kv_get(&req->params, "provider"));
	char state[TOKEN_CHARS + 1], shash[TOKEN_HASH_HEX], nonce[TOKEN_CHARS + 1], nhash[TOKEN_HASH_HEX];
	char verifier[TOKEN_CHARS + 1], vhash[TOKEN_HASH_HEX], challenge[44], ruri[1024], secs[16], why[400];
	char cookie[256];
	const char *params[5] = { shash, NULL, nonce, verifier, secs };
	const char *endpoint;
	json_t *disc = NULL, *jwks = NULL;
	struct buf loc = { 0 };
	PGresult *res;

	if (p == NULL) {
		response_error(resp, 404, "not_found", "provider", "no such sign-in provider");
		return;
	}
	if (oidc_provider_meta(app->db, p, app->conf->oidc.timeout_seconds, 0, &disc, &jwks, why, sizeof why) < 0) {
		refuse(app, req, resp, p, 0, "provider_unavailable", "%s", why);
		return;
	}
	endpoint = json_string_value(json_object_get(disc, "authorization_endpoint"));
	if (token_new(state, shash) < 0 || token_new(nonce, nhash) < 0 || token_new(verifier, vhash) < 0) {
		json_decref(disc);
		json_decref(jwks);
		response_error(resp, 500, "internal", NULL, "no randomness available");
		return;
	}
	params[1] = p->name;
	snprintf(secs, sizeof secs, "%d", OIDC_LOGIN_SECONDS);
	res = db_exec(app->db, STMT_OIDC_LOGIN_INSERT, 5, params);
	if (db_result_status(res) != DB_OK) {
		respond_db_error(app, resp, db_result_status(res));
		goto out;
	}
	oidc_pkce_challenge(verifier, challenge);
	redirect_uri(app, p, ruri, sizeof ruri);
	{
		char *cid = oidc_escape(p->client_id), *ru = oidc_escape(ruri);
		buf_printf(&loc, "%s%sresponse_type=code&scope=openid%%20email%%20profile&client_id=%s&redirect_uri=%s"
		           "&state=%s&nonce=%s&code_challenge=%s&code_challenge_method=S256",
		           endpoint, strchr(endpoint, '?') ? "&" : "?", cid ? cid : "", ru ? ru : "", state, nonce,
		           challenge);
		free(cid);
		free(ru);
	}
	snprintf(cookie, sizeof cookie, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s", state_cookie_name(app),
	         state, OIDC_LOGIN_SECONDS, app->conf->auth.secure_cookies ? "; Secure" : "");
	response_header(resp, "Set-Cookie", cookie);
	redirect(resp, loc.data ? loc.data : "/login?oidc_error=internal");
out:
	PQclear(res);
	buf_free(&loc);
	json_decref(disc);
	json_decref(jwks);
	sodium_memzero(verifier, sizeof verifier);
}

/* The OAuth error codes a provider sends back, as the login page's codes. */
static const char *
provider_error_code(const char *error)
{
	if (strcmp(error, "access_denied") == 0)
		return "access_denied";
	if (strcmp(error, "temporarily_unavailable") == 0 || strcmp(error, "server_error") == 0)
		return "provider_unavailable";
	return "provider_error";
}

static const char *
token_error_code(enum oidc_result r)
{
	switch (r) {
	case OIDC_E_EXPIRED:
	case OIDC_E_FUTURE:
		return "token_time";
	case OIDC_E_EMAIL:
		return "email_not_verified";
	case OIDC_E_DOMAIN:
		return "domain_not_allowed";
	default:
		return "token_invalid";
	}
}

/* Finds or makes the account of a verified identity: by (provider, sub)
 * first; else an active account of that email, which is linked; else a
 * pending invite of that email, which is consumed.  Returns the result
 * (its row in OIDCUSER_* columns) or NULL after refuse(). */
static PGresult *
account_for(struct app *app, struct request *req, struct response *resp, const struct oidc_provider *p,
            const struct oidc_identity *id, const char **how)
{
	const char *params[4] = { p->name, id->sub, id->email, id->name };
	PGresult *res;

	res = db_exec(app->db, STMT_OIDC_USER_BY_SUB, 2, params);
	*how = "link";
	if (db_result_status(res) == DB_OK && PQntuples(res) == 1) {
		long uid = 0;
		if (PQgetvalue(res, 0, OIDCUSER_ACTIVE)[0] == 't')
			return res;
		/* the link stays, but a deactivated account opens no session */
		parse_long(PQgetvalue(res, 0, OIDCUSER_ID), &uid);
		PQclear(res);
		refuse(app, req, resp, p, uid, "account_unavailable", "the linked account of %s is deactivated", p->name);
		return NULL;
	}
	PQclear(res);
	res = db_exec(app->db, STMT_OIDC_LINK, 3, params);
	*how = "email";
	if (db_result_status(res) == DB_OK && PQntuples(res) == 1) {
		long uid = 0;
		parse_long(PQgetvalue(res, 0, OIDCUSER_ID), &uid);
		if (PQgetvalue(res, 0, OIDCUSER_ACTIVE)[0] == 't') {
			audit(app->db, uid, req->remote_addr, "oidc.linked", NULL,
			      json_pack("{s:s, s:s}", "provider", p->name, "email", id->email));
			return res;
		}
		PQclear(res);
		refuse(app, req, resp, p, uid, "account_unavailable",
		       "the account of %s is deactivated or linked to another %s identity", id->email, p->name);
		return NULL;
	}
	PQclear(res);
	res = db_exec(app->db, STMT_OIDC_REGISTER, 4, params);
	*how = "invite";
	if (db_result_status(res) == DB_OK && PQntuples(res) == 1) {
		long uid = 0;
		parse_long(PQgetvalue(res, 0, OIDCUSER_ID), &uid);
		audit(app->db, uid, req->remote_addr, "invite.accepted", NULL,
		      json_pack("{s:s, s:s, s:s}", "email", id->email, "method", "oidc", "provider", p->name));
		return res;
	}
	if (db_result_status(res) != DB_OK) {
		refuse(app, req, resp, p, 0, "internal", "the database refused: %s", db_error(app->db));
		PQclear(res);
		return NULL;
	}
	PQclear(res);
	refuse(app, req, resp, p, 0, "no_account", "no active account or pending invite for the verified email %s",
	       id->email);
	return NULL;
}

/* Whether the domain rule of the account's email (if any) lets it sign in
 * through p; when not, why says which providers it allows.  A rule that
 * cannot be read lets nobody in. */
static int
rule_allows(struct app *app, const char *email, const struct oidc_provider *p, char *why, size_t whysz)
{
	const char *params[1] = { email };
	PGresult *res = db_exec(app->db, STMT_OIDC_RULE_FOR, 1, params);
	int ok;

	if (db_result_status(res) != DB_OK) {
		snprintf(why, whysz, "the domain rules cannot be read: %s", db_error(app->db));
		PQclear(res);
		return 0;
	}
	ok = PQntuples(res) == 0 || oidc_provider_allowed(PQgetvalue(res, 0, RULE_PROVIDERS), p->name);
	if (!ok)
		snprintf(why, whysz, "the rule of %s allows only %s", PQgetvalue(res, 0, RULE_DOMAIN),
		         PQgetvalue(res, 0, RULE_PROVIDERS));
	PQclear(res);
	return ok;
}

void
h_oidc_callback(struct app *app, struct request *req, struct response *resp)
{
	const struct oidc_provider *p = provider_find(app, kv_get(&req->params, "provider"));
	const char *state = kv_get(&req->query, "state"), *code = kv_get(&req->query, "code");
	const char *error = kv_get(&req->query, "error");
	const char *cookie = kv_get(&req->cookies, state_cookie_name(app)), *how = NULL;
	char shash[TOKEN_HASH_HEX], nonce[129], verifier[129], ruri[1024], why[400], terr[64], csrf[TOKEN_CHARS + 1];
	char uid[24], email[256];
	const char *params[2] = { shash, NULL };
	long tstatus = -1;
	json_t *disc = NULL, *jwks = NULL;
	char *secret = NULL, *id_token = NULL;
	struct oidc_identity id;
	struct oidc_expect x;
	enum oidc_result r;
	PGresult *res;

	if (p == NULL) {
		response_error(resp, 404, "not_found", "provider", "no such sign-in provider");
		return;
	}
	/* the state first: an answer that is not for this browser's sign-in
	 * is not read any further, not even its error */
	if (state == NULL || cookie == NULL || strlen(state) != strlen(cookie) ||
	    sodium_memcmp(state, cookie, strlen(state)) != 0 || token_hash(state, strlen(state), shash) < 0) {
		refuse(app, req, resp, p, 0, "bad_state", "the state is %s", state == NULL ? "missing" :
		       cookie == NULL ? "without its cookie (another browser, or the cookie expired)" :
		       "not the one of this browser's cookie");
		return;
	}
	params[1] = p->name;
	res = db_exec(app->db, STMT_OIDC_LOGIN_CONSUME, 2, params);
	if (db_result_status(res) != DB_OK || PQntuples(res) != 1) {
		PQclear(res);
		refuse(app, req, resp, p, 0, "bad_state", "the state is unknown, expired or used already (a replay)");
		return;
	}
	snprintf(nonce, sizeof nonce, "%s", PQgetvalue(res, 0, 0));
	snprintf(verifier, sizeof verifier, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	if (error != NULL) {
		const char *desc = kv_get(&req->query, "error_description");
		char e[64], d[200];
		refuse(app, req, resp, p, 0, provider_error_code(error), "the provider answered %s%s%s",
		       utf8_clip(e, sizeof e, error), desc ? ": " : "", desc ? utf8_clip(d, sizeof d, desc) : "");
		goto out;
	}
	if (code == NULL || code[0] == '\0' || strlen(code) > 2048) {
		refuse(app, req, resp, p, 0, "provider_error", "the callback has no code");
		goto out;
	}
	if (oidc_provider_meta(app->db, p, app->conf->oidc.timeout_seconds, 0, &disc, &jwks, why, sizeof why) < 0) {
		refuse(app, req, resp, p, 0, "provider_unavailable", "%s", why);
		goto out;
	}
	if ((secret = client_secret(app, resp, p, why, sizeof why)) == NULL) {
		refuse(app, req, resp, p, 0, "misconfigured", "the client secret of %s: %s", p->name, why);
		goto out;
	}
	redirect_uri(app, p, ruri, sizeof ruri);
	id_token = oidc_exchange_code(p, disc, secret, code, verifier, ruri, app->conf->oidc.timeout_seconds,
	                              &tstatus, terr, sizeof terr, why, sizeof why);
	if (id_token == NULL) {
		refuse(app, req, resp, p, 0, oidc_token_failure(tstatus, terr), "%s", why);
		goto out;
	}
	memset(&x, 0, sizeof x);
	x.issuer = p->issuer;
	/* Google's tokens say either form (its discovery document says the first) */
	x.issuer_alt = strcmp(p->issuer, "https://accounts.google.com") == 0 ? "accounts.google.com" : NULL;
	x.client_id = p->client_id;
	x.nonce = nonce;
	x.hosted_domains = p->hosted_domains;
	x.now = time(NULL);
	x.skew = app->conf->oidc.clock_skew_seconds;
	x.max_age = OIDC_MAX_AGE;
	r = oidc_verify_id_token(id_token, jwks, &x, &id, why, sizeof why);
	if (r == OIDC_E_KID) {
		/* the provider may have rotated its keys: fetch them again (at most once a minute) */
		json_decref(disc);
		json_decref(jwks);
		disc = jwks = NULL;
		if (oidc_provider_meta(app->db, p, app->conf->oidc.timeout_seconds, 1, &disc, &jwks, why, sizeof why) < 0) {
			refuse(app, req, resp, p, 0, "provider_unavailable", "%s", why);
			goto out;
		}
		r = oidc_verify_id_token(id_token, jwks, &x, &id, why, sizeof why);
	}
	if (r != OIDC_OK) {
		refuse(app, req, resp, p, 0, token_error_code(r), "ID token refused (%s): %s", oidc_result_name(r), why);
		goto out;
	}
	/* the rule of the verified email's domain before anything is linked or
	 * an invite consumed; the account's own email (a link by sub) after */
	if (!rule_allows(app, id.email, p, why, sizeof why)) {
		refuse(app, req, resp, p, 0, "provider_not_allowed", "%s", why);
		goto out;
	}
	if ((res = account_for(app, req, resp, p, &id, &how)) == NULL)
		goto out;
	snprintf(uid, sizeof uid, "%s", PQgetvalue(res, 0, OIDCUSER_ID));
	snprintf(email, sizeof email, "%s", PQgetvalue(res, 0, OIDCUSER_EMAIL));
	PQclear(res);
	if (!rule_allows(app, email, p, why, sizeof why)) {
		long u = 0;
		parse_long(uid, &u);
		refuse(app, req, resp, p, u, "provider_not_allowed", "%s", why);
		goto out;
	}
	if (auth_session_start(app, req, resp, uid, "oidc", csrf) < 0) {
		long u = 0;
		parse_long(uid, &u);
		refuse(app, req, resp, p, u, "internal", "the session could not be stored");
		goto out;
	}
	{
		const char *lp[2] = { uid, "true" };
		long u = 0;
		PQclear(db_exec(app->db, STMT_LOGIN_OK, 2, lp));
		parse_long(uid, &u);
		audit(app->db, u, req->remote_addr, "login", NULL,
		      json_pack("{s:s, s:s, s:s}", "method", "oidc", "provider", p->name, "matched_by", how));
	}
	clear_state_cookie(app, resp);
	redirect(resp, "/");
out:
	sodium_memzero(verifier, sizeof verifier);
	sodium_memzero(nonce, sizeof nonce);
	wipe_free(secret);
	wipe_free(id_token);
	json_decref(disc);
	json_decref(jwks);
}
