#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "util.h"
#include "ydoc.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef BINDIR
#define BINDIR "/usr/bin"
#endif
#ifndef PKGDATADIR
#define PKGDATADIR "/usr/share/ocim"
#endif

/* OPT_KEYS: YAML keys separated by spaces (letters, digits, _ - .);
 * OPT_NAME: one such name; OPT_FRACTION: a double from 0 to 1 */
enum opt_type { OPT_STRING, OPT_INT, OPT_BOOL, OPT_LEVEL, OPT_CHOICE, OPT_KEYS, OPT_NAME, OPT_FRACTION };
#define OPT_NUMERIC(t) ((t) == OPT_INT || (t) == OPT_BOOL || (t) == OPT_FRACTION)
#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-."

struct opt {
	const char *section;
	const char *key;
	enum opt_type type;
	size_t offset;
	const char *def;        /* default, as it would be written in the file */
	const char *choices;    /* OPT_CHOICE: "a|b|c" */
	long min, max;          /* OPT_INT bounds */
	int secret;             /* masked by conf_print */
};

#define OFF(field) offsetof(struct conf, field)

/* Every option and its default: the one place they are defined. */
static const struct opt opts[] = {
	{ "database", "conninfo", OPT_STRING, OFF(database.conninfo), "dbname=ocim", NULL, 0, 0, 1 },
	{ "database", "statement_timeout_ms", OPT_INT, OFF(database.statement_timeout_ms), "5000", NULL, 0, 3600000, 0 },
	{ "database", "connect_timeout", OPT_INT, OFF(database.connect_timeout), "5", NULL, 1, 600, 0 },
	{ "http", "base_url", OPT_STRING, OFF(http.base_url), "http://127.0.0.1:8080", NULL, 0, 0, 0 },
	{ "http", "max_body_bytes", OPT_INT, OFF(http.max_body_bytes), "1048576", NULL, 1024, 64L * 1024 * 1024, 0 },
	{ "http", "webhook_max_body_bytes", OPT_INT, OFF(http.webhook_max_body_bytes), "10485760", NULL, 1024, 64L * 1024 * 1024, 0 },
	{ "fcgi", "max_requests", OPT_INT, OFF(fcgi.max_requests), "10000", NULL, 1, 100000000, 0 },
	{ "auth", "session_idle_seconds", OPT_INT, OFF(auth.session_idle_seconds), "1800", NULL, 1, 86400, 0 },
	{ "auth", "session_absolute_seconds", OPT_INT, OFF(auth.session_absolute_seconds), "43200", NULL, 1, 2592000, 0 },
	{ "auth", "secure_cookies", OPT_BOOL, OFF(auth.secure_cookies), "true", NULL, 0, 1, 0 },
	{ "auth", "lock_after_failures", OPT_INT, OFF(auth.lock_after_failures), "10", NULL, 1, 100, 0 },
	{ "auth", "lock_first_seconds", OPT_INT, OFF(auth.lock_first_seconds), "5", NULL, 1, 86400, 0 },
	{ "auth", "lock_seconds", OPT_INT, OFF(auth.lock_seconds), "900", NULL, 1, 86400, 0 },
	{ "auth", "device_cookie_seconds", OPT_INT, OFF(auth.device_cookie_seconds), "15552000", NULL, 60, 2 * 366 * 86400, 0 },
	{ "auth", "password_blocklist", OPT_STRING, OFF(auth.password_blocklist), PKGDATADIR "/common-passwords.txt", NULL, 0, 0, 0 },
	{ "auth", "invite_seconds", OPT_INT, OFF(auth.invite_seconds), "604800", NULL, 60, 90 * 86400, 0 },
	{ "auth", "reset_seconds", OPT_INT, OFF(auth.reset_seconds), "3600", NULL, 60, 86400, 0 },
	{ "mail", "transport", OPT_CHOICE, OFF(mail.transport), "none", "smtp|file|none", 0, 0, 0 },
	{ "mail", "smtp_url", OPT_STRING, OFF(mail.smtp_url), "smtp://127.0.0.1:25", NULL, 0, 0, 0 },
	{ "mail", "smtp_tls", OPT_CHOICE, OFF(mail.smtp_tls), "starttls", "none|starttls|tls", 0, 0, 0 },
	{ "mail", "smtp_username", OPT_STRING, OFF(mail.smtp_username), "", NULL, 0, 0, 0 },
	{ "mail", "smtp_password", OPT_STRING, OFF(mail.smtp_password), "", NULL, 0, 0, 1 },
	{ "mail", "from", OPT_STRING, OFF(mail.from), "ocim@localhost", NULL, 0, 0, 0 },
	{ "mail", "file", OPT_STRING, OFF(mail.file), "/var/lib/ocim/mail.txt", NULL, 0, 0, 0 },
	{ "mail", "timeout_seconds", OPT_INT, OFF(mail.timeout_seconds), "10", NULL, 1, 300, 0 },
	{ "mail", "max_attempts", OPT_INT, OFF(mail.max_attempts), "8", NULL, 1, 100, 0 },
	{ "mail", "retry_seconds", OPT_INT, OFF(mail.retry_seconds), "60", NULL, 1, 3600, 0 },
	{ "secrets", "key_file", OPT_STRING, OFF(secrets.key_file), SYSCONFDIR "/ocim/secret.key", NULL, 0, 0, 0 },
	{ "actions", "trigger_timeout_seconds", OPT_INT, OFF(actions.trigger_timeout_seconds), "3", NULL, 1, 60, 0 },
	{ "actions", "max_attempts", OPT_INT, OFF(actions.max_attempts), "5", NULL, 1, 100, 0 },
	{ "actions", "reprovision_enabled", OPT_BOOL, OFF(actions.reprovision_enabled), "false", NULL, 0, 1, 0 },
	{ "actions", "pending_timeout_seconds", OPT_INT, OFF(actions.pending_timeout_seconds), "7200", NULL, 60, 604800, 0 },
	{ "actions", "unconfirmed_grace_seconds", OPT_INT, OFF(actions.unconfirmed_grace_seconds), "120", NULL, 0, 86400, 0 },
	{ "sync", "request_timeout_seconds", OPT_INT, OFF(sync.request_timeout_seconds), "30", NULL, 1, 600, 0 },
	{ "sync", "concurrency", OPT_INT, OFF(sync.concurrency), "8", NULL, 1, 64, 0 },
	{ "sync", "retries", OPT_INT, OFF(sync.retries), "2", NULL, 0, 10, 0 },
	{ "sync", "retry_base_ms", OPT_INT, OFF(sync.retry_base_ms), "500", NULL, 1, 60000, 0 },
	{ "sync", "retry_max_wait_seconds", OPT_INT, OFF(sync.retry_max_wait_seconds), "60", NULL, 0, 3600, 0 },
	{ "sync", "pipeline_history_days", OPT_INT, OFF(sync.pipeline_history_days), "30", NULL, 1, 3650, 0 },
	{ "sync", "max_delete_fraction", OPT_FRACTION, OFF(sync.max_delete_fraction), "0.5", NULL, 0, 1, 0 },
	{ "sync", "program", OPT_STRING, OFF(sync.program), BINDIR "/ocim-sync", NULL, 0, 0, 0 },
	{ "openfaas", "instances", OPT_NAME, OFF(openfaas.instances), "instances", NULL, 0, 0, 0 },
	{ "openfaas", "instance_errors", OPT_NAME, OFF(openfaas.instance_errors), "instance-errors", NULL, 0, 0, 0 },
	{ "openfaas", "replication_stats", OPT_NAME, OFF(openfaas.replication_stats), "replication-stats", NULL, 0, 0, 0 },
	{ "openfaas", "usage_report", OPT_NAME, OFF(openfaas.usage_report), "usage-report", NULL, 0, 0, 0 },
	{ "cluster_keys", "provider", OPT_KEYS, OFF(cluster_keys.provider), "TF_VAR_cluster_provider", NULL, 0, 0, 0 },
	{ "cluster_keys", "region", OPT_KEYS, OFF(cluster_keys.region), "TF_VAR_aws_region TF_VAR_do_region TF_VAR_region", NULL, 0, 0, 0 },
	{ "cluster_keys", "max_node_count", OPT_KEYS, OFF(cluster_keys.max_node_count), "TF_VAR_max_worker_node_count", NULL, 0, 0, 0 },
	{ "cluster_keys", "node_size", OPT_KEYS, OFF(cluster_keys.node_size), "TF_VAR_worker_node_size", NULL, 0, 0, 0 },
	{ "cluster_keys", "mysql_size", OPT_KEYS, OFF(cluster_keys.mysql_size), "TF_VAR_rds_instance_class TF_VAR_mysql_cluster_instance_size", NULL, 0, 0, 0 },
	{ "cluster_keys", "mongodb_size", OPT_KEYS, OFF(cluster_keys.mongodb_size), "TF_VAR_mongodb_instance_size TF_VAR_mongodb_cluster_instance_size", NULL, 0, 0, 0 },
	{ "retention", "sessions_days", OPT_INT, OFF(retention.sessions_days), "7", NULL, 1, 3650, 0 },
	{ "retention", "password_resets_days", OPT_INT, OFF(retention.password_resets_days), "7", NULL, 1, 3650, 0 },
	{ "retention", "invites_days", OPT_INT, OFF(retention.invites_days), "30", NULL, 1, 3650, 0 },
	{ "retention", "webhook_bodies_days", OPT_INT, OFF(retention.webhook_bodies_days), "2", NULL, 1, 3650, 0 },
	{ "retention", "webhook_deliveries_days", OPT_INT, OFF(retention.webhook_deliveries_days), "30", NULL, 1, 3650, 0 },
	{ "retention", "sync_runs_days", OPT_INT, OFF(retention.sync_runs_days), "14", NULL, 1, 3650, 0 },
	{ "retention", "audit_log_days", OPT_INT, OFF(retention.audit_log_days), "400", NULL, 1, 36500, 0 },
	{ "log", "level", OPT_LEVEL, OFF(log.level), "info", NULL, 0, 0, 0 },
	{ "oidc", "timeout_seconds", OPT_INT, OFF(oidc.timeout_seconds), "4", NULL, 1, 30, 0 },
	{ "oidc", "clock_skew_seconds", OPT_INT, OFF(oidc.clock_skew_seconds), "60", NULL, 0, 600, 0 },
};
#define NOPTS (sizeof opts / sizeof opts[0])

const char *
conf_path(const char *cli_path)
{
	const char *env;

	if (cli_path != NULL && cli_path[0] != '\0')
		return cli_path;
	env = getenv("OCIM_CONFIG");
	if (env != NULL && env[0] != '\0')
		return env;
	return SYSCONFDIR "/ocim/ocim.yml";
}

/* value is one of the |-separated choices. */
static int
choice_ok(const char *choices, const char *value)
{
	size_t n = strlen(value);

	for (const char *p = choices; p != NULL; p = strchr(p, '|'), p = p ? p + 1 : NULL)
		if (strncmp(p, value, n) == 0 && (p[n] == '|' || p[n] == '\0'))
			return n > 0;
	return 0;
}

/* Checks and stores one value.  Returns 0 or -1 with a reason in why. */
static int
opt_set(struct conf *c, const struct opt *o, const char *value, char *why, size_t whysz)
{
	char *base = (char *)c;

	switch (o->type) {
	case OPT_STRING:
	case OPT_CHOICE:
	case OPT_KEYS:
	case OPT_NAME:
	case OPT_LEVEL: {
		char **dst = (char **)(base + o->offset);
		char *copy;

		if (o->type == OPT_LEVEL && log_level_parse(value) < 0) {
			snprintf(why, whysz, "must be one of debug, info, warning, error");
			return -1;
		}
		if (o->type == OPT_KEYS && (strspn(value, " ") == strlen(value) ||
		    strspn(value, NAME_CHARS " ") != strlen(value))) {
			snprintf(why, whysz, "must be one or more keys separated by spaces");
			return -1;
		}
		if (o->type == OPT_NAME && (value[0] == '\0' || strspn(value, NAME_CHARS) != strlen(value))) {
			snprintf(why, whysz, "must be a name of letters, digits, '_', '-' and '.'");
			return -1;
		}
		if (o->type == OPT_CHOICE && !choice_ok(o->choices, value)) {
			snprintf(why, whysz, "must be one of %s", o->choices);
			return -1;
		}
		copy = strdup(value);
		if (copy == NULL) {
			snprintf(why, whysz, "out of memory");
			return -1;
		}
		free(*dst);
		*dst = copy;
		return 0;
	}
	case OPT_BOOL: {
		long *dst = (long *)(base + o->offset);

		if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0) {
			*dst = value[0] == 't';
			return 0;
		}
		snprintf(why, whysz, "must be true or false");
		return -1;
	}
	case OPT_FRACTION: {
		double *dst = (double *)(base + o->offset);
		char *end;
		double v;

		errno = 0;
		v = strtod(value, &end);
		if (value[0] == '\0' || *end != '\0' || errno != 0 || !(v >= 0 && v <= 1)) {
			snprintf(why, whysz, "must be a number from 0 to 1");
			return -1;
		}
		*dst = v;
		return 0;
	}
	case OPT_INT: {
		long *dst = (long *)(base + o->offset);
		long v;

		if (parse_long(value, &v) < 0) {
			snprintf(why, whysz, "must be an integer");
			return -1;
		}
		if (v < o->min || v > o->max) {
			snprintf(why, whysz, "must be between %ld and %ld", o->min, o->max);
			return -1;
		}
		*dst = v;
		return 0;
	}
	}
	return -1;
}

int
conf_defaults(struct conf *c)
{
	char why[128];

	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < NOPTS; i++)
		if (opt_set(c, &opts[i], opts[i].def, why, sizeof why) < 0)
			return -1;
	return 0;
}

static const struct opt *
opt_find(const char *section, const char *key)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (strcmp(opts[i].section, section) == 0 && strcmp(opts[i].key, key) == 0)
			return &opts[i];
	return NULL;
}

static int
section_known(const char *section)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (strcmp(opts[i].section, section) == 0)
			return 1;
	return 0;
}

/* The keys of one oidc.providers item and their defaults: Google's
 * issuer unless another is named. */
static const struct {
	const char *key;
	size_t offset;
	const char *def;
} provider_keys[] = {
	{ "name", offsetof(struct oidc_provider, name), NULL },
	{ "label", offsetof(struct oidc_provider, label), "Sign in with Google" },
	{ "issuer", offsetof(struct oidc_provider, issuer), "https://accounts.google.com" },
	{ "client_id", offsetof(struct oidc_provider, client_id), NULL },
	{ "client_secret", offsetof(struct oidc_provider, client_secret), "" },
	{ "client_secret_file", offsetof(struct oidc_provider, client_secret_file), "" },
	{ "hosted_domains", offsetof(struct oidc_provider, hosted_domains), "" },
};

static void
provider_free(struct oidc_provider *p)
{
	for (size_t i = 0; i < ARRAY_SIZE(provider_keys); i++) {
		char **f = (char **)((char *)p + provider_keys[i].offset);
		free(*f);
		*f = NULL;
	}
}

/* oidc.providers: a list of mappings.  Returns 0 or -1 with err. */
static int
load_providers(struct conf *c, const struct ynode *v, const char *name, char *err, size_t errsz)
{
	for (size_t i = 0; i < c->oidc.nproviders; i++)
		provider_free(&c->oidc.providers[i]);
	c->oidc.nproviders = 0;
	if (ynode_is_null(v))
		return 0;
	if (v->kind != YNODE_SEQ) {
		snprintf(err, errsz, "%s: line %u, column %u: 'oidc.providers' must be a list of mappings",
		         name, v->line, v->col);
		return -1;
	}
	if (v->n > CONF_MAX_OIDC_PROVIDERS) {
		snprintf(err, errsz, "%s: line %u, column %u: 'oidc.providers' holds more than %d providers",
		         name, v->line, v->col, CONF_MAX_OIDC_PROVIDERS);
		return -1;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *m = v->items[i];
		struct oidc_provider *p = &c->oidc.providers[c->oidc.nproviders++];

		if (m->kind != YNODE_MAP) {
			snprintf(err, errsz, "%s: line %u, column %u: each of 'oidc.providers' must be a mapping",
			         name, m->line, m->col);
			return -1;
		}
		for (size_t j = 0; j + 1 < m->n; j += 2) {
			const struct ynode *k = m->items[j], *val = m->items[j + 1];
			size_t q;

			for (q = 0; q < ARRAY_SIZE(provider_keys) && strcmp(provider_keys[q].key, k->value) != 0; q++)
				;
			if (q == ARRAY_SIZE(provider_keys)) {
				snprintf(err, errsz, "%s: line %u, column %u: unknown key 'oidc.providers.%s'",
				         name, k->line, k->col, k->value);
				return -1;
			}
			if (val->kind != YNODE_SCALAR || ynode_is_null(val) || strlen(val->value) != val->len ||
			    val->len > 2048) {
				snprintf(err, errsz, "%s: line %u, column %u: 'oidc.providers.%s' must be a string",
				         name, val->line, val->col, k->value);
				return -1;
			}
			char **f = (char **)((char *)p + provider_keys[q].offset);
			free(*f);
			if ((*f = strdup(val->value)) == NULL) {
				snprintf(err, errsz, "%s: out of memory", name);
				return -1;
			}
		}
		for (size_t q = 0; q < ARRAY_SIZE(provider_keys); q++) {
			char **f = (char **)((char *)p + provider_keys[q].offset);
			if (*f == NULL && provider_keys[q].def == NULL) {
				snprintf(err, errsz, "%s: line %u, column %u: 'oidc.providers.%s' is missing",
				         name, m->line, m->col, provider_keys[q].key);
				return -1;
			}
			if (*f == NULL && (*f = strdup(provider_keys[q].def)) == NULL) {
				snprintf(err, errsz, "%s: out of memory", name);
				return -1;
			}
		}
		if (p->name[0] == '\0' || strlen(p->name) > 64 ||
		    strspn(p->name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(p->name)) {
			snprintf(err, errsz, "%s: line %u, column %u: 'oidc.providers.name' must be 1 to 64 "
			         "lower-case letters, digits, _ or -", name, m->line, m->col);
			return -1;
		}
		for (size_t o = 0; o + 1 < c->oidc.nproviders; o++)
			if (strcmp(c->oidc.providers[o].name, p->name) == 0) {
				snprintf(err, errsz, "%s: line %u, column %u: 'oidc.providers.name' %s is used twice",
				         name, m->line, m->col, p->name);
				return -1;
			}
		if (strncmp(p->issuer, "https://", 8) != 0 && strncmp(p->issuer, "http://", 7) != 0) {
			snprintf(err, errsz, "%s: line %u, column %u: 'oidc.providers.issuer' must be an https:// URL",
			         name, m->line, m->col);
			return -1;
		}
		if ((p->client_secret[0] != '\0') == (p->client_secret_file[0] != '\0')) {
			snprintf(err, errsz, "%s: line %u, column %u: provider %s needs one of 'oidc.providers.client_secret' "
			         "(sealed with ocimctl seal) or 'oidc.providers.client_secret_file'", name, m->line, m->col,
			         p->name);
			return -1;
		}
		if (p->client_secret[0] != '\0' && strncmp(p->client_secret, "\\x", 2) != 0) {
			snprintf(err, errsz, "%s: line %u, column %u: 'oidc.providers.client_secret' must be sealed "
			         "(\\x..., from ocimctl seal), not the secret itself", name, m->line, m->col);
			return -1;
		}
	}
	return 0;
}

int
conf_load_buffer(struct conf *c, const char *buf, size_t len, const char *name,
                 char *err, size_t errsz)
{
	struct ylimits lim = { .max_bytes = CONF_MAX_BYTES, .max_depth = 8, .max_nodes = 10000,
	                       .max_alias_nodes = 10000, .max_alias_depth = 8 };
	char yerr[256], why[160];
	struct ynode *root;
	int rc = -1;

	root = ydoc_parse(buf, len, &lim, yerr, sizeof yerr);
	if (root == NULL) {
		snprintf(err, errsz, "%s: %s", name, yerr);
		return -1;
	}
	if (root->kind != YNODE_MAP) {
		snprintf(err, errsz, "%s: line %u, column %u: the configuration must be a mapping of sections",
		         name, root->line, root->col);
		goto out;
	}
	for (size_t i = 0; i + 1 < root->n; i += 2) {
		const struct ynode *sk = root->items[i], *sv = root->items[i + 1];

		if (!section_known(sk->value)) {
			snprintf(err, errsz, "%s: line %u, column %u: unknown section '%s'",
			         name, sk->line, sk->col, sk->value);
			goto out;
		}
		if (ynode_is_null(sv))
			continue;
		if (sv->kind != YNODE_MAP) {
			snprintf(err, errsz, "%s: line %u, column %u: '%s' must be a mapping, not %s",
			         name, sv->line, sv->col, sk->value, ynode_kind_name(sv->kind));
			goto out;
		}
		for (size_t j = 0; j + 1 < sv->n; j += 2) {
			const struct ynode *k = sv->items[j], *v = sv->items[j + 1];
			const struct opt *o = opt_find(sk->value, k->value);

			if (strcmp(sk->value, "oidc") == 0 && strcmp(k->value, "providers") == 0) {
				if (load_providers(c, v, name, err, errsz) < 0)
					goto out;
				continue;
			}
			if (o == NULL) {
				snprintf(err, errsz, "%s: line %u, column %u: unknown key '%s.%s'",
				         name, k->line, k->col, sk->value, k->value);
				goto out;
			}
			if (v->kind != YNODE_SCALAR || ynode_is_null(v)) {
				snprintf(err, errsz, "%s: line %u, column %u: '%s.%s' must be %s",
				         name, v->line, v->col, sk->value, k->value,
				         o->type == OPT_INT ? "an integer" : o->type == OPT_BOOL ? "true or false" :
				         o->type == OPT_FRACTION ? "a number from 0 to 1" : "a string");
				goto out;
			}
			if (OPT_NUMERIC(o->type) && !v->plain) {
				snprintf(err, errsz, "%s: line %u, column %u: '%s.%s' must be %s, not a quoted string",
				         name, v->line, v->col, sk->value, k->value,
				         o->type == OPT_INT ? "an integer" : o->type == OPT_BOOL ? "true or false" :
				         "a number from 0 to 1");
				goto out;
			}
			if (opt_set(c, o, v->value, why, sizeof why) < 0) {
				snprintf(err, errsz, "%s: line %u, column %u: '%s.%s' %s",
				         name, v->line, v->col, sk->value, k->value, why);
				goto out;
			}
		}
	}
	rc = 0;
out:
	ynode_free(root);
	return rc;
}

int
conf_load_file(struct conf *c, const char *path, char *err, size_t errsz)
{
	char *buf;
	size_t len;
	int rc;

	free(c->path);
	c->path = strdup(path);
	if (read_file(path, CONF_MAX_BYTES, &buf, &len, err, errsz) < 0)
		return -1;
	rc = conf_load_buffer(c, buf, len, path, err, errsz);
	free(buf);
	return rc;
}

/* Copies a libpq conninfo with the value of password= replaced by ***. */
static void
mask_conninfo(const char *in, char *out, size_t outsz)
{
	const char *p = strstr(in, "password");

	if (p == NULL || (p != in && p[-1] != ' ' && p[-1] != '?' && p[-1] != '&')) {
		if (strstr(in, "://") != NULL && strchr(in, '@') != NULL) {
			/* URI form: scheme://user:secret@host */
			const char *at = strchr(in, '@'), *colon = strchr(strstr(in, "://") + 3, ':');
			if (colon != NULL && colon < at) {
				snprintf(out, outsz, "%.*s:***%s", (int)(colon - in), in, at);
				return;
			}
		}
		snprintf(out, outsz, "%s", in);
		return;
	}
	snprintf(out, outsz, "%.*spassword=***", (int)(p - in), in);
	p = strpbrk(p, " &");
	if (p != NULL)
		snprintf(out + strlen(out), outsz - strlen(out), "%s", p);
}

void
conf_print(const struct conf *c, FILE *out)
{
	const char *section = "";
	const char *base = (const char *)c;

	fprintf(out, "# effective configuration%s%s\n", c->path ? " from " : " (defaults)",
	        c->path ? c->path : "");
	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt *o = &opts[i];

		if (strcmp(section, o->section) != 0) {
			section = o->section;
			fprintf(out, "%s:\n", section);
		}
		if (o->type == OPT_INT) {
			fprintf(out, "  %s: %ld\n", o->key, *(const long *)(base + o->offset));
		} else if (o->type == OPT_BOOL) {
			fprintf(out, "  %s: %s\n", o->key, *(const long *)(base + o->offset) ? "true" : "false");
		} else if (o->type == OPT_FRACTION) {
			fprintf(out, "  %s: %g\n", o->key, *(const double *)(base + o->offset));
		} else {
			const char *v = *(char *const *)(base + o->offset);
			char masked[1024];
			if (o->secret && o->offset == OFF(database.conninfo))
				mask_conninfo(v, masked, sizeof masked);
			else if (o->secret)
				snprintf(masked, sizeof masked, "%s", v[0] ? "***" : "");
			else
				snprintf(masked, sizeof masked, "%s", v);
			fprintf(out, "  %s: \"", o->key);
			for (const char *s = masked; *s; s++) {
				if (*s == '"' || *s == '\\')
					fputc('\\', out);
				fputc(*s, out);
			}
			fputs("\"\n", out);
		}
	}
	/* the secrets are sealed or in a file; printed masked all the same */
	if (c->oidc.nproviders > 0)
		fprintf(out, "  providers:\n");
	for (size_t i = 0; i < c->oidc.nproviders; i++) {
		const struct oidc_provider *p = &c->oidc.providers[i];
		fprintf(out, "    - name: \"%s\"\n      label: \"%s\"\n      issuer: \"%s\"\n      client_id: \"%s\"\n"
		        "      client_secret: \"%s\"\n      client_secret_file: \"%s\"\n      hosted_domains: \"%s\"\n",
		        p->name, p->label, p->issuer, p->client_id, p->client_secret[0] ? "***" : "",
		        p->client_secret_file, p->hosted_domains);
	}
}

void
conf_free(struct conf *c)
{
	char *base = (char *)c;

	for (size_t i = 0; i < c->oidc.nproviders; i++)
		provider_free(&c->oidc.providers[i]);
	c->oidc.nproviders = 0;

	for (size_t i = 0; i < NOPTS; i++)
		if (!OPT_NUMERIC(opts[i].type)) {
			char **p = (char **)(base + opts[i].offset);
			free(*p);
			*p = NULL;
		}
	free(c->path);
	c->path = NULL;
}
