/* One refresh of Ocim's picture from GitLab: used by ocim-sync. */
#ifndef OCIM_SYNC_H
#define OCIM_SYNC_H

#include <stdio.h>
#include <jansson.h>

#include "conf.h"
#include "db.h"
#include "fetch.h"
#include "secret.h"

struct sync_stats {
	int projects, requests, files, pipelines, actions, failed_projects;
	int skipped;                    /* projects another run was refreshing */
	int mails, failed_mails;
	json_t *errors;                 /* [{project, error}] */
};

struct sync_options {
	long project_id;                /* 0: all */
	int dry_run;                    /* fetch and report, write nothing */
	FILE *progress;                 /* a line per project, or NULL */
	long timeout;                   /* seconds per request */
	int concurrency;                /* requests in flight at most */
	const struct fetch_retry *retry;        /* retries inside the run, or NULL */
	int force;                      /* read the tree even when the branch did not move */
	int allow_deletes;              /* past sync.max_delete_fraction (--allow-deletes) */
};

/* What a repository path is to Ocim: 1 cluster.yml, 2 the config.yml or
 * grove.yml of instances/<slug>/ (instance and *grove filled), 3 anything
 * under an instances/ folder whose name is not an instance name (instance
 * gets the folder's name, cut to size), 0 anything else. */
int sync_tree_path(const char *path, char *instance, size_t size, int *grove);

/* Refreshes every project (or opt->project_id).  The first requests of all
 * projects go out together: metadata, the default branch's head and the
 * pipelines updated since the last run.  The tree is read (at that head)
 * only when the head moved since the last full read, the project was
 * marked for refresh or opt->force; then only files whose blob changed are
 * fetched, and a file in error is not fetched again while its blob is the
 * one that failed.  A file that cannot be parsed keeps the last good data
 * and records its error (sync_file_errors) until it parses, goes back to
 * its last good blob or leaves.  A tree item not understood fails the
 * project; instances are marked deleted only after a complete tree read,
 * and not past sync.max_delete_fraction without a confirmation
 * (opt->allow_deletes, projects.allow_deletes).  A project that fails
 * keeps its data and records the error.
 * Each project is read under its advisory lock; one that another run holds
 * is skipped (and said so in the log and progress). */
void sync_projects(const struct conf *conf, struct db *db, const struct secret_key *key,
                   const struct sync_options *opt, struct sync_stats *st);

/* Asks the OpenFaaS gateway of every cluster (of opt->project_id, or all)
 * what runs, all clusters at once (sync_openfaas.c); sync_projects calls it
 * after the projects. */
void sync_openfaas(const struct conf *conf, struct db *db, const struct secret_key *key,
                   const struct sync_options *opt, struct sync_stats *st);

/* The outbox loop of a run (sending due actions, resolving unconfirmed
 * ones, stale ones, pending timeouts) lives with the actions: actions.h. */

#endif
