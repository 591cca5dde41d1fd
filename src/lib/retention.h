/* Bounded storage: what ocim-sync purges in each full run (the retention
 * section of the configuration). */
#ifndef OCIM_RETENTION_H
#define OCIM_RETENTION_H

#include <jansson.h>

struct conf;
struct db;

/* Deletes the sessions, password resets, invites, webhook deliveries, sync
 * runs and audit entries past their retention, and webhook bodies past
 * theirs (the delivery's row stays), in batches.  A table that fails adds
 * {"error": ...} to errors (no database text: that goes to the log) and
 * the others are still purged.  Returns the rows purged, or -1 when a
 * table failed. */
long retention_purge(const struct conf *conf, struct db *db, json_t *errors);

#endif
