-- Email domains whose users must sign in through OpenID Connect (#13):
-- no password login, no reset link for an address of such a domain.

-- The domain part of an email address, in lower case ('' when none): the
-- one spelling shared by the rules, the login and the reset request.
CREATE FUNCTION email_domain(email text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT coalesce(lower(substring(email FROM '@([^@]+)$')), '') $$;

-- An exact domain (a subdomain needs a rule of its own); providers names
-- the oidc.providers that may be used, none: any configured one.
CREATE TABLE oidc_domain_rules (
    domain          text PRIMARY KEY CHECK (length(domain) BETWEEN 3 AND 253 AND domain = lower(domain)
                                            AND domain ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$'),
    providers       text[] NOT NULL DEFAULT '{}' CHECK (cardinality(providers) <= 8),
    created_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
-- deleting a user finds the rules it made without a scan
CREATE INDEX oidc_domain_rules_created_by_idx ON oidc_domain_rules (created_by);

-- How a session was opened: adding a rule ends the password sessions of
-- its domain and leaves those opened through a provider.
ALTER TABLE sessions ADD COLUMN method text NOT NULL DEFAULT 'password'
    CHECK (method IN ('password', 'oidc'));

-- A user's ways in, for the admin's list: whether a password is set, each
-- provider linked (with the last sign-in through it) and the domain rule
-- that applies, or null.
CREATE FUNCTION user_sign_in(uid bigint, email text, password_hash text) RETURNS json
    LANGUAGE sql STABLE
    AS $$
    SELECT json_build_object(
        'password', password_hash NOT LIKE '!%',
        'oidc', (SELECT coalesce(json_agg(json_build_object('provider', l.provider, 'email', l.email,
                                                              'linked_at', l.created_at, 'last_used_at', l.last_used_at)
                                           ORDER BY l.provider), '[]')
                 FROM oidc_links l WHERE l.user_id = uid),
        'oidc_required', (SELECT json_build_object('domain', r.domain, 'providers', to_json(r.providers))
                          FROM oidc_domain_rules r WHERE r.domain = email_domain(email)))
    $$;
