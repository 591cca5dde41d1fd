/* ocim-sync's mapping and storing: the files read (YAML) become rows of
 * clusters and instances, written with the pipelines in one transaction a
 * project.  The mapping functions need no database (tests/unit/test-sync). */
#ifndef OCIM_SYNC_STORE_H
#define OCIM_SYNC_STORE_H

#include "db.h"
#include "sync_int.h"
#include "webhook.h"

/* The repository path of an entry. */
void sync_entry_file(const struct entry *e, char *file, size_t size);

/* Parses an entry's text (taken, len bytes) into e->parsed, or says why
 * not in e->error (not YAML, not a mapping; ydoc refuses NUL bytes, so
 * UTF-16 too: what parses is UTF-8 the database keeps).  The text is kept
 * in e->text either way. */
void sync_parse_file(struct entry *e, char *text, size_t len);

/* sync_parse_file, counted in the run's files. */
void sync_take_text(struct project_sync *ps, struct entry *e, char *text, size_t len);

/* The cluster fields cluster.yml gives through the configuration's key
 * map (conf->cluster_keys): out[0..5] provider (aws, digitalocean or
 * other), region, max node count (a number or NULL), node size, MySQL
 * size, MongoDB size, each NULL when absent; vals holds their text. */
void sync_cluster_fields(const struct conf *conf, const json_t *parsed, char vals[6][128], const char *out[6]);

/* Adds a changed instance file to its instance's row in rows ({name: row}
 * of STMT_SYNC_INSTANCES_UPSERT); *bytes counts what the rows hold.  A
 * file in error adds the row alone (the instance is there, its file as it
 * was).  0, or -1 out of memory. */
int sync_instance_row(json_t *rows, const struct entry *e, size_t *bytes);

/* A statement that returns no rows; whether it went well. */
int sync_exec_ok(struct db *db, enum db_stmt stmt, int n, const char *const *params);

/* Marks which entries changed: their blob differs from the one stored
 * and from the one that failed when the file is in error (kept_error). */
void sync_mark_changed(struct project_sync *ps, struct db *db);

/* How many instances the project has stored with a file read. */
int sync_stored_instances(struct project_sync *ps, struct db *db);

/* Writes what was read and the pipeline events, in one transaction.
 * Returns 0, or -1 with ps->err (rolled back, or stored but for the
 * deletions the guard refused). */
int sync_store(struct project_sync *ps, struct db *db, struct pipeline_event *events, size_t nevents);

#endif
