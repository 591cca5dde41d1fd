#include "config.h"

#include <stdio.h>
#include <string.h>

#include "states.h"
#include "util.h"

/* Keep in step with the CHECK of instances.state (sql/) and
 * static/src/api/states.ts; tests compare them with this table. */
const struct instance_state instance_states[] = {
	{ "create_pending", 1 },
	{ "running", 0 },
	{ "failure", 0 },
	{ "update_pending", 1 },
	{ "archive_pending", 1 },
	{ "archived", 0 },
	{ "unarchive_pending", 1 },
	{ "delete_pending", 1 },
	{ "deleted", 0 },
	{ "unknown", 0 },
};
const size_t instance_state_count = ARRAY_SIZE(instance_states);

/* What each action sends and does (Grove's trigger variables).  An update
 * sends CONFIG_OVERRIDES instead of a trigger variable; create starts
 * from no instance (or a deleted one).  Cancelled before it reached
 * GitLab, an action leaves its instance as it found it; a create found
 * none, so the instance Ocim made for it is deleted (its name free again). */
const struct action_kind action_kinds[] = {
	{ "create", "NEW_INSTANCE_TRIGGER", "create_pending", "deleted", "running", "deleted" },
	{ "update", NULL, "update_pending", "running|failure", "running", NULL },
	{ "archive", "ARCHIVE_INSTANCE_TRIGGER", "archive_pending", "running|failure", "archived", NULL },
	{ "unarchive", "UNARCHIVE_INSTANCE_TRIGGER", "unarchive_pending", "archived", "running", NULL },
	{ "delete", "DELETE_INSTANCE_TRIGGER", "delete_pending", "running|failure|archived|unknown", "deleted", NULL },
	{ "build-images", "BUILD_IMAGES_TRIGGER", NULL, "running|failure", "running", NULL },
	{ "reprovision", "REPROVISION_INSTANCE_TRIGGER", "update_pending", "running|failure", "running", NULL },
};
const size_t action_kind_count = ARRAY_SIZE(action_kinds);

/* GitLab's pipeline statuses: still going, and final (failed ones last). */
static const char *const waiting_statuses[] = { "created", "waiting_for_resource", "preparing", "pending",
                                                "running", "scheduled", "manual" };
static const char *const final_statuses[] = { "success", "failed", "canceled", "skipped" };

const struct action_kind *
action_kind_find(const char *kind)
{
	for (size_t i = 0; kind != NULL && i < action_kind_count; i++)
		if (strcmp(action_kinds[i].kind, kind) == 0)
			return &action_kinds[i];
	return NULL;
}

int
action_may_start(const struct action_kind *k, const char *state)
{
	return k != NULL && state != NULL && list_has(k->from, state);
}

int
instance_state_valid(const char *name)
{
	for (size_t i = 0; name != NULL && i < instance_state_count; i++)
		if (strcmp(instance_states[i].name, name) == 0)
			return 1;
	return 0;
}

/* Joins the names of the states (only the pending ones, if asked) into
 * buf between open and close, separated by sep. */
static const char *
join_states(char *buf, size_t size, int pending_only, const char *open, const char *sep, const char *close)
{
	size_t len = (size_t)snprintf(buf, size, "%s", open);
	int first = 1;

	for (size_t i = 0; i < instance_state_count && len < size; i++) {
		if (pending_only && !instance_states[i].pending)
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s", first ? "" : sep, instance_states[i].name);
		first = 0;
	}
	if (len < size)
		snprintf(buf + len, size - len, "%s", close);
	return buf;
}

const char *
instance_state_list(void)
{
	static char buf[256];

	return buf[0] ? buf : join_states(buf, sizeof buf, 0, "", "|", "");
}

const char *
instance_pending_array(void)
{
	static char buf[256];

	return buf[0] ? buf : join_states(buf, sizeof buf, 1, "{", ",", "}");
}

const char *
pipeline_final_array(void)
{
	static char buf[128];
	size_t len;

	if (buf[0])
		return buf;
	len = (size_t)snprintf(buf, sizeof buf, "{");
	for (size_t i = 0; i < ARRAY_SIZE(final_statuses); i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? "," : "", final_statuses[i]);
	snprintf(buf + len, sizeof buf - len, "}");
	return buf;
}

int
pipeline_status_final(const char *status)
{
	for (size_t i = 0; status != NULL && i < ARRAY_SIZE(final_statuses); i++)
		if (strcmp(status, final_statuses[i]) == 0)
			return 1;
	return 0;
}

const char *
pipeline_next_state(const char *kind, const char *status, int *failed)
{
	const struct action_kind *k = action_kind_find(kind);

	*failed = 0;
	if (k == NULL || status == NULL)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(waiting_statuses); i++)
		if (strcmp(status, waiting_statuses[i]) == 0)
			return k->pending != NULL ? k->pending : "update_pending";
	if (strcmp(status, "success") == 0)
		return k->done;
	if (pipeline_status_final(status)) {
		*failed = 1;
		return "failure";
	}
	return NULL;        /* canceling and values GitLab may add later */
}

json_t *
states_json(void)
{
	json_t *states = json_array(), *kinds = json_array(), *out;

	for (size_t i = 0; i < instance_state_count; i++)
		json_array_append_new(states, json_pack("{s:s, s:b}", "name", instance_states[i].name, "pending",
		                                        instance_states[i].pending));
	for (size_t i = 0; i < action_kind_count; i++) {
		const struct action_kind *k = &action_kinds[i];
		json_t *from = json_array();

		for (size_t s = 0; s < instance_state_count; s++)
			if (action_may_start(k, instance_states[s].name))
				json_array_append_new(from, json_string(instance_states[s].name));
		json_array_append_new(kinds, json_pack("{s:s, s:s?, s:o, s:s, s:s?}", "kind", k->kind, "pending", k->pending,
		                                       "from", from, "done", k->done, "cancelled", k->cancelled));
	}
	out = json_pack("{s:o, s:o}", "states", states, "actions", kinds);
	return out;
}
