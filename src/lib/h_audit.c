/* audit (admin): the audit log, newest first, by user, action, object and time. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "handler.h"
#include "input.h"
#include "util.h"

/* An ISO 8601 day or time as the filters take it. */
static int
time_ok(const char *s)
{
	char day[40];

	/* checked here, not by PostgreSQL: a day or a time, every field in
	 * range (util.c's time_valid) */
	if (strlen(s) == 10) {
		snprintf(day, sizeof day, "%sT00:00:00Z", s);
		return time_valid(day) != NULL;
	}
	return time_valid(s) != NULL;
}

void
h_audit_list(struct app *app, struct request *req, struct response *resp)
{
	const char *action = kv_get(&req->query, "action"), *since = kv_get(&req->query, "since");
	const char *until = kv_get(&req->query, "until"), *object = kv_get(&req->query, "object");
	char cuser[24], limit[24], cursor[24];
	const char *params[7];
	long user;

	if (input_query_long(resp, req, "user", 0, LONG_MAX, 0, &user) < 0 ||
	    page_params(resp, req, limit, cursor) < 0)
		return;
	if (action != NULL && strlen(action) > 64) {
		response_error(resp, 400, "invalid_parameter", "action", "'action' is at most 64 characters");
		return;
	}
	if (object != NULL && strlen(object) > 200) {
		response_error(resp, 400, "invalid_parameter", "object", "'object' is at most 200 characters");
		return;
	}
	if ((since != NULL && !time_ok(since)) || (until != NULL && !time_ok(until))) {
		response_error(resp, 400, "invalid_parameter", since && !time_ok(since) ? "since" : "until",
		               "times look like 2026-11-22T14:00:00Z, every field in range");
		return;
	}
	snprintf(cuser, sizeof cuser, "%ld", user);
	params[0] = user > 0 ? cuser : NULL;
	params[1] = action && action[0] ? action : NULL;
	params[2] = since;
	params[3] = until;
	params[4] = cursor[0] ? cursor : NULL;
	params[5] = limit;
	params[6] = object && object[0] ? object : NULL;
	respond_list(app, resp, STMT_AUDIT_LIST, 7, params, atol(limit), "id");
}
