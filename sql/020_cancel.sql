-- An operator cancels an action that has not reached GitLab yet (queued):
-- it ends 'cancelled', with who did it and when, and its instance goes back
-- to the state it had before the action made it pending.  That state is
-- kept on the action when the action moves the instance (STMT_INSTANCE_PENDING),
-- since the instance row itself forgets it.
ALTER TABLE actions DROP CONSTRAINT actions_state_check;
ALTER TABLE actions ADD CONSTRAINT actions_state_check
    CHECK (state IN ('queued', 'dispatching', 'unconfirmed', 'dispatched', 'failed', 'cancelled'));
ALTER TABLE actions ADD COLUMN cancelled_by bigint REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE actions ADD COLUMN cancelled_at timestamptz;
-- deleting a user sets their cancels' cancelled_by to NULL: found by index
CREATE INDEX actions_cancelled_by_idx ON actions (cancelled_by) WHERE cancelled_by IS NOT NULL;
ALTER TABLE actions ADD CONSTRAINT actions_cancelled_check CHECK (state <> 'cancelled' OR cancelled_at IS NOT NULL);
-- the instance's state before this action made it pending (NULL: it did not)
ALTER TABLE actions ADD COLUMN prior_state text;
ALTER TABLE actions ADD COLUMN prior_state_since timestamptz;
ALTER TABLE actions ADD COLUMN prior_state_reason text;
ALTER TABLE actions ADD COLUMN prior_state_action_id bigint;

-- An action as the API shows it, in one place (GET /actions, /actions/{id},
-- a repeated request's answer and the cancel's).
CREATE FUNCTION ocim_action_json(a actions) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', a.id, 'kind', a.kind, 'project_id', a.project_id, 'cluster_id', a.cluster_id,
        'instance_id', a.instance_id, 'instance_name', a.instance_name, 'variables', a.variables,
        'requested_by', a.requested_by,
        'requested_by_email', (SELECT u.email FROM users u WHERE u.id = a.requested_by),
        'state', a.state, 'attempts', a.attempts, 'next_attempt_at', a.next_attempt_at, 'last_error', a.last_error,
        'pipeline_id', a.pipeline_id,
        'pipeline', (SELECT json_build_object('id', pl.id, 'gitlab_id', pl.gitlab_id, 'status', pl.status,
                                              'web_url', pl.web_url) FROM pipelines pl WHERE pl.id = a.pipeline_id),
        'cancelled_by', a.cancelled_by,
        'cancelled_by_email', (SELECT u.email FROM users u WHERE u.id = a.cancelled_by),
        'cancelled_at', a.cancelled_at,
        'created_at', a.created_at, 'updated_at', a.updated_at)
$$;
