#include "config.h"

#include <string.h>
#include <strings.h>

#include "app.h"
#include "log.h"

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

void
app_handle(struct app *app, struct request *req, struct response *resp)
{
	const struct route *route;
	char allow[128], err[256];

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
	if (route->flags & (ROUTE_LOGIN | ROUTE_ADMIN)) {
		/* Accounts are not built yet, so no request is logged in. */
		response_error(resp, 401, "unauthorized", NULL, "not logged in");
		return;
	}
	route->handler(app, req, resp);
	if (resp->json == NULL && resp->status != 204) {
		log_error("handler for %s %s produced no body", http_method_name(req->method), route->pattern);
		response_error(resp, 500, "internal", NULL, "internal error");
	}
}
