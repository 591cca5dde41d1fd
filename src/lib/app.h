/* Request dispatch for the responder: everything between a parsed CGI
 * request and the response, independent of FastCGI. */
#ifndef OCIM_APP_H
#define OCIM_APP_H

#include "conf.h"
#include "db.h"
#include "http.h"
#include "route.h"

struct app {
	const struct conf *conf;
	struct db *db;
};

/* The route table of the HTTP API (routes.c). */
extern const struct route app_routes[];
extern const size_t app_nroutes;

/* Largest body accepted for a request to path (webhooks get more). */
long app_body_cap(const struct app *app, const char *path);

/* Answers req (body, if any, already read into req->body) into resp:
 * content type and JSON checks, routing, flags, the handler. */
void app_handle(struct app *app, struct request *req, struct response *resp);

/* Handlers, one file per resource (h_*.c). */
void h_health(struct app *app, struct request *req, struct response *resp);

#endif
