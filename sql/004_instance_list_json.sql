-- The list form of each instance, kept ready in the row: the instance list is
-- the hottest query, and building 50 JSON objects (with the cluster and the
-- latest pipeline) on every request cost more than finding them.  Triggers
-- keep it current whenever the instance, its cluster or its latest
-- pipeline changes.

ALTER TABLE instances ADD COLUMN list_json json;

CREATE FUNCTION ocim_instance_list_json(i instances) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', i.id, 'name', i.name, 'cluster_id', i.cluster_id, 'cluster_name', c.name,
        'project_id', c.project_id, 'provider', c.provider, 'description', i.description,
        'state', i.state, 'state_since', i.state_since, 'state_reason', i.state_reason,
        'health', i.health, 'last_error', i.last_error, 'updated_at', i.updated_at,
        'latest_pipeline', (SELECT json_build_object('id', p.id, 'gitlab_id', p.gitlab_id,
                                'status', p.status, 'action_kind', p.action_kind, 'ref', p.ref,
                                'web_url', p.web_url, 'created_at', p.created_at,
                                'finished_at', p.finished_at, 'updated_at', p.updated_at)
                            FROM pipelines p WHERE p.id = i.latest_pipeline_id))
    FROM clusters c WHERE c.id = i.cluster_id
$$;

CREATE FUNCTION ocim_instances_list_json_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.list_json := ocim_instance_list_json(NEW);
    RETURN NEW;
END
$$;

CREATE TRIGGER instances_list_json BEFORE INSERT OR UPDATE ON instances
    FOR EACH ROW EXECUTE FUNCTION ocim_instances_list_json_row();

CREATE FUNCTION ocim_clusters_list_json() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE instances SET list_json = NULL WHERE cluster_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER clusters_list_json AFTER UPDATE OF name, provider, project_id ON clusters
    FOR EACH ROW EXECUTE FUNCTION ocim_clusters_list_json();

CREATE FUNCTION ocim_pipelines_list_json() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE instances SET list_json = NULL WHERE latest_pipeline_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER pipelines_list_json AFTER UPDATE ON pipelines
    FOR EACH ROW EXECUTE FUNCTION ocim_pipelines_list_json();

UPDATE instances SET list_json = NULL;
ALTER TABLE instances ALTER COLUMN list_json SET NOT NULL;
