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

/* A file of the tree worth reading. */
struct entry {
	char instance[64];              /* "" for cluster.yml */
	int grove;                      /* grove.yml, else config.yml */
	char blob[65];                  /* 40 (SHA-1) or 64 (SHA-256) hex digits */
	char *text;                     /* fetched content, owned */
	json_t *parsed;                 /* its YAML as JSON, owned */
	char error[300];                /* why it could not be read or parsed */
	int changed;
	int kept_error;                 /* unchanged since it failed: its error stands */
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
	json_t *folders;                /* {path: error}: instances/ folders that are no instance name */
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
	if (strncmp(path, "instances/", 10) != 0 || (slash = strchr(path + 10, '/')) == NULL)
		return 0;
	if (!slug(path + 10, (size_t)(slash - path - 10)) || (size_t)(slash - path - 10) >= size) {
		snprintf(instance, size, "%.*s", (int)(slash - path - 10), path + 10);
		return 3;
	}
	if (strcmp(slash, "/config.yml") != 0 && strcmp(slash, "/grove.yml") != 0)
		return 0;
	snprintf(instance, size, "%.*s", (int)(slash - path - 10), path + 10);
	*grove = strcmp(slash, "/grove.yml") == 0;
	return 2;
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

static int
read_tree(struct project_sync *ps)
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

/* The repository path of an entry. */
static void
entry_file(const struct entry *e, char *file, size_t size)
{
	if (e->instance[0])
		snprintf(file, size, "instances/%s/%s", e->instance, e->grove ? "grove.yml" : "config.yml");
	else
		snprintf(file, size, "cluster.yml");
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

/* Keeps an entry's text (taken, len bytes) and its YAML, read raw or from
 * the archive: a file that cannot be parsed keeps its error. */
static void
take_text(struct project_sync *ps, struct entry *e, char *text, size_t len)
{
	char file[120], yerr[300], sfile[101], syerr[191];
	struct ynode *root;
	struct ylimits lim = { .max_bytes = MAX_FILE, .max_depth = 32, .max_nodes = 100000,
	                       .max_alias_nodes = 100000, .max_alias_depth = 8 };

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

/* Keeps a fetched file and its YAML.  A file that cannot be parsed keeps
 * its error; one that could not be fetched fails the project. */
static int
take_file(struct project_sync *ps, struct entry *e, struct fetch *r)
{
	struct fetch_answer *a = &r->answer;
	char *text;

	if (!answer_ok(ps, r))
		return -1;
	text = a->body.data;        /* taken over from the answer */
	a->body.data = NULL;
	take_text(ps, e, text, a->body.len);
	return 0;
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

/* Appends s to the PostgreSQL array literal in b (begun with its "{"). */
static void
array_add(struct buf *b, const char *s)
{
	buf_append(b, b->len > 1 ? ",\"" : "\"", b->len > 1 ? 2 : 1);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_append(b, "\\", 1);
		buf_append(b, s, 1);
	}
	buf_append(b, "\"", 1);
}

static int
exec_ok(struct db *db, enum db_stmt stmt, int n, const char *const *params)
{
	PGresult *res = db_exec(db, stmt, n, params);
	int ok = db_result_status(res) == DB_OK;

	PQclear(res);
	return ok;
}

/* Records the error of a file (path, its blob) or of a folder (blob NULL)
 * and adds its path to keep, the errors that stand after this read. */
static int
file_error(struct db *db, const char *pid, const char *path, const char *instance, const char *blob,
           const char *error, struct buf *keep)
{
	const char *fp[5] = { pid, path, instance, blob, error };

	array_add(keep, path);
	return exec_ok(db, STMT_SYNC_FILE_ERROR_SET, 5, fp);
}

/* The rows of one STMT_SYNC_INSTANCES_UPSERT: at most UPSERT_ROWS
 * instances, or about UPSERT_BYTES of files, a statement (a round trip an
 * instance cost more than all of GitLab's reads of a big first read). */
#define UPSERT_ROWS 500
#define UPSERT_BYTES (8 * 1024 * 1024)

/* Adds a changed file to its instance's row in rows ({name: row}); *bytes
 * counts what the rows hold.  A file in error adds the row alone: the
 * instance is there, its file as it was.  0, or -1 out of memory. */
static int
instance_row(json_t *rows, const struct entry *e, size_t *bytes)
{
	json_t *row = json_object_get(rows, e->instance);
	const char *prefix = e->grove ? "grove" : "config";
	char key[24];

	if (row == NULL) {
		row = json_pack("{s:s}", "name", e->instance);
		if (row == NULL || json_object_set_new(rows, e->instance, row) < 0)
			return -1;
	}
	if (e->parsed == NULL)
		return 0;
	snprintf(key, sizeof key, "%s_yml", prefix);
	if (json_object_set_new(row, key, json_string(e->text)) < 0)
		return -1;
	snprintf(key, sizeof key, "%s_parsed", prefix);
	if (json_object_set(row, key, e->parsed) < 0)
		return -1;
	snprintf(key, sizeof key, "%s_blob", prefix);
	if (json_object_set_new(row, key, json_string(e->blob)) < 0)
		return -1;
	*bytes += 2 * strlen(e->text) + 100;
	return 0;
}

/* Upserts the rows gathered (none: nothing) and empties them. */
static int
upsert_rows(struct db *db, const char *cid, json_t *rows, size_t *bytes)
{
	json_t *list, *row;
	const char *name;
	char *text;
	int ok;

	if (json_object_size(rows) == 0)
		return 0;
	if ((list = json_array()) == NULL)
		return -1;
	json_object_foreach(rows, name, row)
		json_array_append(list, row);
	text = json_dumps(list, JSON_COMPACT);
	json_decref(list);
	if (text == NULL)
		return -1;
	{
		const char *p[2] = { cid, text };
		ok = exec_ok(db, STMT_SYNC_INSTANCES_UPSERT, 2, p);
	}
	free(text);
	json_object_clear(rows);
	*bytes = 0;
	return ok ? 0 : -1;
}

/* Writes what was read, in one transaction.  Returns 0, or -1 with
 * ps->err (rolled back, or stored but for the deletions the guard
 * refused). */
static int
store(struct project_sync *ps, struct db *db, struct pipeline_event *events, size_t nevents)
{
	char pid[24], cid[24], why[300], refused[400] = "";
	const char *params[10], *dp[2];
	struct entry *cluster_yml = NULL;
	struct buf names = { 0 }, keep = { 0 };
	json_t *rows = NULL;
	size_t pending = 0;
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
	/* the errors that stand: files that failed now or failed at the same
	 * blob before, and folders that are no instance; the others go */
	buf_append(&keep, "{", 1);
	for (size_t i = 0; i < ps->n; i++) {
		struct entry *e = &ps->entries[i];
		char file[120];

		entry_file(e, file, sizeof file);
		if (e->kept_error)
			array_add(&keep, file);
		else if (e->changed && e->parsed == NULL && e->instance[0] == '\0' &&
		         !file_error(db, pid, file, NULL, e->blob, e->error, &keep))
			goto fail;
	}
	{
		const char *key;
		json_t *msg;

		json_object_foreach(ps->folders, key, msg)
			if (!file_error(db, pid, key, NULL, NULL, json_string_value(msg), &keep))
				goto fail;
	}
	/* instances: their changed files, many instances a statement; a file
	 * in error keeps the old data */
	buf_append(&names, "{", 1);
	if ((rows = json_object()) == NULL)
		goto fail;
	for (size_t i = 0; i < ps->n; i++) {
		struct entry *e = &ps->entries[i];
		char file[120];

		if (e->instance[0] == '\0')
			continue;
		array_add(&names, e->instance);
		if (!e->changed)
			continue;
		entry_file(e, file, sizeof file);
		if (instance_row(rows, e, &pending) < 0) {
			/* libyaml reads UTF-16 too; the database keeps UTF-8 */
			utf8_snprintf(ps->err, sizeof ps->err, "storing: %s is not UTF-8 text (or out of memory)", file);
			goto fail_set;
		}
		if (e->parsed == NULL && !file_error(db, pid, file, e->instance, e->blob, e->error, &keep))
			goto fail;
		if ((json_object_size(rows) >= UPSERT_ROWS || pending >= UPSERT_BYTES) && upsert_rows(db, cid, rows, &pending) < 0)
			goto fail;
	}
	if (upsert_rows(db, cid, rows, &pending) < 0)
		goto fail;
	buf_append(&names, "}", 1);
	buf_append(&keep, "}", 1);
	{
		const char *kp[2] = { pid, keep.data };
		if (!exec_ok(db, STMT_SYNC_FILE_ERRORS_KEEP, 2, kp) || !exec_ok(db, STMT_SYNC_INSTANCES_LAST_ERROR, 1, params))
			goto fail;
	}
	/* the guard: a read that would delete much of the project waits for a confirmation */
	{
		const char *gp[3] = { cid, names.data, pid };
		long gone = 0, total = 0;

		res = db_exec(db, STMT_SYNC_INSTANCES_GONE_COUNT, 3, gp);
		if (db_result_status(res) != DB_OK || PQntuples(res) != 1)
			goto fail_res;
		parse_long(PQgetvalue(res, 0, 0), &gone);
		parse_long(PQgetvalue(res, 0, 1), &total);
		if (gone > 5 && (double)gone > ps->conf->sync.max_delete_fraction * (double)total &&
		    !ps->opt->allow_deletes && PQgetvalue(res, 0, 2)[0] != 't')
			snprintf(refused, sizeof refused, "this read would mark %ld of the project's %ld instances deleted "
			         "(more than sync.max_delete_fraction); nothing was deleted: if their folders really left "
			         "the repository, confirm with the project's \"Allow deletes\" or ocim-sync --allow-deletes",
			         gone, total);
		PQclear(res);
		if (refused[0] == '\0' && !exec_ok(db, STMT_SYNC_INSTANCES_GONE, 2, gp))
			goto fail;
		snprintf(why, sizeof why, "%ld", gone);
		dp[0] = pid;
		dp[1] = refused[0] ? why : NULL;
		if (!exec_ok(db, STMT_SYNC_DELETES_USED, 2, dp))
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
	if (refused[0] != '\0')
		goto commit;    /* the rest is stored; the project is not done (its commit is read again) */
	params[1] = NULL;
	params[2] = ps->read_tree ? ps->commit : NULL;
	params[3] = ps->read_at;
	params[4] = ps->requested ? "true" : "false";
	if (!exec_ok(db, STMT_SYNC_PROJECT_DONE, 5, params))
		goto fail;
commit:
	buf_free(&names);
	buf_free(&keep);
	json_decref(rows);
	if (db_commit(db) < 0) {
		snprintf(ps->err, sizeof ps->err, "storing: %s", db_error(db));
		return -1;
	}
	if (refused[0] != '\0') {
		snprintf(ps->err, sizeof ps->err, "%s", refused);
		return -1;
	}
	return 0;
fail_res:
	PQclear(res);
fail:
	utf8_snprintf(ps->err, sizeof ps->err, "storing: %s", db_error(db));
fail_set:
	db_rollback(db);
	buf_free(&names);
	buf_free(&keep);
	json_decref(rows);
	return -1;
}

static void
pipelines_path(const struct project_sync *ps, int page, char *path, size_t size)
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

	if (!answer_ok(ps, r) || (j = answer_json(ps, &r->answer, what == ASK_FAILED_JOBS)) == NULL)
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

/* Pipelines updated since the last run.  Of those Ocim does not know yet,
 * or whose status changed, GitLab is asked (all together) for the details
 * the list lacks: the variables of those not linked to an instance yet (to
 * link them), the pipeline itself (started_at, finished_at,
 * detailed_status) and, for a failed one, its failed jobs (the last
 * message names the job and its stage).  An unchanged pipeline costs
 * nothing more. */
static int
read_pipelines(struct project_sync *ps, struct db *db, json_t *keep, struct pipeline_event **out, size_t *nout)
{
	char path[600], pid[24];
	struct fetch_answer a;
	struct fetch *reqs;
	struct pipeline_request *what;
	struct pipeline_detail *details;
	struct pipeline_event *grown;
	size_t nreqs, first;
	int page = 1;

	snprintf(pid, sizeof pid, "%ld", ps->id);
	*out = NULL;
	*nout = 0;
	for (; page <= MAX_PAGES; page++) {
		json_t *items, *item;
		size_t i, n;
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
		/* what is new on this page; what GitLab is asked about it goes
		 * out together */
		n = json_array_size(items);
		grown = realloc(*out, (*nout + n + 1) * sizeof *grown);
		reqs = calloc(3 * n + 1, sizeof *reqs);
		what = calloc(3 * n + 1, sizeof *what);
		details = calloc(n + 1, sizeof *details);
		if (grown == NULL || reqs == NULL || what == NULL || details == NULL) {
			if (grown != NULL)
				*out = grown;
			free(reqs);
			free(what);
			free(details);
			snprintf(ps->err, sizeof ps->err, "out of memory");
			return -1;
		}
		*out = grown;
		first = *nout;
		nreqs = 0;
		json_array_foreach(items, i, item) {
			struct pipeline_event ev = { 0 };
			json_t *gid = json_object_get(item, "id");
			char cg[24], vpath[160];
			const char *kp[2] = { pid, cg };
			PGresult *known;
			int linked = 0, changed = 1;

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
				if (strcmp(ev.status, "failed") == 0) {
					snprintf(vpath, sizeof vpath, "/projects/%ld/pipelines/%lld/jobs?scope%%5B%%5D=failed&per_page=100",
					         ps->gitlab_id, ev.gitlab_id);
					if (ask(ps, reqs, what, &nreqs, *nout, ASK_FAILED_JOBS, vpath) < 0)
						break;
				}
			}
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
			if (ps->err[0] == '\0' && answer_ok(ps, &reqs[v]) &&
			    (list = answer_json(ps, &reqs[v].answer, 1)) != NULL) {
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
			struct pipeline_detail *d = &details[e - first];

			pipeline_last_message(&(*out)[e], d->job, d->stage, d->detailed);
		}
		for (size_t v = 0; v < nreqs; v++) {
			fetch_answer_free(&reqs[v].answer);
			free((char *)reqs[v].url);
		}
		free(reqs);
		free(what);
		free(details);
		if (ps->err[0] != '\0')
			return -1;
		if (n == 0 || next[0] == '\0')
			break;
	}
	return 0;
}

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

/* Marks which files changed: their blob differs from the one stored, and
 * from the one that failed when the file is in error (kept_error: not
 * fetched again, its error stands). */
static void
mark_changed(struct project_sync *ps, struct db *db)
{
	char pid[24], cluster_blob[65] = "";
	const char *params[1] = { pid };
	PGresult *cl, *res = NULL, *errs;

	snprintf(pid, sizeof pid, "%ld", ps->id);
	cl = db_exec(db, STMT_SYNC_CLUSTER_FIND, 1, params);
	if (db_result_status(cl) == DB_OK && PQntuples(cl) == 1) {
		const char *cp[1] = { PQgetvalue(cl, 0, 0) };
		snprintf(cluster_blob, sizeof cluster_blob, "%s", PQgetvalue(cl, 0, 1));
		res = db_exec(db, STMT_SYNC_INSTANCES_BLOBS, 1, cp);
	}
	PQclear(cl);
	errs = db_exec(db, STMT_SYNC_FILE_ERRORS, 1, params);
	for (size_t i = 0; i < ps->n; i++) {
		struct entry *e = &ps->entries[i];
		const char *stored = cluster_blob;
		char file[120];

		if (e->instance[0] != '\0') {
			stored = "";
			for (int k = 0; db_result_status(res) == DB_OK && k < PQntuples(res); k++)
				if (strcmp(PQgetvalue(res, k, 0), e->instance) == 0)
					stored = PQgetvalue(res, k, e->grove ? 2 : 1);
		}
		e->changed = strcmp(stored, e->blob) != 0;
		if (!e->changed)
			continue;       /* back to its last good content: an error it had goes */
		entry_file(e, file, sizeof file);
		for (int k = 0; db_result_status(errs) == DB_OK && k < PQntuples(errs); k++)
			if (strcmp(PQgetvalue(errs, k, 0), file) == 0 && strcmp(PQgetvalue(errs, k, 1), e->blob) == 0)
				e->kept_error = 1;
		e->changed = !e->kept_error;
	}
	PQclear(errs);
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
	if (store(ps, db, events, nevents) == 0 && ps->folders != NULL) {
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
