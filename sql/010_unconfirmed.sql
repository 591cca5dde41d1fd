-- A trigger whose outcome is unknown (no answer after it was sent, a 5xx, a
-- 201 that does not parse) may have made its pipeline: the action waits as
-- 'unconfirmed' until a complete read of the project's pipelines, made long
-- enough after the attempt, finds it (dispatched) or not (queued again).
ALTER TABLE actions DROP CONSTRAINT actions_state_check;
ALTER TABLE actions ADD CONSTRAINT actions_state_check
    CHECK (state IN ('queued', 'dispatching', 'unconfirmed', 'dispatched', 'failed'));
-- when the last attempt was claimed (before anything was sent)
ALTER TABLE actions ADD COLUMN last_attempt_at timestamptz;
-- when the last complete read of the project's pipelines started (the
-- database's clock): the watermark of the next read, and what decides
-- whether an unconfirmed attempt had time to show up
ALTER TABLE projects ADD COLUMN pipelines_read_at timestamptz;
CREATE INDEX actions_unconfirmed_idx ON actions (project_id) WHERE state = 'unconfirmed';
