/* Database migrations: the numbered files NNN_name.sql of one directory,
 * applied in order, each in its own transaction, recorded with a SHA-256
 * checksum in schema_migrations. */
#ifndef OCIM_MIGRATE_H
#define OCIM_MIGRATE_H

#include <stdio.h>

#include "db.h"

/* Applies what is missing from dir.  Progress lines go to out.  The
 * session runs without a statement_timeout and with lock_timeout_ms as
 * its lock_timeout.  Returns the number of files applied (0: already up
 * to date), or -1 with a message in err: a changed or vanished applied
 * file, a bad file name, an SQL error or a lock not granted in time (that
 * file rolled back, earlier ones kept). */
int migrate_run(struct db *db, const char *dir, long lock_timeout_ms, FILE *out, char *err, size_t errsz);

#endif
