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

/* Drops a time PostgreSQL would refuse (too long, or characters no
 * timestamp has): NULL for such a t, else t. */
const char *pipeline_time(const char *t);

struct db;

/* Stores the pipeline of ev for the project and moves its instance (and
 * the action that asked for it) on.  Returns NULL, or what went wrong. */
const char *webhook_apply_pipeline(struct db *db, long project_id, const struct pipeline_event *ev,
                                   char *why, size_t whysz);

#endif
