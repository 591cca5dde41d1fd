/* What an admin manages of sign-in with OpenID Connect: the email domains
 * that must sign in through a provider (sql/018_oidc_domains.sql) and
 * users' links to providers (sql/017_oidc.sql). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "audit.h"
#include "handler.h"
#include "input.h"
#include "log.h"
#include "oidc.h"
#include "util.h"

#define RULE_ARRAY_MAX 600      /* 8 names of 64 bytes, commas and braces */

void
h_oidc_domains_list(struct app *app, struct request *req, struct response *resp)
{
	enum db_status st;
	char *text = db_text(app->db, STMT_OIDC_RULE_LIST, 0, NULL, &st);

	(void)req;
	if (text == NULL) {
		respond_db_error(app, resp, st == DB_OK ? DB_ERROR : st);
		return;
	}
	response_raw_json(resp, 200, text);
}

/* {"domain": "example.com", "providers": ["google"]}: providers absent or
 * empty allows any configured one.  Ends the password sessions and voids
 * the reset links of the domain's users in the same statement. */
void
h_oidc_domains_add(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "domain", "providers", NULL };
	const char *names[CONF_MAX_OIDC_PROVIDERS + 1], *field, *params[4];
	const json_t *list = json_object_get(req->json, "providers"), *v;
	char domain[256], pgarray[RULE_ARRAY_MAX], err[400], by[24], sid[24], object[300];
	const char *d;
	size_t i, n = 0;
	enum db_status st;
	json_t *rule;

	if (input_object(resp, req->json, fields) < 0 || (d = input_string(resp, req->json, "domain", 253, 1, NULL)) == NULL)
		return;
	if (list != NULL && !json_is_null(list) && !json_is_array(list)) {
		response_error(resp, 400, "invalid_type", "providers", "'providers' must be a list of provider names");
		return;
	}
	json_array_foreach(list, i, v) {
		if (!json_is_string(v)) {
			response_error(resp, 400, "invalid_type", "providers", "'providers' must be a list of provider names");
			return;
		}
		if (n == CONF_MAX_OIDC_PROVIDERS) {
			response_error(resp, 422, "invalid_providers", "providers", "at most %d providers",
			               CONF_MAX_OIDC_PROVIDERS);
			return;
		}
		names[n++] = json_string_value(v);
	}
	snprintf(domain, sizeof domain, "%s", d);
	if (oidc_rule_check(app->conf, domain, names, n, pgarray, sizeof pgarray, &field, err, sizeof err) < 0) {
		/* a malformed value is a 400; a well-formed one this server cannot honour a 422 */
		if (strcmp(field, "domain") == 0)
			response_error(resp, 400, "invalid_domain", field, "%s", err);
		else
			response_error(resp, 422, app->conf->oidc.nproviders == 0 ? "no_oidc_provider" : "unknown_provider",
			               field, "%s", err);
		return;
	}
	snprintf(by, sizeof by, "%ld", app->caller.user_id);
	snprintf(sid, sizeof sid, "%ld", app->caller.session_id);
	params[0] = domain;
	params[1] = pgarray;
	params[2] = by;
	params[3] = app->caller.session_id ? sid : NULL;
	rule = db_json(app->db, STMT_OIDC_RULE_ADD, 4, params, &st);
	if (rule == NULL) {
		if (st == DB_CONFLICT)
			response_error(resp, 409, "rule_exists", "domain", "%s has a rule already: remove it first to change it",
			               domain);
		else if (st == DB_OK)
			response_error(resp, 409, "would_end_your_session", "domain",
			               "you are signed in with a password and your address is in %s: the rule would end your "
			               "session; sign in through a provider first", domain);
		else
			respond_db_error(app, resp, st);
		return;
	}
	snprintf(object, sizeof object, "oidc-domain:%s", domain);
	audit(app->db, app->caller.user_id, req->remote_addr, "oidc.domain_add", object, oidc_rule_audit(rule));
	response_json(resp, 201, rule);
}

void
h_oidc_domains_remove(struct app *app, struct request *req, struct response *resp)
{
	const char *domain = kv_get(&req->params, "domain");
	const char *params[1] = { domain };
	char object[300], clip[64];
	PGresult *res;

	if (domain == NULL || strlen(domain) > 253) {
		response_error(resp, 404, "not_found", "domain", "no rule for this domain");
		return;
	}
	res = db_exec(app->db, STMT_OIDC_RULE_REMOVE, 1, params);
	if (db_result_status(res) != DB_OK) {
		respond_db_error(app, resp, db_result_status(res));
	} else if (PQntuples(res) != 1) {
		response_error(resp, 404, "not_found", "domain", "no rule for %s", utf8_clip(clip, sizeof clip, domain));
	} else {
		snprintf(object, sizeof object, "oidc-domain:%s", domain);
		audit(app->db, app->caller.user_id, req->remote_addr, "oidc.domain_remove", object,
		      json_pack("{s:s}", "providers", PQgetvalue(res, 0, 0)));
		response_json(resp, 200, json_pack("{s:b}", "removed", 1));
	}
	PQclear(res);
}

/* Unlinks a user from a provider: the next sign-in through it matches the
 * verified email again (and links whichever identity has it). */
void
h_users_oidc_unlink(struct app *app, struct request *req, struct response *resp)
{
	const char *provider = kv_get(&req->params, "provider");
	char cid[24], object[40], clip[80];
	const char *params[2] = { cid, provider };
	PGresult *res;
	long id;

	if (input_path_id(resp, req, "id", &id) < 0)
		return;
	if (provider == NULL || strlen(provider) > 64) {
		response_error(resp, 404, "not_found", "provider", "this user has no link to this provider");
		return;
	}
	snprintf(cid, sizeof cid, "%ld", id);
	res = db_exec(app->db, STMT_OIDC_LINK_DELETE, 2, params);
	if (db_result_status(res) != DB_OK) {
		respond_db_error(app, resp, db_result_status(res));
	} else if (PQntuples(res) != 1) {
		response_error(resp, 404, "not_found", "provider", "this user has no link to %s",
		               utf8_clip(clip, sizeof clip, provider));
	} else {
		snprintf(object, sizeof object, "user:%ld", id);
		audit(app->db, app->caller.user_id, req->remote_addr, "oidc.unlink", object,
		      json_pack("{s:s, s:s, s:s}", "provider", provider, "subject", PQgetvalue(res, 0, 0), "email",
		                PQgetvalue(res, 0, 1)));
		response_json(resp, 200, json_pack("{s:b}", "unlinked", 1));
	}
	PQclear(res);
}
