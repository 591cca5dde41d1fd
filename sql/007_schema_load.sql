-- The schema under load (measured with bench/schema.py at 50 000 instances).
--
-- 1. Every foreign key gets an index on its referencing side.  Deleting or
--    nulling a referenced row makes PostgreSQL look for its referencing
--    rows once per row: without an index that is a scan of the whole
--    table each time.  Deleting a project with 2 000 pipelines scanned the
--    50 000 instances twice per pipeline (latest_pipeline_id,
--    state_pipeline_id) and the actions once per pipeline and per instance.
--    The pipeline trigger below looked for the instances of each updated
--    pipeline the same way.  Two indexes also serve the lists: pipelines
--    of a cluster and actions of an instance, newest first.
--    (CREATE INDEX, not CONCURRENTLY, which a transaction cannot run: each
--    table is closed to writes for the seconds its index takes to build.)
-- 2. An update that changes nothing but updated_at keeps the old
--    updated_at: the statements set updated_at = now() whatever they
--    change, and ocim-sync upserts every pipeline and instance it reads,
--    changed or not.  updated_at now says when the row last changed.
-- 3. The list_json triggers fire only when a column the list form shows
--    changed.  A pipeline upserted unchanged rewrote its instance and
--    rebuilt its list form; a cluster synced unchanged (SET provider =
--    coalesce(...)) rewrote every instance of the cluster.  The columns
--    named in the WHEN clauses are those ocim_instance_list_json() reads
--    (tests/integration/fleet checks that they match).

CREATE INDEX instances_latest_pipeline_idx ON instances (latest_pipeline_id);
CREATE INDEX instances_state_pipeline_idx ON instances (state_pipeline_id);
CREATE INDEX pipelines_cluster_idx ON pipelines (cluster_id, id DESC);
CREATE INDEX actions_project_idx ON actions (project_id);
CREATE INDEX actions_cluster_idx ON actions (cluster_id);
CREATE INDEX actions_instance_idx ON actions (instance_id, id DESC);
CREATE INDEX actions_pipeline_idx ON actions (pipeline_id);
CREATE INDEX webhook_deliveries_project_idx ON webhook_deliveries (project_id);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);
CREATE INDEX invites_invited_by_idx ON invites (invited_by);
CREATE INDEX invites_accepted_user_idx ON invites (accepted_user);

-- BEFORE UPDATE, when updated_at changes: when the new row differs from
-- the old one in updated_at alone, the old updated_at stays.  *= compares
-- the stored bytes, so it works for every column type (json has no =
-- operator) and a value that only looks the same counts as a change, never
-- the reverse.
CREATE FUNCTION ocim_keep_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    o record;
BEGIN
    o := OLD;
    o.updated_at := NEW.updated_at;
    IF o *= NEW THEN
        NEW.updated_at := OLD.updated_at;
    END IF;
    RETURN NEW;
END
$$;

-- BEFORE triggers fire in the order of their names: on instances this one
-- must come before instances_list_json_update, which copies updated_at.
CREATE TRIGGER projects_keep_updated_at BEFORE UPDATE ON projects
    FOR EACH ROW WHEN (OLD.updated_at IS DISTINCT FROM NEW.updated_at)
    EXECUTE FUNCTION ocim_keep_updated_at();
CREATE TRIGGER clusters_keep_updated_at BEFORE UPDATE ON clusters
    FOR EACH ROW WHEN (OLD.updated_at IS DISTINCT FROM NEW.updated_at)
    EXECUTE FUNCTION ocim_keep_updated_at();
CREATE TRIGGER pipelines_keep_updated_at BEFORE UPDATE ON pipelines
    FOR EACH ROW WHEN (OLD.updated_at IS DISTINCT FROM NEW.updated_at)
    EXECUTE FUNCTION ocim_keep_updated_at();
CREATE TRIGGER instances_keep_updated_at BEFORE UPDATE ON instances
    FOR EACH ROW WHEN (OLD.updated_at IS DISTINCT FROM NEW.updated_at)
    EXECUTE FUNCTION ocim_keep_updated_at();
CREATE TRIGGER actions_keep_updated_at BEFORE UPDATE ON actions
    FOR EACH ROW WHEN (OLD.updated_at IS DISTINCT FROM NEW.updated_at)
    EXECUTE FUNCTION ocim_keep_updated_at();

-- The same list form, in PL/pgSQL: the trigger calls it once per row, and
-- a LANGUAGE sql function that cannot be inlined there is parsed and
-- planned again in every transaction, where PL/pgSQL keeps its plan for
-- the session (ocim-sync upserts one pipeline per transaction).
CREATE OR REPLACE FUNCTION ocim_instance_list_json(i instances) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT row_to_json(r) FROM (
        SELECT i.id, i.name, i.cluster_id, c.name AS cluster_name, c.project_id, c.provider,
               i.description, i.state, i.state_since, i.state_reason, i.health, i.last_error,
               i.updated_at,
               (SELECT row_to_json(lp) FROM (
                    SELECT p.id, p.gitlab_id, p.status, p.action_kind, p.ref, p.web_url,
                           p.created_at, p.finished_at, p.updated_at
                    FROM pipelines p WHERE p.id = i.latest_pipeline_id) lp) AS latest_pipeline
        FROM clusters c WHERE c.id = i.cluster_id) r);
END
$$;

-- The list form of an instance: built on insert, and on update when it
-- was cleared (a cluster or the latest pipeline changed) or a column it
-- shows changed.
DROP TRIGGER instances_list_json ON instances;
CREATE TRIGGER instances_list_json BEFORE INSERT ON instances
    FOR EACH ROW EXECUTE FUNCTION ocim_instances_list_json_row();
CREATE TRIGGER instances_list_json_update BEFORE UPDATE ON instances
    FOR EACH ROW
    WHEN (NEW.list_json IS NULL
          OR (OLD.id, OLD.name, OLD.cluster_id, OLD.description, OLD.state, OLD.state_since,
              OLD.state_reason, OLD.health, OLD.last_error, OLD.updated_at, OLD.latest_pipeline_id)
             IS DISTINCT FROM
             (NEW.id, NEW.name, NEW.cluster_id, NEW.description, NEW.state, NEW.state_since,
              NEW.state_reason, NEW.health, NEW.last_error, NEW.updated_at, NEW.latest_pipeline_id))
    EXECUTE FUNCTION ocim_instances_list_json_row();

DROP TRIGGER clusters_list_json ON clusters;
CREATE TRIGGER clusters_list_json AFTER UPDATE ON clusters
    FOR EACH ROW
    WHEN ((OLD.id, OLD.name, OLD.provider, OLD.project_id)
          IS DISTINCT FROM (NEW.id, NEW.name, NEW.provider, NEW.project_id))
    EXECUTE FUNCTION ocim_clusters_list_json();

DROP TRIGGER pipelines_list_json ON pipelines;
CREATE TRIGGER pipelines_list_json AFTER UPDATE ON pipelines
    FOR EACH ROW
    WHEN ((OLD.id, OLD.gitlab_id, OLD.status, OLD.action_kind, OLD.ref, OLD.web_url, OLD.created_at,
           OLD.finished_at, OLD.updated_at)
          IS DISTINCT FROM
          (NEW.id, NEW.gitlab_id, NEW.status, NEW.action_kind, NEW.ref, NEW.web_url, NEW.created_at,
           NEW.finished_at, NEW.updated_at))
    EXECUTE FUNCTION ocim_pipelines_list_json();
