#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "migrate.h"
#include "util.h"

#define MIGRATE_LOCK "7244001"          /* advisory lock key for migrations */
#define MIGRATE_MAX_FILE (4 * 1024 * 1024)

struct mfile {
	char *version;                  /* file name without .sql */
	char *path;
	char checksum[crypto_hash_sha256_BYTES * 2 + 1];
	char *sql;
};

static int
valid_name(const char *name)
{
	size_t n = strlen(name), digits = 0;

	while (name[digits] >= '0' && name[digits] <= '9')
		digits++;
	if (digits < 3 || name[digits] != '_' || n < digits + 6 || strcmp(name + n - 4, ".sql") != 0)
		return 0;
	for (size_t i = digits + 1; i < n - 4; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '_' || name[i] == '-'))
			return 0;
	return 1;
}

static int
cmp_mfile(const void *a, const void *b)
{
	return strcmp(((const struct mfile *)a)->version, ((const struct mfile *)b)->version);
}

static void
free_files(struct mfile *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(files[i].version);
		free(files[i].path);
		free(files[i].sql);
	}
	free(files);
}

/* Loads every migration file of dir, sorted.  Returns 0 or -1 with err. */
static int
load_files(const char *dir, struct mfile **out, size_t *nout, char *err, size_t errsz)
{
	struct mfile *files = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL) {
		snprintf(err, errsz, "%s: cannot open migrations directory", dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		struct mfile *f, *grown;
		unsigned char hash[crypto_hash_sha256_BYTES];
		size_t len;

		if (de->d_name[0] == '.' || strlen(de->d_name) < 4 ||
		    strcmp(de->d_name + strlen(de->d_name) - 4, ".sql") != 0)
			continue;
		if (!valid_name(de->d_name)) {
			snprintf(err, errsz, "%s/%s: migration files must be named NNN_name.sql", dir, de->d_name);
			goto bad;
		}
		grown = realloc(files, (n + 1) * sizeof *files);
		if (grown == NULL)
			goto oom;
		files = grown;
		f = &files[n];
		memset(f, 0, sizeof *f);
		n++;
		f->version = strndup(de->d_name, strlen(de->d_name) - 4);
		f->path = malloc(strlen(dir) + strlen(de->d_name) + 2);
		if (f->version == NULL || f->path == NULL)
			goto oom;
		sprintf(f->path, "%s/%s", dir, de->d_name);
		if (read_file(f->path, MIGRATE_MAX_FILE, &f->sql, &len, err, errsz) < 0)
			goto bad;
		crypto_hash_sha256(hash, (const unsigned char *)f->sql, len);
		sodium_bin2hex(f->checksum, sizeof f->checksum, hash, sizeof hash);
	}
	closedir(d);
	qsort(files, n, sizeof *files, cmp_mfile);
	*out = files;
	*nout = n;
	return 0;
oom:
	snprintf(err, errsz, "out of memory");
bad:
	closedir(d);
	free_files(files, n);
	return -1;
}

/* Whether res failed because a lock was not granted within lock_timeout. */
static int
lock_timed_out(const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return state != NULL && strcmp(state, "55P03") == 0;
}

/* Runs sql and reports failure in err with the given context; a lock
 * timeout is told as such, it calls for another try, not a fix. */
static int
exec_ok(struct db *db, const char *sql, const char *what, long lock_ms, char *err, size_t errsz)
{
	PGresult *res = db_exec_sql(db, sql);
	int ok = db_result_status(res) == DB_OK;

	if (!ok && lock_timed_out(res))
		snprintf(err, errsz, "%s: gave up after waiting %ld ms for a lock that another session holds "
		         "(lock_timeout); try again when that session is done, or with a longer "
		         "--lock-timeout: %s", what, lock_ms, db_error(db));
	else if (!ok)
		snprintf(err, errsz, "%s: %s", what, db_error(db));
	PQclear(res);
	return ok ? 0 : -1;
}

int
migrate_run(struct db *db, const char *dir, long lock_timeout_ms, FILE *out, char *err, size_t errsz)
{
	struct mfile *files = NULL;
	size_t nfiles = 0;
	PGresult *res = NULL;
	int applied = 0, locked = 0, rc = -1;
	char lock_timeout[32];
	const char *setting[1] = { lock_timeout };

	if (sodium_init() < 0) {
		snprintf(err, errsz, "libsodium failed to initialise");
		return -1;
	}
	if (load_files(dir, &files, &nfiles, err, errsz) < 0)
		return -1;
	if (db_connect(db) < 0) {
		snprintf(err, errsz, "cannot connect to the database: %s", db_error(db));
		goto out;
	}
	/* the application's statement_timeout would cut a long migration
	 * short; a lock_timeout keeps one that waits behind another session
	 * (which would then queue every request behind it) from waiting long.
	 * Both, and the lock, live with this session: no reconnect from here */
	db_hold_session(db, 1);
	snprintf(lock_timeout, sizeof lock_timeout, "%ldms", lock_timeout_ms);
	res = db_exec(db, STMT_MIGRATION_SETTINGS, 1, setting);
	if (db_result_status(res) != DB_OK) {
		snprintf(err, errsz, "setting the timeouts: %s", db_error(db));
		goto out;
	}
	PQclear(res);
	res = NULL;
	if (exec_ok(db, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")",
	            "the migration lock (is another ocimctl migrate running?)", lock_timeout_ms, err, errsz) < 0)
		goto out;
	locked = 1;
	if (exec_ok(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	                " version text PRIMARY KEY,"
	                " checksum text NOT NULL,"
	                " applied_at timestamptz NOT NULL DEFAULT now())",
	            "schema_migrations", lock_timeout_ms, err, errsz) < 0)
		goto out;

	res = db_exec(db, STMT_MIGRATION_LIST, 0, NULL);
	if (db_result_status(res) != DB_OK) {
		snprintf(err, errsz, "reading schema_migrations: %s", db_error(db));
		goto out;
	}
	/* every applied migration must still be there, unchanged */
	for (int i = 0; i < PQntuples(res); i++) {
		const char *version = PQgetvalue(res, i, 0), *sum = PQgetvalue(res, i, 1);
		struct mfile key = { .version = (char *)version }, *f;

		f = bsearch(&key, files, nfiles, sizeof *files, cmp_mfile);
		if (f == NULL) {
			snprintf(err, errsz, "migration %s is applied but %s/%s.sql does not exist: "
			         "this database is newer than these files", version, dir, version);
			goto out;
		}
		if (strcmp(f->checksum, sum) != 0) {
			snprintf(err, errsz, "%s was changed after it was applied (checksum %.12s…, "
			         "recorded %.12s…); add a new migration instead of editing an applied one",
			         f->path, f->checksum, sum);
			goto out;
		}
	}
	for (size_t i = 0; i < nfiles; i++) {
		struct mfile *f = &files[i];
		const char *params[2] = { f->version, f->checksum };
		int done = 0;
		PGresult *r;

		for (int j = 0; j < PQntuples(res) && !done; j++)
			done = strcmp(PQgetvalue(res, j, 0), f->version) == 0;
		if (done)
			continue;
		/* a migration and its record: one unit */
		if (db_begin(db) < 0) {
			snprintf(err, errsz, "%s: %s", f->path, db_error(db));
			goto out;
		}
		if (exec_ok(db, f->sql, f->path, lock_timeout_ms, err, errsz) < 0) {
			size_t n = strlen(err);

			db_rollback(db);
			snprintf(err + n, errsz - n, " (rolled back: nothing of %s.sql is applied)", f->version);
			goto out;
		}
		r = db_exec(db, STMT_MIGRATION_RECORD, 2, params);
		if (db_result_status(r) != DB_OK) {
			snprintf(err, errsz, "%s: recording: %s", f->path, db_error(db));
			PQclear(r);
			db_rollback(db);
			goto out;
		}
		PQclear(r);
		if (db_commit(db) < 0) {
			snprintf(err, errsz, "%s: %s", f->path, db_error(db));
			goto out;
		}
		fprintf(out, "applied %s\n", f->version);
		applied++;
	}
	rc = applied;
out:
	PQclear(res);
	if (locked && db_conn(db) != NULL)
		PQclear(db_exec_sql(db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")"));
	db_hold_session(db, 0);
	free_files(files, nfiles);
	return rc;
}
