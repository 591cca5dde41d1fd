/* The YAML reader: positions, caps, aliases, duplicates, conversion. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Parses s, converts it to JSON and compares with the JSON text want. */
static void
check_json(const char *s, const char *want)
{
	char err[256];
	struct ynode *r = parse(s, err);
	json_t *got, *exp = json_loads(want, 0, NULL);
	char *text;

	ck_assert_msg(r != NULL, "%s: %s", s, err);
	got = ynode_to_json(r);
	text = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
	ck_assert_msg(json_equal(got, exp), "%s gave %s, not %s", s, text, want);
	free(text);
	json_decref(got);
	json_decref(exp);
	ynode_free(r);
}

START_TEST(aliases)
{
	char err[256];
	struct ynode *r;

	/* what real Grove configs do */
	check_json("LMS_HOST: &host learn.example.com\nCMS_HOST: *host\n",
	           "{\"LMS_HOST\": \"learn.example.com\", \"CMS_HOST\": \"learn.example.com\"}");
	/* typed scalars stay typed, quoted ones strings */
	check_json("a: &n 42\nb: *n\nc: &s \"42\"\nd: *s\n", "{\"a\": 42, \"b\": 42, \"c\": \"42\", \"d\": \"42\"}");
	/* sequences and mappings, nested, and aliases inside anchored nodes */
	check_json("p: &p [forum, mfe]\nm: &m {x: 1, l: *p}\nq: [*p, *m]\n",
	           "{\"p\": [\"forum\", \"mfe\"], \"m\": {\"x\": 1, \"l\": [\"forum\", \"mfe\"]},"
	           " \"q\": [[\"forum\", \"mfe\"], {\"x\": 1, \"l\": [\"forum\", \"mfe\"]}]}");
	/* a later anchor of the same name wins */
	check_json("a: &x 1\nb: *x\nc: &x 2\nd: *x\n", "{\"a\": 1, \"b\": 1, \"c\": 2, \"d\": 2}");
	/* an alias as a key */
	check_json("k: &k name\n*k : v\n", "{\"k\": \"name\", \"name\": \"v\"}");

	/* the copy's root is where the alias is, so errors point there */
	r = parse("a: &x {b: 1}\nc:\n  - *x\n", err);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(ynode_map_get(r, "c")->items[0]->line, 3);
	ck_assert_uint_eq(ynode_map_get(r, "c")->items[0]->col, 5);
	ck_assert_int_eq(ynode_map_get(r, "c")->items[0]->kind, YNODE_MAP);
	ynode_free(r);

	/* unknown aliases, also one that names its own node */
	ck_assert_ptr_null(parse("a: 1\nb: *nope\n", err));
	ck_assert_msg(strncmp(err, "line 2, column 4: unknown alias '*nope'", 38) == 0, "%s", err);
	ck_assert_ptr_null(parse("a: &s [1, *s]\n", err));
	ck_assert_msg(strncmp(err, "line 1, column 11: unknown alias '*s'", 36) == 0, "%s", err);
	/* an alias key still counts for duplicates */
	ck_assert_ptr_null(parse("a: &k b\nb: 1\n*k : 2\n", err));
	ck_assert_msg(strncmp(err, "line 3, column 1: duplicate key 'b'", 35) == 0, "%s", err);
}
END_TEST

START_TEST(merge_keys)
{
	char err[256];

	/* explicit keys win over merged ones, before or after the merge */
	check_json("base: &b {a: 1, b: 2}\nx:\n  b: 3\n  <<: *b\ny:\n  <<: *b\n  b: 4\n",
	           "{\"base\": {\"a\": 1, \"b\": 2}, \"x\": {\"a\": 1, \"b\": 3}, \"y\": {\"a\": 1, \"b\": 4}}");
	/* a list of mappings: earlier ones win; inline mappings too */
	check_json("p: &p {a: 1}\nq: &q {a: 2, b: 2}\nx:\n  <<: [*p, *q, {c: 3}]\n",
	           "{\"p\": {\"a\": 1}, \"q\": {\"a\": 2, \"b\": 2}, \"x\": {\"a\": 1, \"b\": 2, \"c\": 3}}");
	/* an anchor inside a merge value stays usable */
	check_json("x:\n  <<: &m {a: 1}\ny: *m\n", "{\"x\": {\"a\": 1}, \"y\": {\"a\": 1}}");
	/* a quoted "<<" is an ordinary key */
	check_json("\"<<\": 1\n", "{\"<<\": 1}");
	/* only mappings merge */
	ck_assert_ptr_null(parse("s: &s [1]\nx:\n  <<: *s\n", err));
	ck_assert_msg(strncmp(err, "line 3, column 7: the merge key", 31) == 0, "%s", err);
	ck_assert_ptr_null(parse("x:\n  <<: 1\n", err));
	ck_assert_msg(strncmp(err, "line 2, column 7: the merge key", 31) == 0, "%s", err);
	/* explicit duplicates stay errors next to a merge */
	ck_assert_ptr_null(parse("b: &b {a: 1}\nx:\n  <<: *b\n  c: 1\n  c: 2\n", err));
	ck_assert_msg(strncmp(err, "line 5, column 3: duplicate key 'c'", 35) == 0, "%s", err);
}
END_TEST

START_TEST(alias_budget)
{
	static const char bomb[] =
		"a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
		"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
		"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
		"h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
		"i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
	char err[256];
	struct ylimits lim = ydoc_default_limits;

	/* billion laughs: stopped by the node budget, at the alias that
	 * crosses it: b to d make 12 330 nodes, each item of e 11 111 more,
	 * so the 8th one crosses 100 000 */
	ck_assert_ptr_null(parse(bomb, err));
	ck_assert_msg(strstr(err, "aliases expand to more than 100000 nodes") &&
	              strncmp(err, "line 5, column 36: ", 19) == 0, "%s", err);
	/* merge keys count too */
	lim.max_alias_nodes = 3;
	ck_assert_ptr_null(ydoc_parse("b: &b {x: 1, y: 2}\nc:\n  <<: *b\n", 31, &lim, err, sizeof err));
	ck_assert_msg(strncmp(err, "line 3, column 7: aliases expand to more than 3 nodes", 53) == 0, "%s", err);
	/* and by the nesting of aliases */
	lim.max_alias_nodes = 1000000;
	lim.max_alias_depth = 3;
	ck_assert_ptr_null(ydoc_parse(bomb, sizeof bomb - 1, &lim, err, sizeof err));
	ck_assert_msg(strncmp(err, "line 5, column 8: aliases nested more than 3 deep", 49) == 0, "%s", err);
	/* the depth cap holds for what aliases expand to */
	lim = ydoc_default_limits;
	lim.max_depth = 3;
	ck_assert_ptr_null(ydoc_parse("a: &a [[1]]\nb: [*a]\n", 20, &lim, err, sizeof err));
	ck_assert_msg(strncmp(err, "line 2, column 5: document nested too deeply", 44) == 0, "%s", err);
	/* a zero budget refuses aliases */
	lim = ydoc_default_limits;
	lim.max_alias_nodes = 0;
	ck_assert_ptr_null(ydoc_parse("a: &x [1]\nb: *x\n", 16, &lim, err, sizeof err));
	ck_assert_msg(strncmp(err, "line 2, column 4: aliases are not allowed", 41) == 0, "%s", err);
}
END_TEST

/* A big mapping: every key checked against every other, in linear time
 * (50 000 keys took 8 s when the check was quadratic). */
START_TEST(big_mapping)
{
	size_t n = 50000, cap = n * 16 + 32, len = 0;
	char *buf = malloc(cap), err[256];
	struct ylimits lim = ydoc_default_limits;
	struct ynode *r;

	ck_assert_ptr_nonnull(buf);
	lim.max_bytes = cap;
	lim.max_nodes = 2 * n + 10;
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "key%05zu: %05zu\n", i, i);
	r = ydoc_parse(buf, len, &lim, err, sizeof err);
	ck_assert_msg(r != NULL, "%s", err);
	ck_assert_uint_eq(ynode_map_size(r), n);
	ck_assert_str_eq(ynode_map_get(r, "key49999")->value, "49999");
	ynode_free(r);
	/* the same key again at the end, and a duplicate in the middle */
	len += (size_t)snprintf(buf + len, cap - len, "key00007: again\n");
	ck_assert_ptr_null(ydoc_parse(buf, len, &lim, err, sizeof err));
	ck_assert_msg(strncmp(err, "line 50001, column 1: duplicate key 'key00007'", 46) == 0, "%s", err);
	memcpy(buf + 16 * 30000, "key00003", 8);
	ck_assert_ptr_null(ydoc_parse(buf, len, &lim, err, sizeof err));
	ck_assert_msg(strncmp(err, "line 30001, column 1: duplicate key 'key00003'", 46) == 0, "%s", err);
	free(buf);
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
	tcase_add_test(tc, aliases);
	tcase_add_test(tc, merge_keys);
	tcase_add_test(tc, alias_budget);
	tcase_add_test(tc, big_mapping);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(suite());
}
