#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "actions.h"
#include "gitlab.h"
#include "log.h"
#include "states.h"
#include "sync.h"
#include "util.h"

/* Records a failed attempt.  Returns DISPATCH_QUEUED or DISPATCH_FAILED. */
static enum dispatch_result
requeue(const struct conf *conf, struct db *db, const char *id, const char *error, long attempts,
        long retry_after, int permanent)
{
	char max[24], delay[32];
	const char *params[5] = { id, error, max, delay, permanent ? "true" : "false" };
	PGresult *res;
	enum dispatch_result r = DISPATCH_QUEUED;

	snprintf(max, sizeof max, "%ld", conf->actions.max_attempts);
	snprintf(delay, sizeof delay, "%.1f", backoff_seconds(30.0, (int)attempts, 3600.0, retry_after));
	res = db_exec(db, STMT_ACTION_REQUEUE, 5, params);
	if (db_result_status(res) != DB_OK)
		log_error("action %s: recording the failed attempt: %s", id, db_error(db));
	else if (attempts >= conf->actions.max_attempts || permanent)
		r = DISPATCH_FAILED;
	PQclear(res);
	return r;
}

/* The project's trigger token is stored but cannot be opened (a key the
 * key file does not hold, or a damaged value): not a GitLab failure, and
 * nothing that waiting on GitLab fixes, but nothing that should fail the
 * action for good either: the operator fixes the key file or sets the
 * token again.  The action waits, its attempt given back.  Returns
 * DISPATCH_QUEUED (err says which credential and why). */
static enum dispatch_result
wait_credential(struct db *db, const char *id, const struct secret_key *key, const char *project,
                const char *stored, char *err, size_t errsz)
{
	char why[200], delay[16];
	const char *params[3] = { id, err, delay };
	PGresult *res;

	snprintf(err, errsz, "the trigger token of project %s cannot be opened: %s; the action waits (set the "
	         "token again, or put the key back into the key file)", project, secret_why(key, stored, why, sizeof why));
	snprintf(delay, sizeof delay, "%d", ACTION_CREDENTIAL_WAIT_SECONDS);
	log_error("action %s: %s", id, err);
	res = db_exec(db, STMT_ACTION_WAIT_CREDENTIAL, 3, params);
	if (db_result_status(res) != DB_OK)
		log_error("action %s: recording the wait: %s", id, db_error(db));
	PQclear(res);
	return DISPATCH_QUEUED;
}

enum dispatch_result
action_dispatch(const struct conf *conf, struct db *db, const struct secret_key *key, long action_id,
                long timeout, char *err, size_t errsz)
{
	char id[24], gid[24], *token = NULL;
	const char *params[1] = { id };
	json_t *vars = NULL, *pipeline = NULL;
	enum dispatch_result r;
	PGresult *res, *res2;
	long project, attempts = 0, retry_after;
	int status, unknown;

	err[0] = '\0';
	snprintf(id, sizeof id, "%ld", action_id);
	res = db_exec(db, STMT_ACTION_CLAIM, 1, params);
	if (db_result_status(res) != DB_OK || PQntuples(res) != 1) {
		if (db_result_status(res) != DB_OK) {
			log_error("action %s: claiming it: %s", id, db_error(db));
			snprintf(err, errsz, "claiming the action: database error");
		}
		PQclear(res);
		return DISPATCH_SKIPPED;
	}
	parse_long(PQgetvalue(res, 0, CLAIM_ATTEMPTS), &attempts);
	vars = json_loads(PQgetvalue(res, 0, CLAIM_VARIABLES), 0, NULL);
	token = PQgetisnull(res, 0, CLAIM_TRIGGER_TOKEN) ? NULL : secret_open(key, PQgetvalue(res, 0, CLAIM_TRIGGER_TOKEN));
	parse_long(PQgetvalue(res, 0, CLAIM_GITLAB_PROJECT), &project);
	if (vars != NULL && token == NULL && !PQgetisnull(res, 0, CLAIM_TRIGGER_TOKEN)) {
		r = wait_credential(db, id, key, PQgetvalue(res, 0, CLAIM_PROJECT_ID), PQgetvalue(res, 0, CLAIM_TRIGGER_TOKEN), err, errsz);
		goto out;
	}
	if (vars == NULL || token == NULL) {
		snprintf(err, errsz, "%s", vars == NULL ? "the action's variables are unreadable" :
		         "the project has no trigger token Ocim can read (set it again, or check the key file)");
		r = requeue(conf, db, id, err, attempts, -1, 1);
		goto out;
	}
	status = gitlab_trigger(PQgetvalue(res, 0, CLAIM_GITLAB_URL), project, token, PQgetvalue(res, 0, CLAIM_BRANCH), vars, timeout,
	                        &pipeline, &retry_after, &unknown, err, errsz);
	if (status != 201 && unknown) {
		/* sending again could make a second pipeline: ocim-sync looks for
		 * this one by DEPLOYMENT_REQUEST_ID first */
		char why[400];
		const char *up[2] = { id, why };

		snprintf(why, sizeof why, "GitLab's answer did not say whether it made the pipeline (%s): looking for it",
		         err);
		log_warning("action %s: %s", id, why);
		res2 = db_exec(db, STMT_ACTION_UNCONFIRMED, 2, up);
		if (db_result_status(res2) != DB_OK)
			log_error("action %s: recording the unconfirmed attempt: %s", id, db_error(db));
		PQclear(res2);
		r = DISPATCH_UNCONFIRMED;
		goto out;
	}
	if (status != 201) {
		/* 4xx other than 408/429 will not get better by waiting */
		int permanent = status >= 400 && status < 500 && status != 408 && status != 429;
		log_warning("action %s: %s", id, err);
		r = requeue(conf, db, id, err, attempts, retry_after, permanent);
		goto out;
	}
	snprintf(gid, sizeof gid, "%lld", (long long)json_integer_value(json_object_get(pipeline, "id")));
	{
		const char *dp[9] = { id, PQgetvalue(res, 0, CLAIM_PROJECT_ID), gid,
		                      PQgetisnull(res, 0, CLAIM_CLUSTER_ID) ? NULL : PQgetvalue(res, 0, CLAIM_CLUSTER_ID),
		                      PQgetisnull(res, 0, CLAIM_INSTANCE_ID) ? NULL : PQgetvalue(res, 0, CLAIM_INSTANCE_ID),
		                      PQgetvalue(res, 0, CLAIM_KIND),
		                      json_string_value(json_object_get(pipeline, "status")) ?
		                          json_string_value(json_object_get(pipeline, "status")) : "created",
		                      PQgetvalue(res, 0, CLAIM_BRANCH),
		                      url_on_host(json_string_value(json_object_get(pipeline, "web_url")),
		                                  PQgetvalue(res, 0, CLAIM_GITLAB_URL)) };
		PGresult *d = db_exec(db, STMT_ACTION_DISPATCHED, 9, dp);
		if (db_result_status(d) != DB_OK) {
			/* GitLab has the pipeline: ocim-sync matches it back by DEPLOYMENT_REQUEST_ID */
			log_error("action %s: pipeline %s started but not recorded: %s", id, gid, db_error(db));
			snprintf(err, errsz, "pipeline %s started but not recorded: database error", gid);
		}
		PQclear(d);
	}
	log_info("action %s (%s %s): pipeline %s", id, PQgetvalue(res, 0, CLAIM_KIND), PQgetvalue(res, 0, CLAIM_INSTANCE_NAME), gid);
	r = DISPATCH_SENT;
out:
	if (token != NULL) {
		sodium_memzero(token, strlen(token));
		free(token);
	}
	json_decref(vars);
	json_decref(pipeline);
	PQclear(res);
	return r;
}

/* The outbox loop of an ocim-sync run (sync.h tells the order). */

int
sync_dispatch_due(const struct conf *conf, struct db *db, const struct secret_key *key,
                  const struct sync_options *opt, struct sync_stats *st)
{
	char pid[24], err[300];
	const char *params[1] = { NULL };
	PGresult *res;
	int sent = 0;

	if (opt->project_id > 0) {
		snprintf(pid, sizeof pid, "%ld", opt->project_id);
		params[0] = pid;
	}
	res = db_exec(db, STMT_ACTIONS_DUE, 1, params);
	if (db_result_status(res) != DB_OK) {
		PQclear(res);
		return 0;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		long id;

		parse_long(PQgetvalue(res, i, 0), &id);
		if (opt->dry_run) {
			if (opt->progress)
				fprintf(opt->progress, "would send action %ld\n", id);
			continue;
		}
		st->requests++;
		if (action_dispatch(conf, db, key, id, opt->timeout, err, sizeof err) == DISPATCH_SENT)
			sent++;
		else if (err[0])
			log_warning("action %ld: %s", id, err);
	}
	PQclear(res);
	st->actions += sent;
	return sent;
}

int
sync_resolve_unconfirmed(const struct conf *conf, struct db *db, const struct sync_options *opt)
{
	char grace[24], pid[24];
	const char *params[2] = { grace, NULL };
	PGresult *res;
	int n = 0;

	if (opt->dry_run)
		return 0;
	snprintf(grace, sizeof grace, "%ld", conf->actions.unconfirmed_grace_seconds);
	if (opt->project_id > 0) {
		snprintf(pid, sizeof pid, "%ld", opt->project_id);
		params[1] = pid;
	}
	res = db_exec(db, STMT_ACTIONS_UNCONFIRMED_RESOLVE, 2, params);
	if (db_result_status(res) == DB_OK)
		n = PQntuples(res);
	else
		log_error("resolving unconfirmed actions: %s", db_error(db));
	for (int i = 0; i < n; i++)
		log_warning("action %s: GitLab has no pipeline for its unconfirmed attempt; queued again",
		            PQgetvalue(res, i, 0));
	PQclear(res);
	return n;
}

int
sync_requeue_stale(struct db *db, const struct sync_options *opt)
{
	PGresult *res;
	int n = 0;

	if (opt->dry_run)
		return 0;
	res = db_exec(db, STMT_ACTIONS_STALE, 0, NULL);
	if (db_result_status(res) == DB_OK)
		n = PQntuples(res);
	for (int i = 0; i < n; i++)
		log_warning("action %s: its sender stopped before GitLab answered; looking for its pipeline",
		            PQgetvalue(res, i, 0));
	PQclear(res);
	return n;
}

int
sync_pending_timeouts(const struct conf *conf, struct db *db, const struct sync_options *opt)
{
	char secs[24];
	const char *params[2] = { secs, instance_pending_array() };
	PGresult *res;
	int n = 0;

	if (opt->dry_run)
		return 0;
	snprintf(secs, sizeof secs, "%ld", conf->actions.pending_timeout_seconds);
	res = db_exec(db, STMT_PENDING_TIMEOUT, 2, params);
	if (db_result_status(res) == DB_OK)
		n = PQntuples(res);
	for (int i = 0; i < n; i++)
		log_info("instance %s: pending for too long, now failure", PQgetvalue(res, i, 0));
	PQclear(res);
	return n;
}
