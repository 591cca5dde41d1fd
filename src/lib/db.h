/* PostgreSQL access.  Every statement lives in one table (db.c), indexed
 * by enum db_stmt and prepared on first use per connection; parameters
 * always travel apart from the SQL.  A lost connection is re-established
 * once per call before giving up, but never inside a transaction or a
 * held session (see db_begin).
 *
 * Test hook: OCIM_FAULT_DB_TERMINATE=NAME in the environment makes the
 * first successful run of the statement NAME (its name in the table)
 * inside a transaction end its own server process right after, as a
 * crash or a restart of PostgreSQL between two statements would. */
#ifndef OCIM_DB_H
#define OCIM_DB_H

#include <jansson.h>
#include <libpq-fe.h>

#include "conf.h"

enum db_stmt {
	STMT_PING,
	STMT_CHANGE_CLOCK,
	STMT_MIGRATION_LIST,
	STMT_MIGRATION_RECORD,
	STMT_MIGRATION_SETTINGS,
	STMT_USER_INSERT,
	STMT_AUDIT_INSERT,
	STMT_USER_BY_EMAIL,
	STMT_LOGIN_FAILED,
	STMT_LOGIN_OK,
	STMT_DEVICE_LOOKUP,
	STMT_DEVICE_INSERT,
	STMT_DEVICE_OK,
	STMT_DEVICE_FAILED,
	STMT_SESSION_INSERT,
	STMT_SESSION_LOOKUP,
	STMT_SESSION_TOUCH,
	STMT_SESSION_DELETE,
	STMT_USER_PASSWORD_HASH,
	STMT_PASSWORD_CHANGE,
	STMT_APITOKEN_LOOKUP,
	STMT_APITOKEN_TOUCH,
	STMT_APITOKEN_INSERT,
	STMT_APITOKEN_LIST,
	STMT_APITOKEN_REVOKE,
	STMT_RESET_INSERT,
	STMT_RESET_CONSUME,
	STMT_RESET_REQUEST,
	STMT_MAIL_QUEUE,
	STMT_MAIL_CLAIM,
	STMT_MAIL_SENT,
	STMT_MAIL_FAILED,
	STMT_INVITE_INSERT,
	STMT_INVITE_LOOKUP,
	STMT_INVITE_LIST,
	STMT_INVITE_REVOKE,
	STMT_REGISTER,
	STMT_OIDC_LOGIN_INSERT,
	STMT_OIDC_LOGIN_CONSUME,
	STMT_OIDC_USER_BY_SUB,
	STMT_OIDC_LINK,
	STMT_OIDC_REGISTER,
	STMT_OIDC_CACHE_GET,
	STMT_OIDC_CACHE_PUT,
	STMT_OIDC_RULE_FOR,
	STMT_OIDC_RULE_LIST,
	STMT_OIDC_RULE_ADD,
	STMT_OIDC_RULE_REMOVE,
	STMT_OIDC_LINK_DELETE,
	STMT_USER_LIST,
	STMT_USER_GET,
	STMT_USER_UPDATE,
	STMT_USER_ACCESS,
	STMT_USER_SET_PROJECTS,
	STMT_SESSIONS_DELETE_USER,
	STMT_USER_END_ACCESS,
	STMT_AUDIT_LIST,
	STMT_USER_EXISTS,
	STMT_PROJECT_INSERT,
	STMT_PROJECT_LIST,
	STMT_PROJECT_GET,
	STMT_PROJECT_UPDATE,
	STMT_PROJECT_DELETE,
	STMT_PROJECT_SYNC,
	STMT_PROJECTS_BY_GITLAB_ID,
	STMT_WEBHOOK_INSERT,
	STMT_WEBHOOK_DONE,
	STMT_PIPELINE_UPSERT,
	STMT_INSTANCE_PIPELINE_STATE,
	STMT_INSTANCE_LATEST_PIPELINE,
	STMT_ACTION_PIPELINE,
	STMT_CLUSTER_LIST,
	STMT_CLUSTER_GET,
	STMT_CLUSTER_UPDATE,
	STMT_CLUSTER_DELETE,
	STMT_INSTANCE_LIST_NAME,
	STMT_INSTANCE_LIST_STATE,
	STMT_INSTANCE_LIST_UPDATED,
	STMT_INSTANCE_LIST_STATUS,
	STMT_INSTANCE_GET,
	STMT_INSTANCE_DESCRIBE,
	STMT_PIPELINE_LIST,
	STMT_PIPELINE_GET,
	STMT_ACTION_CLAIM,
	STMT_ACTION_DISPATCHED,
	STMT_ACTION_REQUEUE,
	STMT_ACTION_UNCONFIRMED,
	STMT_ACTIONS_UNCONFIRMED_RESOLVE,
	STMT_ACTION_WAIT_CREDENTIAL,
	STMT_INSTANCE_FOR_ACTION,
	STMT_ACTION_FOR_RETRY,
	STMT_ACTION_BY_KEY,
	STMT_ACTION_INSERT,
	STMT_INSTANCE_PENDING,
	STMT_INSTANCE_CREATE_PENDING,
	STMT_CLUSTER_FOR_ACTION,
	STMT_ACTION_GET,
	STMT_ACTION_LIST,
	STMT_ACTION_RETRY,
	STMT_ACTION_FOR_CANCEL,
	STMT_ACTION_CANCEL,
	STMT_INSTANCE_CANCEL_RESTORE,
	STMT_SYNC_PROJECTS,
	STMT_SYNC_PROJECT_META,
	STMT_SYNC_PROJECT_DONE,
	STMT_SYNC_PROJECT_LOCK,
	STMT_SYNC_PROJECT_UNLOCK,
	STMT_SYNC_CLUSTER_FIND,
	STMT_SYNC_CLUSTER_INSERT,
	STMT_SYNC_CLUSTER_UPDATE,
	STMT_SYNC_CLUSTER_ERROR,
	STMT_SYNC_INSTANCES_BLOBS,
	STMT_SYNC_INSTANCES_UPSERT,
	STMT_SYNC_FILE_ERRORS,
	STMT_SYNC_FILE_ERROR_SET,
	STMT_SYNC_FILE_ERRORS_KEEP,
	STMT_SYNC_INSTANCES_LAST_ERROR,
	STMT_SYNC_INSTANCES_GONE_COUNT,
	STMT_SYNC_INSTANCES_GONE,
	STMT_SYNC_DELETES_USED,
	STMT_PROJECT_ALLOW_DELETES,
	STMT_SYNC_PIPELINE_KNOWN,
	STMT_SYNC_RUN_START,
	STMT_SYNC_RUNS_ABANDONED,
	STMT_SYNC_RUN_FINISH,
	STMT_SYNC_RUN_LIST,
	STMT_PURGE_SESSIONS,
	STMT_PURGE_DEVICE_COOKIES,
	STMT_PURGE_PASSWORD_RESETS,
	STMT_PURGE_INVITES,
	STMT_PURGE_WEBHOOK_BODIES,
	STMT_PURGE_WEBHOOK_DELIVERIES,
	STMT_PURGE_SYNC_RUNS,
	STMT_PURGE_AUDIT_LOG,
	STMT_ACTIONS_DUE,
	STMT_ACTIONS_STALE,
	STMT_SYNC_FAAS_CLUSTERS,
	STMT_SYNC_CLUSTER_ONLINE,
	STMT_SYNC_RUNTIME,
	STMT_PROJECT_OF_CLUSTER,
	STMT_PROJECT_OF_INSTANCE,
	STMT_PROJECT_OF_ACTION,
	STMT_PROJECT_OF_PIPELINE,
	STMT_PENDING_TIMEOUT,
	STMT_PROJECT_SECRETS_LIST,
	STMT_PROJECT_SECRETS_SET,
	STMT_CLUSTER_SECRETS_LIST,
	STMT_CLUSTER_SECRETS_SET,
	STMT__COUNT
};

/* The columns of the statements whose rows are read by position, named
 * here next to their SELECT lists (db.c's table gives each its count, and
 * db_exec refuses an answer of another width, so a changed SELECT cannot
 * silently shift them). */

/* STMT_SESSION_LOOKUP and STMT_APITOKEN_LOOKUP */
enum caller_col { CALLER_ID, CALLER_USER_ID, CALLER_EMAIL, CALLER_NAME, CALLER_ROLE, CALLER_CSRF,
                  CALLER_DUE_TOUCH, CALLER_REPROVISION, CALLER_READ_ONLY, CALLER_PROJECTS, CALLER__COLS };
/* STMT_LOGIN_FAILED and STMT_DEVICE_FAILED */
enum fail_col { FAIL_COUNT, FAIL_LOCKED_SECONDS, FAIL__COLS };
/* STMT_DEVICE_LOOKUP */
enum device_col { DEVICE_ID, DEVICE_LOCKED, DEVICE__COLS };
/* STMT_PASSWORD_CHANGE, STMT_RESET_CONSUME and STMT_USER_END_ACCESS: what ended */
enum ended_col { ENDED_SESSIONS, ENDED_TOKENS, ENDED_TOKENS_KEPT, ENDED_LINKS, ENDED_USER_ID, ENDED_EMAIL,
                 ENDED__COLS };
/* STMT_USER_ACCESS */
enum access_col { ACCESS_ROLE, ACCESS_REPROVISION, ACCESS_PROJECTS, ACCESS_ALL_PROJECTS, ACCESS__COLS };
/* STMT_USER_BY_EMAIL */
/* STMT_OIDC_USER_BY_SUB, STMT_OIDC_LINK and STMT_OIDC_REGISTER */
enum oidcuser_col { OIDCUSER_ID, OIDCUSER_ACTIVE, OIDCUSER_EMAIL, OIDCUSER_NAME, OIDCUSER_IS_ADMIN,
                    OIDCUSER__COLS };
/* STMT_OIDC_RULE_FOR: the domain, its providers (space-separated, "": any), the account (NULL: none) */
enum rule_col { RULE_DOMAIN, RULE_PROVIDERS, RULE_USER_ID, RULE__COLS };
enum login_col { LOGIN_ID, LOGIN_HASH, LOGIN_ACTIVE, LOGIN_LOCKED, LOGIN_IS_ADMIN, LOGIN_EMAIL, LOGIN_NAME,
                 LOGIN__COLS };
/* STMT_ACTION_CLAIM */
enum claim_col { CLAIM_KIND, CLAIM_INSTANCE_NAME, CLAIM_VARIABLES, CLAIM_INSTANCE_ID, CLAIM_CLUSTER_ID,
                 CLAIM_PROJECT_ID, CLAIM_GITLAB_URL, CLAIM_GITLAB_PROJECT, CLAIM_BRANCH, CLAIM_TRIGGER_TOKEN,
                 CLAIM_ATTEMPTS, CLAIM__COLS };
/* STMT_ACTION_FOR_CANCEL */
enum cancel_col { CANCEL_KIND, CANCEL_INSTANCE_ID, CANCEL_STATE, CANCEL__COLS };
/* STMT_SYNC_PROJECTS */
enum syncproj_col { SYNCPROJ_ID, SYNCPROJ_NAME, SYNCPROJ_GITLAB_URL, SYNCPROJ_GITLAB_ID, SYNCPROJ_BRANCH,
                    SYNCPROJ_API_TOKEN, SYNCPROJ_SINCE, SYNCPROJ_SYNCED_COMMIT, SYNCPROJ_REQUESTED,
                    SYNCPROJ_READ_AT, SYNCPROJ__COLS };

/* What a result means for the caller (and the HTTP answer). */
enum db_status {
	DB_OK,
	DB_CONFLICT,            /* 23505 unique violation: 409 */
	DB_INVALID,             /* 22xxx data exception, 23xxx other constraint: 422 */
	DB_UNAVAILABLE,         /* no connection, class 08, 57P0x shutdown: 503 */
	DB_ERROR,               /* anything else: 500 */
};

struct db;

/* A handle for the configured database; connects lazily.  NULL when out of
 * memory.  Free with db_free. */
struct db *db_new(const struct conf *conf, const char *application_name);
void db_free(struct db *db);

/* Connects now if not connected.  Returns 0, or -1 (see db_error). */
int db_connect(struct db *db);

/* Runs a statement of the table with nparams text parameters (NULL = SQL
 * NULL).  Returns a result to PQclear, or NULL when the database cannot be
 * reached (after one reconnect attempt).  Check db_result_status. */
PGresult *db_exec(struct db *db, enum db_stmt stmt, int nparams, const char *const *params);

/* Runs a statement whose single row and column is a JSON document (built
 * with json_build_object / json_agg) and parses it.  Returns a new
 * reference; NULL with *st set when the statement failed (DB_OK and NULL
 * mean: no row). */
json_t *db_json(struct db *db, enum db_stmt stmt, int nparams, const char *const *params,
                enum db_status *st);

/* Like db_json, but answers the JSON text as PostgreSQL made it (a new
 * string, caller frees), for answers passed on without a change. */
char *db_text(struct db *db, enum db_stmt stmt, int nparams, const char *const *params, enum db_status *st);

/* Runs a list statement whose rows are (JSON text, cursor) and answers
 * {"items": [...], "next_cursor": ...} as a new string (caller frees): the
 * rows' JSON goes out as PostgreSQL made it, next_cursor is the last row's
 * cursor when the page is full (limit rows), else null.  NULL with *st set
 * when the statement failed. */
char *db_page(struct db *db, enum db_stmt stmt, int nparams, const char *const *params, long limit,
              enum db_status *st);

/* Runs literal SQL without parameters (migration files, advisory locks).
 * Transactions go through db_begin/db_commit/db_rollback. */
PGresult *db_exec_sql(struct db *db, const char *sql);

/* Transactions: a unit of statements that commits whole or not at all.
 * Between db_begin and db_commit/db_rollback a lost connection is never
 * re-established: every later statement fails (DB_UNAVAILABLE) and the
 * unit is lost as a whole, instead of its remaining statements committing
 * one by one on a new connection.  Units do not nest.
 *
 * db_begin returns 0, or -1 (db_error says why; nothing was opened).
 * db_commit returns 0 only when PostgreSQL committed the unit; -1 when it
 * did not (an earlier statement failed, so the server rolled it back) or
 * when the connection broke during COMMIT (then whether it committed is
 * unknown, and db_error says so).  Either way the unit is over.
 * db_rollback ends the unit without committing; it cannot fail (a broken
 * connection is dropped and the next statement outside a unit reconnects). */
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);
int db_in_transaction(const struct db *db);

/* Session state that a new connection would not have (an advisory lock
 * held by the session): while held (hold = 1), the connection is never
 * re-established; statements fail instead.  hold = 0 releases it. */
void db_hold_session(struct db *db, int hold);

enum db_status db_result_status(const PGresult *res);
/* HTTP status for a db_status: 200, 409, 422, 503 or 500. */
int db_status_http(enum db_status st);

/* The last connection or statement error, one line, without secrets. */
const char *db_error(const struct db *db);

/* Whether the database answers (SELECT 1).  Returns 0 or -1. */
int db_ping(struct db *db);

/* The raw connection, for transactions and advisory locks; may be NULL. */
PGconn *db_conn(struct db *db);

#endif
