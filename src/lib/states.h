/* The lifecycle of an instance, in one table: its states, the actions an
 * operator starts (what each sends, which states it starts from, the state
 * it waits in) and what a pipeline of each kind does to the instance.
 * Everything else reads it: the action handlers, the webhook and ocim-sync,
 * the pending timeout, the API's filter and GET /api/v1/instance-states.
 * Tests check the SQL CHECK of instances.state and the frontend's list
 * (static/src/api/states.ts) against it. */
#ifndef OCIM_STATES_H
#define OCIM_STATES_H

#include <stddef.h>

#include <jansson.h>

struct instance_state {
	const char *name;
	int pending;                    /* waiting for a pipeline */
};

struct action_kind {
	const char *kind;
	const char *trigger;            /* Grove's variable set to "1", or NULL */
	const char *pending;            /* the state while its pipeline runs, or NULL */
	const char *from;               /* the states it may start from, |-separated */
	const char *done;               /* the state its successful pipeline leaves */
	const char *cancelled;          /* the state a cancel before GitLab leaves, or
	                                 * NULL: back to the state it started from */
};

/* The states of an action (the outbox), |-separated. */
#define ACTION_STATES "queued|dispatching|unconfirmed|dispatched|failed|cancelled"

extern const struct instance_state instance_states[];
extern const size_t instance_state_count;
extern const struct action_kind action_kinds[];
extern const size_t action_kind_count;

/* The kind's entry, or NULL. */
const struct action_kind *action_kind_find(const char *kind);

/* Whether an action of kind k may start on an instance in state. */
int action_may_start(const struct action_kind *k, const char *state);

/* Whether name is an instance state. */
int instance_state_valid(const char *name);

/* The states as "a|b|c" (for messages and filters). */
const char *instance_state_list(void);

/* PostgreSQL array literals: the pending states, and the pipeline statuses
 * that are final (a pipeline in one never goes back to a waiting one). */
const char *instance_pending_array(void);
const char *pipeline_final_array(void);

/* Whether a pipeline status is final (success, failed, canceled, skipped). */
int pipeline_status_final(const char *status);

/* The state an instance takes when a pipeline of kind reaches status, or
 * NULL for no change; *failed says whether that is a failure. */
const char *pipeline_next_state(const char *kind, const char *status, int *failed);

/* The whole table as JSON (GET /api/v1/instance-states). */
json_t *states_json(void);

#endif
