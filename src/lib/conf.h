/* The one configuration file shared by all programs (see docs/ocim.example.yml).
 * Defaults live in one table in conf.c. */
#ifndef OCIM_CONF_H
#define OCIM_CONF_H

#include <stddef.h>
#include <stdio.h>

/* An OpenID Connect provider to sign in with (the oidc section's list). */
struct oidc_provider {
	char *name;                     /* in URLs and the database: letters, digits, _ - */
	char *label;                    /* the login page's button */
	char *issuer;
	char *client_id;
	char *client_secret;            /* sealed ("\x..." from ocimctl seal), or "" */
	char *client_secret_file;       /* or a file readable by the service only, or "" */
	char *hosted_domains;           /* Google's hd values allowed, space-separated; "" any */
};
#define CONF_MAX_OIDC_PROVIDERS 8

struct conf {
	char *path;                     /* file it was read from, or NULL */
	struct {
		char *conninfo;
		long statement_timeout_ms;
		long connect_timeout;
	} database;
	struct {
		char *base_url;
		long max_body_bytes;
		long webhook_max_body_bytes;
	} http;
	struct {
		long max_requests;
	} fcgi;
	struct {
		long session_idle_seconds;
		long session_absolute_seconds;
		long secure_cookies;            /* boolean */
		long lock_after_failures;
		long lock_first_seconds;
		long lock_seconds;
		long device_cookie_seconds;
		char *password_blocklist;
		long invite_seconds;
		long reset_seconds;
	} auth;
	struct {
		char *transport;                /* smtp | file | none */
		char *smtp_url;
		char *smtp_tls;                 /* none | starttls | tls */
		char *smtp_username;
		char *smtp_password;
		char *from;
		char *file;
		long timeout_seconds;
		long max_attempts;
		long retry_seconds;
	} mail;
	struct {
		char *key_file;
	} secrets;
	struct {
		long trigger_timeout_seconds;
		long max_attempts;
		long reprovision_enabled;      /* boolean */
		long pending_timeout_seconds;
		long unconfirmed_grace_seconds;
	} actions;
	struct {
		long request_timeout_seconds;
		long concurrency;
		long retries;
		long retry_base_ms;
		long retry_max_wait_seconds;
		long pipeline_history_days;
		double max_delete_fraction;     /* of a project's instances one read may delete */
		char *program;                  /* ocim-sync, started by the responder; "" none */
	} sync;
	struct {                        /* the OpenFaaS functions Ocim calls */
		char *instances;
		char *instance_errors;
		char *replication_stats;
		char *usage_report;
	} openfaas;
	struct {                        /* cluster.yml keys, space-separated, first found wins */
		char *provider;
		char *region;
		char *max_node_count;
		char *node_size;
		char *mysql_size;
		char *mongodb_size;
	} cluster_keys;
	struct {                        /* days kept after a row ended (ocim-sync purges) */
		long sessions_days;
		long password_resets_days;
		long invites_days;
		long webhook_bodies_days;
		long webhook_deliveries_days;
		long sync_runs_days;
		long audit_log_days;
	} retention;
	struct {
		char *level;
	} log;
	struct {
		long timeout_seconds;           /* each request to a provider */
		long clock_skew_seconds;
		struct oidc_provider providers[CONF_MAX_OIDC_PROVIDERS];
		size_t nproviders;
	} oidc;
};

/* Largest configuration file accepted. */
#define CONF_MAX_BYTES (256 * 1024)

/* The path to read: cli_path if given, else $OCIM_CONFIG, else the
 * compiled-in default (SYSCONFDIR/ocim/ocim.yml).  Borrowed. */
const char *conf_path(const char *cli_path);

/* Fills c with the defaults.  Returns 0, or -1 when out of memory. */
int conf_defaults(struct conf *c);

/* Loads path over the defaults.  Returns 0, or -1 with a message that names
 * the file, line, column and key in err.  c is filled either way and must
 * be released with conf_free. */
int conf_load_file(struct conf *c, const char *path, char *err, size_t errsz);

/* Same for a buffer; name is used in messages. */
int conf_load_buffer(struct conf *c, const char *buf, size_t len, const char *name,
                     char *err, size_t errsz);

/* Prints the effective configuration as YAML; secrets are masked. */
void conf_print(const struct conf *c, FILE *out);

void conf_free(struct conf *c);

#endif
