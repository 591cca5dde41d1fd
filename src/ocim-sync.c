/* ocim-sync: one refresh run, started by cron.  Sends the mail that is due
 * (the outbox), the queued actions that are due, refreshes the projects
 * from GitLab, fails instances whose pending state outlived its timeout,
 * purges what outlived its retention (retention.c), records the run.
 * Never two full runs at once: a run that finds the lock taken says so and
 * exits 0.  The responder starts it too, after answering:
 * --mail (only the outbox) and --project N (a refresh a user asked for);
 * those take no run lock, but every project is read under its own lock, so
 * two runs never read the same project at once.  A run holds a lock on its
 * sync_runs row while it lives; a run closes the rows of runs that died
 * (SIGKILL) as abandoned.
 * Exit status: 0 all went well, 1 some projects (--mail: some mail) failed, 2 bad usage or
 * configuration, 3 the database cannot be reached. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "lib/actions.h"
#include "lib/conf.h"
#include "lib/db.h"
#include "lib/fetch.h"
#include "lib/log.h"
#include "lib/mail.h"
#include "lib/retention.h"
#include "lib/secret.h"
#include "lib/sync.h"
#include "lib/util.h"

#define SYNC_LOCK "7244002"             /* advisory lock key of ocim-sync */

static void
usage(FILE *out)
{
	fputs("usage: ocim-sync [--config PATH] [--project ID | --cluster ID | --instance ID | --mail | --action ID] [--full]\n"
	      "                 [--allow-deletes] [--dry-run] [--verbose]\n"
	      "\n"
	      "One refresh of Ocim from GitLab, meant for cron: sends the mail and the actions\n"
	      "that are due, refreshes projects (all, or the one named), fails instances pending\n"
	      "too long.\n"
	      "\n"
	      "  -c, --config PATH   configuration file (default $OCIM_CONFIG or " SYSCONFDIR "/ocim/ocim.yml)\n"
	      "  -p, --project ID    only this project\n"
	      "      --cluster ID    only the project of this cluster\n"
	      "      --instance ID   only the project of this instance\n"
	      "  -m, --mail          only send the mail that is due (the responder starts this)\n"
	      "      --action ID     only send this queued action (the responder starts this)\n"
	      "  -f, --full          read every tree, even where the branch did not move\n"
	      "      --allow-deletes mark instances deleted even where a read would delete more\n"
	      "                      than sync.max_delete_fraction of a project's instances\n"
	      "  -n, --dry-run       fetch and report; change nothing\n"
	      "  -v, --verbose       a line per project even when not on a terminal\n"
	      "  -h, --help          this text\n", out);
}

/* The project id of a cluster or instance id, or 0. */
static long
project_of(struct db *db, enum db_stmt stmt, long id)
{
	char cid[24];
	const char *params[1] = { cid };
	PGresult *res;
	long p = 0;

	snprintf(cid, sizeof cid, "%ld", id);
	res = db_exec(db, stmt, 1, params);
	if (db_result_status(res) == DB_OK && PQntuples(res) == 1)
		parse_long(PQgetvalue(res, 0, 0), &p);
	PQclear(res);
	return p;
}

/* Reads the key file again when it changed (ocimctl rotate-key during the
 * run): values re-sealed under a new key open, and a file that cannot be
 * read leaves the keys read before in use. */
static void
refresh_key(struct secret_key *key, const char *path)
{
	char err[512];
	int r = secret_key_refresh(key, path, err, sizeof err);

	if (r < 0)
		log_error("%s (the keys read before stay in use)", err);
	else if (r > 0)
		log_info("read the key file %s again (%d key(s))", path, key->nkeys);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "project", required_argument, NULL, 'p' },
		{ "cluster", required_argument, NULL, 'C' },
		{ "instance", required_argument, NULL, 'I' },
		{ "mail", no_argument, NULL, 'm' },
		{ "action", required_argument, NULL, 'a' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "full", no_argument, NULL, 'f' },
		{ "allow-deletes", no_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sync_options opt = { .timeout = 30 };
	struct sync_stats st = { 0 };
	struct fetch_retry retry;
	const char *config_arg = NULL;
	long cluster = 0, instance = 0, action = 0;
	struct secret_key key;
	struct conf conf;
	struct db *db;
	char err[512], run_id[24] = "";
	int o, verbose = 0, rc = 0, mail_only = 0, targeted;
	struct mail_stats ms = { 0 };
	PGresult *res;

	log_set_program("ocim-sync");
	while ((o = getopt_long(argc, argv, "c:p:mnfvh", longopts, NULL)) != -1) {
		long *target = o == 'p' ? &opt.project_id : o == 'C' ? &cluster : o == 'I' ? &instance :
		               o == 'a' ? &action : NULL;
		if (target != NULL) {
			if (parse_long(optarg, target) < 0 || *target < 1) {
				fprintf(stderr, "ocim-sync: '%s' is not an id\n", optarg);
				return 2;
			}
			continue;
		}
		switch (o) {
		case 'c': config_arg = optarg; break;
		case 'm': mail_only = 1; break;
		case 'n': opt.dry_run = 1; break;
		case 'f': opt.force = 1; break;
		case 'D': opt.allow_deletes = 1; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	targeted = (opt.project_id > 0) + (cluster > 0) + (instance > 0) + mail_only + (action > 0);
	if (optind != argc || targeted > 1) {
		usage(stderr);
		return 2;
	}
	if (conf_defaults(&conf) < 0 || conf_load_file(&conf, conf_path(config_arg), err, sizeof err) < 0) {
		fprintf(stderr, "ocim-sync: %s\n", err);
		conf_free(&conf);
		return 2;
	}
	log_set_level((enum log_level)log_level_parse(conf.log.level));
	opt.timeout = conf.sync.request_timeout_seconds;
	opt.concurrency = (int)conf.sync.concurrency;
	retry.retries = (int)conf.sync.retries;
	retry.base_ms = conf.sync.retry_base_ms;
	retry.max_wait_seconds = conf.sync.retry_max_wait_seconds;
	opt.retry = &retry;
	memset(&key, 0, sizeof key);
	/* mail needs no credential: a --mail run works without the key file */
	if (!mail_only && secret_key_load(&key, conf.secrets.key_file, err, sizeof err) < 0) {
		fprintf(stderr, "ocim-sync: %s\n", err);
		conf_free(&conf);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	opt.progress = verbose || isatty(2) ? stderr : NULL;
	db = db_new(&conf, "ocim-sync");
	if (db == NULL || db_connect(db) < 0) {
		fprintf(stderr, "ocim-sync: cannot connect to the database: %s\n", db ? db_error(db) : "out of memory");
		rc = 3;
		goto out;
	}
	/* mail first: it waits for nothing else, and the outbox's row claims
	 * keep concurrent senders apart (no run lock needed) */
	if (action > 0 && !opt.dry_run) {
		/* one action a responder just stored: sent now, at most once (the
		 * claim takes it only while it is queued) */
		enum dispatch_result r = action_dispatch(&conf, db, &key, action, conf.actions.trigger_timeout_seconds,
		                                         err, sizeof err);
		static const char *const said[] = { [DISPATCH_SENT] = "sent", [DISPATCH_QUEUED] = "queued again",
		                                    [DISPATCH_UNCONFIRMED] = "unconfirmed", [DISPATCH_FAILED] = "failed",
		                                    [DISPATCH_SKIPPED] = "not queued (nothing to do)" };

		printf("ocim-sync: action %ld %s%s%s\n", action, said[r], err[0] ? ": " : "", err);
		rc = r == DISPATCH_SENT || r == DISPATCH_SKIPPED ? 0 : 1;
		goto out;
	}
	if (!opt.dry_run) {
		ms.errors = json_array();
		if (mail_outbox_send(&conf, db, &ms) < 0 && mail_only)
			rc = 3;
	}
	if (mail_only) {
		if (ms.sent + ms.failed > 0 || verbose)
			printf("ocim-sync: %d mail(s) sent, %d failed\n", ms.sent, ms.failed);
		if (rc == 0 && ms.failed > 0)
			rc = 1;
		goto out;
	}
	/* a full run at a time; a targeted run (a refresh a user asked for)
	 * relies on the project's own lock instead */
	if (!targeted) {
		res = db_exec_sql(db, "SELECT pg_try_advisory_lock(" SYNC_LOCK ")");
		if (db_result_status(res) != DB_OK || PQgetvalue(res, 0, 0)[0] != 't') {
			int busy = db_result_status(res) == DB_OK;
			PQclear(res);
			fprintf(stderr, "ocim-sync: %s\n", busy ? "another run holds the lock; nothing to do" : db_error(db));
			rc = busy ? 0 : 3;
			goto out;
		}
		PQclear(res);
	}
	/* the locks live with this session: a new connection would not hold them */
	db_hold_session(db, 1);
	if (cluster > 0 && (opt.project_id = project_of(db, STMT_PROJECT_OF_CLUSTER, cluster)) == 0) {
		fprintf(stderr, "ocim-sync: no cluster %ld\n", cluster);
		rc = 2;
		goto out;
	}
	if (instance > 0 && (opt.project_id = project_of(db, STMT_PROJECT_OF_INSTANCE, instance)) == 0) {
		fprintf(stderr, "ocim-sync: no instance %ld\n", instance);
		rc = 2;
		goto out;
	}
	if (!opt.dry_run) {
		res = db_exec(db, STMT_SYNC_RUN_START, 0, NULL);
		if (db_result_status(res) == DB_OK)
			snprintf(run_id, sizeof run_id, "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	if (run_id[0]) {
		/* a run killed before it finished (SIGKILL, OOM) left its row
		 * "running": its session is gone, and its lock with it */
		const char *params[1] = { run_id };

		res = db_exec(db, STMT_SYNC_RUNS_ABANDONED, 1, params);
		for (int i = 0; db_result_status(res) == DB_OK && i < PQntuples(res); i++)
			log_warning("sync run %s was abandoned before it finished; closed", PQgetvalue(res, i, 0));
		PQclear(res);
	}
	st.errors = ms.errors != NULL ? json_incref(ms.errors) : json_array();
	st.mails = ms.sent;
	st.failed_mails = ms.failed;
	refresh_key(&key, conf.secrets.key_file);
	sync_dispatch_due(&conf, db, &key, &opt, &st);
	refresh_key(&key, conf.secrets.key_file);    /* a rotation during the dispatch */
	sync_projects(&conf, db, &key, &opt, &st);
	/* only after a refresh of every project: an action of a project this
	 * run did not read may have its pipeline in GitLab already */
	if (!targeted)
		sync_requeue_stale(db, &opt);
	sync_resolve_unconfirmed(&conf, db, &opt);
	sync_pending_timeouts(&conf, db, &opt);
	/* bounded storage: a full run purges what outlived its retention */
	if (!targeted && !opt.dry_run)
		retention_purge(&conf, db, st.errors);
	if (run_id[0]) {
		char n[5][16], *errors = json_dumps(st.errors, JSON_COMPACT);
		const char *params[7] = { run_id, n[0], n[1], n[2], n[3], n[4], errors ? errors : "[]" };

		snprintf(n[0], sizeof n[0], "%d", st.projects);
		snprintf(n[1], sizeof n[1], "%d", st.requests);
		snprintf(n[2], sizeof n[2], "%d", st.files);
		snprintf(n[3], sizeof n[3], "%d", st.pipelines);
		snprintf(n[4], sizeof n[4], "%d", st.actions);
		PQclear(db_exec(db, STMT_SYNC_RUN_FINISH, 7, params));
		free(errors);
	}
	printf("ocim-sync: %d project(s), %d failed, %d request(s), %d file(s) fetched, %d pipeline(s) stored, "
	       "%d action(s) sent, %d mail(s) sent, %d mail(s) failed, %d project(s) skipped (another run had them)%s\n",
	       st.projects, st.failed_projects, st.requests, st.files, st.pipelines, st.actions, st.mails,
	       st.failed_mails, st.skipped, opt.dry_run ? " (dry run: nothing changed)" : "");
	rc = st.failed_projects > 0 ? 1 : 0;
	json_decref(st.errors);
out:
	json_decref(ms.errors);
	secret_key_wipe(&key);
	db_free(db);
	conf_free(&conf);
	fetch_cleanup();
	curl_global_cleanup();
	return rc;
}
