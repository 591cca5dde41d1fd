/* What handlers share: answering with lists, database errors and users. */
#ifndef OCIM_HANDLER_H
#define OCIM_HANDLER_H

#include <limits.h>
#include <stdlib.h>

#include "app.h"
#include "password.h"

/* Answers a database failure: 503 when unreachable, else 500 (logged). */
void respond_db_error(struct app *app, struct response *resp, enum db_status st);

/* Runs a list statement (a JSON array of objects) and answers
 * {"items": [...], "next_cursor": id-of-last-item or null}; next_cursor is
 * set only when the page is full. */
void respond_list(struct app *app, struct response *resp, enum db_stmt stmt, int nparams,
                  const char *const *params, long limit, const char *cursor_key);

/* Answers a page of a list statement whose parameters are (cursor, limit),
 * from the limit and cursor query parameters. */
void respond_page(struct app *app, struct request *req, struct response *resp, enum db_stmt stmt);

/* Like respond_page for a statement whose $3 is the projects the caller
 * sees (app_visible_projects: NULL for every project). */
void respond_page_visible(struct app *app, struct request *req, struct response *resp, enum db_stmt stmt);

/* Answers the JSON row stmt gives for the path's id, or 404 "no such
 * <what>". */
void respond_by_id(struct app *app, struct request *req, struct response *resp, enum db_stmt stmt,
                   const char *what);

/* Answers with the user id as JSON (STMT_USER_GET), or 404. */
void respond_user(struct app *app, struct response *resp, int status, long id);

/* Checks a new password (length, characters, common passwords) and
 * hashes it into hash.  Returns 0, or -1 with a 422 naming field (or a
 * 500) in resp. */
int hash_new_password(struct app *app, struct response *resp, const char *pw, const char *field,
                      char hash[PASSWORD_HASH_LEN]);

/* Reads the limit (1-200, default 50) and cursor query parameters; cursor
 * is "" when absent.  Returns 0 or -1 with a 400 in resp. */
int page_params(struct response *resp, const struct request *req, char limit[24], char cursor[24]);

/* Runs stmt with the id of the path (and extra as the second parameter
 * when not NULL) and returns its result when it has a row (caller
 * PQclears); otherwise answers a database error, or status with "no such
 * <what>", and returns NULL.  cid receives the id as text. */
PGresult *exec_path_id(struct app *app, struct request *req, struct response *resp, enum db_stmt stmt,
                       const char *extra, int status, const char *what, char cid[24]);

/* The role a body asks for: "role" ("viewer", "operator", "admin"), or
 * the older "is_admin" (true: admin, false: operator, what a user who was
 * not an admin could do before roles).  Returns the role, ROLE_NONE when
 * the body names none, or -1 with a 400/422 in resp. */
int input_role(struct response *resp, const json_t *body);

/* "{1,4}" (a PostgreSQL bigint[] as text) as the JSON list [1,4]; a new
 * reference (null when the text is not such a list). */
json_t *pg_array_json(const char *text);

#endif
