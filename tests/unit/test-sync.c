/* ocim-sync's mapping without a database (sync_store.h): which repository
 * paths are read, a file's YAML to JSON (and the errors that stay on the
 * file), cluster.yml through the key map, and the rows of the batched
 * instance upsert. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sync_store.h"
#include "tap.h"

static void
entry_parse(struct entry *e, const char *instance, int grove, const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, text, len);
	copy[len] = '\0';
	memset(e, 0, sizeof *e);
	snprintf(e->instance, sizeof e->instance, "%s", instance);
	e->grove = grove;
	snprintf(e->blob, sizeof e->blob, "%040d", grove + 1);
	e->changed = 1;
	sync_parse_file(e, copy, len);
}

static void
entry_free(struct entry *e)
{
	free(e->text);
	json_decref(e->parsed);
}

START_TEST(tree_paths)
{
	char inst[64];
	int grove = -1;

	ck_assert_int_eq(sync_tree_path("cluster.yml", inst, sizeof inst, &grove), 1);
	ck_assert_int_eq(sync_tree_path("instances/demo/config.yml", inst, sizeof inst, &grove), 2);
	ck_assert_str_eq(inst, "demo");
	ck_assert_int_eq(grove, 0);
	ck_assert_int_eq(sync_tree_path("instances/demo/grove.yml", inst, sizeof inst, &grove), 2);
	ck_assert_int_eq(grove, 1);
	ck_assert_int_eq(sync_tree_path("instances/demo/other.yml", inst, sizeof inst, &grove), 0);
	ck_assert_int_eq(sync_tree_path("README.md", inst, sizeof inst, &grove), 0);
	ck_assert_int_eq(sync_tree_path("instances/Bad Name/config.yml", inst, sizeof inst, &grove), 3);
	ck_assert_str_eq(inst, "Bad Name");
	ck_assert_int_eq(sync_tree_path("instances/9lives/x", inst, sizeof inst, &grove), 3);
}
END_TEST

START_TEST(parse_good_and_aliases)
{
	struct entry e;
	const char *t = "LMS_HOST: &host lms.example.com\nCMS_HOST: *host\nN: 3\n";

	entry_parse(&e, "demo", 0, t, strlen(t));
	ck_assert_str_eq(e.error, "");
	ck_assert_ptr_nonnull(e.parsed);
	ck_assert_str_eq(json_string_value(json_object_get(e.parsed, "CMS_HOST")), "lms.example.com");
	ck_assert_str_eq(e.text, t);
	entry_free(&e);
}
END_TEST

START_TEST(parse_errors_name_the_file)
{
	struct entry e;
	const char *broken = "PLATFORM_NAME: [broken\n";
	const char *list = "- a\n- b\n";
	/* "A: b" in UTF-16 with its byte order mark: YAML to libyaml, but no
	 * text the database keeps (the batched upsert carries it as JSON) */
	const char utf16[] = "\xff\xfe" "A\0:\0 \0b\0\n\0";

	entry_parse(&e, "demo", 0, broken, strlen(broken));
	ck_assert_ptr_null(e.parsed);
	ck_assert_msg(strncmp(e.error, "instances/demo/config.yml: line ", 32) == 0, "%s", e.error);
	entry_free(&e);
	entry_parse(&e, "demo", 1, list, strlen(list));
	ck_assert_ptr_null(e.parsed);
	ck_assert_str_eq(e.error, "instances/demo/grove.yml: line 1, column 1: must be a mapping");
	entry_free(&e);
	entry_parse(&e, "", 0, utf16, sizeof utf16 - 1);
	ck_assert_ptr_null(e.parsed);
	ck_assert_str_eq(e.error, "cluster.yml: line 1, column 1: document contains a NUL byte");
	entry_free(&e);
}
END_TEST

START_TEST(cluster_fields)
{
	struct conf c;
	char vals[6][128];
	const char *out[6];
	json_t *p;

	memset(&c, 0, sizeof c);
	c.cluster_keys.provider = "TF_VAR_cluster_provider";
	c.cluster_keys.region = "TF_VAR_aws_region TF_VAR_do_region";
	c.cluster_keys.max_node_count = "TF_VAR_max_worker_node_count";
	c.cluster_keys.node_size = "TF_VAR_worker_node_size";
	c.cluster_keys.mysql_size = "TF_VAR_rds";
	c.cluster_keys.mongodb_size = "TF_VAR_mongo";
	p = json_pack("{s:s, s:s, s:i, s:s}", "TF_VAR_cluster_provider", "digitalocean", "TF_VAR_do_region", "fra1",
	              "TF_VAR_max_worker_node_count", 6, "TF_VAR_worker_node_size", "s-4vcpu-8gb");
	sync_cluster_fields(&c, p, vals, out);
	ck_assert_str_eq(out[0], "digitalocean");
	ck_assert_str_eq(out[1], "fra1");               /* the second key of the map */
	ck_assert_str_eq(out[2], "6");
	ck_assert_str_eq(out[3], "s-4vcpu-8gb");
	ck_assert_ptr_null(out[4]);
	ck_assert_ptr_null(out[5]);
	json_decref(p);
	p = json_pack("{s:s, s:s}", "TF_VAR_cluster_provider", "hetzner", "TF_VAR_max_worker_node_count", "many");
	sync_cluster_fields(&c, p, vals, out);
	ck_assert_str_eq(out[0], "other");
	ck_assert_ptr_null(out[2]);                     /* not a number */
	json_decref(p);
}
END_TEST

START_TEST(instance_rows)
{
	struct entry config, grove, broken;
	const char *ct = "PLATFORM_NAME: Demo\n", *gt = "TUTOR_VERSION: '17.0.1'\n", *bt = "A: [\n";
	json_t *rows = json_object(), *row;
	size_t bytes = 0;

	entry_parse(&config, "demo", 0, ct, strlen(ct));
	entry_parse(&grove, "demo", 1, gt, strlen(gt));
	entry_parse(&broken, "other", 1, bt, strlen(bt));
	ck_assert_int_eq(sync_instance_row(rows, &config, &bytes), 0);
	ck_assert_int_eq(sync_instance_row(rows, &grove, &bytes), 0);
	ck_assert_int_eq(sync_instance_row(rows, &broken, &bytes), 0);
	ck_assert_int_eq(json_object_size(rows), 2);    /* a row an instance: one statement may hold it once */
	ck_assert(bytes > strlen(ct) + strlen(gt));
	row = json_object_get(rows, "demo");
	ck_assert_str_eq(json_string_value(json_object_get(row, "name")), "demo");
	ck_assert_str_eq(json_string_value(json_object_get(row, "config_yml")), ct);
	ck_assert_str_eq(json_string_value(json_object_get(row, "config_blob")), config.blob);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(row, "config_parsed"), "PLATFORM_NAME")), "Demo");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(row, "grove_parsed"), "TUTOR_VERSION")), "17.0.1");
	ck_assert_str_eq(json_string_value(json_object_get(row, "grove_blob")), grove.blob);
	/* a file in error: the instance is there, its files as they were */
	row = json_object_get(rows, "other");
	ck_assert_int_eq(json_object_size(row), 1);
	ck_assert_str_eq(json_string_value(json_object_get(row, "name")), "other");
	json_decref(rows);
	entry_free(&config);
	entry_free(&grove);
	entry_free(&broken);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sync");
	TCase *tc = tcase_create("mapping");

	tcase_add_test(tc, tree_paths);
	tcase_add_test(tc, parse_good_and_aliases);
	tcase_add_test(tc, parse_errors_name_the_file);
	tcase_add_test(tc, cluster_fields);
	tcase_add_test(tc, instance_rows);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
