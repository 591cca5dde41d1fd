-- Case-insensitive substring filters on cluster and instance names
-- (ILIKE '%text%'): trigram indexes keep them fast with thousands of rows,
-- where a b-tree on the name cannot help a match in the middle.  pg_trgm
-- ships with Debian's postgresql-15 and is a trusted extension: the
-- database's owner (ocim) may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX instances_name_trgm_idx ON instances USING gin (name gin_trgm_ops);
CREATE INDEX clusters_name_trgm_idx ON clusters USING gin (name gin_trgm_ops);
-- a bare configuration key ("has this key"): jsonb ? key
CREATE INDEX instances_config_keys_idx ON instances USING gin (config_parsed jsonb_ops);
CREATE INDEX instances_grove_keys_idx ON instances USING gin (grove_parsed jsonb_ops);
-- the audit log by object ("instance:12"), newest first
CREATE INDEX audit_log_object_idx ON audit_log (object, id DESC);
-- the pipelines page by time, newest first
CREATE INDEX pipelines_created_idx ON pipelines (created_at DESC, id DESC);
