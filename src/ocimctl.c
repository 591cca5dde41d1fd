/* ocimctl: the admin command line of Ocim. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
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
#include "lib/oidc.h"
#include "lib/password.h"
#include "lib/route.h"
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
/* --db-user: the system user whose identity the database connection has */
static const char *db_user;

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

/* Connects as root with the identity of --db-user: PostgreSQL's peer
 * authentication reads the credentials of the socket's peer as they were
 * at connect(), so the effective ids are that user's only for the connect,
 * and root's again for the rest (rotate-key writes the root-owned
 * /etc/ocim).  Returns 0, -1 when the connection failed (db_error says
 * why), or -2 with a message printed. */
static int
connect_as(struct db *db, const char *user)
{
	struct passwd *pw;
	int rc, saved;

	if (geteuid() != 0) {
		fprintf(stderr, "ocimctl: --db-user %s needs root (run it with sudo), or run ocimctl as %s\n",
		        user, user);
		return -2;
	}
	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		fprintf(stderr, "ocimctl: --db-user: no user %s on this system\n", user);
		return -2;
	}
	if (setegid(pw->pw_gid) != 0 || seteuid(pw->pw_uid) != 0) {
		fprintf(stderr, "ocimctl: --db-user %s: cannot take its identity: %s\n", user, strerror(errno));
		if (setegid(0) != 0)
			abort();
		return -2;
	}
	rc = db_connect(db);
	saved = errno;
	/* a root command that cannot become root again must not go on */
	if (seteuid(0) != 0 || setegid(0) != 0)
		abort();
	errno = saved;
	return rc;
}

static struct db *
open_db(struct conf *conf)
{
	struct db *db = db_new(conf, "ocimctl");
	int rc;

	if (db == NULL) {
		fprintf(stderr, "ocimctl: cannot connect to the database: out of memory\n");
		return NULL;
	}
	rc = db_user != NULL ? connect_as(db, db_user) : db_connect(db);
	if (rc < 0) {
		if (rc == -1)
			fprintf(stderr, "ocimctl: cannot connect to the database%s%s: %s\n", db_user ? " as " : "",
			        db_user ? db_user : "", db_error(db));
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
		{ "lock-timeout", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = getenv("OCIM_SQL_DIR");
	struct db *db;
	char err[1024];
	long lock_timeout = 10;
	int opt, n;

	if (dir == NULL || dir[0] == '\0')
		dir = OCIM_SQLDIR;
	while ((opt = sub_getopt(argc, argv, longopts)) != -1) {
		if (opt == 'd')
			dir = optarg;
		if (opt == 'l' && (parse_long(optarg, &lock_timeout) < 0 || lock_timeout < 1 || lock_timeout > 3600)) {
			fprintf(stderr, "ocimctl migrate: --lock-timeout: expected whole seconds from 1 to 3600, not '%s'\n",
			        optarg);
			return 2;
		}
	}
	if (optind != argc) {
		cmd_usage(current, stderr);
		return 2;
	}
	db = open_db(conf);
	if (db == NULL)
		return 1;
	n = migrate_run(db, dir, lock_timeout * 1000, stdout, err, sizeof err);
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
		{ "role", required_argument, NULL, 'r' },
		{ "reprovision", no_argument, NULL, 'R' },
		{ "name", required_argument, NULL, 'n' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* without --role: what user add made before roles (scripts keep working) */
	enum role role = ROLE_OPERATOR;
	int reprovision = 0, from_stdin = 0, opt, rc = 1;
	const char *name = "", *email, *problem;
	char pw[PASSWORD_MAX_CHARS * 4 + 8], hash[PASSWORD_HASH_LEN];
	struct db *db = NULL;
	PGresult *res = NULL;

	while ((opt = sub_getopt(argc, argv, longopts)) != -1) {
		switch (opt) {
		/* --admin: what an admin could do before roles (reprovision too) */
		case 'a': role = ROLE_ADMIN; reprovision = 1; break;
		case 'r':
			role = role_parse(optarg);
			if (role == ROLE_NONE) {
				fprintf(stderr, "ocimctl user add: --role must be viewer, operator or admin\n");
				return 2;
			}
			break;
		case 'R': reprovision = 1; break;
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
		const char *params[5] = { email, name, hash, role_name(role), reprovision ? "true" : "false" };
		res = db_exec(db, STMT_USER_INSERT, 5, params);
	}
	switch (db_result_status(res)) {
	case DB_OK: {
		char object[64];

		snprintf(object, sizeof object, "user:%s", PQgetvalue(res, 0, 0));
		audit(db, 0, NULL, "user.create", object, json_pack("{s:s, s:s, s:b}", "via", "ocimctl", "role",
		      role_name(role), "can_reprovision", reprovision));
		printf("created %s %s%s (id %s)\n", role_name(role), email, reprovision ? " (may reprovision)" : "",
		       PQgetvalue(res, 0, 0));
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
		{ "role", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum role role = ROLE_VIEWER;
	enum db_status st;
	struct db *db;
	json_t *inv;
	int opt;

	while ((opt = sub_getopt(argc, argv, longopts)) != -1) {
		if (opt == 'a')
			role = ROLE_ADMIN;
		if (opt == 'r' && (role = role_parse(optarg)) == ROLE_NONE) {
			fprintf(stderr, "ocimctl invite create: --role must be viewer, operator or admin\n");
			return 2;
		}
	}
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
	inv = accounts_invite(conf, db, argv[optind], role_name(role), 0, &st);
	if (inv == NULL) {
		fprintf(stderr, "ocimctl invite create: %s\n",
		        st == DB_CONFLICT ? "a user with this email already exists" : db_error(db));
		db_free(db);
		return 1;
	}
	audit(db, 0, NULL, "invite.create", NULL,
	      json_pack("{s:s, s:s, s:s}", "email", argv[optind], "role", role_name(role), "via", "ocimctl"));
	printf("invited %s as %s; the link works once, until %s:\n%s\n", argv[optind], role_name(role),
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

/* Whether the domain of email requires OpenID Connect: 0 when not, else
 * 1 with a message (-1 when the database cannot say). */
static int
oidc_domain_of(struct db *db, const char *email)
{
	const char *params[1] = { email };
	PGresult *res = db_exec(db, STMT_OIDC_RULE_FOR, 1, params);
	int rc = 0;

	if (db_result_status(res) != DB_OK) {
		fprintf(stderr, "ocimctl: %s\n", db_error(db));
		rc = -1;
	} else if (PQntuples(res) == 1) {
		fprintf(stderr, "ocimctl: %s signs in through OpenID Connect (the rule of %s): no reset link; "
		        "'ocimctl oidc-domain remove %s' allows passwords again\n", email, PQgetvalue(res, 0, RULE_DOMAIN),
		        PQgetvalue(res, 0, RULE_DOMAIN));
		rc = 1;
	}
	PQclear(res);
	return rc;
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
	} else if (PQgetvalue(res, 0, LOGIN_ACTIVE)[0] != 't') {
		fprintf(stderr, "ocimctl user reset-password: %s is deactivated\n", argv[optind]);
	} else if (oidc_domain_of(db, argv[optind]) != 0) {
		/* said there */
	} else {
		parse_long(PQgetvalue(res, 0, LOGIN_ID), &uid);
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

/* oidc-domain list: one line per rule. */
static int
run_oidc_domain_list(struct conf *conf, int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	const json_t *items, *r;
	enum db_status st;
	struct db *db;
	json_t *list;
	size_t i;

	while (sub_getopt(argc, argv, longopts) != -1)
		;
	if (optind != argc) {
		cmd_usage(current, stderr);
		return 2;
	}
	if ((db = open_db(conf)) == NULL)
		return 1;
	list = db_json(db, STMT_OIDC_RULE_LIST, 0, NULL, &st);
	if (list == NULL) {
		fprintf(stderr, "ocimctl oidc-domain list: %s\n", db_error(db));
		db_free(db);
		return 1;
	}
	items = json_object_get(list, "items");
	if (json_array_size(items) == 0)
		printf("no domain requires OpenID Connect\n");
	json_array_foreach(items, i, r) {
		const json_t *pv = json_object_get(r, "providers"), *v;
		size_t k;

		printf("%s: ", json_string_value(json_object_get(r, "domain")));
		if (json_array_size(pv) == 0)
			printf("any provider");
		json_array_foreach(pv, k, v)
			printf("%s%s", k ? ", " : "", json_string_value(v));
		printf(" (%lld users)\n", (long long)json_integer_value(json_object_get(r, "users")));
	}
	json_decref(list);
	db_free(db);
	return 0;
}

/* oidc-domain add DOMAIN [--provider NAME]...: the checks and the
 * statement of the API's POST /oidc-domains. */
static int
run_oidc_domain_add(struct conf *conf, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "provider", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *names[CONF_MAX_OIDC_PROVIDERS + 1], *field, *params[4];
	char domain[256], pgarray[600], err[400];
	size_t n = 0;
	enum db_status st;
	struct db *db;
	json_t *rule, *detail;
	int opt;

	while ((opt = sub_getopt(argc, argv, longopts)) != -1) {
		if (opt == 'p') {
			if (n == CONF_MAX_OIDC_PROVIDERS) {
				fprintf(stderr, "ocimctl oidc-domain add: --provider: at most %d\n", CONF_MAX_OIDC_PROVIDERS);
				return 2;
			}
			names[n++] = optarg;
		}
	}
	if (optind != argc - 1) {
		cmd_usage(current, stderr);
		return 2;
	}
	snprintf(domain, sizeof domain, "%s", argv[optind]);
	if (oidc_rule_check(conf, domain, names, n, pgarray, sizeof pgarray, &field, err, sizeof err) < 0) {
		fprintf(stderr, "ocimctl oidc-domain add: %s: %s\n", strcmp(field, "domain") == 0 ? "DOMAIN" : "--provider",
		        err);
		return 2;
	}
	if ((db = open_db(conf)) == NULL)
		return 1;
	params[0] = domain;
	params[1] = pgarray;
	params[2] = NULL;
	params[3] = NULL;
	rule = db_json(db, STMT_OIDC_RULE_ADD, 4, params, &st);
	if (rule == NULL) {
		fprintf(stderr, "ocimctl oidc-domain add: %s\n", st == DB_CONFLICT ?
		        "this domain has a rule already: remove it first to change it" : db_error(db));
		db_free(db);
		return 1;
	}
	detail = oidc_rule_audit(rule);
	json_object_set_new(detail, "domain", json_string(domain));
	json_object_set_new(detail, "via", json_string("ocimctl"));
	audit(db, 0, NULL, "oidc.domain_add", NULL, detail);
	printf("%s now signs in through %s only; ended %lld password session(s), revoked %lld API token(s) made in them, "
	       "voided %lld reset link(s)\n", domain, n ? "the providers named" : "a provider",
	       (long long)json_integer_value(json_object_get(rule, "sessions_ended")),
	       (long long)json_integer_value(json_object_get(rule, "tokens_revoked")),
	       (long long)json_integer_value(json_object_get(rule, "reset_links_voided")));
	json_decref(rule);
	db_free(db);
	return 0;
}

static int
run_oidc_domain_remove(struct conf *conf, int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	const char *params[1];
	struct db *db;
	PGresult *res;
	int rc = 1;

	while (sub_getopt(argc, argv, longopts) != -1)
		;
	if (optind != argc - 1) {
		cmd_usage(current, stderr);
		return 2;
	}
	if ((db = open_db(conf)) == NULL)
		return 1;
	params[0] = argv[optind];
	res = db_exec(db, STMT_OIDC_RULE_REMOVE, 1, params);
	if (db_result_status(res) != DB_OK) {
		fprintf(stderr, "ocimctl oidc-domain remove: %s\n", db_error(db));
	} else if (PQntuples(res) != 1) {
		fprintf(stderr, "ocimctl oidc-domain remove: no rule for %s\n", argv[optind]);
	} else {
		audit(db, 0, NULL, "oidc.domain_remove", NULL,
		      json_pack("{s:s, s:s, s:s}", "domain", argv[optind], "providers", PQgetvalue(res, 0, 0), "via",
		                "ocimctl"));
		printf("%s may log in with a password again\n", argv[optind]);
		rc = 0;
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

/* The stored credentials of one table, locked for the rotation. */
struct sealed_table {
	const char *what;               /* "project", "cluster" */
	enum db_stmt list, set;
	PGresult *rows;                 /* id, then one column per credential */
};

/* Counts the values of t by the key of ring that opens them (n[0] the
 * current, n[1] the previous, n[2] none) and names on stderr those under
 * the previous key (when show_prev) and those that open with no key. */
static void
classify(const struct secret_key *ring, const struct sealed_table *t, int n[3], int show_prev)
{
	for (int row = 0; row < PQntuples(t->rows); row++) {
		for (int col = 1; col < PQnfields(t->rows); col++) {
			const char *stored = PQgetvalue(t->rows, row, col);
			char *plain, why[200];
			int which;

			if (PQgetisnull(t->rows, row, col))
				continue;
			plain = secret_open_which(ring, stored, &which);
			if (plain != NULL) {
				sodium_memzero(plain, strlen(plain));
				free(plain);
			}
			n[which < 0 ? 2 : which]++;
			if (which < 0)
				fprintf(stderr, "  %s %s, %.*s: %s\n", t->what, PQgetvalue(t->rows, row, 0),
				        (int)strlen(PQfname(t->rows, col)) - 4, PQfname(t->rows, col),
				        secret_why(ring, stored, why, sizeof why));
			else if (which == 1 && show_prev)
				printf("  %s %s, %.*s: under the previous key\n", t->what, PQgetvalue(t->rows, row, 0),
				       (int)strlen(PQfname(t->rows, col)) - 4, PQfname(t->rows, col));
		}
	}
}

/* Re-seals every value of t (opened with from) under the current key of
 * to, inside the open transaction.  Returns the number of values, or -1
 * with err. */
static int
reseal_table(struct db *db, const struct sealed_table *t, const struct secret_key *from,
             const struct secret_key *to, char *err, size_t errsz)
{
	int ncols = PQnfields(t->rows), count = 0;

	for (int row = 0; row < PQntuples(t->rows); row++) {
		char *sealed[4] = { NULL, NULL, NULL, NULL };
		const char *params[4];
		PGresult *r;
		int rc = 0;

		params[0] = PQgetvalue(t->rows, row, 0);
		for (int col = 1; col < ncols && col < 4 && rc == 0; col++) {
			char *plain;

			params[col] = NULL;
			if (PQgetisnull(t->rows, row, col))
				continue;
			plain = secret_open(from, PQgetvalue(t->rows, row, col));
			if (plain == NULL) {
				snprintf(err, errsz, "%s %s: a stored credential opens with no key", t->what, params[0]);
				rc = -1;
				break;
			}
			sealed[col] = secret_seal(to, plain, strlen(plain));
			sodium_memzero(plain, strlen(plain));
			free(plain);
			if (sealed[col] == NULL) {
				snprintf(err, errsz, "%s %s: sealing failed", t->what, params[0]);
				rc = -1;
			}
			params[col] = sealed[col];
			count++;
		}
		if (rc == 0) {
			r = db_exec(db, t->set, ncols, params);
			if (db_result_status(r) != DB_OK) {
				snprintf(err, errsz, "%s", db_error(db));
				rc = -1;
			}
			PQclear(r);
		}
		for (int col = 1; col < 4; col++)
			free(sealed[col]);
		if (rc < 0)
			return -1;
	}
	return count;
}

/* Ends the open transaction: COMMIT when ok, else ROLLBACK.  Returns 0
 * when it committed (db_commit: only when PostgreSQL says COMMIT). */
static int
finish_txn(struct db *db, int ok)
{
	if (ok)
		return db_commit(db);
	db_rollback(db);
	return -1;
}

/* rotate-key, safe while responders and ocim-sync run:
 *   1. the rows holding credentials are locked, and every value is looked
 *      at: one that opens with no key of the key file stops everything;
 *   2. values still under the previous key (an interrupted rotation, or a
 *      write by a process that had not seen the last one yet) are
 *      re-sealed under the current key, and the run stops there: that
 *      finishes the last rotation, and the next run starts a new one;
 *   3. else the key file becomes {new key, current key} (atomic rename):
 *      every process seals with the new key from its next request or run
 *      and still opens values under the old one; then every value is
 *      re-sealed under the new key.  The old key stays as the previous
 *      one until the next rotation, which drops it only when step 1 and 2
 *      found nothing under it.
 * A run cut short anywhere is finished by running it again. */
static int
run_rotate_key(struct conf *conf, int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	struct sealed_table t[2] = {
		{ "project", STMT_PROJECT_SECRETS_LIST, STMT_PROJECT_SECRETS_SET, NULL },
		{ "cluster", STMT_CLUSTER_SECRETS_LIST, STMT_CLUSTER_SECRETS_SET, NULL },
	};
	struct secret_key ring, next;
	char err[512], cur[SECRET_ID_HEX], prev[SECRET_ID_HEX], fresh[SECRET_ID_HEX];
	struct db *db = NULL;
	int n[3] = { 0, 0, 0 }, done = 0, rc = 1;

	memset(&next, 0, sizeof next);
	while (sub_getopt(argc, argv, longopts) != -1)
		;
	if (secret_key_load(&ring, conf->secrets.key_file, err, sizeof err) < 0) {
		fprintf(stderr, "ocimctl rotate-key: %s\n", err);
		return 1;
	}
	secret_key_id_hex(&ring, 0, cur);
	secret_key_id_hex(&ring, 1, prev);
	db = open_db(conf);
	if (db == NULL)
		goto out;
	/* one unit: the rows stay locked from the check to the commit, so no
	 * value under the key being dropped can slip in between */
	if (db_begin(db) < 0) {
		fprintf(stderr, "ocimctl rotate-key: %s; nothing changed\n", db_error(db));
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		t[i].rows = db_exec(db, t[i].list, 0, NULL);
		if (db_result_status(t[i].rows) != DB_OK) {
			fprintf(stderr, "ocimctl rotate-key: %s; nothing changed\n", db_error(db));
			finish_txn(db, 0);
			goto out;
		}
	}
	for (int i = 0; i < 2; i++)
		classify(&ring, &t[i], n, 0);
	if (n[2] > 0) {
		finish_txn(db, 0);
		fprintf(stderr, "ocimctl rotate-key: %d stored credential(s) (above) open with no key of %s; nothing "
		        "changed.  Set them again through the API (or put their key back into the key file), then run "
		        "ocimctl rotate-key again\n", n[2], conf->secrets.key_file);
		goto out;
	}
	if (n[1] > 0) {
		printf("%d stored credential(s) still use the previous key %s:\n", n[1], prev);
		for (int i = 0; i < 2; i++)
			classify(&ring, &t[i], (int[3]){ 0, 0, 0 }, 1);
		for (int i = 0; i < 2 && done >= 0; i++) {
			int k = reseal_table(db, &t[i], &ring, &ring, err, sizeof err);
			done = k < 0 ? -1 : done + k;
		}
		if (done < 0 || finish_txn(db, 1) < 0) {
			if (done < 0)
				finish_txn(db, 0);
			fprintf(stderr, "ocimctl rotate-key: %s; nothing changed\n", done < 0 ? err : db_error(db));
			goto out;
		}
		audit(db, 0, NULL, "secret.rotate", NULL, json_pack("{s:s, s:s, s:i}", "step", "finish", "key", cur,
		                                                      "credentials", done));
		printf("finished the last rotation: re-sealed %d credential(s) under the current key %s; nothing uses "
		       "the previous key %s now\nrun ocimctl rotate-key again to rotate to a new key (it drops %s)\n",
		       done, cur, prev, prev);
		rc = 0;
		goto out;
	}
	/* nothing uses the previous key: it can go */
	if (secret_key_next(&next, &ring) < 0 || secret_key_write(&next, conf->secrets.key_file, err, sizeof err) < 0) {
		finish_txn(db, 0);
		fprintf(stderr, "ocimctl rotate-key: %s; nothing changed\n",
		        next.loaded ? err : "libsodium failed to initialise");
		goto out;
	}
	secret_key_id_hex(&next, 0, fresh);
	printf("wrote %s: new current key %s, previous key %s%s%s%s\n", conf->secrets.key_file, fresh, cur,
	       ring.nkeys > 1 ? " (dropped the key " : "", ring.nkeys > 1 ? prev : "", ring.nkeys > 1 ? ")" : "");
	printf("responders and ocim-sync seal with %s from their next request or run\n", fresh);
	for (int i = 0; i < 2 && done >= 0; i++) {
		int k = reseal_table(db, &t[i], &ring, &next, err, sizeof err);
		done = k < 0 ? -1 : done + k;
	}
	if (done < 0 || finish_txn(db, 1) < 0) {
		if (done < 0)
			finish_txn(db, 0);
		fprintf(stderr, "ocimctl rotate-key: re-sealing failed: %s\nthe credentials still use the key %s, which "
		        "the key file keeps as the previous one: everything still opens; run ocimctl rotate-key again to "
		        "finish\n", done < 0 ? err : db_error(db), cur);
		goto out;
	}
	audit(db, 0, NULL, "secret.rotate", NULL,
	      json_pack("{s:s, s:s, s:s, s:i, s:i, s:i}", "step", "rotate", "key", fresh, "previous", cur, "projects",
	                PQntuples(t[0].rows), "clusters", PQntuples(t[1].rows), "credentials", done));
	printf("re-sealed %d credential(s) of %d project(s) and %d cluster(s) under the key %s\n"
	       "the key %s stays in the key file as the previous one; the next rotation drops it\n",
	       done, PQntuples(t[0].rows), PQntuples(t[1].rows), fresh, cur);
	rc = 0;
out:
	for (int i = 0; i < 2; i++)
		PQclear(t[i].rows);
	secret_key_wipe(&ring);
	secret_key_wipe(&next);
	db_free(db);
	return rc;
}

/* Seals the first line of stdin with the current key of the key file and
 * prints it, for a credential kept in the configuration file
 * (oidc.providers' client_secret).  The value never appears in argv. */
static int
run_seal(struct conf *conf, int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	struct secret_key ring = { 0 };
	char line[4096], err[512], *sealed;
	size_t n;

	while (sub_getopt(argc, argv, longopts) != -1)
		;
	if (fgets(line, sizeof line, stdin) == NULL) {
		fprintf(stderr, "ocimctl seal: nothing on stdin (the value to seal is its first line)\n");
		return 1;
	}
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (n == 0) {
		fprintf(stderr, "ocimctl seal: the first line of stdin is empty\n");
		return 1;
	}
	if (secret_key_load(&ring, conf->secrets.key_file, err, sizeof err) < 0) {
		fprintf(stderr, "ocimctl seal: %s\n", err);
		sodium_memzero(line, sizeof line);
		return 1;
	}
	sealed = secret_seal(&ring, line, n);
	sodium_memzero(line, sizeof line);
	secret_key_wipe(&ring);
	if (sealed == NULL) {
		fprintf(stderr, "ocimctl seal: sealing failed\n");
		return 1;
	}
	printf("%s\n", sealed);
	free(sealed);
	return 0;
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
	{ "migrate", "[--dir DIR] [--lock-timeout SECONDS]",
	  "Applies the database migrations that are missing (default directory " OCIM_SQLDIR
	  ",\nor $OCIM_SQL_DIR).  Re-running is a no-op; an applied file that changed is refused.\n"
	  "Migrations run without database.statement_timeout_ms, but a file that waits longer than\n"
	  "--lock-timeout (default 10 s) for a lock another session holds is rolled back and fails.",
	  run_migrate },
	{ "user add", "EMAIL [--role viewer|operator|admin] [--reprovision] [--admin] [--name NAME] [--password-stdin]",
	  "Creates a user (the password must pass the same rules as in the web UI).  --role gives its role (default\n"
	  "operator, as before roles), --reprovision the reprovision grant; --admin is the older spelling of --role admin --reprovision.\n"
	  "The password is read from the first line of stdin with\n"
	  "--password-stdin; otherwise one is generated and printed once.",
	  run_user_add },
	{ "user reset-password", "EMAIL",
	  "Prints a one-time link with which the user chooses a new password.",
	  run_user_reset_password },
	{ "invite create", "EMAIL [--role viewer|operator|admin] [--admin]",
	  "Creates an invitation for a role (default viewer; --admin: --role admin), mails it when mail is\n"
	  "configured, and prints its link.",
	  run_invite_create },
	{ "oidc-domain list", "", "Lists the email domains that must sign in through OpenID Connect.",
	  run_oidc_domain_list },
	{ "oidc-domain add", "DOMAIN [--provider NAME]...",
	  "Requires OpenID Connect for the email addresses of DOMAIN (exact; a subdomain needs its own rule):\n"
	  "their password logins are refused and no reset link is sent; their password sessions end.\n"
	  "--provider limits them to these oidc.providers (default: any configured one).  Refused when no\n"
	  "provider is configured.",
	  run_oidc_domain_add },
	{ "oidc-domain remove", "DOMAIN", "Allows password logins for DOMAIN again.", run_oidc_domain_remove },
	{ "keygen", "", "Writes a new key for stored credentials to secrets.key_file (never overwrites one).",
	  run_keygen },
	{ "rotate-key", "",
	  "Puts a new key into the key file (the old one stays as the previous key) and re-encrypts every stored "
	  "credential with it; safe while the responders and ocim-sync run.  Run it again to finish one cut short.",
	  run_rotate_key },
	{ "seal", "",
	  "Seals the first line of stdin with the current key of the key file and prints it (\\x...), for\n"
	  "oidc.providers' client_secret in the configuration file.  Seal it again after rotate-key.",
	  run_seal },
	{ "check-config", "", "Reads the configuration file and reports the first error, naming key and line.",
	  run_check_config },
	{ "print-config", "", "Prints the effective configuration (defaults included, secrets masked).",
	  run_print_config },
};

static void
usage(FILE *out)
{
	fputs("usage: ocimctl [--config PATH] [--db-user USER] COMMAND [ARGS]\n\ncommands:\n", out);
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(out, "  %-19s %s\n", cmds[i].name, cmds[i].args);
	fputs("\n'ocimctl COMMAND --help' describes a command.  The configuration file is\n"
	      "--config PATH, else $OCIM_CONFIG, else " SYSCONFDIR "/ocim/ocim.yml.\n"
	      "--db-user USER (as root): connect to the database as that system user (peer\n"
	      "authentication) while the command runs as root, e.g. for rotate-key.\n", out);
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
		{ "db-user", required_argument, NULL, 'u' },
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
	while ((opt = getopt_long(argc, argv, "+c:u:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': config_arg = optarg; break;
		case 'u': db_user = optarg; break;
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
