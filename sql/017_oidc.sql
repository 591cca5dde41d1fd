-- OpenID Connect sign-in (sign in with Google, or another provider).

-- A sign-in under way: made when the browser leaves for the provider,
-- consumed (once) by the callback.  The browser holds the state in a
-- short-lived cookie; only its SHA-256 is here.  The nonce and the PKCE
-- verifier never leave this row except towards the provider.
CREATE TABLE oidc_logins (
    id              bigserial PRIMARY KEY,
    state_hash      text NOT NULL UNIQUE CHECK (state_hash ~ '^[0-9a-f]{64}$'),
    provider        text NOT NULL CHECK (length(provider) BETWEEN 1 AND 64),
    nonce           text NOT NULL CHECK (length(nonce) BETWEEN 16 AND 128),
    code_verifier   text NOT NULL CHECK (length(code_verifier) BETWEEN 43 AND 128),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz
);
CREATE INDEX oidc_logins_expires_idx ON oidc_logins (expires_at);

-- An account's link to a provider's subject: made the first time the
-- verified email of an ID token matched the account (or its invite);
-- later sign-ins go by (provider, sub), whatever the email says then.
CREATE TABLE oidc_links (
    provider        text NOT NULL CHECK (length(provider) BETWEEN 1 AND 64),
    subject         text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email           text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    PRIMARY KEY (provider, subject),
    UNIQUE (provider, user_id)
);
CREATE INDEX oidc_links_user_idx ON oidc_links (user_id);

-- The provider's discovery document and JWKS, as last fetched: shared by
-- every responder, refreshed when old or when a token names an unknown key.
CREATE TABLE oidc_cache (
    provider        text PRIMARY KEY CHECK (length(provider) BETWEEN 1 AND 64),
    issuer          text NOT NULL,
    discovery       jsonb NOT NULL,
    jwks            jsonb NOT NULL,
    fetched_at      timestamptz NOT NULL DEFAULT now()
);
