#include "config.h"

#include "app.h"
#include "util.h"

/* Every route of the HTTP API.  docs/openapi.yaml describes the same set. */
const struct route app_routes[] = {
	{ HTTP_GET, "/api/v1/health", h_health, 0 },
};
const size_t app_nroutes = ARRAY_SIZE(app_routes);
