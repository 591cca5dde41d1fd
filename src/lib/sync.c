#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "actions.h"
#include "fetch.h"
#include "gitarchive.h"
#include "gitlab.h"
#include "log.h"
#include "openfaas.h"
#include "states.h"
#include "sync.h"
#include "util.h"
#include "webhook.h"
#include "ydoc.h"

#define MAX_FILE (1024 * 1024)
#define MAX_PAGES 1000

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

/* A file of the tree worth reading. */
struct entry {
	char instance[64];              /* "" for cluster.yml */
	int grove;                      /* grove.yml, else config.yml */
	char blob[64];
	char *text;                     /* fetched content, owned */
	json_t *parsed;                 /* its YAML as JSON, owned */
	char error[300];                /* why it could not be read or parsed */
	int changed;
};

struct project_sync {
	const struct conf *conf;
	const struct sync_options *opt;
	struct sync_stats *st;
	long id, gitlab_id;
	const char *name, *base, *since, *synced_commit;
	const char *read_at;            /* when this read began (the database's clock) */
	char branch[256];
	char commit[65];                /* the branch's head: the ref everything is read at */
	int requested;                  /* marked for refresh (push webhook, user) */
	int skipped;                    /* another run holds its lock */
	int read_tree;                  /* the tree is read (the head moved, or asked to) */
	int no_archive;                 /* the archive failed: file by file */
	char token[512];
	struct fetch *first;   /* project, branch, pipelines: sent with every project's */
	char urls[3][2400];
	json_t *meta;
	struct entry *entries;
	size_t n;
	char err[400];
};

/* Whether an answer is a 200; else ps->err says what came instead. */
static int
answer_ok(struct project_sync *ps, const struct fetch *r)
{
	return gitlab_check(r, 200, ps->err, sizeof ps->err) == 0;
}

/* One GET of this project, retried as configured; 0 with the answer, or
 * -1 with ps->err. */
static int
get(struct project_sync *ps, const char *path, struct fetch_answer *a)
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
	if (!answer_ok(ps, &r)) {
		fetch_answer_free(a);
		return -1;
	}
	return 0;
}

/* Parses a JSON answer; NULL with ps->err when it is not what was asked. */
static json_t *
answer_json(struct project_sync *ps, struct fetch_answer *a, int want_array)
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

static int
slug(const char *s, size_t n)
{
	if (n == 0 || n > 50 || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-_", s[i]))
			return 0;
	return 1;
}

int
sync_tree_path(const char *path, char *instance, size_t size, int *grove)
{
	const char *slash;

	if (strcmp(path, "cluster.yml") == 0)
		return 1;
	if (strncmp(path, "instances/", 10) != 0 || (slash = strchr(path + 10, '/')) == NULL ||
	    !slug(path + 10, (size_t)(slash - path - 10)) || (size_t)(slash - path - 10) >= size)
		return 0;
	if (strcmp(slash, "/config.yml") != 0 && strcmp(slash, "/grove.yml") != 0)
		return 0;
	snprintf(instance, size, "%.*s", (int)(slash - path - 10), path + 10);
	*grove = strcmp(slash, "/grove.yml") == 0;
	return 2;
}

/* Keeps the tree entries Ocim reads. */
static int
add_tree_item(struct project_sync *ps, const json_t *item)
{
	const char *path = json_string_value(json_object_get(item, "path"));
	const char *id = json_string_value(json_object_get(item, "id"));
	const char *type = json_string_value(json_object_get(item, "type"));
	struct entry e = { 0 }, *grown;

	if (path == NULL || id == NULL || type == NULL || strcmp(type, "blob") != 0 || strlen(id) >= sizeof e.blob)
		return 0;
	if (sync_tree_path(path, e.instance, sizeof e.instance, &e.grove) == 0)
		return 0;
	snprintf(e.blob, sizeof e.blob, "%s", id);
	grown = realloc(ps->entries, (ps->n + 1) * sizeof *grown);
	if (grown == NULL)
		return -1;
	ps->entries = grown;
	ps->entries[ps->n++] = e;
	return 0;
}

static int
read_tree(struct project_sync *ps)
{
	char path[2100];
	struct fetch_answer a;
	int pages = 0;

	snprintf(path, sizeof path, "/projects/%ld/repository/tree?recursive=true&per_page=100&pagination=keyset&ref=%s",
	         ps->gitlab_id, ps->commit);
	for (;;) {
		char next[2048];
		json_t *items, *item;
		size_t i;

		if (get(ps, path, &a) < 0)
			return -1;
		if (a.bad_link) {
			/* stopping here would take the rest of the tree for deleted */
			fetch_answer_free(&a);
			snprintf(ps->err, sizeof ps->err, "GitLab's next tree page has a link Ocim cannot follow");
			return -1;
		}
		snprintf(next, sizeof next, "%s", a.next_link);
		items = answer_json(ps, &a, 1);
		if (items == NULL)
			return -1;
		json_array_foreach(items, i, item)
			if (add_tree_item(ps, item) < 0) {
				json_decref(items);
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

/* The repository path of an entry. */
static void
entry_file(const struct entry *e, char *file, size_t size)
{
	if (e->instance[0])
		snprintf(file, size, "instances/%s/%s", e->instance, e->grove ? "grove.yml" : "config.yml");
	else
		snprintf(file, size, "cluster.yml");
}

/* Keeps a fetched file and its YAML.  A file that cannot be parsed keeps
 * its error; one that could not be fetched fails the project. */
static int
take_file(struct project_sync *ps, struct entry *e, struct fetch *r)
{
	struct fetch_answer *a = &r->answer;
	char file[120], yerr[300], sfile[101], syerr[191];
	struct ynode *root;
	struct ylimits lim = { .max_bytes = MAX_FILE, .max_depth = 32, .max_nodes = 100000 };

	entry_file(e, file, sizeof file);
	if (!answer_ok(ps, r))
		return -1;
	ps->st->files++;
	e->text = a->body.data;     /* taken over from the answer */
	a->body.data = NULL;
	root = ydoc_parse(e->text, a->body.len, &lim, yerr, sizeof yerr);
	if (root == NULL)
		snprintf(e->error, sizeof e->error, "%s: %s", utf8_clip(sfile, sizeof sfile, file),
		         utf8_clip(syerr, sizeof syerr, yerr));
	else if (root->kind != YNODE_MAP)
		snprintf(e->error, sizeof e->error, "%s: line %u, column %u: must be a mapping",
		         utf8_clip(sfile, sizeof sfile, file), root->line, root->col);
	else
		e->parsed = ynode_to_json(root);
	ynode_free(root);
	return 0;
}

/* Big reads.  A raw read costs a request per file; GitLab's archive of
 * instances/ at the commit holds them all in one request, but GitLab.com
 * allows 5 a minute per user and it carries every file.  So:
 *  - a first read (no commit read yet) or a project of ARCHIVE_MIN_INSTANCES
 *    instances or more (its tree alone takes several pages of 100) reads no
 *    tree: the archive and cluster.yml's raw file, 2 requests side by side
 *    whatever changed, the blob ids computed from the bytes as git does;
 *  - else the tree is read, and the changed files raw, a request each,
 *    unless more than ARCHIVE_MAX_RAW instance files changed: the archive.
 * An archive GitLab does not give (429, another status, no answer, over
 * the caps) falls back to the tree and raw reads; after a 429 or a
 * RateLimit-Remaining of 0 no archive is asked until GitLab's reset.  An
 * archive that is damaged or holds an unsafe path fails the project, which
 * keeps what was stored. */
#define ARCHIVE_MIN_INSTANCES 25
#define ARCHIVE_MAX_RAW 8
static const struct gitarchive_caps archive_caps = {
	.max_total = 256 * 1024 * 1024, .max_file = MAX_FILE, .max_entries = 200000,
};
static time_t archive_paused_until;     /* GitLab said no more archives before then */

static int
archive_usable(const struct project_sync *ps)
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

/* Keeps an entry's text (taken, len bytes) and its YAML, as take_file does
 * for a raw read. */
static void
take_text(struct project_sync *ps, struct entry *e, char *text, size_t len)
{
	char file[120], yerr[300], sfile[101], syerr[191];
	struct ynode *root;
	struct ylimits lim = { .max_bytes = MAX_FILE, .max_depth = 32, .max_nodes = 100000 };

	entry_file(e, file, sizeof file);
	ps->st->files++;
	e->text = text;
	root = ydoc_parse(e->text, len, &lim, yerr, sizeof yerr);
	if (root == NULL)
		snprintf(e->error, sizeof e->error, "%s: %s", utf8_clip(sfile, sizeof sfile, file),
		         utf8_clip(syerr, sizeof syerr, yerr));
	else if (root->kind != YNODE_MAP)
		snprintf(e->error, sizeof e->error, "%s: line %u, column %u: must be a mapping",
		         utf8_clip(sfile, sizeof sfile, file), root->line, root->col);
	else
		e->parsed = ynode_to_json(root);
	ynode_free(root);
}

/* Asks for the archive of instances/ at the commit, and with cluster for
 * cluster.yml's raw file beside it.  Returns 0 with the archive's files in
 * files (the caller frees them) and, with cluster, cluster.yml's answer
 * (taken; body.data NULL when there is no cluster.yml); -1 with ps->err when
 * the project fails; -2 when the archive is not to be had (read otherwise). */
static int
fetch_archive(struct project_sync *ps, struct gitarchive_list *files, struct fetch_answer *cluster)
{
	char urls[2][2400], path[700], why[300];
	struct fetch reqs[2] = { { .url = urls[0], .token = ps->token }, { .url = urls[1], .token = ps->token } };
	struct fetch_answer *a = &reqs[0].answer;
	size_t n = cluster != NULL ? 2 : 1;
	enum gitarchive_rc rc;

	files->files = NULL;
	files->n = 0;
	snprintf(path, sizeof path, "/projects/%ld/repository/archive.tar.gz?sha=%s&path=instances", ps->gitlab_id, ps->commit);
	if (gitlab_url(urls[0], sizeof urls[0], ps->base, path) < 0)
		return -2;
	snprintf(path, sizeof path, "/projects/%ld/repository/files/cluster.yml/raw?ref=%s", ps->gitlab_id, ps->commit);
	if (gitlab_url(urls[1], sizeof urls[1], ps->base, path) < 0)
		return -2;
	/* no retries for the archive: a 429 is read otherwise, not waited for */
	fetch_run(reqs, n, ps->opt->timeout, 2, NULL);
	ps->st->requests += reqs[0].attempts + (n > 1 ? reqs[1].attempts : 0);
	if (a->status == 429 || a->rate_remaining == 0) {
		long wait = a->rate_reset >= 0 ? a->rate_reset : a->retry_after >= 0 ? a->retry_after : 60;
		archive_paused_until = time(NULL) + (wait < 3600 ? wait : 3600);
	}
	if (a->status != 200 && gitlab_check(&reqs[0], 200, why, sizeof why) < 0) {
		log_info("project %s: %s; reading file by file", ps->name, why);
		fetch_answer_free(a);
		fetch_answer_free(&reqs[1].answer);
		return -2;
	}
	rc = gitarchive_read(a->body.data, a->body.len, &archive_caps, archive_want, NULL, files, why, sizeof why);
	fetch_answer_free(a);
	if (rc != GITARCHIVE_OK) {
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
		fetch_run(&reqs[1], 1, ps->opt->timeout, 1, ps->opt->retry);
		ps->st->requests += reqs[1].attempts;
	}
	if (reqs[1].answer.status == 404) {
		fetch_answer_free(&reqs[1].answer);
	} else if (!answer_ok(ps, &reqs[1])) {
		fetch_answer_free(&reqs[1].answer);
		gitarchive_free(files);
		return -1;
	}
	*cluster = reqs[1].answer;
	return 0;
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
		entry_file(e, file, sizeof file);
		for (size_t k = 0; k < files->n; k++)
			if (files->files[k].data != NULL && strcmp(files->files[k].path, file) == 0) {
				take_text(ps, e, files->files[k].data, files->files[k].len);
				files->files[k].data = NULL;
				break;
			}
	}
}

/* Fetches every changed file, concurrency at a time. */
static int
fetch_changed(struct project_sync *ps)
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
	if (changed > ARCHIVE_MAX_RAW && archive_usable(ps)) {
		/* many changed: the archive has them in one request */
		struct gitarchive_list files;

		rc = fetch_archive(ps, &files, NULL);
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
		entry_file(&ps->entries[i], file, sizeof file);
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

/* The text of the first key of keys (space-separated, from the
 * configuration's cluster_keys) found in parsed, in buf; NULL if none. */
static const char *
cluster_value(const json_t *parsed, const char *keys, char *buf, size_t size)
{
	for (const char *k = keys + strspn(keys, " "); *k != '\0'; k += strspn(k, " ")) {
		size_t n = strcspn(k, " ");
		char key[256];
		const json_t *v;

		snprintf(key, sizeof key, "%.*s", (int)n, k);
		k += n;
		v = json_object_get(parsed, key);
		if (json_is_string(v))
			snprintf(buf, size, "%s", json_string_value(v));
		else if (json_is_integer(v))
			snprintf(buf, size, "%lld", (long long)json_integer_value(v));
		else
			continue;
		return buf;
	}
	return NULL;
}

static int
exec_ok(struct db *db, enum db_stmt stmt, int n, const char *const *params)
{
	PGresult *res = db_exec(db, stmt, n, params);
	int ok = db_result_status(res) == DB_OK;

	PQclear(res);
	return ok;
}

/* Writes what was read, in one transaction.  Returns 0 or -1 (rolled back). */
static int
store(struct project_sync *ps, struct db *db, struct pipeline_event *events, size_t nevents)
{
	char pid[24], cid[24], why[300];
	const char *params[10];
	struct entry *cluster_yml = NULL;
	struct buf names = { 0 };
	PGresult *res;

	if (db_begin(db) < 0) {
		snprintf(ps->err, sizeof ps->err, "storing: %s", db_error(db));
		return -1;
	}
	snprintf(pid, sizeof pid, "%ld", ps->id);
	params[0] = pid;
	params[1] = json_string_value(json_object_get(ps->meta, "description"));
	params[2] = json_string_value(json_object_get(ps->meta, "web_url"));
	params[3] = json_string_value(json_object_get(ps->meta, "default_branch"));
	if (!exec_ok(db, STMT_SYNC_PROJECT_META, 4, params))
		goto fail;
	/* the repository's cluster: found, or made under the project's name */
	res = db_exec(db, STMT_SYNC_CLUSTER_FIND, 1, params);
	if (db_result_status(res) != DB_OK)
		goto fail_res;
	if (PQntuples(res) == 0) {
		PQclear(res);
		params[1] = ps->name;
		res = db_exec(db, STMT_SYNC_CLUSTER_INSERT, 2, params);
		if (db_result_status(res) != DB_OK)
			goto fail_res;
	}
	snprintf(cid, sizeof cid, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (!ps->read_tree)
		goto pipelines;         /* the branch did not move: the files are as stored */
	for (size_t i = 0; i < ps->n; i++)
		if (ps->entries[i].instance[0] == '\0')
			cluster_yml = &ps->entries[i];
	if (cluster_yml != NULL && cluster_yml->changed) {
		if (cluster_yml->parsed != NULL) {
			char vals[6][128], *text = json_dumps(cluster_yml->parsed, JSON_COMPACT);
			const struct conf *c = ps->conf;
			const char *fields[6] = { c->cluster_keys.provider, c->cluster_keys.region, c->cluster_keys.max_node_count,
			                          c->cluster_keys.node_size, c->cluster_keys.mysql_size, c->cluster_keys.mongodb_size };
			const char *cp[10] = { cid };
			long n;

			for (int f = 0; f < 6; f++)
				cp[f + 1] = cluster_value(cluster_yml->parsed, fields[f], vals[f], sizeof vals[f]);
			if (cp[1] != NULL && strcmp(cp[1], "aws") != 0 && strcmp(cp[1], "digitalocean") != 0)
				cp[1] = "other";
			if (cp[3] && parse_long(cp[3], &n) < 0)
				cp[3] = NULL;
			cp[7] = cluster_yml->text;
			cp[8] = text;
			cp[9] = cluster_yml->blob;
			if (!exec_ok(db, STMT_SYNC_CLUSTER_UPDATE, 10, cp)) {
				free(text);
				goto fail;
			}
			free(text);
		} else {
			const char *ep[2] = { cid, cluster_yml->error };
			if (!exec_ok(db, STMT_SYNC_CLUSTER_ERROR, 2, ep))
				goto fail;
		}
	}
	/* instances: one upsert per changed file; a file in error keeps the old data */
	buf_append(&names, "{", 1);
	for (size_t i = 0; i < ps->n; i++) {
		struct entry *e = &ps->entries[i];
		char *text = NULL;
		const char *ip[8] = { cid, e->instance, NULL, NULL, NULL, NULL, NULL, NULL };

		if (e->instance[0] == '\0')
			continue;
		/* slugs need no escaping in an array literal */
		buf_printf(&names, "%s\"%s\"", names.len > 1 ? "," : "", e->instance);
		if (!e->changed)
			continue;
		if (e->parsed != NULL) {
			text = json_dumps(e->parsed, JSON_COMPACT);
			ip[e->grove ? 5 : 2] = e->text;
			ip[e->grove ? 6 : 3] = text;
			ip[e->grove ? 7 : 4] = e->blob;
		}
		if (!exec_ok(db, STMT_SYNC_INSTANCE_UPSERT, 8, ip)) {
			free(text);
			goto fail;
		}
		free(text);
		if (e->parsed == NULL) {
			const char *ep[3] = { cid, e->instance, e->error };
			if (!exec_ok(db, STMT_SYNC_INSTANCE_ERROR, 3, ep))
				goto fail;
		}
	}
	buf_append(&names, "}", 1);
	{
		const char *gp[2] = { cid, names.data };
		if (!exec_ok(db, STMT_SYNC_INSTANCES_GONE, 2, gp))
			goto fail;
	}
pipelines:
	for (size_t i = 0; i < nevents; i++) {
		const char *e = webhook_apply_pipeline(db, ps->id, &events[i], why, sizeof why);
		if (e != NULL)
			log_warning("project %s: pipeline %lld: %s", ps->name, events[i].gitlab_id, e);
		else
			ps->st->pipelines++;
	}
	params[1] = NULL;
	params[2] = ps->read_tree ? ps->commit : NULL;
	params[3] = ps->read_at;
	params[4] = ps->requested ? "true" : "false";
	if (!exec_ok(db, STMT_SYNC_PROJECT_DONE, 5, params))
		goto fail;
	if (db_commit(db) < 0) {
		snprintf(ps->err, sizeof ps->err, "storing: %s", db_error(db));
		buf_free(&names);
		return -1;
	}
	buf_free(&names);
	return 0;
fail_res:
	PQclear(res);
fail:
	utf8_snprintf(ps->err, sizeof ps->err, "storing: %s", db_error(db));
	db_rollback(db);
	buf_free(&names);
	return -1;
}

static void
pipelines_path(const struct project_sync *ps, int page, char *path, size_t size)
{
	snprintf(path, size, "/projects/%ld/pipelines?per_page=100&order_by=updated_at&sort=asc&page=%d%s%s",
	         ps->gitlab_id, page, ps->since ? "&updated_after=" : "", ps->since ? ps->since : "");
}

/* Pipelines updated since the last run; the variables of those Ocim does
 * not know yet are read so they can be linked to their instance. */
static int
read_pipelines(struct project_sync *ps, struct db *db, json_t *keep, struct pipeline_event **out, size_t *nout)
{
	char path[600], pid[24];
	struct fetch_answer a;
	struct fetch *vars;
	struct pipeline_event *grown;
	size_t nvars, *todo;
	int page = 1;

	snprintf(pid, sizeof pid, "%ld", ps->id);
	*out = NULL;
	*nout = 0;
	for (; page <= MAX_PAGES; page++) {
		json_t *items, *item;
		size_t i;
		char next[16];

		if (page == 1) {
			/* the first page came with every project's first requests */
			if (!answer_ok(ps, &ps->first[2]))
				return -1;
			a = ps->first[2].answer;
			ps->first[2].answer.body.data = NULL;
		} else {
			pipelines_path(ps, page, path, sizeof path);
			if (get(ps, path, &a) < 0)
				return -1;
		}
		snprintf(next, sizeof next, "%s", a.next_page);
		items = answer_json(ps, &a, 1);
		if (items == NULL)
			return -1;
		json_array_append(keep, items);
		json_decref(items);
		/* what is new on this page; the variables of pipelines not yet
		 * linked to an instance are asked for together */
		grown = realloc(*out, (*nout + json_array_size(items) + 1) * sizeof *grown);
		vars = calloc(json_array_size(items) + 1, sizeof *vars);
		todo = calloc(json_array_size(items) + 1, sizeof *todo);
		if (grown == NULL || vars == NULL || todo == NULL) {
			if (grown != NULL)
				*out = grown;
			free(vars);
			free(todo);
			snprintf(ps->err, sizeof ps->err, "out of memory");
			return -1;
		}
		*out = grown;
		nvars = 0;
		json_array_foreach(items, i, item) {
			struct pipeline_event ev = { 0 };
			json_t *gid = json_object_get(item, "id");
			char cg[24];
			const char *kp[2] = { pid, cg };
			PGresult *known;
			int linked = 0;

			ev.status = json_string_value(json_object_get(item, "status"));
			if (!json_is_integer(gid) || ev.status == NULL || strlen(ev.status) > 64)
				continue;
			ev.gitlab_id = (long long)json_integer_value(gid);
			ev.ref = json_string_value(json_object_get(item, "ref"));
			ev.sha = json_string_value(json_object_get(item, "sha"));
			ev.url = json_string_value(json_object_get(item, "web_url"));
			ev.created_at = json_string_value(json_object_get(item, "created_at"));
			snprintf(cg, sizeof cg, "%lld", ev.gitlab_id);
			known = db_exec(db, STMT_SYNC_PIPELINE_KNOWN, 2, kp);
			if (db_result_status(known) == DB_OK && PQntuples(known) == 1) {
				linked = PQgetvalue(known, 0, 1)[0] == 't';
				if (linked && strcmp(PQgetvalue(known, 0, 0), ev.status) == 0) {
					PQclear(known);
					continue;       /* nothing new */
				}
			}
			PQclear(known);
			if (!linked) {
				/* GET .../variables to learn the instance and the action */
				char vpath[100], *url;
				size_t size = strlen(ps->base) + sizeof vpath + 16;

				if ((url = malloc(size)) == NULL) {
					snprintf(ps->err, sizeof ps->err, "out of memory");
					break;
				}
				snprintf(vpath, sizeof vpath, "/projects/%ld/pipelines/%lld/variables", ps->gitlab_id, ev.gitlab_id);
				gitlab_url(url, size, ps->base, vpath);
				vars[nvars] = (struct fetch){ .url = url, .token = ps->token };
				todo[nvars++] = *nout;
			}
			(*out)[(*nout)++] = ev;
		}
		if (ps->err[0] == '\0')
			fetch_run(vars, nvars, ps->opt->timeout, ps->opt->concurrency, ps->opt->retry);
		for (size_t v = 0; v < nvars; v++) {
			struct pipeline_event *ev = &(*out)[todo[v]];
			json_t *list, *body;
			char why[200];

			ps->st->requests += vars[v].attempts;
			if (ps->err[0] == '\0' && answer_ok(ps, &vars[v]) &&
			    (list = answer_json(ps, &vars[v].answer, 1)) != NULL) {
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
			fetch_answer_free(&vars[v].answer);
			free((char *)vars[v].url);
		}
		free(vars);
		free(todo);
		if (ps->err[0] != '\0')
			return -1;
		if (json_array_size(items) == 0 || next[0] == '\0')
			break;
	}
	return 0;
}

/* One cluster's calls to its OpenFaaS gateway. */
struct faas_cluster {
	const char *id;
	char urls[4][1200];
	char *credtext;                 /* decrypted {"username", "password"}, wiped after */
	json_t *cred;
	char keyerr[260];               /* why stored credentials do not open, or "" */
};

/* Asks the OpenFaaS gateway of every cluster (of opt->project_id, or all)
 * what runs, all clusters' calls at once: reachability is the cluster's
 * online flag, the answers go on the instances with their time.  A gateway
 * whose instances function does not answer marks the cluster offline and
 * leaves the last data (and its age) as it was; another function that does
 * not answer leaves its own part as it was. */
static void
sync_openfaas(const struct conf *conf, struct db *db, const struct secret_key *key, const struct sync_options *opt,
              struct sync_stats *st)
{
	const char *names[4] = { conf->openfaas.instances, conf->openfaas.instance_errors,
	                         conf->openfaas.replication_stats, conf->openfaas.usage_report };
	char pid[24];
	const char *params[1] = { NULL };
	struct faas_cluster *fc = NULL;
	struct fetch *calls = NULL;
	PGresult *res;
	size_t n;

	if (opt->project_id > 0) {
		snprintf(pid, sizeof pid, "%ld", opt->project_id);
		params[0] = pid;
	}
	res = db_exec(db, STMT_SYNC_FAAS_CLUSTERS, 1, params);
	n = db_result_status(res) == DB_OK ? (size_t)PQntuples(res) : 0;
	if (n == 0)
		goto out;
	fc = calloc(n, sizeof *fc);
	calls = calloc(4 * n, sizeof *calls);
	if (fc == NULL || calls == NULL) {
		log_error("OpenFaaS: out of memory");
		goto out;
	}
	for (size_t r = 0; r < n; r++) {
		const char *gateway = PQgetvalue(res, (int)r, 1);
		const char *user, *pass;

		fc[r].id = PQgetvalue(res, (int)r, 0);
		fc[r].credtext = PQgetisnull(res, (int)r, 2) ? NULL : secret_open(key, PQgetvalue(res, (int)r, 2));
		fc[r].cred = fc[r].credtext ? json_loads(fc[r].credtext, 0, NULL) : NULL;
		if (fc[r].credtext == NULL && !PQgetisnull(res, (int)r, 2)) {
			char why[200];

			snprintf(fc[r].keyerr, sizeof fc[r].keyerr, "the OpenFaaS credentials cannot be opened: %s",
			         secret_why(key, PQgetvalue(res, (int)r, 2), why, sizeof why));
			log_warning("cluster %s: %s", fc[r].id, fc[r].keyerr);
		}
		user = json_string_value(json_object_get(fc[r].cred, "username"));
		pass = json_string_value(json_object_get(fc[r].cred, "password"));
		for (int k = 0; k < 4; k++) {
			if (openfaas_url(fc[r].urls[k], sizeof fc[r].urls[k], gateway, names[k]) < 0)
				fc[r].urls[k][0] = '\0';        /* fails below as no answer */
			calls[4 * r + (size_t)k] = (struct fetch){ .url = fc[r].urls[k], .user = user ? user : "",
			                                           .password = pass ? pass : "", .form = "" };
		}
	}
	fetch_run(calls, 4 * n, opt->timeout, opt->concurrency, NULL);
	for (size_t r = 0; r < n; r++) {
		struct fetch *c = &calls[4 * r];
		char err[300] = "", ignored[300];
		json_t *running, *errors, *repl, *usage, *rows, *item;
		size_t i;

		st->requests += 4;
		running = openfaas_answer(&c[0], names[0], err, sizeof err);
		if (!json_is_array(running)) {
			const char *op[3] = { fc[r].id, "false", fc[r].keyerr[0] ? fc[r].keyerr :
			                      err[0] ? err : "OpenFaaS instances: not a list" };
			PQclear(db_exec(db, STMT_SYNC_CLUSTER_ONLINE, 3, op));
			log_warning("cluster %s: %s", fc[r].id, op[2]);
			json_decref(running);
			continue;
		}
		errors = openfaas_answer(&c[1], names[1], ignored, sizeof ignored);
		repl = openfaas_answer(&c[2], names[2], ignored, sizeof ignored);
		usage = openfaas_answer(&c[3], names[3], ignored, sizeof ignored);
		rows = json_array();
		json_array_foreach(running, i, item) {
			const char *name = json_string_value(json_object_get(item, "name"));
			if (name == NULL)
				continue;
			json_array_append_new(rows, json_pack("{s:s, s:O?, s:s, s:O?, s:O?}", "name", name,
			                                      "pods", json_object_get(item, "pods"),
			                                      "health", openfaas_health(item, errors, name),
			                                      "replication", json_object_get(repl, name),
			                                      "usage", json_object_get(usage, name)));
		}
		{
			char *text = json_dumps(rows, JSON_COMPACT);
			const char *rp[2] = { fc[r].id, text };
			const char *op[3] = { fc[r].id, "true", NULL };
			PQclear(db_exec(db, STMT_SYNC_RUNTIME, 2, rp));
			PQclear(db_exec(db, STMT_SYNC_CLUSTER_ONLINE, 3, op));
			free(text);
		}
		json_decref(rows);
		json_decref(running);
		json_decref(errors);
		json_decref(repl);
		json_decref(usage);
	}
out:
	for (size_t r = 0; fc != NULL && r < n; r++) {
		json_decref(fc[r].cred);
		if (fc[r].credtext != NULL) {
			sodium_memzero(fc[r].credtext, strlen(fc[r].credtext));
			free(fc[r].credtext);
		}
	}
	for (size_t k = 0; calls != NULL && k < 4 * n; k++)
		fetch_answer_free(&calls[k].answer);
	free(calls);
	free(fc);
	PQclear(res);
}

/* Reads row r of STMT_SYNC_PROJECTS into ps and writes its first three
 * requests (project, branch, first page of pipelines) into first. */
static void
prepare(struct project_sync *ps, const struct secret_key *key, PGresult *row, int r, struct fetch *first)
{
	char *token, *branch, paths[3][1024];

	parse_long(PQgetvalue(row, r, 0), &ps->id);
	ps->name = PQgetvalue(row, r, 1);
	ps->base = PQgetvalue(row, r, 2);
	parse_long(PQgetvalue(row, r, 3), &ps->gitlab_id);
	snprintf(ps->branch, sizeof ps->branch, "%s", PQgetvalue(row, r, 4));
	ps->since = PQgetisnull(row, r, 6) ? NULL : PQgetvalue(row, r, 6);
	ps->synced_commit = PQgetisnull(row, r, 7) ? NULL : PQgetvalue(row, r, 7);
	ps->requested = PQgetvalue(row, r, 8)[0] == 't';
	ps->read_at = PQgetvalue(row, r, 9);
	token = PQgetisnull(row, r, 5) ? NULL : secret_open(key, PQgetvalue(row, r, 5));
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
	pipelines_path(ps, 1, paths[2], sizeof paths[2]);
	for (int k = 0; k < 3; k++) {
		if (gitlab_url(ps->urls[k], sizeof ps->urls[k], ps->base, paths[k]) < 0) {
			snprintf(ps->err, sizeof ps->err, "the GitLab URL is too long");
			return;
		}
		first[k] = (struct fetch){ .url = ps->urls[k], .token = ps->token };
	}
	ps->first = first;
}

/* The head commit of the branch GitLab answered; 0, or -1 with ps->err. */
static int
branch_head(struct project_sync *ps, struct fetch_answer *a)
{
	json_t *b = answer_json(ps, a, 0);
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

/* Marks which files changed: their blob differs from the stored one. */
static void
mark_changed(struct project_sync *ps, struct db *db)
{
	char pid[24], cluster_blob[64] = "";
	const char *params[1] = { pid };
	PGresult *cl, *res = NULL;

	snprintf(pid, sizeof pid, "%ld", ps->id);
	cl = db_exec(db, STMT_SYNC_CLUSTER_FIND, 1, params);
	if (db_result_status(cl) == DB_OK && PQntuples(cl) == 1) {
		const char *cp[1] = { PQgetvalue(cl, 0, 0) };
		snprintf(cluster_blob, sizeof cluster_blob, "%s", PQgetvalue(cl, 0, 1));
		res = db_exec(db, STMT_SYNC_INSTANCES_BLOBS, 1, cp);
	}
	PQclear(cl);
	for (size_t i = 0; i < ps->n; i++) {
		struct entry *e = &ps->entries[i];
		const char *stored = cluster_blob;

		if (e->instance[0] != '\0') {
			stored = "";
			for (int k = 0; db_result_status(res) == DB_OK && k < PQntuples(res); k++)
				if (strcmp(PQgetvalue(res, k, 0), e->instance) == 0)
					stored = PQgetvalue(res, k, e->grove ? 2 : 1);
		}
		e->changed = strcmp(stored, e->blob) != 0;
	}
	PQclear(res);
}

/* How many instances the project has stored (with a file read), for the
 * choice of read. */
static int
stored_instances(struct project_sync *ps, struct db *db)
{
	char pid[24];
	const char *params[1] = { pid };
	PGresult *cl, *res = NULL;
	int n = 0;

	snprintf(pid, sizeof pid, "%ld", ps->id);
	cl = db_exec(db, STMT_SYNC_CLUSTER_FIND, 1, params);
	if (db_result_status(cl) == DB_OK && PQntuples(cl) == 1) {
		const char *cp[1] = { PQgetvalue(cl, 0, 0) };
		res = db_exec(db, STMT_SYNC_INSTANCES_BLOBS, 1, cp);
		for (int k = 0; db_result_status(res) == DB_OK && k < PQntuples(res); k++)
			n += PQgetvalue(res, k, 1)[0] != '\0' || PQgetvalue(res, k, 2)[0] != '\0';
	}
	PQclear(cl);
	PQclear(res);
	return n;
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
	int rc = fetch_archive(ps, &files, &cluster);

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
	mark_changed(ps, db);
	for (size_t i = 0; i < ps->n; i++) {
		struct entry *e = &ps->entries[i];
		char *text = e->text;

		e->text = NULL;
		if (e->changed)
			take_text(ps, e, text, lens[i]);
		else
			free(text);
	}
	free(lens);
	return 0;
}

/* Reads the repository's files at ps->commit, by the rule above
 * fetch_archive: 0, or -1 with ps->err. */
static int
read_repository(struct project_sync *ps, struct db *db)
{
	if (archive_usable(ps) && (ps->synced_commit == NULL || stored_instances(ps, db) >= ARCHIVE_MIN_INSTANCES)) {
		int rc = read_archive_only(ps, db);

		if (rc != -2)
			return rc;
		ps->no_archive = 1;
	}
	if (read_tree(ps) < 0)
		return -1;
	mark_changed(ps, db);
	return fetch_changed(ps);
}

/* Everything after the first three answers: the tree when the branch
 * moved, the changed files, more pipelines, then one transaction. */
static void
finish(struct project_sync *ps, struct db *db)
{
	const struct sync_options *opt = ps->opt;
	struct pipeline_event *events = NULL;
	size_t nevents = 0;
	json_t *keep = json_array();
	const char *branch;
	int changed = 0;

	if (ps->first == NULL && ps->err[0] == '\0')
		snprintf(ps->err, sizeof ps->err, "no request was made");
	if (ps->err[0] != '\0')
		goto done;
	if (!answer_ok(ps, &ps->first[0]) || (ps->meta = answer_json(ps, &ps->first[0].answer, 0)) == NULL)
		goto done;
	branch = json_string_value(json_object_get(ps->meta, "default_branch"));
	if (branch != NULL && strcmp(branch, ps->branch) != 0 && strlen(branch) < sizeof ps->branch) {
		/* the default branch changed since the last run: ask for the new one */
		struct fetch_answer a;
		char path[1024], *escaped = curl_easy_escape(NULL, branch, 0);

		snprintf(ps->branch, sizeof ps->branch, "%s", branch);
		snprintf(path, sizeof path, "/projects/%ld/repository/branches/%s", ps->gitlab_id, escaped ? escaped : "");
		curl_free(escaped);
		if (get(ps, path, &a) < 0 || branch_head(ps, &a) < 0)
			goto done;
	} else if (!answer_ok(ps, &ps->first[1]) || branch_head(ps, &ps->first[1].answer) < 0) {
		goto done;
	}
	ps->read_tree = opt->force || ps->requested || ps->synced_commit == NULL ||
	                strcmp(ps->synced_commit, ps->commit) != 0;
	if (ps->read_tree && read_repository(ps, db) < 0)
		goto done;
	for (size_t i = 0; i < ps->n; i++)
		changed += ps->entries[i].changed;
	if (read_pipelines(ps, db, keep, &events, &nevents) < 0)
		goto done;
	if (opt->dry_run) {
		if (opt->progress)
			fprintf(opt->progress, "%s: %s, %d changed file(s), %zu pipeline(s) to store (dry run)\n", ps->name,
			        ps->read_tree ? "tree read" : "branch unchanged", changed, nevents);
		goto cleanup;
	}
	store(ps, db, events, nevents);
done:
	if (ps->err[0] != '\0') {
		char pid[24];
		const char *params[5] = { pid, ps->err, NULL, NULL, ps->requested ? "true" : "false" };

		snprintf(pid, sizeof pid, "%ld", ps->id);
		ps->st->failed_projects++;
		json_array_append_new(ps->st->errors, json_pack("{s:s, s:s}", "project", ps->name, "error", ps->err));
		if (!opt->dry_run)
			exec_ok(db, STMT_SYNC_PROJECT_DONE, 5, params);
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
	struct fetch *first = NULL;
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
		json_array_append_new(st->errors, json_pack("{s:s}", "error", db_error(db)));
		PQclear(res);
		return;
	}
	n = (size_t)PQntuples(res);
	ps = calloc(n + 1, sizeof *ps);
	first = calloc(3 * n + 1, sizeof *first);
	if (ps == NULL || first == NULL) {
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
			json_array_append_new(st->errors, json_pack("{s:s, s:s}", "project", PQgetvalue(res, (int)r, 1),
			                                            "error", db_error(db)));
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
	for (size_t r = 0; r < n; r++) {
		if (ps[r].skipped)
			continue;
		st->projects++;
		finish(&ps[r], db);
		lock_project(db, res, (int)r, 0);
	}
	if (!opt->dry_run)
		sync_openfaas(conf, db, key, opt, st);
out:
	for (size_t i = 0; i < m; i++)
		fetch_answer_free(&first[i].answer);
	free(first);
	free(ps);
	PQclear(res);
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
