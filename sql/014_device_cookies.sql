-- Lockout with device cookies (OWASP, "Slow Down Online Guessing Attacks
-- with Device Cookies").  A successful login gives the browser a device
-- cookie bound to the account; only its SHA-256 is stored here.  Failed
-- logins from a client with a valid device cookie count against that cookie
-- alone; failures from every other client count against the account
-- (users.failed_logins, users.locked_until), which then locks out only
-- clients without a device cookie.  Both back off: past
-- auth.lock_after_failures, each failure doubles the wait, up to
-- auth.lock_seconds.

CREATE TABLE device_cookies (
    id              bigserial PRIMARY KEY,
    token_hash      text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    failed_logins   integer NOT NULL DEFAULT 0,
    last_failed_at  timestamptz,
    locked_until    timestamptz
);
CREATE INDEX device_cookies_user_idx ON device_cookies (user_id);

-- failures older than a day are forgotten (the count starts again)
ALTER TABLE users ADD COLUMN last_failed_at timestamptz;
