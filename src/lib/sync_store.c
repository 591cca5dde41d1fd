/* ocim-sync's mapping of the files read to rows, and their storing (sync_store.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sync_store.h"
#include "util.h"
#include "webhook.h"
#include "ydoc.h"

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

/* The repository path of an entry. */
void
sync_entry_file(const struct entry *e, char *file, size_t size)
{
	if (e->instance[0])
		snprintf(file, size, "instances/%s/%s", e->instance, e->grove ? "grove.yml" : "config.yml");
	else
		snprintf(file, size, "cluster.yml");
}

void
sync_parse_file(struct entry *e, char *text, size_t len)
{
	char file[120], yerr[300], sfile[101], syerr[191];
	struct ynode *root;
	struct ylimits lim = { .max_bytes = MAX_FILE, .max_depth = 32, .max_nodes = 100000,
	                       .max_alias_nodes = 100000, .max_alias_depth = 8 };

	sync_entry_file(e, file, sizeof file);
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

void
sync_take_text(struct project_sync *ps, struct entry *e, char *text, size_t len)
{
	ps->st->files++;
	sync_parse_file(e, text, len);
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

void
sync_cluster_fields(const struct conf *conf, const json_t *parsed, char vals[6][128], const char *out[6])
{
	const struct conf *c = conf;
	const char *fields[6] = { c->cluster_keys.provider, c->cluster_keys.region, c->cluster_keys.max_node_count,
	                          c->cluster_keys.node_size, c->cluster_keys.mysql_size, c->cluster_keys.mongodb_size };
	long n;

	for (int f = 0; f < 6; f++)
		out[f] = cluster_value(parsed, fields[f], vals[f], sizeof vals[f]);
	if (out[0] != NULL && strcmp(out[0], "aws") != 0 && strcmp(out[0], "digitalocean") != 0)
		out[0] = "other";
	if (out[2] && parse_long(out[2], &n) < 0)
		out[2] = NULL;
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

int
sync_exec_ok(struct db *db, enum db_stmt stmt, int n, const char *const *params)
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
	return sync_exec_ok(db, STMT_SYNC_FILE_ERROR_SET, 5, fp);
}

/* The rows of one STMT_SYNC_INSTANCES_UPSERT: at most UPSERT_ROWS
 * instances, or about UPSERT_BYTES of files, a statement (a round trip an
 * instance cost more than all of GitLab's reads of a big first read). */
#define UPSERT_ROWS 500
#define UPSERT_BYTES (8 * 1024 * 1024)

int
sync_instance_row(json_t *rows, const struct entry *e, size_t *bytes)
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
		ok = sync_exec_ok(db, STMT_SYNC_INSTANCES_UPSERT, 2, p);
	}
	free(text);
	json_object_clear(rows);
	*bytes = 0;
	return ok ? 0 : -1;
}

/* A store that the database refused: its words go to the log, the
 * project's last_sync_error (shown by the API) says only that. */
static void
store_failed(struct project_sync *ps, struct db *db)
{
	log_error("project %s: storing: %s", ps->name, db_error(db));
	snprintf(ps->err, sizeof ps->err, "storing: database error (see ocim-sync's log)");
}

/* Writes what was read, in one transaction.  Returns 0, or -1 with
 * ps->err (rolled back, or stored but for the deletions the guard
 * refused). */
int
sync_store(struct project_sync *ps, struct db *db, struct pipeline_event *events, size_t nevents)
{
	char pid[24], cid[24], why[300], refused[400] = "";
	const char *params[10], *dp[2];
	struct entry *cluster_yml = NULL;
	struct buf names = { 0 }, keep = { 0 };
	json_t *rows = NULL;
	size_t pending = 0;
	PGresult *res;

	if (db_begin(db) < 0) {
		store_failed(ps, db);
		return -1;
	}
	snprintf(pid, sizeof pid, "%ld", ps->id);
	params[0] = pid;
	params[1] = json_string_value(json_object_get(ps->meta, "description"));
	params[2] = url_on_host(json_string_value(json_object_get(ps->meta, "web_url")), ps->base);
	params[3] = json_string_value(json_object_get(ps->meta, "default_branch"));
	if (!sync_exec_ok(db, STMT_SYNC_PROJECT_META, 4, params))
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
			const char *cp[10] = { cid };

			sync_cluster_fields(ps->conf, cluster_yml->parsed, vals, &cp[1]);
			cp[7] = cluster_yml->text;
			cp[8] = text;
			cp[9] = cluster_yml->blob;
			if (!sync_exec_ok(db, STMT_SYNC_CLUSTER_UPDATE, 10, cp)) {
				free(text);
				goto fail;
			}
			free(text);
		} else {
			const char *ep[2] = { cid, cluster_yml->error };
			if (!sync_exec_ok(db, STMT_SYNC_CLUSTER_ERROR, 2, ep))
				goto fail;
		}
	}
	/* the errors that stand: files that failed now or failed at the same
	 * blob before, and folders that are no instance; the others go */
	buf_append(&keep, "{", 1);
	for (size_t i = 0; i < ps->n; i++) {
		struct entry *e = &ps->entries[i];
		char file[120];

		sync_entry_file(e, file, sizeof file);
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
		sync_entry_file(e, file, sizeof file);
		if (sync_instance_row(rows, e, &pending) < 0) {
			utf8_snprintf(ps->err, sizeof ps->err, "storing %s: out of memory", file);
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
		if (!sync_exec_ok(db, STMT_SYNC_FILE_ERRORS_KEEP, 2, kp) || !sync_exec_ok(db, STMT_SYNC_INSTANCES_LAST_ERROR, 1, params))
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
		if (refused[0] == '\0' && !sync_exec_ok(db, STMT_SYNC_INSTANCES_GONE, 2, gp))
			goto fail;
		snprintf(why, sizeof why, "%ld", gone);
		dp[0] = pid;
		dp[1] = refused[0] ? why : NULL;
		if (!sync_exec_ok(db, STMT_SYNC_DELETES_USED, 2, dp))
			goto fail;
	}
pipelines:
	for (size_t i = 0; i < nevents; i++) {
		const char *e = webhook_apply_pipeline(db, ps->id, ps->base, &events[i], why, sizeof why);
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
	if (!sync_exec_ok(db, STMT_SYNC_PROJECT_DONE, 5, params))
		goto fail;
commit:
	buf_free(&names);
	buf_free(&keep);
	json_decref(rows);
	if (db_commit(db) < 0) {
		store_failed(ps, db);
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
	store_failed(ps, db);
fail_set:
	db_rollback(db);
	buf_free(&names);
	buf_free(&keep);
	json_decref(rows);
	return -1;
}

/* Marks which files changed: their blob differs from the one stored, and
 * from the one that failed when the file is in error (kept_error: not
 * fetched again, its error stands). */
void
sync_mark_changed(struct project_sync *ps, struct db *db)
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
		sync_entry_file(e, file, sizeof file);
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
int
sync_stored_instances(struct project_sync *ps, struct db *db)
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
