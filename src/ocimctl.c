/* ocimctl: the admin command line of Ocim. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <sodium.h>

#include "lib/accounts.h"
#include "lib/conf.h"
#include "lib/audit.h"
#include "lib/db.h"
#include "lib/log.h"
#include "lib/mail.h"
#include "lib/migrate.h"
#include "lib/password.h"
#include "lib/secret.h"
#include "lib/util.h"

#ifndef OCIM_SQLDIR
#define OCIM_SQLDIR "/usr/share/ocim/sql"
#endif

struct cmd {
	const char *name;
	const char *args;
	const char *summary;
	int (*run)(struct conf *conf, int argc, char **argv);
};

static const struct cmd *current;

static void
cmd_usage(const struct cmd *c, FILE *out)
{
	fprintf(out, "usage: ocimctl [--config PATH] %s %s\n\n%s\n", c->name, c->args, c->summary);
}

/* getopt for a subcommand: handles --help; returns the option or -1. */
static int
sub_getopt(int argc, char **argv, const struct option *longopts)
{
	int opt = getopt_long(argc, argv, "h", longopts, NULL);

	if (opt == 'h') {
		cmd_usage(current, stdout);
		exit(0);
	}
	if (opt == '?') {
		cmd_usage(current, stderr);
		exit(2);
	}
	return opt;
}

static struct db *
open_db(struct conf *conf)
{
	struct db *db = db_new(conf, "ocimctl");

	if (db == NULL || db_connect(db) < 0) {
		fprintf(stderr, "ocimctl: cannot connect to the database: %s\n",
		        db ? db_error(db) : "out of memory");
		db_free(db);
		return NULL;
	}
	return db;
}

static int
run_migrate(struct conf *conf, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = getenv("OCIM_SQL_DIR");
	struct db *db;
	char err[1024];
	int opt, n;

	if (dir == NULL || dir[0] == '\0')
		dir = OCIM_SQLDIR;
	while ((opt = sub_getopt(argc, argv, longopts)) != -1)
		if (opt == 'd')
			dir = optarg;
	if (optind != argc) {
		cmd_usage(current, stderr);
		return 2;
	}
	db = open_db(conf);
	if (db == NULL)
		return 1;
	n = migrate_run(db, dir, stdout, err, sizeof err);
	db_free(db);
	if (n < 0) {
		fprintf(stderr, "ocimctl migrate: %s\n", err);
		return 1;
	}
	if (n == 0)
		printf("database is up to date\n");
	return 0;
}

/* Reads one line from stdin into pw (newline stripped).  Returns its
 * length, or -1 when stdin is empty or the line too long. */
static long
read_password(char *pw, size_t size)
{
	size_t n;

	if (fgets(pw, (int)size, stdin) == NULL)
		return -1;
	n = strlen(pw);
	if (n > 0 && pw[n - 1] == '\n')
		pw[--n] = '\0';
	else if (!feof(stdin))
		return -1;
	if (n > 0 && pw[n - 1] == '\r')
		pw[--n] = '\0';
	return (long)n;
}

static int
run_user_add(struct conf *conf, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "admin", no_argument, NULL, 'a' },
		{ "name", required_argument, NULL, 'n' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int admin = 0, from_stdin = 0, opt, rc = 1;
	const char *name = "", *email, *problem;
	char pw[PASSWORD_MAX_CHARS * 4 + 8], hash[PASSWORD_HASH_LEN];
	struct db *db = NULL;
	PGresult *res = NULL;

	while ((opt = sub_getopt(argc, argv, longopts)) != -1) {
		switch (opt) {
		case 'a': admin = 1; break;
		case 'n': name = optarg; break;
		case 'p': from_stdin = 1; break;
		}
	}
	if (optind != argc - 1) {
		cmd_usage(current, stderr);
		return 2;
	}
	email = argv[optind];
	if (!email_valid(email)) {
		fprintf(stderr, "ocimctl user add: '%s' is not a valid email address\n", email);
		return 2;
	}
	if (strlen(name) > 200) {
		fprintf(stderr, "ocimctl user add: --name must have at most 200 characters\n");
		return 2;
	}
	if (from_stdin) {
		long n = read_password(pw, sizeof pw);
		if (n < 0) {
			fprintf(stderr, "ocimctl user add: no password on stdin (or longer than %d characters)\n",
			        PASSWORD_MAX_CHARS);
			goto out;
		}
		problem = password_check(conf->auth.password_blocklist, pw, (size_t)n);
		if (problem != NULL) {
			fprintf(stderr, "ocimctl user add: %s\n", problem);
			goto out;
		}
	} else {
		password_generate(pw, 20);
	}
	if (password_hash(pw, hash) < 0) {
		fprintf(stderr, "ocimctl user add: hashing the password failed\n");
		goto out;
	}
	db = open_db(conf);
	if (db == NULL)
		goto out;
	{
		const char *params[4] = { email, name, hash, admin ? "true" : "false" };
		res = db_exec(db, STMT_USER_INSERT, 4, params);
	}
	switch (db_result_status(res)) {
	case DB_OK: {
		char object[64];

		snprintf(object, sizeof object, "user:%s", PQgetvalue(res, 0, 0));
		audit(db, 0, NULL, "user.create", object, json_pack("{s:s, s:b}", "via", "ocimctl", "admin", admin));
		printf("created %s%s (id %s)\n", admin ? "admin " : "user ", email, PQgetvalue(res, 0, 0));
		if (!from_stdin)
			printf("password: %s\n", pw);
		rc = 0;
		break;
	}
	case DB_CONFLICT:
		fprintf(stderr, "ocimctl user add: a user with the email %s already exists\n", email);
		break;
	default:
		fprintf(stderr, "ocimctl user add: %s\n", db_error(db));
	}
out:
	sodium_memzero(pw, sizeof pw);
	PQclear(res);
	db_free(db);
	return rc;
}

static int
run_invite_create(struct conf *conf, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "admin", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int admin = 0, opt;
	enum db_status st;
	struct db *db;
	json_t *inv;

	while ((opt = sub_getopt(argc, argv, longopts)) != -1)
		if (opt == 'a')
			admin = 1;
	if (optind != argc - 1) {
		cmd_usage(current, stderr);
		return 2;
	}
	if (!email_valid(argv[optind])) {
		fprintf(stderr, "ocimctl invite create: '%s' is not a valid email address\n", argv[optind]);
		return 2;
	}
	db = open_db(conf);
	if (db == NULL)
		return 1;
	inv = accounts_invite(conf, db, argv[optind], admin, 0, &st);
	if (inv == NULL) {
		fprintf(stderr, "ocimctl invite create: %s\n",
		        st == DB_CONFLICT ? "a user with this email already exists" : db_error(db));
		db_free(db);
		return 1;
	}
	audit(db, 0, NULL, "invite.create", NULL,
	      json_pack("{s:s, s:b, s:s}", "email", argv[optind], "admin", admin, "via", "ocimctl"));
	printf("invited %s%s; the link works once, until %s:\n%s\n", admin ? "admin " : "", argv[optind],
	       json_string_value(json_object_get(inv, "expires_at")),
	       json_string_value(json_object_get(inv, "link")));
	if (json_object_get(inv, "mail_error") != NULL) {
		printf("(not mailed: %s)\n", json_string_value(json_object_get(inv, "mail_error")));
	} else {
		/* not a request: the outbox can be sent from here and now */
		struct mail_stats ms = { 0 };

		mail_outbox_send(conf, db, &ms);
		printf("%s\n", ms.failed > 0 ? "(mail not sent yet: see the log; ocim-sync retries it)" : "(mailed)");
	}
	json_decref(inv);
	db_free(db);
	return 0;
}

static int
run_user_reset_password(struct conf *conf, int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	const char *params[1];
	char link[1024];
	struct db *db;
	PGresult *res;
	long uid;
	int rc = 1;

	while (sub_getopt(argc, argv, longopts) != -1)
		;
	if (optind != argc - 1) {
		cmd_usage(current, stderr);
		return 2;
	}
	db = open_db(conf);
	if (db == NULL)
		return 1;
	params[0] = argv[optind];
	res = db_exec(db, STMT_USER_BY_EMAIL, 1, params);
	if (db_result_status(res) != DB_OK) {
		fprintf(stderr, "ocimctl user reset-password: %s\n", db_error(db));
	} else if (PQntuples(res) != 1) {
		fprintf(stderr, "ocimctl user reset-password: no user with the email %s\n", argv[optind]);
	} else if (PQgetvalue(res, 0, 2)[0] != 't') {
		fprintf(stderr, "ocimctl user reset-password: %s is deactivated\n", argv[optind]);
	} else {
		parse_long(PQgetvalue(res, 0, 0), &uid);
		if (accounts_reset_link(conf, db, uid, link, sizeof link) < 0) {
			fprintf(stderr, "ocimctl user reset-password: %s\n", db_error(db));
		} else {
			audit(db, uid, NULL, "password.reset_request", NULL, json_pack("{s:s}", "via", "ocimctl"));
			printf("reset link for %s (works once, for %ld minutes):\n%s\n", argv[optind],
			       conf->auth.reset_seconds / 60, link);
			rc = 0;
		}
	}
	PQclear(res);
	db_free(db);
	return rc;
}

static int
run_keygen(struct conf *conf, int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	char err[512];

	while (sub_getopt(argc, argv, longopts) != -1)
		;
	if (secret_key_generate(conf->secrets.key_file, err, sizeof err) < 0) {
		fprintf(stderr, "ocimctl keygen: %s\n", err);
		return 1;
	}
	printf("wrote a new key to %s (mode 0640: give its group to the user ocim-fcgi runs as)\n",
	       conf->secrets.key_file);
	return 0;
}

/* Re-seals column col of every row of res (stored with old, or already with
 * fresh after an interrupted run) under fresh into out[col].  Returns 0 or
 * -1 when a value opens with neither key. */
static int
reseal_row(const PGresult *res, int row, int ncols, const struct secret_key *old,
           const struct secret_key *fresh, char **out)
{
	for (int col = 1; col < ncols; col++) {
		char *plain;

		out[col] = NULL;
		if (PQgetisnull(res, row, col))
			continue;
		plain = secret_open(old, PQgetvalue(res, row, col));
		if (plain == NULL)
			plain = secret_open(fresh, PQgetvalue(res, row, col));
		if (plain == NULL)
			return -1;
		out[col] = secret_seal(fresh, plain, strlen(plain));
		sodium_memzero(plain, strlen(plain));
		free(plain);
		if (out[col] == NULL)
			return -1;
	}
	return 0;
}

/* Re-encrypts the secrets of one table inside the open transaction.
 * Returns the number of rows, or -1 with err. */
static int
reseal_table(struct db *db, enum db_stmt list, enum db_stmt set, const struct secret_key *old,
             const struct secret_key *fresh, char *err, size_t errsz)
{
	PGresult *res = db_exec(db, list, 0, NULL);
	int n, ncols, rc = 0;

	if (db_result_status(res) != DB_OK) {
		snprintf(err, errsz, "%s", db_error(db));
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	ncols = PQnfields(res);
	for (int row = 0; row < n && rc == 0; row++) {
		char *sealed[4] = { NULL, NULL, NULL, NULL };
		const char *params[4];
		PGresult *r;

		if (reseal_row(res, row, ncols, old, fresh, sealed) < 0) {
			snprintf(err, errsz, "row %s: a stored secret opens with neither key", PQgetvalue(res, row, 0));
			rc = -1;
		} else {
			params[0] = PQgetvalue(res, row, 0);
			for (int col = 1; col < ncols; col++)
				params[col] = sealed[col];
			r = db_exec(db, set, ncols, params);
			if (db_result_status(r) != DB_OK) {
				snprintf(err, errsz, "%s", db_error(db));
				rc = -1;
			}
			PQclear(r);
		}
		for (int col = 1; col < ncols; col++)
			free(sealed[col]);
	}
	PQclear(res);
	return rc < 0 ? -1 : n;
}

static int
run_rotate_key(struct conf *conf, int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	struct secret_key old, fresh;
	char newpath[4096], err[512];
	struct db *db;
	int np, nc, rc = 1;

	while (sub_getopt(argc, argv, longopts) != -1)
		;
	if (secret_key_load(&old, conf->secrets.key_file, err, sizeof err) < 0) {
		fprintf(stderr, "ocimctl rotate-key: %s\n", err);
		return 1;
	}
	/* the new key is written first: a run cut short is finished by the next one */
	snprintf(newpath, sizeof newpath, "%s.new", conf->secrets.key_file);
	if (access(newpath, F_OK) != 0 && secret_key_generate(newpath, err, sizeof err) < 0) {
		fprintf(stderr, "ocimctl rotate-key: %s\n", err);
		return 1;
	}
	if (secret_key_load(&fresh, newpath, err, sizeof err) < 0) {
		fprintf(stderr, "ocimctl rotate-key: %s\n", err);
		return 1;
	}
	db = open_db(conf);
	if (db == NULL)
		goto out;
	PQclear(db_exec_sql(db, "BEGIN"));
	np = reseal_table(db, STMT_PROJECT_SECRETS_LIST, STMT_PROJECT_SECRETS_SET, &old, &fresh, err, sizeof err);
	nc = np < 0 ? -1 : reseal_table(db, STMT_CLUSTER_SECRETS_LIST, STMT_CLUSTER_SECRETS_SET, &old, &fresh, err, sizeof err);
	if (nc < 0) {
		PQclear(db_exec_sql(db, "ROLLBACK"));
		fprintf(stderr, "ocimctl rotate-key: %s; nothing changed\n", err);
		goto out;
	}
	{
		PGresult *res = db_exec_sql(db, "COMMIT");
		int ok = db_result_status(res) == DB_OK;

		PQclear(res);
		if (!ok) {
			fprintf(stderr, "ocimctl rotate-key: commit failed: %s; nothing changed\n", db_error(db));
			goto out;
		}
	}
	if (rename(newpath, conf->secrets.key_file) != 0) {
		fprintf(stderr, "ocimctl rotate-key: the database uses the new key but %s could not replace %s: %s; "
		        "rename it by hand\n", newpath, conf->secrets.key_file, strerror(errno));
		goto out;
	}
	audit(db, 0, NULL, "secret.rotate", NULL, json_pack("{s:i, s:i}", "projects", np, "clusters", nc));
	printf("re-encrypted the secrets of %d project(s) and %d cluster(s) with a new key in %s\n"
	       "restart the responders (systemctl restart ocim-fcgi) so they read it\n", np, nc, conf->secrets.key_file);
	rc = 0;
out:
	secret_key_wipe(&old);
	secret_key_wipe(&fresh);
	db_free(db);
	return rc;
}

static int
run_check_config(struct conf *conf, int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };

	while (sub_getopt(argc, argv, longopts) != -1)
		;
	printf("%s: configuration is valid\n", conf->path);
	return 0;
}

static int
run_print_config(struct conf *conf, int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };

	while (sub_getopt(argc, argv, longopts) != -1)
		;
	conf_print(conf, stdout);
	return 0;
}

static const struct cmd cmds[] = {
	{ "migrate", "[--dir DIR]",
	  "Applies the database migrations that are missing (default directory " OCIM_SQLDIR
	  ",\nor $OCIM_SQL_DIR).  Re-running is a no-op; an applied file that changed is refused.",
	  run_migrate },
	{ "user add", "EMAIL [--admin] [--name NAME] [--password-stdin]",
	  "Creates a user (the password must pass the same rules as in the web UI).  The password is read from the first line of stdin with\n"
	  "--password-stdin; otherwise one is generated and printed once.",
	  run_user_add },
	{ "user reset-password", "EMAIL",
	  "Prints a one-time link with which the user chooses a new password.",
	  run_user_reset_password },
	{ "invite create", "EMAIL [--admin]",
	  "Creates an invitation, mails it when mail is configured, and prints its link.",
	  run_invite_create },
	{ "keygen", "", "Writes a new key for stored credentials to secrets.key_file (never overwrites one).",
	  run_keygen },
	{ "rotate-key", "",
	  "Re-encrypts every stored credential with a new key and replaces the key file.",
	  run_rotate_key },
	{ "check-config", "", "Reads the configuration file and reports the first error, naming key and line.",
	  run_check_config },
	{ "print-config", "", "Prints the effective configuration (defaults included, secrets masked).",
	  run_print_config },
};

static void
usage(FILE *out)
{
	fputs("usage: ocimctl [--config PATH] COMMAND [ARGS]\n\ncommands:\n", out);
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(out, "  %-14s %s\n", cmds[i].name, cmds[i].args);
	fputs("\n'ocimctl COMMAND --help' describes a command.  The configuration file is\n"
	      "--config PATH, else $OCIM_CONFIG, else " SYSCONFDIR "/ocim/ocim.yml.\n", out);
}

/* Finds the command named by argv[0] (and argv[1] for two-word commands).
 * Returns it and the number of words used, or NULL. */
static const struct cmd *
find_cmd(int argc, char **argv, int *words)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		const char *name = cmds[i].name, *space = strchr(name, ' ');
		if (space == NULL && strcmp(argv[0], name) == 0) {
			*words = 1;
			return &cmds[i];
		}
		if (space != NULL && argc >= 2 && strncmp(argv[0], name, (size_t)(space - name)) == 0 &&
		    argv[0][space - name] == '\0' && strcmp(argv[1], space + 1) == 0) {
			*words = 2;
			return &cmds[i];
		}
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_arg = NULL;
	struct conf conf;
	char err[512];
	int opt, words, rc;

	log_set_program("ocimctl");
	log_set_level(LOG_WARNING);
	while ((opt = getopt_long(argc, argv, "+c:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': config_arg = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': puts("ocimctl " PACKAGE_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	current = find_cmd(argc - optind, argv + optind, &words);
	if (current == NULL) {
		fprintf(stderr, "ocimctl: unknown command '%s'\n\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "ocimctl: libsodium failed to initialise\n");
		return 1;
	}
	/* --help of a command needs no configuration */
	for (int i = optind + words; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cmd_usage(current, stdout);
			return 0;
		}
	if (conf_defaults(&conf) < 0 || conf_load_file(&conf, conf_path(config_arg), err, sizeof err) < 0) {
		fprintf(stderr, "ocimctl: %s\n", err);
		conf_free(&conf);
		return 2;
	}
	/* the subcommand parses its own options: argv[0] is its last word */
	argc -= optind + words - 1;
	argv += optind + words - 1;
	optind = 0;           /* 0 fully resets GNU getopt */
	rc = current->run(&conf, argc, argv);
	conf_free(&conf);
	return rc;
}
