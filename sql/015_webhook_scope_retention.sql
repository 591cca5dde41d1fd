-- Webhook deliveries and bounded storage (issue 11).
--
-- A delivery's key (Idempotency-Key, X-Gitlab-Event-UUID or the body's
-- hash) is unique within its project only, and claimed only once the
-- delivery's token matched: nobody can claim a project's key in advance.
-- Deliveries recorded before this (without a project: unauthenticated, or
-- of a project deleted since) are nobody's and go.
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_idempotency_key_key;
DELETE FROM webhook_deliveries WHERE project_id IS NULL;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_project_key_key UNIQUE (project_id, idempotency_key);
-- the unique index above leads with project_id
DROP INDEX webhook_deliveries_project_idx;

-- ocim-sync purges what outlived its retention (the retention section of
-- the configuration), oldest first, in batches: these find them.
CREATE INDEX webhook_deliveries_received_idx ON webhook_deliveries (received_at);
CREATE INDEX webhook_deliveries_body_idx ON webhook_deliveries (received_at) WHERE body IS NOT NULL;
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
CREATE INDEX sessions_seen_idx ON sessions (last_seen_at);
CREATE INDEX password_resets_expires_idx ON password_resets (expires_at);
CREATE INDEX invites_expires_idx ON invites (expires_at);
CREATE INDEX sync_runs_started_idx ON sync_runs (started_at) WHERE finished_at IS NOT NULL;
