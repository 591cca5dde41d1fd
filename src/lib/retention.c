/* Bounded storage.  Sessions, reset links, invites, webhook deliveries,
 * sync runs (1 440 a day) and the audit log would grow forever: each full
 * ocim-sync run deletes what outlived its retention (device cookies with
 * the sessions' retention, after they expired).  Each batch is one
 * statement outside any other transaction, so it commits alone: a purge
 * never holds locks for long, never holds up the run's other work, and a
 * failure keeps what the batches before it did. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf.h"
#include "db.h"
#include "log.h"
#include "retention.h"

#define BATCH "1000"
#define BATCH_ROWS 1000
/* at most this many batches a table a run: a first run over years of
 * rows finishes over several runs instead of holding the run lock */
#define MAX_BATCHES 500

struct purge {
	enum db_stmt stmt;
	const char *what;
	size_t days;            /* offset of the retention in struct conf */
};

#define DAYS(f) offsetof(struct conf, retention.f)

/* bodies before their rows */
static const struct purge purges[] = {
	{ STMT_PURGE_SESSIONS, "sessions", DAYS(sessions_days) },
	{ STMT_PURGE_DEVICE_COOKIES, "device cookies", DAYS(sessions_days) },
	{ STMT_PURGE_PASSWORD_RESETS, "password resets", DAYS(password_resets_days) },
	{ STMT_PURGE_INVITES, "invites", DAYS(invites_days) },
	{ STMT_PURGE_WEBHOOK_BODIES, "webhook bodies", DAYS(webhook_bodies_days) },
	{ STMT_PURGE_WEBHOOK_DELIVERIES, "webhook deliveries", DAYS(webhook_deliveries_days) },
	{ STMT_PURGE_SYNC_RUNS, "sync runs", DAYS(sync_runs_days) },
	{ STMT_PURGE_AUDIT_LOG, "audit log entries", DAYS(audit_log_days) },
};

long
retention_purge(const struct conf *conf, struct db *db, json_t *errors)
{
	char days[24], idle[24];
	long total = 0;
	int failed = 0;

	snprintf(idle, sizeof idle, "%ld", conf->auth.session_idle_seconds);
	for (size_t i = 0; i < sizeof purges / sizeof purges[0]; i++) {
		const struct purge *p = &purges[i];
		const char *params[3] = { days, BATCH, idle };
		long n = 0, got;

		snprintf(days, sizeof days, "%ld", *(const long *)((const char *)conf + p->days));
		for (int b = 0; b < MAX_BATCHES; b++) {
			PGresult *res = db_exec(db, p->stmt, p->stmt == STMT_PURGE_SESSIONS ? 3 : 2, params);

			if (db_result_status(res) != DB_OK) {
				log_error("retention: purging %s: %s", p->what, db_error(db));
				if (errors != NULL) {
					char msg[128];

					snprintf(msg, sizeof msg, "retention: purging %s failed: database error (see ocim-sync's log)",
					         p->what);
					json_array_append_new(errors, json_pack("{s:s}", "error", msg));
				}
				PQclear(res);
				failed = 1;
				break;
			}
			got = atol(PQcmdTuples(res));
			PQclear(res);
			n += got;
			if (got < BATCH_ROWS)
				break;
		}
		if (n > 0)
			log_info("retention: %ld %s purged (older than %s days)", n, p->what, days);
		total += n;
	}
	return failed ? -1 : total;
}
