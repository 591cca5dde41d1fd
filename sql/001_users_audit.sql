-- Users and the audit log.

CREATE TABLE users (
    id              bigserial PRIMARY KEY,
    email           text NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND position('@' IN email) > 1),
    display_name    text NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),
    password_hash   text NOT NULL,
    is_admin        boolean NOT NULL DEFAULT false,
    is_active       boolean NOT NULL DEFAULT true,
    failed_logins   integer NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_login_at   timestamptz
);
-- email is unique without regard to case
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    user_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    address     inet,
    action      text NOT NULL,
    object      text,
    details     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, at DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC);
