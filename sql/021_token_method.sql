-- How an API token was made: in a password session or one opened through
-- an OpenID Connect provider (#13).  A domain rule that requires a provider
-- revokes its users' password-made tokens with their password sessions, so
-- a password known before the rule leaves nothing that still works.  Tokens
-- made before this migration count as password-made: a rule revokes them.
ALTER TABLE api_tokens ADD COLUMN method text NOT NULL DEFAULT 'password'
    CHECK (method IN ('password', 'oidc'));
