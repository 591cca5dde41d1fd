/* The lifecycle table of states.c: its transitions, and the frontend's
 * copy of it (static/src/api/states.ts), which must match it. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/states.h"
#include "lib/util.h"
#include "tap.h"

static char *
read_source(const char *rel)
{
	const char *src = getenv("OCIM_SRCDIR");
	char path[4096], err[256];
	char *text = NULL;
	size_t len;

	snprintf(path, sizeof path, "%s/%s", src ? src : "..", rel);
	ck_assert_msg(read_file(path, 1 << 20, &text, &len, err, sizeof err) == 0, "%s", err);
	return text;
}

/* The quoted strings of the TypeScript array that follows marker, joined by '|'. */
static void
ts_list(const char *text, const char *marker, char *out, size_t size)
{
	const char *p = strstr(text, marker), *end;
	size_t len = 0;

	out[0] = '\0';
	ck_assert_msg(p != NULL, "%s not found in static/src/api/states.ts", marker);
	p = strchr(p + strlen(marker), '[');
	end = p ? strchr(p, ']') : NULL;
	ck_assert_msg(p != NULL && end != NULL, "%s is not an array", marker);
	while ((p = strchr(p, '"')) != NULL && p < end) {
		const char *q = strchr(p + 1, '"');

		ck_assert(q != NULL);
		len += (size_t)snprintf(out + len, size - len, "%s%.*s", len ? "|" : "", (int)(q - p - 1), p + 1);
		p = q + 1;
	}
}

START_TEST(frontend_states_match)
{
	char *text = read_source("static/src/api/states.ts");
	char got[512], want[512] = "", pending[512] = "";
	size_t len = 0, plen = 0;

	for (size_t i = 0; i < instance_state_count; i++) {
		len += (size_t)snprintf(want + len, sizeof want - len, "%s%s", i ? "|" : "", instance_states[i].name);
		if (instance_states[i].pending)
			plen += (size_t)snprintf(pending + plen, sizeof pending - plen, "%s%s", plen ? "|" : "",
			                         instance_states[i].name);
	}
	ts_list(text, "INSTANCE_STATES =", got, sizeof got);
	ck_assert_str_eq(got, want);
	ts_list(text, "PENDING_STATES: readonly InstanceState[] =", got, sizeof got);
	ck_assert_str_eq(got, pending);
	ck_assert_str_eq(want, instance_state_list());
	free(text);
}
END_TEST

START_TEST(frontend_actions_match)
{
	char *text = read_source("static/src/api/states.ts");

	for (size_t i = 0; i < action_kind_count; i++) {
		const struct action_kind *k = &action_kinds[i];
		char marker[64], got[256], want[256] = "";
		size_t len = 0;

		if (strcmp(k->kind, "create") == 0)
			continue;       /* its own form */
		snprintf(marker, sizeof marker, strchr(k->kind, '-') ? "\"%s\":" : "  %s:", k->kind);
		ts_list(text, marker, got, sizeof got);
		for (size_t s = 0; s < instance_state_count; s++)
			if (action_may_start(k, instance_states[s].name))
				len += (size_t)snprintf(want + len, sizeof want - len, "%s%s", len ? "|" : "",
				                        instance_states[s].name);
		ck_assert_msg(strcmp(got, want) == 0, "%s: the frontend says %s, states.c %s", k->kind, got, want);
	}
	free(text);
}
END_TEST

START_TEST(transitions)
{
	int failed;

	ck_assert(action_may_start(action_kind_find("archive"), "running"));
	ck_assert(!action_may_start(action_kind_find("archive"), "archived"));
	ck_assert(!action_may_start(action_kind_find("archive"), "archive_pending"));
	ck_assert(!action_may_start(action_kind_find("unarchive"), "run"));     /* no prefix matches */
	ck_assert(!action_may_start(NULL, "running"));
	ck_assert(action_kind_find("refresh") == NULL);
	ck_assert_str_eq(pipeline_next_state("archive", "running", &failed), "archive_pending");
	ck_assert_int_eq(failed, 0);
	ck_assert_str_eq(pipeline_next_state("archive", "success", &failed), "archived");
	ck_assert_str_eq(pipeline_next_state("delete", "success", &failed), "deleted");
	ck_assert_str_eq(pipeline_next_state("unarchive", "success", &failed), "running");
	ck_assert_str_eq(pipeline_next_state("update", "canceled", &failed), "failure");
	ck_assert_int_eq(failed, 1);
	ck_assert_ptr_null(pipeline_next_state("update", "canceling", &failed));
	ck_assert_ptr_null(pipeline_next_state(NULL, "success", &failed));
	ck_assert(pipeline_status_final("skipped"));
	ck_assert(!pipeline_status_final("running"));
	ck_assert_str_eq(pipeline_final_array(), "{success,failed,canceled,skipped}");
	ck_assert_str_eq(instance_pending_array(),
	                 "{create_pending,update_pending,archive_pending,unarchive_pending,delete_pending}");
	/* every pending state of an action is a pending state of the table */
	for (size_t i = 0; i < action_kind_count; i++) {
		const char *p = action_kinds[i].pending;

		if (p == NULL)
			continue;
		for (size_t s = 0; s < instance_state_count; s++)
			if (strcmp(instance_states[s].name, p) == 0)
				ck_assert(instance_states[s].pending);
	}
	/* a cancel leaves a state that waits for nothing, and only a kind
	 * that moves the instance has one to leave */
	for (size_t i = 0; i < action_kind_count; i++) {
		const char *c = action_kinds[i].cancelled;

		if (c == NULL)
			continue;
		ck_assert_ptr_nonnull(action_kinds[i].pending);
		ck_assert_msg(instance_state_valid(c), "%s: cancelled state %s", action_kinds[i].kind, c);
		for (size_t s = 0; s < instance_state_count; s++)
			if (strcmp(instance_states[s].name, c) == 0)
				ck_assert(!instance_states[s].pending);
	}
	ck_assert_str_eq(action_kind_find("create")->cancelled, "deleted");
	ck_assert_ptr_null(action_kind_find("update")->cancelled);
	ck_assert(list_has(ACTION_STATES, "cancelled"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("states");
	TCase *tc = tcase_create("states");

	tcase_add_test(tc, frontend_states_match);
	tcase_add_test(tc, frontend_actions_match);
	tcase_add_test(tc, transitions);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
