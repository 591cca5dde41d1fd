-- GitLab projects (Grove repositories), their clusters and instances,
-- pipelines, the action outbox, webhook deliveries and sync runs.
-- Credentials are stored encrypted (crypto_secretbox with the key file:
-- nonce || box); webhook secrets only as SHA-256 (hex).

CREATE TABLE projects (
    id                  bigserial PRIMARY KEY,
    name                text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    gitlab_url          text NOT NULL CHECK (gitlab_url ~ '^https?://'),
    gitlab_project_id   bigint NOT NULL CHECK (gitlab_project_id > 0),
    description         text NOT NULL DEFAULT '',
    web_url             text,
    default_branch      text NOT NULL DEFAULT 'main',
    api_token_enc       bytea,
    trigger_token_enc   bytea,
    deploy_key_enc      bytea,
    webhook_secret_hash text NOT NULL CHECK (webhook_secret_hash ~ '^[0-9a-f]{64}$'),
    sync_requested      boolean NOT NULL DEFAULT true,
    last_sync_at        timestamptz,
    last_sync_error     text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (gitlab_url, gitlab_project_id)
);

CREATE TABLE clusters (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    provider            text NOT NULL DEFAULT 'other' CHECK (provider IN ('aws', 'digitalocean', 'other')),
    region              text,
    status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'active', 'archived', 'deleted')),
    online              boolean,
    online_checked_at   timestamptz,
    cluster_yml         text,
    cluster_parsed      jsonb,
    cluster_blob        text,
    max_node_count      integer,
    node_size           text,
    mysql_size          text,
    mongodb_size        text,
    links               jsonb NOT NULL DEFAULT '{}'::jsonb,
    openfaas_url        text,
    openfaas_credentials_enc bytea,
    last_error          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, name)
);

CREATE TABLE pipelines (
    id                  bigserial PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    gitlab_id           bigint NOT NULL,
    cluster_id          bigint REFERENCES clusters (id) ON DELETE SET NULL,
    instance_id         bigint,
    action_kind         text,
    status              text NOT NULL,
    ref                 text,
    sha                 text,
    web_url             text,
    message             text,
    created_at          timestamptz,
    started_at          timestamptz,
    finished_at         timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, gitlab_id)
);

CREATE TABLE instances (
    id                  bigserial PRIMARY KEY,
    cluster_id          bigint NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    name                text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_-]{0,49}$'),
    description         text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    state               text NOT NULL DEFAULT 'unknown'
                        CHECK (state IN ('create_pending', 'running', 'failure', 'update_pending',
                                         'archive_pending', 'archived', 'unarchive_pending',
                                         'delete_pending', 'deleted', 'unknown')),
    state_since         timestamptz NOT NULL DEFAULT now(),
    state_reason        text,
    state_action_id     bigint,
    state_pipeline_id   bigint REFERENCES pipelines (id) ON DELETE SET NULL,
    health              text NOT NULL DEFAULT 'unknown'
                        CHECK (health IN ('healthy', 'degraded', 'unreachable', 'unknown')),
    config_yml          text,
    config_parsed       jsonb,
    config_blob         text,
    grove_yml           text,
    grove_parsed        jsonb,
    grove_blob          text,
    pods                jsonb,
    pods_fetched_at     timestamptz,
    replication         jsonb,
    replication_fetched_at timestamptz,
    usage               jsonb,
    usage_fetched_at    timestamptz,
    latest_pipeline_id  bigint REFERENCES pipelines (id) ON DELETE SET NULL,
    last_error          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (cluster_id, name)
);
CREATE INDEX instances_state_name_idx ON instances (state, name, id);
CREATE INDEX instances_name_idx ON instances (name, id);
CREATE INDEX instances_updated_idx ON instances (updated_at DESC, id);

ALTER TABLE pipelines ADD FOREIGN KEY (instance_id) REFERENCES instances (id) ON DELETE SET NULL;
CREATE INDEX pipelines_instance_idx ON pipelines (instance_id, id DESC);
CREATE INDEX pipelines_status_idx ON pipelines (status, id DESC);

CREATE TABLE actions (
    id                  bigserial PRIMARY KEY,
    kind                text NOT NULL CHECK (kind IN ('create', 'update', 'archive', 'unarchive', 'delete',
                                                      'build-images', 'reprovision')),
    project_id          bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    cluster_id          bigint REFERENCES clusters (id) ON DELETE SET NULL,
    instance_id         bigint REFERENCES instances (id) ON DELETE SET NULL,
    instance_name       text NOT NULL,
    variables           jsonb NOT NULL DEFAULT '{}'::jsonb,
    requested_by        bigint REFERENCES users (id) ON DELETE SET NULL,
    idempotency_key     text,
    state               text NOT NULL DEFAULT 'queued'
                        CHECK (state IN ('queued', 'dispatching', 'dispatched', 'failed')),
    attempts            integer NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz NOT NULL DEFAULT now(),
    last_error          text,
    pipeline_id         bigint REFERENCES pipelines (id) ON DELETE SET NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (requested_by, idempotency_key)
);
CREATE INDEX actions_due_idx ON actions (next_attempt_at) WHERE state IN ('queued', 'dispatching');

CREATE TABLE webhook_deliveries (
    id                  bigserial PRIMARY KEY,
    idempotency_key     text NOT NULL UNIQUE,
    event_uuid          text,
    project_id          bigint REFERENCES projects (id) ON DELETE SET NULL,
    event               text,
    received_at         timestamptz NOT NULL DEFAULT now(),
    body                text,
    processed_at        timestamptz,
    error               text
);

CREATE TABLE sync_runs (
    id                  bigserial PRIMARY KEY,
    started_at          timestamptz NOT NULL DEFAULT now(),
    finished_at         timestamptz,
    projects            integer NOT NULL DEFAULT 0,
    requests            integer NOT NULL DEFAULT 0,
    files_fetched       integer NOT NULL DEFAULT 0,
    pipelines_upserted  integer NOT NULL DEFAULT 0,
    actions_sent        integer NOT NULL DEFAULT 0,
    errors              jsonb NOT NULL DEFAULT '[]'::jsonb
);
