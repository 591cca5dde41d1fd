#include "config.h"

#include "app.h"
#include "log.h"

/* GET /api/v1/health: 200 when the database answers, else 503. */
void
h_health(struct app *app, struct request *req, struct response *resp)
{
	int up = db_ping(app->db) == 0;

	if (!up)
		log_warning("health: database unavailable: %s", db_error(app->db));
	response_json(resp, up ? 200 : 503,
	              json_pack("{s:s, s:s, s:s}", "status", up ? "ok" : "unavailable",
	                        "database", up ? "ok" : "unavailable", "version", PACKAGE_VERSION));
}
