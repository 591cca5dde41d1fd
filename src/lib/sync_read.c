/* ocim-sync's GitLab reads of one project (sync_read.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "fetch.h"
#include "gitarchive.h"
#include "gitlab.h"
#include "log.h"
#include "states.h"
#include "sync_read.h"
#include "sync_store.h"
#include "util.h"
#include "webhook.h"

/* Whether an answer is a 200; else ps->err says what came instead. */
int
sync_answer_ok(struct project_sync *ps, const struct fetch *r)
{
	return gitlab_check(r, 200, ps->err, sizeof ps->err) == 0;
}

/* One GET of this project, retried as configured; 0 with the answer, or
 * -1 with ps->err. */
int
sync_get(struct project_sync *ps, const char *path, struct fetch_answer *a)
{
	char url[2400];
	struct fetch r = { .url = url, .token = ps->token };

	memset(a, 0, sizeof *a);
	if (strncmp(path, "http", 4) == 0)
		snprintf(url, sizeof url, "%s", path);
	else if (gitlab_url(url, sizeof url, ps->base, path) < 0) {
		snprintf(ps->err, sizeof ps->err, "the GitLab URL is too long");
		return -1;
	}
	fetch_run(&r, 1, ps->opt->timeout, 1, ps->opt->retry);
	ps->st->requests += r.attempts;
	*a = r.answer;
	if (!sync_answer_ok(ps, &r)) {
		fetch_answer_free(a);
		return -1;
	}
	return 0;
}

/* Parses a JSON answer; NULL with ps->err when it is not what was asked. */
json_t *
sync_answer_json(struct project_sync *ps, struct fetch_answer *a, int want_array)
{
	json_error_t jerr;
	json_t *j = json_loadb(a->body.data, a->body.len, 0, &jerr);

	fetch_answer_free(a);
	if (j == NULL || (want_array ? !json_is_array(j) : !json_is_object(j))) {
		snprintf(ps->err, sizeof ps->err, "GitLab answered malformed JSON: %s", j ? "wrong type" : jerr.text);
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Whether id is a git object id: 40 (SHA-1) or 64 (SHA-256) hex digits. */
static int
object_id(const char *id)
{
	size_t n = strlen(id);

	return (n == 40 || n == 64) && strspn(id, "0123456789abcdef") == n;
}

/* Whether a tree item's mode is a plain file's (GitLab always gives one;
 * a tree without modes is taken as plain files). */
static int
file_mode(const char *mode)
{
	return mode == NULL || strcmp(mode, "100644") == 0 || strcmp(mode, "100755") == 0;
}

/* Keeps the tree entries Ocim reads.  An item Ocim does not understand
 * fails the project (-1 with ps->err): taking the rest of the tree for
 * the whole of it would mark instances deleted that still exist.  A folder
 * of instances/ whose name is no instance name is recorded in ps->folders. */
static int
add_tree_item(struct project_sync *ps, const json_t *item)
{
	const char *path = json_string_value(json_object_get(item, "path"));
	const char *id = json_string_value(json_object_get(item, "id"));
	const char *type = json_string_value(json_object_get(item, "type"));
	const char *mode = json_string_value(json_object_get(item, "mode"));
	struct entry e = { 0 }, *grown;
	char shown[201], sid[81], stype[41];
	int kind;

	if (path == NULL || id == NULL || type == NULL) {
		snprintf(ps->err, sizeof ps->err, "GitLab's tree has an item without a path, id or type; nothing was deleted");
		return -1;
	}
	if (!object_id(id)) {
		snprintf(ps->err, sizeof ps->err, "GitLab's tree item %s has the id '%s', not an object id (40 or 64 "
		         "hex digits); nothing was deleted", utf8_clip(shown, sizeof shown, path), utf8_clip(sid, sizeof sid, id));
		return -1;
	}
	if (strcmp(type, "blob") != 0 && strcmp(type, "tree") != 0 && strcmp(type, "commit") != 0) {
		snprintf(ps->err, sizeof ps->err, "GitLab's tree item %s has the type '%s', which Ocim does not know; "
		         "nothing was deleted", utf8_clip(shown, sizeof shown, path), utf8_clip(stype, sizeof stype, type));
		return -1;
	}
	kind = sync_tree_path(path, e.instance, sizeof e.instance, &e.grove);
	if (strncmp(path, "instances/", 10) == 0 &&
	    (strcmp(type, "commit") == 0 ||            /* a submodule: its files cannot be read */
	     ((kind == 1 || kind == 2 || strchr(path + 10, '/') == NULL) &&
	      !(strcmp(type, "tree") == 0 || (strcmp(type, "blob") == 0 && file_mode(mode)))))) {
		snprintf(ps->err, sizeof ps->err, "%s is a %s of mode %s, which Ocim cannot read as a file or folder; "
		         "nothing was deleted", utf8_clip(shown, sizeof shown, path), utf8_clip(stype, sizeof stype, type),
		         mode ? mode : "(none)");
		return -1;
	}
	if (kind == 3) {
		size_t n = (size_t)(strchr(path + 10, '/') - path);
		char *folder = strndup(path, n), msg[300];

		if (folder == NULL)
			return -1;
		utf8_snprintf(msg, sizeof msg, "%s: '%s' is not an instance name (lowercase letters, digits, '-' and '_', "
		              "starting with a letter, at most 50 characters); its files are not read",
		              utf8_clip(shown, sizeof shown, folder), utf8_clip(sid, sizeof sid, folder + 10));
		if (json_object_get(ps->folders, folder) == NULL)
			json_object_set_new(ps->folders, folder, json_string(msg));
		free(folder);
		return 0;
	}
	if (kind == 0)
		return 0;
	if (strcmp(type, "blob") != 0 || !file_mode(mode)) {
		snprintf(ps->err, sizeof ps->err, "%s is a %s of mode %s, not a file Ocim can read; nothing was deleted",
		         path, type, mode ? mode : "(none)");
		return -1;
	}
	snprintf(e.blob, sizeof e.blob, "%s", id);
	grown = realloc(ps->entries, (ps->n + 1) * sizeof *grown);
	if (grown == NULL)
		return -1;
	ps->entries = grown;
	ps->entries[ps->n++] = e;
	return 0;
}

int
sync_read_tree(struct project_sync *ps)
{
	char path[2100];
	struct fetch_answer a;
	int pages = 0;

	snprintf(path, sizeof path, "/projects/%ld/repository/tree?recursive=true&per_page=100&pagination=keyset&ref=%s",
	         ps->gitlab_id, ps->commit);
	if (ps->folders == NULL && (ps->folders = json_object()) == NULL) {
		snprintf(ps->err, sizeof ps->err, "out of memory");
		return -1;
	}
	for (;;) {
		char next[2048];
		json_t *items, *item;
		size_t i;

		if (sync_get(ps, path, &a) < 0)
			return -1;
		if (a.bad_link) {
			/* stopping here would take the rest of the tree for deleted */
			fetch_answer_free(&a);
			snprintf(ps->err, sizeof ps->err, "GitLab's next tree page has a link Ocim cannot follow");
			return -1;
		}
		snprintf(next, sizeof next, "%s", a.next_link);
		items = sync_answer_json(ps, &a, 1);
		if (items == NULL)
			return -1;
		json_array_foreach(items, i, item)
			if (add_tree_item(ps, item) < 0) {
				json_decref(items);
				if (ps->err[0] == '\0')
					snprintf(ps->err, sizeof ps->err, "out of memory");
				return -1;
			}
		json_decref(items);
		if (next[0] == '\0')
			return 0;
		if (!gitlab_same_api(ps->base, next)) {
			char shown[201];
			snprintf(ps->err, sizeof ps->err, "GitLab's next tree page is not on %s; not followed",
			         utf8_clip(shown, sizeof shown, ps->base));
			return -1;
		}
		if (++pages >= MAX_PAGES) {
			snprintf(ps->err, sizeof ps->err, "the tree has more than %d pages", MAX_PAGES);
			return -1;
		}
		snprintf(path, sizeof path, "%s", next);
	}
}

static const struct gitarchive_caps archive_caps = {
	.max_total = 256 * 1024 * 1024, .max_file = MAX_FILE, .max_entries = 200000,
};
static time_t archive_paused_until;     /* GitLab said no more archives before then */
static int archive_answered;            /* GitLab gave an archive in this run */

int
sync_archive_usable(const struct project_sync *ps)
{
	return !ps->no_archive && time(NULL) >= archive_paused_until;
}

/* Which of the archive's files Ocim reads: the instances' (the archive is
 * of instances/ only). */
static int
archive_want(const char *path, void *ctx)
{
	char instance[64];
	int grove;

	(void)ctx;
	return sync_tree_path(path, instance, sizeof instance, &grove) == 2;
}

/* Keeps a fetched file and its YAML.  A file that cannot be parsed keeps
 * its error; one that could not be fetched fails the project. */
static int
take_file(struct project_sync *ps, struct entry *e, struct fetch *r)
{
	struct fetch_answer *a = &r->answer;
	char *text;

	if (!sync_answer_ok(ps, r))
		return -1;
	text = a->body.data;        /* taken over from the answer */
	a->body.data = NULL;
	sync_take_text(ps, e, text, a->body.len);
	return 0;
}

int
sync_archive_answered(void)
{
	return archive_answered;
}

int
sync_archive_ask(struct project_sync *ps, struct fetch reqs[2])
{
	char path[700];

	snprintf(path, sizeof path, "/projects/%ld/repository/archive.tar.gz?sha=%s&path=instances", ps->gitlab_id, ps->commit);
	if (gitlab_url(ps->archive_urls[0], sizeof ps->archive_urls[0], ps->base, path) < 0)
		return -2;
	snprintf(path, sizeof path, "/projects/%ld/repository/files/cluster.yml/raw?ref=%s", ps->gitlab_id, ps->commit);
	if (gitlab_url(ps->archive_urls[1], sizeof ps->archive_urls[1], ps->base, path) < 0)
		return -2;
	reqs[0] = (struct fetch){ .url = ps->archive_urls[0], .token = ps->token };
	reqs[1] = (struct fetch){ .url = ps->archive_urls[1], .token = ps->token };
	return 0;
}

int
sync_archive_take(struct project_sync *ps, struct fetch *reqs, size_t n, struct gitarchive_list *files,
                  struct fetch_answer *cluster)
{
	struct fetch_answer *a = &reqs[0].answer;
	char why[300];
	enum gitarchive_rc rc;

	files->files = NULL;
	files->n = 0;
	ps->st->requests += reqs[0].attempts + (n > 1 ? reqs[1].attempts : 0);
	if (a->status == 429 || a->rate_remaining == 0) {
		long wait = a->rate_reset >= 0 ? a->rate_reset : a->retry_after >= 0 ? a->retry_after : 60;
		archive_paused_until = time(NULL) + (wait < 3600 ? wait : 3600);
	}
	if (a->status != 200 && gitlab_check(&reqs[0], 200, why, sizeof why) < 0) {
		log_info("project %s: %s; reading file by file", ps->name, why);
		fetch_answer_free(a);
		if (n > 1)
			fetch_answer_free(&reqs[1].answer);
		return -2;
	}
	archive_answered = 1;
	rc = gitarchive_read(a->body.data, a->body.len, &archive_caps, archive_want, NULL, files, why, sizeof why);
	fetch_answer_free(a);
	if (rc != GITARCHIVE_OK) {
		if (n > 1)
			fetch_answer_free(&reqs[1].answer);
		if (rc == GITARCHIVE_TOO_BIG) {
			log_info("project %s: %s; reading file by file", ps->name, why);
			return -2;
		}
		utf8_snprintf(ps->err, sizeof ps->err, "GitLab's repository archive at %.12s: %s", ps->commit, why);
		return -1;
	}
	if (cluster == NULL)
		return 0;
	if (reqs[1].answer.status != 200 && reqs[1].answer.status != 404) {
		/* cluster.yml alone, with the retries the archive went without */
		fetch_answer_free(&reqs[1].answer);
		fetch_run(&reqs[1], 1, ps->opt->timeout, 1, ps->opt->retry);
		ps->st->requests += reqs[1].attempts;
	}
	if (reqs[1].answer.status == 404) {
		fetch_answer_free(&reqs[1].answer);
	} else if (!sync_answer_ok(ps, &reqs[1])) {
		fetch_answer_free(&reqs[1].answer);
		gitarchive_free(files);
		return -1;
	}
	*cluster = reqs[1].answer;
	reqs[1].answer.body.data = NULL;
	return 0;
}

int
sync_fetch_archive(struct project_sync *ps, struct gitarchive_list *files, struct fetch_answer *cluster)
{
	struct fetch reqs[2];
	size_t n = cluster != NULL ? 2 : 1;

	files->files = NULL;
	files->n = 0;
	if (sync_archive_ask(ps, reqs) < 0)
		return -2;
	/* no retries for the archive: a 429 is read otherwise, not waited for */
	fetch_run(reqs, n, ps->opt->timeout, 2, NULL);
	return sync_archive_take(ps, reqs, n, files, cluster);
}

/* The archive's file of a changed instance entry, read from there. */
static void
take_from_archive(struct project_sync *ps, struct gitarchive_list *files)
{
	for (size_t i = 0; i < ps->n; i++) {
		struct entry *e = &ps->entries[i];
		char file[120];

		if (!e->changed || e->instance[0] == '\0')
			continue;
		sync_entry_file(e, file, sizeof file);
		for (size_t k = 0; k < files->n; k++)
			if (files->files[k].data != NULL && strcmp(files->files[k].path, file) == 0) {
				sync_take_text(ps, e, files->files[k].data, files->files[k].len);
				files->files[k].data = NULL;
				break;
			}
	}
}

/* Fetches every changed file, concurrency at a time. */
int
sync_fetch_changed(struct project_sync *ps)
{
	struct entry **todo = calloc(ps->n + 1, sizeof *todo);
	struct fetch *reqs = calloc(ps->n + 1, sizeof *reqs);
	size_t m = 0, changed = 0;
	int rc = 0;

	if (todo == NULL || reqs == NULL) {
		snprintf(ps->err, sizeof ps->err, "out of memory");
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < ps->n; i++)
		changed += ps->entries[i].changed && ps->entries[i].instance[0] != '\0';
	if (changed > ARCHIVE_MAX_RAW && sync_archive_usable(ps)) {
		/* many changed: the archive has them in one request */
		struct gitarchive_list files;

		rc = sync_fetch_archive(ps, &files, NULL);
		if (rc == -1)
			goto out;
		if (rc == 0)
			take_from_archive(ps, &files);
		gitarchive_free(&files);
		rc = 0;
	}
	for (size_t i = 0; i < ps->n; i++) {
		char file[120], *escaped, *url, path[700];
		size_t size = strlen(ps->base) + sizeof path + 16;

		if (!ps->entries[i].changed || ps->entries[i].text != NULL)
			continue;       /* unchanged, or read from the archive */
		sync_entry_file(&ps->entries[i], file, sizeof file);
		escaped = curl_easy_escape(NULL, file, 0);
		url = malloc(size);
		if (escaped == NULL || url == NULL) {
			curl_free(escaped);
			free(url);
			snprintf(ps->err, sizeof ps->err, "out of memory");
			rc = -1;
			goto out;
		}
		snprintf(path, sizeof path, "/projects/%ld/repository/files/%s/raw?ref=%s", ps->gitlab_id, escaped, ps->commit);
		curl_free(escaped);
		gitlab_url(url, size, ps->base, path);
		reqs[m] = (struct fetch){ .url = url, .token = ps->token };
		todo[m++] = &ps->entries[i];
	}
	fetch_run(reqs, m, ps->opt->timeout, ps->opt->concurrency, ps->opt->retry);
	for (size_t i = 0; i < m; i++) {
		ps->st->requests += reqs[i].attempts;
		if (rc == 0 && take_file(ps, todo[i], &reqs[i]) < 0)
			rc = -1;
	}
out:
	for (size_t i = 0; i < m; i++) {
		fetch_answer_free(&reqs[i].answer);
		free((char *)reqs[i].url);
	}
	free(todo);
	free(reqs);
	return rc;
}

void
sync_pipelines_path(const struct project_sync *ps, int page, char *path, size_t size)
{
	snprintf(path, size, "/projects/%ld/pipelines?per_page=100&order_by=updated_at&sort=asc&page=%d%s%s",
	         ps->gitlab_id, page, ps->since ? "&updated_after=" : "", ps->since ? ps->since : "");
}

/* What read_pipelines asks GitLab about one pipeline of a page. */
enum pipeline_ask { ASK_VARIABLES, ASK_DETAIL, ASK_FAILED_JOBS };

struct pipeline_request {
	size_t ev;                      /* index into the events */
	enum pipeline_ask what;
};

/* What the detail and the failed jobs of a pipeline said (borrowed from
 * answers kept in keep). */
struct pipeline_detail {
	const char *detailed, *job, *stage;
};

/* Adds a GET of path to reqs[*n] for event ev. */
static int
ask(struct project_sync *ps, struct fetch *reqs, struct pipeline_request *what, size_t *n, size_t ev,
    enum pipeline_ask kind, const char *path)
{
	size_t size = strlen(ps->base) + strlen(path) + 16;
	char *url = malloc(size);

	if (url == NULL) {
		snprintf(ps->err, sizeof ps->err, "out of memory");
		return -1;
	}
	gitlab_url(url, size, ps->base, path);
	reqs[*n] = (struct fetch){ .url = url, .token = ps->token };
	what[(*n)++] = (struct pipeline_request){ .ev = ev, .what = kind };
	return 0;
}

/* Takes the answer of a detail or failed-jobs request into d; the JSON is
 * kept in keep, as the strings point into it. */
static void
take_detail(struct project_sync *ps, struct pipeline_event *ev, struct pipeline_detail *d, enum pipeline_ask what,
            struct fetch *r, json_t *keep)
{
	json_t *j;
	size_t i;
	json_t *job;

	if (!sync_answer_ok(ps, r) || (j = sync_answer_json(ps, &r->answer, what == ASK_FAILED_JOBS)) == NULL)
		return;
	json_array_append_new(keep, j);
	if (what == ASK_DETAIL) {
		const json_t *ds = json_object_get(j, "detailed_status");

		ev->started_at = pipeline_time(json_string_value(json_object_get(j, "started_at")));
		ev->finished_at = pipeline_time(json_string_value(json_object_get(j, "finished_at")));
		d->detailed = json_string_value(json_object_get(ds, "label"));
		if (d->detailed == NULL)
			d->detailed = json_string_value(json_object_get(ds, "text"));
		return;
	}
	json_array_foreach(j, i, job) {
		const char *name = json_string_value(json_object_get(job, "name"));

		if (name != NULL && !json_is_true(json_object_get(job, "allow_failure"))) {
			d->job = name;
			d->stage = json_string_value(json_object_get(job, "stage"));
			return;
		}
	}
}

/* What the read knows of a pipeline besides its event: its instance (as
 * stored, or as its variables name it) and whether its status changed. */
struct pipeline_seen {
	char instance[64];
	int changed;
};

/* Asks, all together, the failed jobs of the pipelines that changed to
 * failed and are the newest (by id) of their instance among the n read;
 * the last message of those names the failed job.  0, or -1 with ps->err. */
static int
failed_jobs(struct project_sync *ps, json_t *keep, struct pipeline_event *evs, const struct pipeline_seen *seen,
            size_t n)
{
	struct fetch *reqs = calloc(n + 1, sizeof *reqs);
	struct pipeline_request *what = calloc(n + 1, sizeof *what);
	size_t nreqs = 0;

	if (reqs == NULL || what == NULL) {
		free(reqs);
		free(what);
		snprintf(ps->err, sizeof ps->err, "out of memory");
		return -1;
	}
	for (size_t e = 0; e < n; e++) {
		char vpath[160];
		int newest = 1;

		if (!seen[e].changed || seen[e].instance[0] == '\0' || strcmp(evs[e].status, "failed") != 0)
			continue;
		for (size_t o = 0; o < n && newest; o++)
			newest = o == e || evs[o].gitlab_id < evs[e].gitlab_id ||
			         strcmp(seen[o].instance, seen[e].instance) != 0;
		if (!newest)
			continue;
		snprintf(vpath, sizeof vpath, "/projects/%ld/pipelines/%lld/jobs?scope%%5B%%5D=failed&per_page=100",
		         ps->gitlab_id, evs[e].gitlab_id);
		if (ask(ps, reqs, what, &nreqs, e, ASK_FAILED_JOBS, vpath) < 0)
			break;
	}
	if (ps->err[0] == '\0')
		fetch_run(reqs, nreqs, ps->opt->timeout, ps->opt->concurrency, ps->opt->retry);
	for (size_t v = 0; v < nreqs; v++) {
		struct pipeline_detail d = { 0 };

		ps->st->requests += reqs[v].attempts;
		if (ps->err[0] == '\0') {
			take_detail(ps, &evs[what[v].ev], &d, ASK_FAILED_JOBS, &reqs[v], keep);
			if (d.job != NULL)
				pipeline_last_message(&evs[what[v].ev], d.job, d.stage, NULL);
		}
		fetch_answer_free(&reqs[v].answer);
		free((char *)reqs[v].url);
	}
	free(reqs);
	free(what);
	return ps->err[0] != '\0' ? -1 : 0;
}

/* Pipelines updated since the last run.  Of those Ocim does not know yet,
 * or whose status changed, GitLab is asked (a page's together) for the
 * details the list lacks: the variables of those not linked to an
 * instance yet (to link them) and the pipeline itself (started_at,
 * finished_at, detailed_status: the last message).  Then, after the last
 * page, the failed jobs (the last message names the job and its stage) of
 * the pipelines that failed and are the newest of their instance in this
 * read, all together: an older one keeps its detailed status ("failed"),
 * as a history of 100 pipelines would cost 100 more requests.  An
 * unchanged pipeline costs nothing more. */
int
sync_read_pipelines(struct project_sync *ps, struct db *db, json_t *keep, struct pipeline_event **out, size_t *nout)
{
	char path[600], pid[24];
	struct fetch_answer a;
	struct fetch *reqs;
	struct pipeline_request *what;
	struct pipeline_detail *details;
	struct pipeline_event *grown;
	struct pipeline_seen *seen = NULL, *sgrown;
	size_t nreqs, first;
	int page = 1, rc = -1;

	snprintf(pid, sizeof pid, "%ld", ps->id);
	*out = NULL;
	*nout = 0;
	for (; page <= MAX_PAGES; page++) {
		json_t *items, *item;
		size_t i, n;
		char next[16];

		if (page == 1) {
			/* the first page came with every project's first requests */
			if (!sync_answer_ok(ps, &ps->first[2]))
				goto out;
			a = ps->first[2].answer;
			ps->first[2].answer.body.data = NULL;
		} else {
			sync_pipelines_path(ps, page, path, sizeof path);
			if (sync_get(ps, path, &a) < 0)
				goto out;
		}
		snprintf(next, sizeof next, "%s", a.next_page);
		items = sync_answer_json(ps, &a, 1);
		if (items == NULL)
			goto out;
		json_array_append(keep, items);
		json_decref(items);
		/* what is new on this page; what GitLab is asked about it goes
		 * out together */
		n = json_array_size(items);
		grown = realloc(*out, (*nout + n + 1) * sizeof *grown);
		if (grown != NULL)
			*out = grown;
		sgrown = realloc(seen, (*nout + n + 1) * sizeof *sgrown);
		if (sgrown != NULL)
			seen = sgrown;
		reqs = calloc(2 * n + 1, sizeof *reqs);
		what = calloc(2 * n + 1, sizeof *what);
		details = calloc(n + 1, sizeof *details);
		if (grown == NULL || sgrown == NULL || reqs == NULL || what == NULL || details == NULL) {
			free(reqs);
			free(what);
			free(details);
			snprintf(ps->err, sizeof ps->err, "out of memory");
			goto out;
		}
		first = *nout;
		nreqs = 0;
		json_array_foreach(items, i, item) {
			struct pipeline_event ev = { 0 };
			json_t *gid = json_object_get(item, "id");
			char cg[24], vpath[160];
			const char *kp[2] = { pid, cg };
			PGresult *known;
			int linked = 0, changed = 1;
			char linked_to[64] = "";

			ev.status = json_string_value(json_object_get(item, "status"));
			if (!json_is_integer(gid) || ev.status == NULL || strlen(ev.status) > 64)
				continue;
			ev.gitlab_id = (long long)json_integer_value(gid);
			ev.ref = json_string_value(json_object_get(item, "ref"));
			ev.sha = json_string_value(json_object_get(item, "sha"));
			ev.url = json_string_value(json_object_get(item, "web_url"));
			ev.created_at = pipeline_time(json_string_value(json_object_get(item, "created_at")));
			snprintf(cg, sizeof cg, "%lld", ev.gitlab_id);
			known = db_exec(db, STMT_SYNC_PIPELINE_KNOWN, 2, kp);
			if (db_result_status(known) == DB_OK && PQntuples(known) == 1) {
				linked = PQgetvalue(known, 0, 1)[0] == 't';
				snprintf(linked_to, sizeof linked_to, "%s", PQgetvalue(known, 0, 2));
				/* a waiting status read after a final one is old news:
				 * it would change nothing (STMT_PIPELINE_UPSERT) */
				changed = strcmp(PQgetvalue(known, 0, 0), ev.status) != 0 &&
				          !(pipeline_status_final(PQgetvalue(known, 0, 0)) && !pipeline_status_final(ev.status));
				if (linked && !changed) {
					PQclear(known);
					continue;       /* nothing new */
				}
			}
			PQclear(known);
			if (!linked) {
				/* the variables name the instance and the action */
				snprintf(vpath, sizeof vpath, "/projects/%ld/pipelines/%lld/variables", ps->gitlab_id, ev.gitlab_id);
				if (ask(ps, reqs, what, &nreqs, *nout, ASK_VARIABLES, vpath) < 0)
					break;
			}
			if (changed) {
				snprintf(vpath, sizeof vpath, "/projects/%ld/pipelines/%lld", ps->gitlab_id, ev.gitlab_id);
				if (ask(ps, reqs, what, &nreqs, *nout, ASK_DETAIL, vpath) < 0)
					break;
			}
			memcpy(seen[*nout].instance, linked_to, sizeof linked_to);
			seen[*nout].changed = changed;
			(*out)[(*nout)++] = ev;
		}
		if (ps->err[0] == '\0')
			fetch_run(reqs, nreqs, ps->opt->timeout, ps->opt->concurrency, ps->opt->retry);
		/* the variables first: they make the event anew */
		for (size_t v = 0; v < nreqs; v++) {
			struct pipeline_event *ev = &(*out)[what[v].ev];
			json_t *list, *body;
			char why[200];

			ps->st->requests += reqs[v].attempts;
			if (what[v].what != ASK_VARIABLES)
				continue;
			if (ps->err[0] == '\0' && sync_answer_ok(ps, &reqs[v]) &&
			    (list = sync_answer_json(ps, &reqs[v].answer, 1)) != NULL) {
				body = json_pack("{s:{s:I, s:s, s:o}}", "object_attributes", "id", (json_int_t)ev->gitlab_id,
				                 "status", ev->status, "variables", list);
				json_array_append_new(keep, body);
				if (body != NULL) {
					struct pipeline_event parsed = { 0 };

					if (webhook_pipeline_parse(body, &parsed, why, sizeof why) == 0) {
						parsed.ref = ev->ref;
						parsed.sha = ev->sha;
						parsed.url = ev->url;
						parsed.created_at = ev->created_at;
						*ev = parsed;
					}
				}
			}
		}
		for (size_t v = 0; v < nreqs; v++)
			if (what[v].what != ASK_VARIABLES && ps->err[0] == '\0')
				take_detail(ps, &(*out)[what[v].ev], &details[what[v].ev - first], what[v].what, &reqs[v], keep);
		for (size_t e = first; e < *nout; e++) {
			pipeline_last_message(&(*out)[e], NULL, NULL, details[e - first].detailed);
			if (seen[e].instance[0] == '\0')
				memcpy(seen[e].instance, (*out)[e].instance, sizeof seen[e].instance);
		}
		for (size_t v = 0; v < nreqs; v++) {
			fetch_answer_free(&reqs[v].answer);
			free((char *)reqs[v].url);
		}
		free(reqs);
		free(what);
		free(details);
		if (ps->err[0] != '\0')
			goto out;
		if (n == 0 || next[0] == '\0')
			break;
	}
	rc = failed_jobs(ps, keep, *out, seen, *nout);
out:
	free(seen);
	return rc;
}

/* The head commit of the branch GitLab answered; 0, or -1 with ps->err. */
int
sync_branch_head(struct project_sync *ps, struct fetch_answer *a)
{
	json_t *b = sync_answer_json(ps, a, 0);
	const char *id = json_string_value(json_object_get(json_object_get(b, "commit"), "id"));
	size_t n = id ? strlen(id) : 0;

	if (b == NULL)
		return -1;
	if (n < 7 || n >= sizeof ps->commit || strspn(id, "0123456789abcdef") != n) {
		char shown[201];
		snprintf(ps->err, sizeof ps->err, "GitLab's branch %s has no commit id",
		         utf8_clip(shown, sizeof shown, ps->branch));
		json_decref(b);
		return -1;
	}
	memcpy(ps->commit, id, n + 1);
	json_decref(b);
	return 0;
}
