/* The action outbox: what users asked GitLab to do, and sending it. */
#ifndef OCIM_ACTIONS_H
#define OCIM_ACTIONS_H

#include <stddef.h>

#include "conf.h"
#include "db.h"
#include "secret.h"
#include "sync.h"

enum dispatch_result {
	DISPATCH_SENT,          /* GitLab made a pipeline; the action is dispatched */
	DISPATCH_QUEUED,        /* this attempt failed; the action waits for the next */
	DISPATCH_UNCONFIRMED,   /* GitLab may have made the pipeline: to be looked for */
	DISPATCH_FAILED,        /* it failed for good (attempts used up, or refused) */
	DISPATCH_SKIPPED,       /* not queued (taken by another process, or gone) */
};

/* How long an action waits when its trigger token cannot be opened. */
#define ACTION_CREDENTIAL_WAIT_SECONDS 60

/* Tries to trigger the pipeline of a queued action once, waiting at most
 * timeout seconds.  The attempt is recorded before anything is sent.
 * err gets the reason of a failure.  A trigger token that cannot be
 * opened never fails the action: it stays queued with the reason. */
enum dispatch_result action_dispatch(const struct conf *conf, struct db *db, const struct secret_key *key,
                                     long action_id, long timeout, char *err, size_t errsz);

/* Seconds to wait before attempt number attempts+1: exponential with
 * jitter, at least retry_after when GitLab said so (>= 0). */
double action_backoff(long attempts, long retry_after);

/* The outbox loop of an ocim-sync run, in this order: due actions are
 * sent first; after the projects are read, stale and unconfirmed actions
 * are looked at, and pending states past their timeout fail. */

/* Sends the actions that are due.  Returns how many were sent. */
int sync_dispatch_due(const struct conf *conf, struct db *db, const struct secret_key *key,
                      const struct sync_options *opt, struct sync_stats *st);

/* Unconfirmed actions (a trigger whose outcome GitLab did not tell)
 * that a complete read of their project's pipelines, begun more than
 * actions.unconfirmed_grace_seconds after the attempt, did not link to a
 * pipeline are queued again.  Returns how many. */
int sync_resolve_unconfirmed(const struct conf *conf, struct db *db, const struct sync_options *opt);

/* Queues again the actions left in "dispatching" by a process that died
 * (after the refresh, which links the pipelines GitLab did make).
 * Returns how many. */
int sync_requeue_stale(struct db *db, const struct sync_options *opt);

/* Turns *_pending states older than actions.pending_timeout_seconds into
 * failures.  Returns how many. */
int sync_pending_timeouts(const struct conf *conf, struct db *db, const struct sync_options *opt);

#endif
