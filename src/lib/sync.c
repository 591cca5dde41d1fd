/* One run of ocim-sync over the projects (sync.h): the first requests of
 * all projects together, then each project read (sync_read.c) and stored
 * (sync_store.c) under its lock. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "fetch.h"
#include "gitarchive.h"
#include "gitlab.h"
#include "log.h"
#include "sync.h"
#include "sync_read.h"
#include "sync_store.h"
#include "util.h"
#include "webhook.h"

/* Reads row r of STMT_SYNC_PROJECTS into ps and writes its first three
 * requests (project, branch, first page of pipelines) into first. */
static void
prepare(struct project_sync *ps, const struct secret_key *key, PGresult *row, int r, struct fetch *first)
{
	char *token, *branch, paths[3][1024];

	parse_long(PQgetvalue(row, r, SYNCPROJ_ID), &ps->id);
	ps->name = PQgetvalue(row, r, SYNCPROJ_NAME);
	ps->base = PQgetvalue(row, r, SYNCPROJ_GITLAB_URL);
	parse_long(PQgetvalue(row, r, SYNCPROJ_GITLAB_ID), &ps->gitlab_id);
	snprintf(ps->branch, sizeof ps->branch, "%s", PQgetvalue(row, r, SYNCPROJ_BRANCH));
	ps->since = PQgetisnull(row, r, SYNCPROJ_SINCE) ? NULL : PQgetvalue(row, r, SYNCPROJ_SINCE);
	ps->synced_commit = PQgetisnull(row, r, SYNCPROJ_SYNCED_COMMIT) ? NULL : PQgetvalue(row, r, SYNCPROJ_SYNCED_COMMIT);
	ps->requested = PQgetvalue(row, r, SYNCPROJ_REQUESTED)[0] == 't';
	ps->read_at = PQgetvalue(row, r, SYNCPROJ_READ_AT);
	token = PQgetisnull(row, r, SYNCPROJ_API_TOKEN) ? NULL : secret_open(key, PQgetvalue(row, r, SYNCPROJ_API_TOKEN));
	if (token == NULL || strlen(token) >= sizeof ps->token) {
		char why[200];

		if (token == NULL && !PQgetisnull(row, r, 5))
			snprintf(ps->err, sizeof ps->err, "the API token cannot be opened: %s (set it again, or put the "
			         "key back into the key file)", secret_why(key, PQgetvalue(row, r, 5), why, sizeof why));
		else
			snprintf(ps->err, sizeof ps->err, "no API token Ocim can read (set it again)");
		if (token != NULL) {
			sodium_memzero(token, strlen(token));
			free(token);
		}
		return;
	}
	snprintf(ps->token, sizeof ps->token, "%s", token);
	sodium_memzero(token, strlen(token));
	free(token);
	branch = curl_easy_escape(NULL, ps->branch, 0);
	snprintf(paths[0], sizeof paths[0], "/projects/%ld", ps->gitlab_id);
	snprintf(paths[1], sizeof paths[1], "/projects/%ld/repository/branches/%s", ps->gitlab_id, branch ? branch : "");
	curl_free(branch);
	sync_pipelines_path(ps, 1, paths[2], sizeof paths[2]);
	for (int k = 0; k < 3; k++) {
		if (gitlab_url(ps->urls[k], sizeof ps->urls[k], ps->base, paths[k]) < 0) {
			snprintf(ps->err, sizeof ps->err, "the GitLab URL is too long");
			return;
		}
		first[k] = (struct fetch){ .url = ps->urls[k], .token = ps->token };
	}
	ps->first = first;
}

/* Adds an entry for a file of the archive (or cluster.yml), its text taken
 * and its blob id computed; 0, or -1 out of memory (text freed). */
static int
add_archive_entry(struct project_sync *ps, const char *path, char *text, size_t len, size_t **lens)
{
	struct entry e = { 0 }, *grown;
	size_t *glens;
	char blob[41];

	if (sync_tree_path(path, e.instance, sizeof e.instance, &e.grove) == 0) {
		free(text);
		return 0;
	}
	gitarchive_blob_id(text, len, blob);
	snprintf(e.blob, sizeof e.blob, "%s", blob);
	e.text = text;
	grown = realloc(ps->entries, (ps->n + 1) * sizeof *grown);
	if (grown != NULL)
		ps->entries = grown;
	glens = realloc(*lens, (ps->n + 1) * sizeof *glens);
	if (glens != NULL)
		*lens = glens;
	if (grown == NULL || glens == NULL) {
		free(text);
		return -1;
	}
	(*lens)[ps->n] = len;
	ps->entries[ps->n++] = e;
	return 0;
}

/* Reads the files from the archive and cluster.yml, without the tree: the
 * archive lists every file there is (so what it lacks is gone), and only
 * the files whose blob id changed are parsed and stored.  Returns 0, -1
 * with ps->err, or -2 when the archive is not to be had (nothing kept). */
static int
read_archive_only(struct project_sync *ps, struct db *db)
{
	struct gitarchive_list files;
	struct fetch_answer cluster = { 0 };
	size_t *lens = NULL;
	int rc = ps->archive != NULL ? sync_archive_take(ps, ps->archive, 2, &files, &cluster) :
	         sync_fetch_archive(ps, &files, &cluster);

	ps->archive = NULL;

	if (rc < 0)
		return rc;
	for (size_t k = 0; k < files.n && rc == 0; k++) {
		rc = add_archive_entry(ps, files.files[k].path, files.files[k].data, files.files[k].len, &lens);
		files.files[k].data = NULL;
	}
	if (rc == 0 && cluster.body.data != NULL)
		rc = add_archive_entry(ps, "cluster.yml", cluster.body.data, cluster.body.len, &lens);
	else
		fetch_answer_free(&cluster);
	cluster.body.data = NULL;
	gitarchive_free(&files);
	if (rc < 0) {
		free(lens);
		snprintf(ps->err, sizeof ps->err, "out of memory");
		return -1;
	}
	sync_mark_changed(ps, db);
	for (size_t i = 0; i < ps->n; i++) {
		struct entry *e = &ps->entries[i];
		char *text = e->text;

		e->text = NULL;
		if (e->changed)
			sync_take_text(ps, e, text, lens[i]);
		else
			free(text);
	}
	free(lens);
	return 0;
}

/* Whether the repository is read from the archive alone, by the rule
 * of sync_read.h. */
static int
archive_only(struct project_sync *ps, struct db *db)
{
	return ps->read_tree && sync_archive_usable(ps) &&
	       (ps->synced_commit == NULL || sync_stored_instances(ps, db) >= ARCHIVE_MIN_INSTANCES);
}

/* Reads the repository's files at ps->commit, by the rule of
 * sync_read.h: 0, or -1 with ps->err. */
static int
read_repository(struct project_sync *ps, struct db *db)
{
	if (ps->archive != NULL || archive_only(ps, db)) {
		int rc = read_archive_only(ps, db);

		if (rc != -2)
			return rc;
		ps->no_archive = 1;
	}
	if (sync_read_tree(ps) < 0)
		return -1;
	sync_mark_changed(ps, db);
	return sync_fetch_changed(ps);
}

/* The project's metadata and its branch's head from the first answers,
 * and whether its tree is read; 0, or -1 with ps->err. */
static int
head(struct project_sync *ps)
{
	const char *branch;

	if (ps->first == NULL && ps->err[0] == '\0')
		snprintf(ps->err, sizeof ps->err, "no request was made");
	if (ps->err[0] != '\0')
		return -1;
	if (!sync_answer_ok(ps, &ps->first[0]) || (ps->meta = sync_answer_json(ps, &ps->first[0].answer, 0)) == NULL)
		return -1;
	branch = json_string_value(json_object_get(ps->meta, "default_branch"));
	if (branch != NULL && strcmp(branch, ps->branch) != 0 && strlen(branch) < sizeof ps->branch) {
		/* the default branch changed since the last run: ask for the new one */
		struct fetch_answer a;
		char path[1024], *escaped = curl_easy_escape(NULL, branch, 0);

		snprintf(ps->branch, sizeof ps->branch, "%s", branch);
		snprintf(path, sizeof path, "/projects/%ld/repository/branches/%s", ps->gitlab_id, escaped ? escaped : "");
		curl_free(escaped);
		if (sync_get(ps, path, &a) < 0 || sync_branch_head(ps, &a) < 0)
			return -1;
	} else if (!sync_answer_ok(ps, &ps->first[1]) || sync_branch_head(ps, &ps->first[1].answer) < 0) {
		return -1;
	}
	ps->read_tree = ps->opt->force || ps->requested || ps->synced_commit == NULL ||
	                strcmp(ps->synced_commit, ps->commit) != 0;
	return 0;
}

/* Everything after head(): the tree when the branch moved, the changed
 * files, more pipelines, then one transaction. */
static void
finish(struct project_sync *ps, struct db *db)
{
	const struct sync_options *opt = ps->opt;
	struct pipeline_event *events = NULL;
	size_t nevents = 0;
	json_t *keep = json_array();
	int changed = 0;

	if (ps->err[0] != '\0')
		goto done;
	if (ps->read_tree && read_repository(ps, db) < 0)
		goto done;
	for (size_t i = 0; i < ps->n; i++)
		changed += ps->entries[i].changed;
	if (sync_read_pipelines(ps, db, keep, &events, &nevents) < 0)
		goto done;
	if (opt->dry_run) {
		if (opt->progress)
			fprintf(opt->progress, "%s: %s, %d changed file(s), %zu pipeline(s) to store (dry run)\n", ps->name,
			        ps->read_tree ? "tree read" : "branch unchanged", changed, nevents);
		goto cleanup;
	}
	if (sync_store(ps, db, events, nevents) == 0 && ps->folders != NULL) {
		/* the project is read, but these folders were not: the run says so */
		const char *key;
		json_t *msg;

		json_object_foreach(ps->folders, key, msg) {
			json_array_append_new(ps->st->errors, json_pack("{s:s, s:O}", "project", ps->name, "error", msg));
			log_warning("project %s: %s", ps->name, json_string_value(msg));
		}
	}
done:
	if (ps->err[0] != '\0') {
		char pid[24];
		const char *params[5] = { pid, ps->err, NULL, NULL, ps->requested ? "true" : "false" };

		snprintf(pid, sizeof pid, "%ld", ps->id);
		ps->st->failed_projects++;
		json_array_append_new(ps->st->errors, json_pack("{s:s, s:s}", "project", ps->name, "error", ps->err));
		if (!opt->dry_run)
			sync_exec_ok(db, STMT_SYNC_PROJECT_DONE, 5, params);
		log_warning("project %s: %s", ps->name, ps->err);
	}
	if (opt->progress) {
		if (ps->err[0] != '\0')
			fprintf(opt->progress, "%s: %s\n", ps->name, ps->err);
		else if (ps->read_tree)
			fprintf(opt->progress, "%s: ok, tree read at %.12s, %d file(s) fetched\n", ps->name, ps->commit, changed);
		else
			fprintf(opt->progress, "%s: ok, branch unchanged at %.12s\n", ps->name, ps->commit);
	}
cleanup:
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->entries[i].text);
		json_decref(ps->entries[i].parsed);
	}
	free(ps->entries);
	free(events);
	json_decref(ps->folders);
	json_decref(ps->meta);
	json_decref(keep);
	sodium_memzero(ps->token, sizeof ps->token);
}

/* Takes (lock) or releases the advisory lock of the project of row r of
 * STMT_SYNC_PROJECTS.  Returns 1 when it is held (lock) or released, 0
 * when another session holds it, -1 when the database failed. */
static int
lock_project(struct db *db, PGresult *rows, int r, int lock)
{
	const char *params[1] = { PQgetvalue(rows, r, 0) };
	PGresult *res = db_exec(db, lock ? STMT_SYNC_PROJECT_LOCK : STMT_SYNC_PROJECT_UNLOCK, 1, params);
	int rc = db_result_status(res) != DB_OK || PQntuples(res) != 1 ? -1 : PQgetvalue(res, 0, 0)[0] == 't';

	PQclear(res);
	return rc;
}

void
sync_projects(const struct conf *conf, struct db *db, const struct secret_key *key,
              const struct sync_options *opt, struct sync_stats *st)
{
	struct project_sync *ps = NULL;
	struct fetch *first = NULL, *archives = NULL;
	size_t group = opt->concurrency > 1 ? (size_t)opt->concurrency : 1;
	char pid[24], days[24];
	const char *params[2] = { NULL, days };
	PGresult *res;
	size_t n, m = 0;
	int locked;

	if (opt->project_id > 0) {
		snprintf(pid, sizeof pid, "%ld", opt->project_id);
		params[0] = pid;
	}
	snprintf(days, sizeof days, "%ld", conf->sync.pipeline_history_days);
	res = db_exec(db, STMT_SYNC_PROJECTS, 2, params);
	if (db_result_status(res) != DB_OK) {
		log_error("listing the projects: %s", db_error(db));
		json_array_append_new(st->errors, json_pack("{s:s}", "error", "listing the projects: database error"));
		PQclear(res);
		return;
	}
	n = (size_t)PQntuples(res);
	ps = calloc(n + 1, sizeof *ps);
	first = calloc(3 * n + 1, sizeof *first);
	archives = calloc(2 * group, sizeof *archives);
	if (ps == NULL || first == NULL || archives == NULL) {
		json_array_append_new(st->errors, json_pack("{s:s}", "error", "out of memory"));
		goto out;
	}
	/* the first requests of every project go out together */
	for (size_t r = 0; r < n; r++) {
		ps[r] = (struct project_sync){ .conf = conf, .opt = opt, .st = st };
		locked = lock_project(db, res, (int)r, 1);
		if (locked < 0) {
			ps[r].skipped = 1;
			st->failed_projects++;
			log_error("project %s: taking its lock: %s", PQgetvalue(res, (int)r, 1), db_error(db));
			json_array_append_new(st->errors, json_pack("{s:s, s:s}", "project", PQgetvalue(res, (int)r, 1),
			                                            "error", "taking the project's lock: database error"));
			continue;
		}
		if (locked == 0) {
			/* cron's run and a requested one (ocim-sync --project) never
			 * read a project at once: the one that holds it does it */
			ps[r].skipped = 1;
			st->skipped++;
			log_info("project %s: another run is refreshing it; skipped", PQgetvalue(res, (int)r, 1));
			if (opt->progress)
				fprintf(opt->progress, "%s: skipped, another run is refreshing it\n", PQgetvalue(res, (int)r, 1));
			continue;
		}
		prepare(&ps[r], key, res, (int)r, &first[m]);
		if (ps[r].first != NULL)
			m += 3;
	}
	fetch_run(first, m, opt->timeout, opt->concurrency, opt->retry);
	for (size_t i = 0; i < m; i++)
		st->requests += first[i].attempts;
	/* then a group of projects at a time: the archives of those read from
	 * the archive go out together (a request each would wait for the one
	 * before; the first of the run alone: sync_read.h), then each project
	 * is read on and stored */
	for (size_t g = 0; g < n; g += group) {
		size_t end = g + group < n ? g + group : n, k = 0;

		for (size_t r = g; r < end; r++)
			if (!ps[r].skipped && head(&ps[r]) == 0 && (k == 0 || sync_archive_answered()) &&
			    archive_only(&ps[r], db) && sync_archive_ask(&ps[r], &archives[k]) == 0) {
				ps[r].archive = &archives[k];
				k += 2;
			}
		fetch_run(archives, k, opt->timeout, opt->concurrency, NULL);
		for (size_t r = g; r < end; r++) {
			if (ps[r].skipped)
				continue;
			st->projects++;
			finish(&ps[r], db);
			lock_project(db, res, (int)r, 0);
		}
		for (size_t i = 0; i < k; i++)
			fetch_answer_free(&archives[i].answer);
	}
	if (!opt->dry_run)
		sync_openfaas(conf, db, key, opt, st);
out:
	for (size_t i = 0; i < m; i++)
		fetch_answer_free(&first[i].answer);
	free(first);
	free(archives);
	free(ps);
	PQclear(res);
}
