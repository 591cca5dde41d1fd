-- Sessions, invites, password resets and API tokens.  Only SHA-256 hashes
-- of tokens are stored (64 hex digits); the tokens themselves live in the
-- cookie, the link or the caller's hands.

CREATE TABLE sessions (
    id              bigserial PRIMARY KEY,
    token_hash      text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    user_agent      text CHECK (length(user_agent) <= 512),
    address         inet
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE invites (
    id              bigserial PRIMARY KEY,
    token_hash      text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    email           text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    is_admin        boolean NOT NULL DEFAULT false,
    invited_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    accepted_at     timestamptz,
    accepted_user   bigint REFERENCES users (id) ON DELETE SET NULL,
    revoked_at      timestamptz
);

CREATE TABLE password_resets (
    id              bigserial PRIMARY KEY,
    token_hash      text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz
);

CREATE TABLE api_tokens (
    id              bigserial PRIMARY KEY,
    token_hash      text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    revoked_at      timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);
