/* GitLab webhook payloads, read into plain values (no database), so that
 * the parsing is unit-tested and fuzzed on its own. */
#ifndef OCIM_WEBHOOK_H
#define OCIM_WEBHOOK_H

#include <stddef.h>
#include <jansson.h>

struct pipeline_event {
	long long gitlab_id;
	const char *status;             /* strings borrowed from the body */
	const char *ref, *sha, *url, *created_at, *started_at, *finished_at;
	const char *message;            /* the commit's message (it may name the action) */
	const char *kind;               /* create, update, ... or NULL */
	char instance[64];              /* the instance it is for, or "" */
	long request_id;                /* DEPLOYMENT_REQUEST_ID, or 0 */
	char last_message[300];         /* what the pipeline says last: its failed job, or its detailed status; "" */
};

/* Reads a Pipeline Hook body.  Returns 0, or -1 with the reason in why. */
int webhook_pipeline_parse(const json_t *body, struct pipeline_event *ev, char *why, size_t whysz);

/* Fills ev->last_message: "job NAME failed in stage STAGE" when job is
 * given (a failed job's name, stage may be NULL), else the detailed status
 * (GitLab's label, such as "passed with warnings"), else leaves it "". */
void pipeline_last_message(struct pipeline_event *ev, const char *job, const char *stage, const char *detailed);

/* t when it is a time in range (util.c's time_valid), else NULL: a time
 * from GitLab's API that PostgreSQL would refuse is dropped.  A webhook's
 * own times are checked by webhook_pipeline_parse, which names the field. */
const char *pipeline_time(const char *t);

struct db;

/* Stores the pipeline of ev for the project and moves its instance (and
 * the action that asked for it) on.  ev->url is kept only when it is on
 * the project's GitLab (gitlab_url; url_on_host), else stored as NULL.
 * Returns NULL, or what went wrong (never the database's own message:
 * that goes to the log). */
const char *webhook_apply_pipeline(struct db *db, long project_id, const char *gitlab_url,
                                   const struct pipeline_event *ev, char *why, size_t whysz);

#endif
