#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "audit.h"
#include "log.h"
#include "util.h"

int
audit(struct db *db, long user_id, const char *address, const char *action, const char *object,
      json_t *details)
{
	char uid[24], *djson = NULL;
	const char *params[5];
	PGresult *res;
	int rc = 0;

	snprintf(uid, sizeof uid, "%ld", user_id);
	if (details != NULL)
		djson = json_dumps(details, JSON_COMPACT);
	params[0] = user_id > 0 ? uid : NULL;
	params[1] = is_ip_address(address) ? address : NULL;
	params[2] = action;
	params[3] = object;
	params[4] = djson ? djson : "{}";
	res = db_exec(db, STMT_AUDIT_INSERT, 5, params);
	if (db_result_status(res) != DB_OK) {
		log_error("audit %s not recorded: %s", action, db_error(db));
		rc = -1;
	}
	PQclear(res);
	free(djson);
	json_decref(details);
	return rc;
}
