#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "app.h"
#include "audit.h"
#include "input.h"
#include "log.h"
#include "spawn.h"
#include "token.h"
#include "util.h"

long
app_body_cap(const struct app *app, const char *path)
{
	if (strncmp(path, "/hooks/", 7) == 0)
		return app->conf->http.webhook_max_body_bytes;
	return app->conf->http.max_body_bytes;
}

/* Content-Type is application/json, parameters (charset) allowed. */
static int
is_json_type(const char *ct)
{
	size_t n = strlen("application/json");

	return ct != NULL && strncasecmp(ct, "application/json", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

const struct secret_key *
app_key(struct app *app, struct response *resp)
{
	char err[512];
	int r;

	/* one stat per request: a rotation (a new key file) is seen by the
	 * next request, so nothing is sealed with a key the file dropped */
	r = secret_key_refresh(&app->key, app->conf->secrets.key_file, err, sizeof err);
	if (r == 1)
		log_info("read the key file %s (%d key(s))", app->conf->secrets.key_file, app->key.nkeys);
	if (r >= 0)
		return &app->key;
	log_error("%s", err);
	if (app->key.loaded)
		return &app->key;       /* the keys read before still work */
	response_error(resp, 503, "key_unavailable", NULL,
	               "the key for stored credentials cannot be read: see the server log");
	return NULL;
}

const char *
app_session_cookie(const struct app *app)
{
	return app->conf->auth.secure_cookies ? "__Host-ocim_session" : "ocim_session";
}

/* Copies column col of row 0 into dst. */
static void
copy_col(char *dst, size_t size, const PGresult *res, int col)
{
	snprintf(dst, size, "%s", PQgetvalue(res, 0, col));
}

/* Identifies the caller from a Bearer token or the session cookie.
 * Returns 0 (app->caller filled, or left empty when nobody is logged in)
 * or -1 with a 503 in resp when the database cannot be asked. */
static int
resolve_caller(struct app *app, struct request *req, struct response *resp)
{
	const char *authz = request_env(req, "HTTP_AUTHORIZATION");
	const char *cookie = kv_get(&req->cookies, app_session_cookie(app));
	char hash[TOKEN_HASH_HEX], idle[24];
	const char *params[2] = { hash, idle };
	PGresult *res;
	int bearer = authz != NULL && strncasecmp(authz, "Bearer ", 7) == 0;

	if (bearer) {
		if (token_hash(authz + 7, strlen(authz + 7), hash) < 0)
			return 0;
		res = db_exec(app->db, STMT_APITOKEN_LOOKUP, 1, params);
	} else if (cookie != NULL) {
		if (token_hash(cookie, strlen(cookie), hash) < 0)
			return 0;
		snprintf(idle, sizeof idle, "%ld", app->conf->auth.session_idle_seconds);
		res = db_exec(app->db, STMT_SESSION_LOOKUP, 2, params);
	} else {
		return 0;
	}
	if (db_result_status(res) != DB_OK) {
		PQclear(res);
		response_error(resp, 503, "database_unavailable", NULL, "the database is unavailable");
		return -1;
	}
	if (PQntuples(res) == 1) {
		struct caller *c = &app->caller;
		long id;

		parse_long(PQgetvalue(res, 0, CALLER_ID), &id);
		if (bearer)
			c->api_token_id = id;
		else
			c->session_id = id;
		parse_long(PQgetvalue(res, 0, CALLER_USER_ID), &c->user_id);
		copy_col(c->email, sizeof c->email, res, CALLER_EMAIL);
		copy_col(c->display_name, sizeof c->display_name, res, CALLER_NAME);
		c->role = role_parse(PQgetvalue(res, 0, CALLER_ROLE));
		c->is_admin = c->role == ROLE_ADMIN;
		c->can_reprovision = PQgetvalue(res, 0, CALLER_REPROVISION)[0] == 't';
		c->read_only = PQgetvalue(res, 0, CALLER_READ_ONLY)[0] == 't';
		if (!PQgetisnull(res, 0, CALLER_PROJECTS)) {
			c->limited = 1;
			if ((size_t)PQgetlength(res, 0, CALLER_PROJECTS) >= sizeof c->projects) {
				/* fail closed: a limited user never sees more than the list */
				log_error("user %ld is a member of too many projects to serve", c->user_id);
				PQclear(res);
				response_error(resp, 500, "internal", NULL, "too many project memberships");
				return -1;
			}
			copy_col(c->projects, sizeof c->projects, res, CALLER_PROJECTS);
		}
		if (!bearer)
			copy_col(c->csrf_token, sizeof c->csrf_token, res, CALLER_CSRF);
		if (PQgetvalue(res, 0, CALLER_DUE_TOUCH)[0] == 't') {
			const char *tp[1] = { PQgetvalue(res, 0, CALLER_ID) };
			PQclear(db_exec(app->db, bearer ? STMT_APITOKEN_TOUCH : STMT_SESSION_TOUCH, 1, tp));
		}
	}
	PQclear(res);
	return 0;
}

/* Polled answers are kept by the browser and revalidated each time; those
 * with secrets keep the no-store every other answer gets. */
#define POLLED_CACHE_CONTROL "private, no-cache"

/* The entity tag of a polled read: the change clock (sql/016), the caller
 * (what they may see differs) and the request URI, with the version so an
 * upgrade that changes an answer's shape changes every tag.  Read before
 * the body is built: a change committed in between makes the next tag
 * differ, never a stale body under a current tag.  -1: no tag (the
 * database did not answer; the handler will say so). */
static int
poll_etag(struct app *app, const struct request *req, char *etag, size_t size)
{
	unsigned char hash[8];
	char hex[sizeof hash * 2 + 1];
	const char *uri = request_env(req, "REQUEST_URI");
	PGresult *res = db_exec(app->db, STMT_CHANGE_CLOCK, 0, NULL);
	int ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;

	if (ok) {
		if (uri == NULL)
			uri = req->path;
		crypto_generichash(hash, sizeof hash, (const unsigned char *)uri, strlen(uri), NULL, 0);
		sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
		snprintf(etag, size, "\"%s-%s-%ld-%s\"", PACKAGE_VERSION, PQgetvalue(res, 0, 0),
		         app->caller.user_id, hex);
	}
	PQclear(res);
	return ok ? 0 : -1;
}

static int
is_unsafe(enum http_method m)
{
	return m != HTTP_GET && m != HTTP_HEAD && m != HTTP_OPTIONS;
}

int
app_may(const struct app *app, enum perm p)
{
	const struct caller *c = &app->caller;

	if (p == PERM_PUBLIC)
		return 1;
	if (c->user_id == 0 || c->role == ROLE_NONE)
		return 0;
	if (c->read_only && p != PERM_ACCOUNT && p != PERM_READ)
		return 0;
	if (p == PERM_REPROVISION && !c->can_reprovision)
		return 0;
	return c->role >= perm_role(p);
}

void
app_forbid(struct app *app, struct request *req, struct response *resp, enum perm p)
{
	const struct caller *c = &app->caller;
	const char *name = perm_name(p), *role = role_name(perm_role(p));
	json_t *err;

	audit(app->db, c->user_id, req->remote_addr, "access.denied", req->path,
	      json_pack("{s:s, s:s, s:s, s:b}", "method", http_method_name(req->method), "permission", name,
	                "role", role_name(c->role), "read_only_token", c->read_only));
	if (c->read_only && (is_unsafe(req->method) || (p != PERM_ACCOUNT && p != PERM_READ)))
		response_error(resp, 403, "forbidden", NULL,
		               "a read-only API token only reads: this needs the permission '%s' and a token "
		               "that is not read-only", name);
	else if (p == PERM_REPROVISION)
		response_error(resp, 403, "forbidden", NULL,
		               "this needs the permission 'reprovision', which an administrator grants per user");
	else
		response_error(resp, 403, "forbidden", NULL, "this needs the permission '%s' (role %s or above)",
		               name, role);
	err = resp->json != NULL ? json_object_get(resp->json, "error") : NULL;
	if (err != NULL) {
		json_object_set_new(err, "permission", json_string(name));
		json_object_set_new(err, "role", json_string(role));
	}
}

const char *
app_visible_projects(const struct app *app)
{
	return app->caller.limited ? app->caller.projects : NULL;
}

int
app_sees_project(const struct app *app, long project_id)
{
	const char *p = app->caller.projects;

	if (!app->caller.limited)
		return 1;
	/* "{1,4,9}", as PostgreSQL writes a bigint[] */
	while (*p != '\0') {
		char *end;
		long id;

		if (*p == '{' || *p == ',' || *p == '}') {
			p++;
			continue;
		}
		id = strtol(p, &end, 10);
		if (end == p)
			return 0;
		if (id == project_id)
			return 1;
		p = end;
	}
	return 0;
}

/* The routes whose :id names an object of one project, which a limited
 * caller must see: the pattern's prefix and the statement that answers the
 * object's project (own: the id is the project's). */
static const struct {
	const char *prefix;
	enum db_stmt stmt;
	int own;
	const char *what;
} scoped[] = {
	{ "/api/v1/projects/:id", 0, 1, "project" },
	{ "/api/v1/clusters/:id", STMT_PROJECT_OF_CLUSTER, 0, "cluster" },
	{ "/api/v1/instances/:id", STMT_PROJECT_OF_INSTANCE, 0, "instance" },
	{ "/api/v1/actions/:id", STMT_PROJECT_OF_ACTION, 0, "action" },
	{ "/api/v1/pipelines/:id", STMT_PROJECT_OF_PIPELINE, 0, "pipeline" },
};

/* A caller limited to some projects asks for an object of another: the
 * answer is the handler's own 404, so that it tells nothing about what
 * exists outside the caller's projects.  Returns 0 to go on, or -1 with
 * the answer in resp. */
static int
check_project(struct app *app, const struct route *route, struct request *req, struct response *resp)
{
	const char *id = kv_get(&req->params, "id");
	long pid = 0;

	if (!app->caller.limited || id == NULL)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(scoped); i++) {
		size_t n = strlen(scoped[i].prefix);

		if (strncmp(route->pattern, scoped[i].prefix, n) != 0 ||
		    (route->pattern[n] != '\0' && route->pattern[n] != '/'))
			continue;
		if (scoped[i].own) {
			if (parse_long(id, &pid) < 0)
				return 0;       /* the handler names the bad id */
		} else {
			const char *params[1] = { id };
			PGresult *res;

			if (parse_long(id, &pid) < 0)
				return 0;
			res = db_exec(app->db, scoped[i].stmt, 1, params);
			if (db_result_status(res) != DB_OK) {
				PQclear(res);
				response_error(resp, 503, "database_unavailable", NULL, "the database is unavailable");
				return -1;
			}
			pid = PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) ? atol(PQgetvalue(res, 0, 0)) : 0;
			PQclear(res);
		}
		if (!app_sees_project(app, pid)) {
			response_error(resp, 404, "not_found", NULL, "no such %s", scoped[i].what);
			return -1;
		}
		return 0;
	}
	return 0;
}

/* Applies the route's permission and flags: the one place where routes
 * are allowed or refused.  Returns 0 to go on, or -1 with the refusal in
 * resp (and the audit log for CSRF failures and denials). */
static int
check_access(struct app *app, const struct route *route, struct request *req, struct response *resp)
{
	const struct caller *c = &app->caller;

	if (route->perm == PERM_PUBLIC)
		return 0;
	if (c->user_id == 0) {
		response_error(resp, 401, "unauthorized", NULL, "not logged in");
		return -1;
	}
	if ((route->flags & ROUTE_CSRF) && c->session_id != 0 && is_unsafe(req->method)) {
		const char *sent = request_env(req, "HTTP_X_CSRF_TOKEN");
		size_t n = strlen(c->csrf_token);

		if (sent == NULL || strlen(sent) != n ||
		    sodium_memcmp(sent, c->csrf_token, n) != 0) {
			audit(app->db, c->user_id, req->remote_addr, "csrf.failure", route->pattern,
			      json_pack("{s:s}", "method", http_method_name(req->method)));
			response_error(resp, 403, "csrf", "X-CSRF-Token", "missing or wrong X-CSRF-Token header");
			return -1;
		}
	}
	/* a read-only token reads, whatever the route's permission */
	if (!app_may(app, route->perm) || (c->read_only && is_unsafe(req->method))) {
		app_forbid(app, req, resp, route->perm);
		return -1;
	}
	return check_project(app, route, req, resp);
}

void
app_handle(struct app *app, struct request *req, struct response *resp)
{
	const struct route *route;
	char allow[128], err[256], etag[96] = "";
	const char *header;

	switch (route_find(app_routes, app_nroutes, req->method, req->path, &route, &req->params,
	                   allow, sizeof allow)) {
	case ROUTE_FOUND:
		break;
	case ROUTE_NOT_FOUND:
		response_error(resp, 404, "not_found", NULL, "no such resource");
		return;
	case ROUTE_BAD_PATH:
		response_error(resp, 400, "bad_path", NULL, "the path has an invalid percent-encoding");
		return;
	case ROUTE_NO_MEMORY:
		response_error(resp, 500, "internal", NULL, "out of memory");
		return;
	case ROUTE_BAD_METHOD:
		/* a malformed body is reported before the method: see below */
		route = NULL;
		break;
	}
	if (request_check_headers(req, &header, err, sizeof err) < 0) {
		response_error(resp, 400, "invalid_header", header, "%s", err);
		return;
	}

	if (req->body_len > 0 || req->method == HTTP_POST || req->method == HTTP_PUT ||
	    req->method == HTTP_PATCH) {
		if (req->body_len > 0 && !is_json_type(req->content_type)) {
			response_error(resp, 415, "unsupported_media_type", "Content-Type",
			               "request bodies must be application/json");
			return;
		}
		if (req->body_len > 0) {
			req->json = http_parse_json(req->body, req->body_len, err, sizeof err);
			if (req->json == NULL) {
				response_error(resp, 400, "invalid_json", "body", "malformed JSON body: %s", err);
				return;
			}
		}
	}
	if (route == NULL) {
		response_header(resp, "Allow", allow);
		response_error(resp, 405, "method_not_allowed", NULL,
		               "%s is not allowed here; allowed: %s", http_method_name(req->method), allow);
		return;
	}
	if (is_unsafe(req->method) && strncmp(req->path, "/hooks/", 7) != 0) {
		const char *site = request_env(req, "HTTP_SEC_FETCH_SITE");

		if (site != NULL && strcmp(site, "cross-site") == 0) {
			response_error(resp, 403, "cross_site", NULL, "cross-site requests are refused");
			return;
		}
	}
	memset(&app->caller, 0, sizeof app->caller);
	if (route->perm != PERM_PUBLIC && resolve_caller(app, req, resp) < 0)
		return;
	if (check_access(app, route, req, resp) < 0)
		return;
	if ((route->flags & ROUTE_POLLED) && poll_etag(app, req, etag, sizeof etag) == 0 &&
	    http_etag_matches(request_env(req, "HTTP_IF_NONE_MATCH"), etag)) {
		response_header(resp, "ETag", etag);
		response_header(resp, "Cache-Control", POLLED_CACHE_CONTROL);
		resp->status = 304;
		return;
	}
	route->handler(app, req, resp);
	if (etag[0] != '\0' && resp->status == 200) {
		response_header(resp, "ETag", etag);
		response_header(resp, "Cache-Control", POLLED_CACHE_CONTROL);
	}
	if (db_in_transaction(app->db)) {
		/* a handler that left its unit open: nothing of it is kept, and
		 * the next request does not run inside it */
		log_error("handler for %s %s left a transaction open; rolled back", http_method_name(req->method),
		          route->pattern);
		db_rollback(app->db);
		if (resp->status < 400)
			response_error(resp, 500, "internal", NULL, "internal error");
	}
	if (req->json != NULL) {
		static const char *const secrets[] = { "password", "current_password", "new_password", "token" };
		for (size_t i = 0; i < ARRAY_SIZE(secrets); i++)
			input_wipe(req->json, secrets[i]);
	}
	/* 204 and the redirects of the sign-in with a provider have no body */
	if (resp->json == NULL && resp->raw == NULL && resp->status != 204 && resp->status != 302) {
		log_error("handler for %s %s produced no body", http_method_name(req->method), route->pattern);
		response_error(resp, 500, "internal", NULL, "internal error");
	}
}

void
app_after(struct app *app)
{
	char err[300], pid[24];

	if (app->after_mail) {
		const char *args[] = { "--mail", NULL };

		if (spawn_sync(app->conf, args, err, sizeof err) < 0)
			log_warning("mail stays queued: %s", err);
	}
	if (app->after_project > 0) {
		const char *args[] = { "--project", pid, NULL };

		snprintf(pid, sizeof pid, "%ld", app->after_project);
		if (spawn_sync(app->conf, args, err, sizeof err) < 0)
			log_warning("refresh of project %ld stays queued: %s", app->after_project, err);
	}
	if (app->after_action > 0) {
		const char *args[] = { "--action", pid, NULL };

		snprintf(pid, sizeof pid, "%ld", app->after_action);
		if (spawn_sync(app->conf, args, err, sizeof err) < 0)
			log_warning("action %ld stays queued for the next ocim-sync run: %s", app->after_action, err);
	}
	app->after_mail = 0;
	app->after_project = 0;
	app->after_action = 0;
}
