/* The YAML reader: positions, caps, aliases, duplicates, conversion. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "lib/ydoc.h"
#include "tap.h"

static struct ynode *
parse(const char *s, char *err)
{
	return ydoc_parse(s, strlen(s), NULL, err, 256);
}

START_TEST(positions)
{
	char err[256];
	struct ynode *r = parse("a: 1\nb:\n  - x\n  - \"y\"\n", err);
	const struct ynode *b;

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->kind, YNODE_MAP);
	ck_assert_uint_eq(ynode_map_size(r), 2);
	b = ynode_map_get(r, "b");
	ck_assert_int_eq(b->kind, YNODE_SEQ);
	ck_assert_uint_eq(b->n, 2);
	ck_assert_uint_eq(b->items[0]->line, 3);
	ck_assert_uint_eq(b->items[0]->col, 5);
	ck_assert(b->items[0]->plain);
	ck_assert(!b->items[1]->plain);
	ck_assert_ptr_null(ynode_map_get(r, "c"));
	ynode_free(r);
}
END_TEST

START_TEST(refusals)
{
	char err[256], big[300];
	struct ylimits lim = { .max_bytes = 100, .max_depth = 3, .max_nodes = 5 };

	ck_assert_ptr_null(parse("a: &x [1]\nb: *x\n", err));
	ck_assert_msg(strstr(err, "aliases") && strncmp(err, "line 2, column 4", 16) == 0, "%s", err);
	ck_assert_ptr_null(parse("a: 1\na: 2\n", err));
	ck_assert_msg(strstr(err, "duplicate key 'a'") && strncmp(err, "line 2", 6) == 0, "%s", err);
	ck_assert_ptr_null(parse("a: 1\n---\nb: 2\n", err));
	ck_assert_ptr_nonnull(strstr(err, "one YAML document"));
	ck_assert_ptr_null(ydoc_parse("a: 1\0b", 6, NULL, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "NUL"));
	ck_assert_ptr_null(parse("a: [1\n", err));
	ck_assert_msg(strncmp(err, "line ", 5) == 0 && strstr(err, ", column "), "%s", err);
	ck_assert_ptr_null(ydoc_parse("a: [[[[1]]]]", 12, &lim, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "nested too deeply"));
	ck_assert_ptr_null(ydoc_parse("[1, 2, 3, 4, 5, 6]", 18, &lim, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "too many nodes"));
	memset(big, 'a', sizeof big);
	ck_assert_ptr_null(ydoc_parse(big, sizeof big, &lim, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "larger than 100 bytes"));
	ck_assert_ptr_null(parse("[1]: x\n", err));
	ck_assert_ptr_nonnull(strstr(err, "keys must be scalars"));
}
END_TEST

START_TEST(empty_is_mapping)
{
	char err[256];
	struct ynode *r = parse("# only a comment\n", err);

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->kind, YNODE_MAP);
	ck_assert_uint_eq(r->n, 0);
	ynode_free(r);
}
END_TEST

START_TEST(to_json)
{
	char err[256];
	struct ynode *r = parse("i: 42\nn: -7\nf: 1.5\nt: true\nno: false\nz: ~\ne:\ns: \"5\"\nw: hello\nh: 0x1F\nl: [1, a]\n", err);
	json_t *j;

	ck_assert_ptr_nonnull(r);
	j = ynode_to_json(r);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "i")), 42);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "n")), -7);
	ck_assert(json_is_real(json_object_get(j, "f")));
	ck_assert(json_is_true(json_object_get(j, "t")));
	ck_assert(json_is_false(json_object_get(j, "no")));
	ck_assert(json_is_null(json_object_get(j, "z")));
	ck_assert(json_is_null(json_object_get(j, "e")));
	ck_assert_str_eq(json_string_value(json_object_get(j, "s")), "5");
	ck_assert_str_eq(json_string_value(json_object_get(j, "w")), "hello");
	ck_assert_str_eq(json_string_value(json_object_get(j, "h")), "0x1F");
	ck_assert_uint_eq(json_array_size(json_object_get(j, "l")), 2);
	json_decref(j);
	ynode_free(r);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ydoc");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, positions);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, empty_is_mapping);
	tcase_add_test(tc, to_json);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(suite());
}
