/* The configuration: defaults, errors that name key and line, masking. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/conf.h"
#include "tap.h"

static int
load(struct conf *c, const char *text, char *err)
{
	ck_assert_int_eq(conf_defaults(c), 0);
	return conf_load_buffer(c, text, strlen(text), "t.yml", err, 512);
}

START_TEST(defaults)
{
	struct conf c;
	char err[512];

	ck_assert_int_eq(load(&c, "", err), 0);
	ck_assert_str_eq(c.database.conninfo, "dbname=ocim");
	ck_assert_int_eq(c.database.statement_timeout_ms, 5000);
	ck_assert_int_eq(c.http.max_body_bytes, 1048576);
	ck_assert_int_eq(c.http.webhook_max_body_bytes, 10485760);
	ck_assert_int_eq(c.fcgi.max_requests, 10000);
	ck_assert_int_eq(c.auth.session_idle_seconds, 1800);
	ck_assert_int_eq(c.auth.session_absolute_seconds, 43200);
	ck_assert_int_eq(c.auth.secure_cookies, 1);
	ck_assert_int_eq(c.auth.reset_seconds, 3600);
	ck_assert_int_eq(c.auth.invite_seconds, 7 * 86400);
	ck_assert_str_eq(c.mail.transport, "none");
	ck_assert_str_eq(c.log.level, "info");
	ck_assert(c.sync.max_delete_fraction == 0.5);
	conf_free(&c);
}
END_TEST

START_TEST(values)
{
	struct conf c;
	char err[512];

	ck_assert_int_eq(load(&c, "database:\n  conninfo: \"host=db\"\nfcgi:\n  max_requests: 7\n"
	                          "auth:\n  secure_cookies: false\nmail:\n  transport: smtp\nlog: ~\n", err), 0);
	ck_assert_str_eq(c.database.conninfo, "host=db");
	ck_assert_int_eq(c.fcgi.max_requests, 7);
	ck_assert_int_eq(c.auth.secure_cookies, 0);
	ck_assert_str_eq(c.mail.transport, "smtp");
	conf_free(&c);
	/* anchors and aliases, as in Grove's files */
	ck_assert_msg(load(&c, "openfaas:\n  instances: &fn grove-info\n  instance_errors: *fn\n", err) == 0,
	              "%s", err);
	ck_assert_str_eq(c.openfaas.instance_errors, "grove-info");
	conf_free(&c);
	ck_assert_int_eq(load(&c, "sync:\n  max_delete_fraction: 0.25\n", err), 0);
	ck_assert(c.sync.max_delete_fraction == 0.25);
	conf_free(&c);
	ck_assert_int_eq(load(&c, "sync:\n  max_delete_fraction: 1\n", err), 0);
	ck_assert(c.sync.max_delete_fraction == 1);
	conf_free(&c);
}
END_TEST

static void
refused(const char *text, const char *want1, const char *want2)
{
	struct conf c;
	char err[512];

	ck_assert_int_eq(load(&c, text, err), -1);
	ck_assert_msg(strstr(err, want1) != NULL && strstr(err, want2) != NULL, "'%s' lacks '%s' / '%s'", err, want1, want2);
	ck_assert_msg(strncmp(err, "t.yml: line ", 12) == 0, "%s", err);
	conf_free(&c);
}

START_TEST(errors)
{
	refused("database:\n  conninfo: x\n  colour: blue\n", "unknown key 'database.colour'", "line 3");
	refused("\n\ndatabse:\n  conninfo: x\n", "unknown section 'databse'", "line 3");
	refused("fcgi:\n  max_requests: lots\n", "'fcgi.max_requests' must be an integer", "line 2");
	refused("fcgi:\n  max_requests: \"5\"\n", "not a quoted string", "line 2");
	refused("fcgi:\n  max_requests: 0\n", "must be between 1 and", "line 2");
	refused("fcgi:\n  max_requests: [1]\n", "'fcgi.max_requests' must be an integer", "line 2");
	refused("log:\n  level: loud\n", "'log.level' must be one of", "line 2");
	refused("mail:\n  transport: pigeon\n", "must be one of smtp|file|none", "line 2");
	refused("auth:\n  secure_cookies: yes\n", "must be true or false", "line 2");
	refused("sync:\n  max_delete_fraction: 1.5\n", "'sync.max_delete_fraction' must be a number from 0 to 1", "line 2");
	refused("sync:\n  max_delete_fraction: half\n", "must be a number from 0 to 1", "line 2");
	refused("sync:\n  max_delete_fraction: nan\n", "must be a number from 0 to 1", "line 2");
	refused("sync:\n  max_delete_fraction: \"0.5\"\n", "not a quoted string", "line 2");
	refused("fcgi: 5\n", "'fcgi' must be a mapping", "line 1");
	refused("- a\n", "must be a mapping of sections", "line 1");
	refused("database: {conninfo: [\n", "line ", "column");
}
END_TEST

START_TEST(path_precedence)
{
	setenv("OCIM_CONFIG", "/from/env.yml", 1);
	ck_assert_str_eq(conf_path("/from/cli.yml"), "/from/cli.yml");
	ck_assert_str_eq(conf_path(NULL), "/from/env.yml");
	unsetenv("OCIM_CONFIG");
	ck_assert_msg(strstr(conf_path(NULL), "/ocim/ocim.yml") != NULL, "%s", conf_path(NULL));
}
END_TEST

static char *
printed(const struct conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	conf_print(c, f);
	fclose(f);
	return buf;
}

START_TEST(print_masks_secrets)
{
	struct conf c;
	char err[512], *out;

	ck_assert_int_eq(load(&c, "database:\n  conninfo: \"host=db password=hunter2secret user=o\"\n"
	                          "mail:\n  smtp_password: \"mailsecret\"\n", err), 0);
	out = printed(&c);
	ck_assert_ptr_null(strstr(out, "hunter2secret"));
	ck_assert_ptr_null(strstr(out, "mailsecret"));
	ck_assert_ptr_nonnull(strstr(out, "password=*** user=o"));
	ck_assert_ptr_nonnull(strstr(out, "max_requests: 10000"));
	ck_assert_ptr_nonnull(strstr(out, "max_delete_fraction: 0.5"));
	free(out);
	conf_free(&c);
	ck_assert_int_eq(load(&c, "database:\n  conninfo: \"postgresql://u:urisecret@db/ocim\"\n", err), 0);
	out = printed(&c);
	ck_assert_ptr_null(strstr(out, "urisecret"));
	ck_assert_ptr_nonnull(strstr(out, "postgresql://u:***@db/ocim"));
	free(out);
	conf_free(&c);
}
END_TEST

START_TEST(oidc_providers)
{
	struct conf c;
	char err[512];

	ck_assert_int_eq(load(&c, "oidc:\n  providers:\n    - name: google\n      client_id: abc.apps\n"
	                      "      client_secret_file: /etc/ocim/google.secret\n      hosted_domains: example.com\n"
	                      "    - name: keycloak\n      label: Sign in with Keycloak\n"
	                      "      issuer: https://sso.example.com/realms/staff\n      client_id: ocim\n"
	                      "      client_secret: \"\\\\x01abcdef\"\n", err), 0);
	ck_assert_uint_eq(c.oidc.nproviders, 2);
	/* Google by default */
	ck_assert_str_eq(c.oidc.providers[0].issuer, "https://accounts.google.com");
	ck_assert_str_eq(c.oidc.providers[0].label, "Sign in with Google");
	ck_assert_str_eq(c.oidc.providers[0].hosted_domains, "example.com");
	ck_assert_str_eq(c.oidc.providers[1].issuer, "https://sso.example.com/realms/staff");
	ck_assert_str_eq(c.oidc.providers[1].client_secret, "\\x01abcdef");
	ck_assert_int_eq(c.oidc.timeout_seconds, 4);
	conf_free(&c);
	refused("oidc:\n  providers:\n    - name: g\n      client_id: x\n", "client_secret", "line 3");
	refused("oidc:\n  providers:\n    - name: g\n      client_id: x\n      client_secret: plain\n",
	        "must be sealed", "line 3");
	refused("oidc:\n  providers:\n    - client_id: x\n      client_secret_file: /f\n", "'oidc.providers.name' is missing",
	        "line 3");
	refused("oidc:\n  providers:\n    - name: g\n      client_id: x\n      client_secret_file: /f\n      colour: 1\n",
	        "unknown key 'oidc.providers.colour'", "line 6");
	refused("oidc:\n  providers:\n    - name: G o\n      client_id: x\n      client_secret_file: /f\n",
	        "'oidc.providers.name' must be", "line 3");
	refused("oidc:\n  providers:\n    - {name: g, client_id: x, client_secret_file: /f}\n"
	        "    - {name: g, client_id: y, client_secret_file: /f}\n", "used twice", "line 4");
	refused("oidc:\n  providers:\n    - {name: g, client_id: x, client_secret_file: /f, issuer: ftp://x}\n",
	        "'oidc.providers.issuer'", "line 3");
	refused("oidc:\n  providers: google\n", "'oidc.providers' must be a list", "line 2");
	refused("oidc:\n  timeout_seconds: 300\n", "'oidc.timeout_seconds'", "line 2");
}
END_TEST

START_TEST(example_file_loads)
{
	const char *srcdir = getenv("OCIM_SRCDIR");
	char path[4096], err[512];
	struct conf c;

	snprintf(path, sizeof path, "%s/docs/ocim.example.yml", srcdir ? srcdir : "..");
	ck_assert_int_eq(conf_defaults(&c), 0);
	ck_assert_msg(conf_load_file(&c, path, err, sizeof err) == 0, "%s", err);
	conf_free(&c);
	ck_assert_int_eq(conf_defaults(&c), 0);
	ck_assert_int_eq(conf_load_file(&c, "/nonexistent/ocim.yml", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/ocim.yml"));
	conf_free(&c);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("load");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, values);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, path_precedence);
	tcase_add_test(tc, print_masks_secrets);
	tcase_add_test(tc, oidc_providers);
	tcase_add_test(tc, example_file_loads);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(suite());
}
