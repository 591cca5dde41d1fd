#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "util.h"

struct stmt_def {
	const char *name;
	const char *sql;
	int replan;     /* optional filters ($n IS NULL OR ...): plan every call */
	int ncols;      /* the width of its rows when they are read by position (db.h), else 0 */
};

/* A failure counted with backoff (users and device_cookies have the same
 * columns): failures older than a day are forgotten; from the $2-th on,
 * each one locks for $3 seconds doubled per failure past $2, $4 at most. */
#define BACKOFF_COUNT \
	"(CASE WHEN last_failed_at IS NULL OR last_failed_at < now() - interval '1 day' " \
	"THEN 0 ELSE failed_logins END + 1)"
#define BACKOFF_SQL \
	"failed_logins = " BACKOFF_COUNT ", last_failed_at = now(), " \
	"locked_until = CASE WHEN " BACKOFF_COUNT " >= $2::int THEN now() + make_interval(secs => " \
	"least($3::float8 * power(2, least(" BACKOFF_COUNT " - $2::int, 30)), $4::float8)) END"

/* Every SQL statement Ocim runs, in one place. */
static const struct stmt_def stmts[STMT__COUNT] = {
	[STMT_PING] = { "ping", "SELECT 1", 0 },
	[STMT_CHANGE_CLOCK] = { "change_clock", "SELECT version FROM change_clock", 0 },
	[STMT_MIGRATION_LIST] = { "migration_list",
		"SELECT version, checksum FROM schema_migrations ORDER BY version", 0 },
	[STMT_MIGRATION_RECORD] = { "migration_record",
		"INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)", 0 },
	/* migrations run as long as they need but wait for locks $1 ms at most */
	[STMT_MIGRATION_SETTINGS] = { "migration_settings",
		"SELECT set_config('statement_timeout', '0', false), set_config('lock_timeout', $1, false)", 0 },
	[STMT_USER_INSERT] = { "user_insert",
		"INSERT INTO users (email, display_name, password_hash, role, can_reprovision) "
		"VALUES ($1, $2, $3, $4, coalesce($5::boolean, false)) RETURNING id", 0 },
	[STMT_AUDIT_INSERT] = { "audit_insert",
		"INSERT INTO audit_log (user_id, address, action, object, details) "
		"VALUES ($1::bigint, $2::inet, $3, $4, $5::jsonb)", 0 },
	[STMT_USER_BY_EMAIL] = { "user_by_email",
		"SELECT id, password_hash, is_active, coalesce(locked_until > now(), false), "
		"is_admin, email, display_name FROM users WHERE lower(email) = lower($1)", 0, LOGIN__COLS },
	/* counts a failure of the account's unknown clients (those without a
	 * device cookie for it); $2 failures before a lock, $3 the first lock in
	 * seconds, doubled at each further failure, $4 the longest (BACKOFF_SQL) */
	[STMT_LOGIN_FAILED] = { "login_failed",
		"UPDATE users SET " BACKOFF_SQL " WHERE id = $1::bigint "
		"RETURNING failed_logins, coalesce(ceil(extract(epoch FROM locked_until - now())), 0)::bigint", 0, FAIL__COLS },
	/* $2: a login from a device cookie leaves the count of unknown clients alone */
	[STMT_LOGIN_OK] = { "login_ok",
		"UPDATE users SET failed_logins = CASE WHEN $2::boolean THEN failed_logins ELSE 0 END, "
		"locked_until = CASE WHEN $2::boolean THEN locked_until END, "
		"last_failed_at = CASE WHEN $2::boolean THEN last_failed_at END, last_login_at = now() "
		"WHERE id = $1::bigint", 0 },
	/* device cookies (sql/014_device_cookies.sql): $1 hash, $2 the account */
	[STMT_DEVICE_LOOKUP] = { "device_lookup",
		"SELECT id, coalesce(locked_until > now(), false) FROM device_cookies "
		"WHERE token_hash = $1 AND user_id = $2::bigint AND expires_at > now()", 0, DEVICE__COLS },
	/* $3 seconds it lives; the account's expired ones go at the same time,
	 * and all but its 49 last used: an account keeps 50 at most, however
	 * many cookie-less clients (scripts) log in */
	[STMT_DEVICE_INSERT] = { "device_insert",
		"WITH gone AS (DELETE FROM device_cookies WHERE user_id = $2::bigint AND (expires_at <= now() "
		"  OR id NOT IN (SELECT id FROM device_cookies WHERE user_id = $2::bigint AND expires_at > now() "
		"  ORDER BY last_used_at DESC, id DESC LIMIT 49))) "
		"INSERT INTO device_cookies (token_hash, user_id, expires_at) "
		"VALUES ($1, $2::bigint, now() + make_interval(secs => $3::int))", 0 },
	[STMT_DEVICE_OK] = { "device_ok",
		"UPDATE device_cookies SET failed_logins = 0, last_failed_at = NULL, locked_until = NULL, "
		"last_used_at = now(), expires_at = now() + make_interval(secs => $2::int) WHERE id = $1::bigint", 0 },
	[STMT_DEVICE_FAILED] = { "device_failed",
		"UPDATE device_cookies SET " BACKOFF_SQL " WHERE id = $1::bigint "
		"RETURNING failed_logins, coalesce(ceil(extract(epoch FROM locked_until - now())), 0)::bigint", 0, FAIL__COLS },
	[STMT_SESSION_INSERT] = { "session_insert",
		"INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, user_agent, address, method) "
		"VALUES ($1, $2::bigint, $3, now() + make_interval(secs => $4::int), left($5, 512), $6::inet, $7)", 0 },
	/* a live session of an active user; the last column says it is due a touch */
	[STMT_SESSION_LOOKUP] = { "session_lookup",
		"SELECT s.id, u.id, u.email, u.display_name, u.role, s.csrf_token, "
		"s.last_seen_at < now() - interval '30 seconds', u.can_reprovision, false, "
		/* the projects a limited user sees; NULL: every project */
		"CASE WHEN u.role = 'admin' OR u.all_projects THEN NULL ELSE (SELECT coalesce(array_agg(m.project_id ORDER BY m.project_id), '{}') FROM project_members m WHERE m.user_id = u.id)::text END "
		"FROM sessions s JOIN users u ON u.id = s.user_id "
		"WHERE s.token_hash = $1 AND u.is_active "
		"AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => $2::int)", 0, CALLER__COLS },
	/* once every 30 s at most: a busy session does not write on every request */
	[STMT_SESSION_TOUCH] = { "session_touch",
		"UPDATE sessions SET last_seen_at = now() WHERE id = $1::bigint", 0 },
	[STMT_SESSION_DELETE] = { "session_delete",
		"DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id", 0 },
	[STMT_USER_PASSWORD_HASH] = { "user_password_hash",
		"SELECT password_hash, coalesce(locked_until > now(), false) FROM users WHERE id = $1::bigint", 0 },
	/* a password change, all in one: the new hash $2, the end of every
	 * session but $3, of every API token when $4, of every outstanding reset
	 * link; answers what ended (ENDED_*) */
	[STMT_PASSWORD_CHANGE] = { "password_change",
		"WITH u AS (UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL, "
		"  last_failed_at = NULL WHERE id = $1::bigint RETURNING id, email), "
		"d AS (DELETE FROM sessions s USING u WHERE s.user_id = u.id AND s.id <> coalesce($3::bigint, 0) "
		"  RETURNING s.id), "
		"t AS (UPDATE api_tokens a SET revoked_at = now() FROM u "
		"  WHERE $4::boolean AND a.user_id = u.id AND a.revoked_at IS NULL RETURNING a.id), "
		"v AS (UPDATE password_resets p SET used_at = now() FROM u "
		"  WHERE p.user_id = u.id AND p.used_at IS NULL RETURNING p.id) "
		"SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM t), "
		"(SELECT count(*) FROM api_tokens a WHERE a.user_id = u.id AND a.revoked_at IS NULL AND NOT $4::boolean), "
		"(SELECT count(*) FROM v), u.id, u.email FROM u", 0, ENDED__COLS },
	[STMT_APITOKEN_LOOKUP] = { "apitoken_lookup",
		"SELECT t.id, u.id, u.email, u.display_name, u.role, NULL, "
		"t.last_used_at IS NULL OR t.last_used_at < now() - interval '30 seconds', u.can_reprovision, t.read_only, "
		"CASE WHEN u.role = 'admin' OR u.all_projects THEN NULL ELSE (SELECT coalesce(array_agg(m.project_id ORDER BY m.project_id), '{}') FROM project_members m WHERE m.user_id = u.id)::text END "
		"FROM api_tokens t JOIN users u ON u.id = t.user_id "
		"WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.is_active", 0, CALLER__COLS },
	[STMT_APITOKEN_TOUCH] = { "apitoken_touch",
		"UPDATE api_tokens SET last_used_at = now() WHERE id = $1::bigint", 0 },
	[STMT_APITOKEN_INSERT] = { "apitoken_insert",
		/* the token is made the way its maker signed in: session $5 or,
		 * made with a token, token $6 (sql/021_token_method.sql) */
		"INSERT INTO api_tokens (token_hash, user_id, name, read_only, method) VALUES ($1, $2::bigint, $3, $4::boolean, "
		"coalesce((SELECT method FROM sessions WHERE id = $5::bigint), "
		"(SELECT method FROM api_tokens WHERE id = $6::bigint), 'password')) "
		"RETURNING json_build_object('id', id, 'name', name, 'read_only', read_only, 'signed_in_with', method, "
		"'created_at', created_at)", 0 },
	[STMT_APITOKEN_LIST] = { "apitoken_list",
		"SELECT coalesce(json_agg(json_build_object('id', id, 'name', name, 'read_only', read_only, "
		"'signed_in_with', method, 'created_at', created_at, "
		"'last_used_at', last_used_at) ORDER BY id), '[]') "
		"FROM api_tokens WHERE user_id = $1::bigint AND revoked_at IS NULL", 0 },
	[STMT_APITOKEN_REVOKE] = { "apitoken_revoke",
		"UPDATE api_tokens SET revoked_at = now() "
		"WHERE id = $1::bigint AND user_id = $2::bigint AND revoked_at IS NULL RETURNING id", 0 },
	[STMT_RESET_INSERT] = { "reset_insert",
		"INSERT INTO password_resets (token_hash, user_id, expires_at) "
		"VALUES ($1, $2::bigint, now() + make_interval(secs => $3::int))", 0 },
	/* uses the link, voids the account's other outstanding links, sets the
	 * password, ends every session and every API token: all or nothing;
	 * answers what ended (ENDED_*), no row for an unknown, used or expired
	 * link or a deactivated account */
	[STMT_RESET_CONSUME] = { "reset_consume",
		"WITH r AS (UPDATE password_resets SET used_at = now() "
		"  WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING id, user_id), "
		"u AS (UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL, last_failed_at = NULL "
		"  FROM r WHERE users.id = r.user_id AND users.is_active "
		/* a link made before its domain required OIDC sets no password */
		"  AND NOT EXISTS (SELECT 1 FROM oidc_domain_rules d WHERE d.domain = email_domain(users.email)) "
		"  RETURNING users.id, users.email), "
		"v AS (UPDATE password_resets p SET used_at = now() FROM r, u "
		"  WHERE p.user_id = u.id AND p.id <> r.id AND p.used_at IS NULL RETURNING p.id), "
		"d AS (DELETE FROM sessions USING u WHERE sessions.user_id = u.id RETURNING sessions.id), "
		"t AS (UPDATE api_tokens a SET revoked_at = now() FROM u "
		"  WHERE a.user_id = u.id AND a.revoked_at IS NULL RETURNING a.id) "
		"SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM t), 0, (SELECT count(*) FROM v), u.id, u.email "
		"FROM u", 0, ENDED__COLS },
	/* A reset request does the same work whether or not the account exists
	 * (its timing tells nothing): one statement that inserts the link, its
	 * mail and the audit entry, the first two only for an active user
	 * whose domain does not require OIDC (sql/018: no reset link for them).
	 * $1 email, $2 token hash, $3 seconds the link lives, $4 subject, $5 the
	 * message without its To line (NULL: no mail), $6 the caller's address. */
	[STMT_RESET_REQUEST] = { "reset_request",
		"WITH u AS (SELECT id, email, EXISTS (SELECT 1 FROM oidc_domain_rules d "
		"  WHERE d.domain = email_domain(users.email)) AS oidc_only FROM users WHERE lower(email) = lower($1) AND is_active), "
		"r AS (INSERT INTO password_resets (token_hash, user_id, expires_at) "
		"  SELECT $2, id, now() + make_interval(secs => $3::int) FROM u WHERE NOT oidc_only), "
		"m AS (INSERT INTO mail_outbox (recipient, subject, message, expires_at) "
		"  SELECT email, $4, 'To: ' || email || E'\\r\\n' || $5, now() + make_interval(secs => $3::int) "
		"  FROM u WHERE $5::text IS NOT NULL AND NOT oidc_only), "
		"a AS (INSERT INTO audit_log (user_id, address, action, object, details) "
		"  SELECT (SELECT min(id) FROM u), $6::inet, 'password.reset_request', NULL, "
		"  CASE WHEN EXISTS (SELECT 1 FROM u WHERE oidc_only) THEN '{\"refused\": \"oidc_required\"}'::jsonb "
		"  WHEN EXISTS (SELECT 1 FROM u) THEN '{}'::jsonb ELSE jsonb_build_object('email', $1::text) END) "
		"SELECT 1", 0 },
	/* the mail outbox (sql/009_outbox.sql); $1 recipient, $2 subject, $3 the
	 * message without its To line, $4 seconds until its link expires (or NULL) */
	[STMT_MAIL_QUEUE] = { "mail_queue",
		"INSERT INTO mail_outbox (recipient, subject, message, expires_at) "
		"VALUES ($1, $2, 'To: ' || $1 || E'\\r\\n' || $3, now() + make_interval(secs => $4::int)) RETURNING id", 0 },
	/* claims the oldest due message for $1 seconds (committed before any
	 * delivery: no other sender sees it meanwhile); columns MAIL_COL_* */
	[STMT_MAIL_CLAIM] = { "mail_claim",
		"UPDATE mail_outbox o SET attempts = o.attempts + 1, next_attempt_at = now() + make_interval(secs => $1::int) "
		"WHERE o.id = (SELECT id FROM mail_outbox WHERE next_attempt_at <= now() "
		"  ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
		"RETURNING o.id, o.recipient, o.subject, o.message, o.attempts, coalesce(o.expires_at <= now(), false)", 0 },
	/* done: the message (a credential) is wiped */
	[STMT_MAIL_SENT] = { "mail_sent",
		"UPDATE mail_outbox SET sent_at = now(), next_attempt_at = NULL, last_error = NULL, message = NULL "
		"WHERE id = $1::bigint", 0 },
	/* $2 error, $3 attempts at most, $4 first backoff in seconds (doubled at
	 * each attempt, an hour at most), $5 give up now; answers whether it
	 * gave up */
	[STMT_MAIL_FAILED] = { "mail_failed",
		"UPDATE mail_outbox SET last_error = left($2, 500), "
		"next_attempt_at = CASE WHEN $5::boolean OR attempts >= $3::int THEN NULL "
		"  ELSE now() + make_interval(secs => least($4::int * power(2, least(attempts, 20) - 1), 3600)) END, "
		"message = CASE WHEN $5::boolean OR attempts >= $3::int THEN NULL ELSE message END "
		"WHERE id = $1::bigint RETURNING next_attempt_at IS NULL", 0 },
	[STMT_INVITE_INSERT] = { "invite_insert",
		"WITH i AS (INSERT INTO invites (token_hash, email, role, invited_by, expires_at) "
		"VALUES ($1, $2, $3, $4::bigint, now() + make_interval(secs => $5::int)) RETURNING *), "
		/* its mail, in the same statement: $6 subject, $7 the message without its To line (NULL: none) */
		"m AS (INSERT INTO mail_outbox (recipient, subject, message, expires_at) "
		"  SELECT email, $6, 'To: ' || email || E'\\r\\n' || $7, expires_at FROM i WHERE $7::text IS NOT NULL) "
		"SELECT json_build_object('id', i.id, 'email', i.email, 'is_admin', i.is_admin, 'role', i.role, 'invited_by', i.invited_by, 'created_at', i.created_at, 'expires_at', i.expires_at, 'accepted_at', i.accepted_at, 'revoked_at', i.revoked_at, 'state', CASE WHEN i.revoked_at IS NOT NULL THEN 'revoked' WHEN i.accepted_at IS NOT NULL THEN 'accepted' WHEN i.expires_at <= now() THEN 'expired' ELSE 'pending' END) FROM i", 0 },
	[STMT_INVITE_LOOKUP] = { "invite_lookup",
		"SELECT email, is_admin, role FROM invites "
		"WHERE token_hash = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()", 0 },
	[STMT_INVITE_LIST] = { "invite_list",
		"SELECT coalesce(json_agg(j ORDER BY id DESC), '[]') FROM ("
		"SELECT i.id, json_build_object('id', i.id, 'email', i.email, 'is_admin', i.is_admin, 'role', i.role, 'invited_by', i.invited_by, 'created_at', i.created_at, 'expires_at', i.expires_at, 'accepted_at', i.accepted_at, 'revoked_at', i.revoked_at, 'state', CASE WHEN i.revoked_at IS NOT NULL THEN 'revoked' WHEN i.accepted_at IS NOT NULL THEN 'accepted' WHEN i.expires_at <= now() THEN 'expired' ELSE 'pending' END) AS j FROM invites i "
		"WHERE ($1::bigint IS NULL OR i.id < $1::bigint) ORDER BY i.id DESC LIMIT $2::int) s", 1 },
	[STMT_INVITE_REVOKE] = { "invite_revoke",
		"UPDATE invites SET revoked_at = now() "
		"WHERE id = $1::bigint AND revoked_at IS NULL AND accepted_at IS NULL RETURNING email", 0 },
	/* consumes the invite and creates its user in one statement */
	[STMT_REGISTER] = { "register",
		"WITH i AS (UPDATE invites SET accepted_at = now() "
		"  WHERE token_hash = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now() "
		"  RETURNING id, email, role) "
		"INSERT INTO users (email, display_name, password_hash, role) "
		"SELECT email, $2, $3, role FROM i RETURNING id, email, display_name, is_admin", 0 },
	/* OpenID Connect (sql/017_oidc.sql): a sign-in under way, $5 seconds
	 * it may take; the expired ones go at the same time */
	[STMT_OIDC_LOGIN_INSERT] = { "oidc_login_insert",
		"WITH gone AS (DELETE FROM oidc_logins WHERE expires_at < now() - interval '1 hour') "
		"INSERT INTO oidc_logins (state_hash, provider, nonce, code_verifier, expires_at) "
		"VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::int))", 0 },
	/* once only: the callback's state, for its provider, not expired */
	[STMT_OIDC_LOGIN_CONSUME] = { "oidc_login_consume",
		"UPDATE oidc_logins SET used_at = now() "
		"WHERE state_hash = $1 AND provider = $2 AND used_at IS NULL AND expires_at > now() "
		"RETURNING nonce, code_verifier", 0 },
	[STMT_OIDC_USER_BY_SUB] = { "oidc_user_by_sub",
		"UPDATE oidc_links l SET last_used_at = now() FROM users u "
		"WHERE u.id = l.user_id AND l.provider = $1 AND l.subject = $2 "
		"RETURNING u.id, u.is_active, u.email, u.display_name, u.is_admin", 0, OIDCUSER__COLS },
	/* links the active account of verified email $3 to ($1, $2); none when
	 * the account is linked to another subject of that provider already */
	[STMT_OIDC_LINK] = { "oidc_link",
		"WITH u AS (SELECT id, is_active, email, display_name, is_admin FROM users WHERE lower(email) = lower($3)), "
		"l AS (INSERT INTO oidc_links (provider, subject, user_id, email, last_used_at) "
		"  SELECT $1, $2, id, $3, now() FROM u WHERE is_active ON CONFLICT DO NOTHING RETURNING user_id) "
		"SELECT u.id, u.is_active AND EXISTS (SELECT 1 FROM l), u.email, u.display_name, u.is_admin FROM u",
		0, OIDCUSER__COLS },
	/* consumes the pending invite of verified email $3, creates its user
	 * (with the invite's role and no usable password) and links it */
	[STMT_OIDC_REGISTER] = { "oidc_register",
		"WITH i AS (UPDATE invites SET accepted_at = now() "
		"  WHERE id = (SELECT id FROM invites WHERE lower(email) = lower($3) AND accepted_at IS NULL "
		"    AND revoked_at IS NULL AND expires_at > now() ORDER BY id DESC LIMIT 1) "
		"  RETURNING email, role), "
		"n AS (INSERT INTO users (email, display_name, password_hash, role) "
		"  SELECT email, left($4, 200), '!oidc', role FROM i RETURNING id, is_active, email, display_name, is_admin), "
		"l AS (INSERT INTO oidc_links (provider, subject, user_id, email, last_used_at) "
		"  SELECT $1, $2, id, email, now() FROM n) "
		"SELECT id, is_active, email, display_name, is_admin FROM n", 0, OIDCUSER__COLS },
	/* the cached metadata of provider $1 for issuer $2: younger than a day;
	 * younger than a minute (an unknown kid refreshes no more often) */
	[STMT_OIDC_CACHE_GET] = { "oidc_cache_get",
		"SELECT discovery::text, jwks::text, fetched_at > now() - interval '1 day', "
		"fetched_at > now() - interval '1 minute' FROM oidc_cache WHERE provider = $1 AND issuer = $2", 0 },
	[STMT_OIDC_CACHE_PUT] = { "oidc_cache_put",
		"INSERT INTO oidc_cache (provider, issuer, discovery, jwks) VALUES ($1, $2, $3::jsonb, $4::jsonb) "
		"ON CONFLICT (provider) DO UPDATE SET issuer = $2, discovery = $3::jsonb, jwks = $4::jsonb, "
		"fetched_at = now()", 0 },
	/* the rule of the domain of email $1 (sql/018_oidc_domains.sql), with
	 * the account of that email when there is one (RULE_*) */
	[STMT_OIDC_RULE_FOR] = { "oidc_rule_for",
		"SELECT r.domain, array_to_string(r.providers, ' '), "
		"(SELECT u.id FROM users u WHERE lower(u.email) = lower($1)) "
		"FROM oidc_domain_rules r WHERE r.domain = email_domain($1)", 0, RULE__COLS },
	[STMT_OIDC_RULE_LIST] = { "oidc_rule_list",
		"SELECT json_build_object('items', coalesce(json_agg(json_build_object('domain', r.domain, "
		"'providers', to_json(r.providers), 'created_by', r.created_by, 'created_at', r.created_at, "
		"'users', (SELECT count(*) FROM users u WHERE email_domain(u.email) = r.domain)) ORDER BY r.domain), '[]'), "
		"'next_cursor', NULL) FROM oidc_domain_rules r", 0 },
	/* adds the rule of domain $1 for providers $2 (text[]) by user $3,
	 * ends the password sessions, revokes the API tokens made in them and
	 * voids the reset links of its users;
	 * no row when the caller's own session $4 is a password session of
	 * that domain (the rule would end it: sign in through a provider first) */
	[STMT_OIDC_RULE_ADD] = { "oidc_rule_add",
		"WITH r AS (INSERT INTO oidc_domain_rules (domain, providers, created_by) "
		"  SELECT $1, $2::text[], $3::bigint WHERE NOT EXISTS (SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id "
		"    WHERE s.id = $4::bigint AND s.method = 'password' AND email_domain(u.email) = $1) "
		"  RETURNING domain, providers, created_by, created_at), "
		"d AS (DELETE FROM sessions s USING users u, r WHERE s.user_id = u.id AND s.method = 'password' "
		"  AND email_domain(u.email) = r.domain RETURNING s.id), "
		"v AS (UPDATE password_resets p SET used_at = now() FROM users u, r WHERE p.user_id = u.id "
		"  AND p.used_at IS NULL AND email_domain(u.email) = r.domain RETURNING p.id), "
		"t AS (UPDATE api_tokens t SET revoked_at = now() FROM users u, r WHERE t.user_id = u.id "
		"  AND t.method = 'password' AND t.revoked_at IS NULL AND email_domain(u.email) = r.domain RETURNING t.id) "
		"SELECT json_build_object('domain', r.domain, 'providers', to_json(r.providers), 'created_by', r.created_by, "
		"'created_at', r.created_at, 'users', (SELECT count(*) FROM users u WHERE email_domain(u.email) = r.domain), "
		"'sessions_ended', (SELECT count(*) FROM d), 'tokens_revoked', (SELECT count(*) FROM t), "
		"'reset_links_voided', (SELECT count(*) FROM v)) FROM r", 0 },
	[STMT_OIDC_RULE_REMOVE] = { "oidc_rule_remove",
		"DELETE FROM oidc_domain_rules WHERE domain = lower($1) RETURNING array_to_string(providers, ' ')", 0 },
	/* an admin unlinks user $1 from provider $2: the next sign-in through
	 * it matches by verified email again */
	[STMT_OIDC_LINK_DELETE] = { "oidc_link_delete",
		"DELETE FROM oidc_links WHERE user_id = $1::bigint AND provider = $2 RETURNING subject, email", 0 },
	[STMT_USER_LIST] = { "user_list",
		"SELECT coalesce(json_agg(j ORDER BY id), '[]') FROM ("
		"SELECT u.id, json_build_object('id', u.id, 'email', u.email, 'display_name', u.display_name, 'is_admin', u.is_admin, 'role', u.role, 'can_reprovision', u.can_reprovision, 'project_ids', CASE WHEN u.all_projects THEN NULL ELSE (SELECT coalesce(json_agg(m.project_id ORDER BY m.project_id), '[]') FROM project_members m WHERE m.user_id = u.id) END, 'is_active', u.is_active, 'created_at', u.created_at, 'last_login_at', u.last_login_at, 'locked', coalesce(u.locked_until > now(), false), 'sign_in', user_sign_in(u.id, u.email, u.password_hash)) AS j FROM users u "
		"WHERE ($1::bigint IS NULL OR u.id > $1::bigint) ORDER BY u.id LIMIT $2::int) s", 1 },
	[STMT_USER_GET] = { "user_get",
		"SELECT json_build_object('id', u.id, 'email', u.email, 'display_name', u.display_name, 'is_admin', u.is_admin, 'role', u.role, 'can_reprovision', u.can_reprovision, 'project_ids', CASE WHEN u.all_projects THEN NULL ELSE (SELECT coalesce(json_agg(m.project_id ORDER BY m.project_id), '[]') FROM project_members m WHERE m.user_id = u.id) END, 'is_active', u.is_active, 'created_at', u.created_at, 'last_login_at', u.last_login_at, 'locked', coalesce(u.locked_until > now(), false), 'sign_in', user_sign_in(u.id, u.email, u.password_hash)) FROM users u WHERE u.id = $1::bigint", 0 },
	[STMT_USER_UPDATE] = { "user_update",
		"UPDATE users u SET display_name = coalesce($2, display_name), "
		"role = coalesce($3, role), is_active = coalesce($4::boolean, is_active), "
		"can_reprovision = coalesce($5::boolean, can_reprovision) "
		"WHERE u.id = $1::bigint RETURNING json_build_object('id', u.id, 'email', u.email, 'display_name', u.display_name, 'is_admin', u.is_admin, 'role', u.role, 'can_reprovision', u.can_reprovision, 'project_ids', CASE WHEN u.all_projects THEN NULL ELSE (SELECT coalesce(json_agg(m.project_id ORDER BY m.project_id), '[]') FROM project_members m WHERE m.user_id = u.id) END, 'is_active', u.is_active, 'created_at', u.created_at, 'last_login_at', u.last_login_at, 'locked', coalesce(u.locked_until > now(), false), 'sign_in', user_sign_in(u.id, u.email, u.password_hash))", 0 },
	/* what a user may do, locked for a change of it (role, grant, limit, projects) */
	[STMT_USER_ACCESS] = { "user_access",
		"SELECT u.role, u.can_reprovision, (SELECT coalesce(array_agg(m.project_id ORDER BY m.project_id), '{}') FROM project_members m WHERE m.user_id = u.id)::text, u.all_projects "
		"FROM users u WHERE u.id = $1::bigint FOR UPDATE", 0, ACCESS__COLS },
	/* $2 NULL: every project; else only these (an unknown id: 23503) */
	[STMT_USER_SET_PROJECTS] = { "user_set_projects",
		"WITH d AS (DELETE FROM project_members WHERE user_id = $1::bigint AND ($2::bigint[] IS NULL OR NOT (project_id = ANY($2::bigint[])))), "
		"u AS (UPDATE users SET all_projects = $2::bigint[] IS NULL WHERE id = $1::bigint) "
		"INSERT INTO project_members (user_id, project_id) SELECT $1::bigint, p FROM unnest($2::bigint[]) p ON CONFLICT DO NOTHING", 0 },
	[STMT_SESSIONS_DELETE_USER] = { "sessions_delete_user",
		"DELETE FROM sessions WHERE user_id = $1::bigint", 0 },
	/* a deactivation ends every session and API token of the account ($1) */
	[STMT_USER_END_ACCESS] = { "user_end_access",
		"WITH d AS (DELETE FROM sessions WHERE user_id = $1::bigint RETURNING id), "
		"t AS (UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1::bigint AND revoked_at IS NULL "
		"  RETURNING id) "
		"SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM t), 0, 0, $1::bigint, ''", 0, ENDED__COLS },
	[STMT_USER_EXISTS] = { "user_exists",
		"SELECT 1 FROM users WHERE lower(email) = lower($1)", 0 },
	[STMT_PROJECT_INSERT] = { "project_insert",
		"INSERT INTO projects AS p (name, gitlab_url, gitlab_project_id, description, default_branch, "
		"api_token_enc, trigger_token_enc, deploy_key_enc, webhook_secret_hash) "
		"VALUES ($1, $2, $3::bigint, $4, $5, $6::bytea, $7::bytea, $8::bytea, $9) RETURNING json_build_object('id', p.id, 'name', p.name, 'gitlab_url', p.gitlab_url, 'gitlab_project_id', p.gitlab_project_id, 'description', p.description, 'web_url', p.web_url, 'default_branch', p.default_branch, 'api_token_set', p.api_token_enc IS NOT NULL, 'trigger_token_set', p.trigger_token_enc IS NOT NULL, 'deploy_key_set', p.deploy_key_enc IS NOT NULL, 'sync_requested', p.sync_requested, 'last_sync_at', p.last_sync_at, 'last_sync_error', p.last_sync_error, 'cluster_count', (SELECT count(*) FROM clusters c WHERE c.project_id = p.id), 'created_at', p.created_at, 'updated_at', p.updated_at)", 0 },
	[STMT_PROJECT_LIST] = { "project_list",
		"SELECT coalesce(json_agg(j ORDER BY id), '[]') FROM ("
		"SELECT p.id, json_build_object('id', p.id, 'name', p.name, 'gitlab_url', p.gitlab_url, 'gitlab_project_id', p.gitlab_project_id, 'description', p.description, 'web_url', p.web_url, 'default_branch', p.default_branch, 'api_token_set', p.api_token_enc IS NOT NULL, 'trigger_token_set', p.trigger_token_enc IS NOT NULL, 'deploy_key_set', p.deploy_key_enc IS NOT NULL, 'sync_requested', p.sync_requested, 'last_sync_at', p.last_sync_at, 'last_sync_error', p.last_sync_error, 'cluster_count', (SELECT count(*) FROM clusters c WHERE c.project_id = p.id), 'created_at', p.created_at, 'updated_at', p.updated_at, 'allow_deletes', p.allow_deletes, 'deletes_waiting', p.deletes_waiting, 'file_error_count', (SELECT count(*) FROM sync_file_errors f WHERE f.project_id = p.id)) AS j FROM projects p "
		"WHERE ($1::bigint IS NULL OR p.id > $1::bigint) AND ($3::bigint[] IS NULL OR p.id = ANY($3::bigint[])) ORDER BY p.id LIMIT $2::int) s", 1 },
	[STMT_PROJECT_GET] = { "project_get",
		"SELECT json_build_object('id', p.id, 'name', p.name, 'gitlab_url', p.gitlab_url, 'gitlab_project_id', p.gitlab_project_id, 'description', p.description, 'web_url', p.web_url, 'default_branch', p.default_branch, 'api_token_set', p.api_token_enc IS NOT NULL, 'trigger_token_set', p.trigger_token_enc IS NOT NULL, 'deploy_key_set', p.deploy_key_enc IS NOT NULL, 'sync_requested', p.sync_requested, 'last_sync_at', p.last_sync_at, 'last_sync_error', p.last_sync_error, 'cluster_count', (SELECT count(*) FROM clusters c WHERE c.project_id = p.id), 'created_at', p.created_at, 'updated_at', p.updated_at, 'allow_deletes', p.allow_deletes, 'deletes_waiting', p.deletes_waiting, 'file_errors', (SELECT coalesce(json_agg(json_build_object('path', f.path, 'instance', f.instance, 'blob', f.blob, 'error', f.error, 'seen_at', f.seen_at) ORDER BY f.path), '[]') FROM sync_file_errors f WHERE f.project_id = p.id)) FROM projects p WHERE p.id = $1::bigint", 0 },
	[STMT_PROJECT_UPDATE] = { "project_update",
		"UPDATE projects p SET name = coalesce($2, name), description = coalesce($3, description), "
		"default_branch = coalesce($4, default_branch), api_token_enc = coalesce($5::bytea, api_token_enc), "
		"trigger_token_enc = coalesce($6::bytea, trigger_token_enc), "
		"deploy_key_enc = coalesce($7::bytea, deploy_key_enc), updated_at = now() "
		"WHERE p.id = $1::bigint RETURNING json_build_object('id', p.id, 'name', p.name, 'gitlab_url', p.gitlab_url, 'gitlab_project_id', p.gitlab_project_id, 'description', p.description, 'web_url', p.web_url, 'default_branch', p.default_branch, 'api_token_set', p.api_token_enc IS NOT NULL, 'trigger_token_set', p.trigger_token_enc IS NOT NULL, 'deploy_key_set', p.deploy_key_enc IS NOT NULL, 'sync_requested', p.sync_requested, 'last_sync_at', p.last_sync_at, 'last_sync_error', p.last_sync_error, 'cluster_count', (SELECT count(*) FROM clusters c WHERE c.project_id = p.id), 'created_at', p.created_at, 'updated_at', p.updated_at)", 0 },
	[STMT_PROJECT_DELETE] = { "project_delete",
		"DELETE FROM projects WHERE id = $1::bigint RETURNING name", 0 },
	[STMT_PROJECT_SYNC] = { "project_sync",
		"UPDATE projects p SET sync_requested = true WHERE p.id = $1::bigint RETURNING p.id, "
		"json_build_object('state', 'queued', 'project_id', p.id, 'sync_requested', p.sync_requested, "
		"'last_sync_at', p.last_sync_at, 'last_sync_error', p.last_sync_error)", 0 },
	[STMT_PROJECTS_BY_GITLAB_ID] = { "projects_by_gitlab_id",
		"SELECT id, webhook_secret_hash, gitlab_url FROM projects WHERE gitlab_project_id = $1::bigint ORDER BY id", 0 },
	/* a delivery the project saw before inserts nothing: the caller
	 * answers "duplicate" (keys are unique per project, sql/015) */
	[STMT_WEBHOOK_INSERT] = { "webhook_insert",
		"INSERT INTO webhook_deliveries (idempotency_key, event_uuid, project_id, event, body) "
		"VALUES ($1, $2, $3::bigint, $4, $5) ON CONFLICT (project_id, idempotency_key) DO NOTHING RETURNING id", 0 },
	[STMT_WEBHOOK_DONE] = { "webhook_done",
		"UPDATE webhook_deliveries SET processed_at = now(), error = $2 WHERE id = $1::bigint", 0 },
	/* $9: instance name from the pipeline's variables or commit message.
	 * A final status ($12: states.c) never goes back to a waiting one,
	 * however late the news of the waiting one arrives, and keeps its
	 * finish time and last message ($7: the failed job, or the detailed
	 * status); news without a time or a message ($13 started_at, $10
	 * finished_at, $7) keeps the stored one */
	[STMT_PIPELINE_UPSERT] = { "pipeline_upsert",
		"INSERT INTO pipelines (project_id, gitlab_id, status, ref, sha, web_url, message, created_at, "
		"started_at, finished_at, action_kind, instance_id, cluster_id, updated_at) "
		"SELECT $1::bigint, $2::bigint, $3, $4, $5, $6, left($7, 2000), $8::timestamptz, $13::timestamptz, "
		"$10::timestamptz, $11, "
		"i.id, i.cluster_id, now() FROM (SELECT 1) one LEFT JOIN "
		"(SELECT i.id, i.cluster_id FROM instances i JOIN clusters c ON c.id = i.cluster_id "
		" WHERE c.project_id = $1::bigint AND i.name = $9 ORDER BY i.id LIMIT 1) i ON true "
		"ON CONFLICT (project_id, gitlab_id) DO UPDATE SET "
		"status = CASE WHEN pipelines.status = ANY($12::text[]) AND NOT (EXCLUDED.status = ANY($12::text[])) "
		"THEN pipelines.status ELSE EXCLUDED.status END, ref = EXCLUDED.ref, "
		"sha = EXCLUDED.sha, web_url = EXCLUDED.web_url, "
		"message = CASE WHEN pipelines.status = ANY($12::text[]) AND NOT (EXCLUDED.status = ANY($12::text[])) "
		"THEN pipelines.message ELSE coalesce(EXCLUDED.message, pipelines.message) END, "
		"started_at = coalesce(EXCLUDED.started_at, pipelines.started_at), "
		"finished_at = CASE WHEN pipelines.status = ANY($12::text[]) AND NOT (EXCLUDED.status = ANY($12::text[])) "
		"THEN pipelines.finished_at ELSE coalesce(EXCLUDED.finished_at, pipelines.finished_at) END, "
		"action_kind = coalesce(EXCLUDED.action_kind, pipelines.action_kind), "
		"instance_id = coalesce(EXCLUDED.instance_id, pipelines.instance_id), "
		"cluster_id = coalesce(EXCLUDED.cluster_id, pipelines.cluster_id), updated_at = now() "
		"RETURNING id, instance_id, action_kind, status", 0 },
	/* moves an instance by its pipeline $4: $2 the new state, $3 the
	 * reason.  Only its newest pipeline moves it, and not while it waits
	 * for another action ($5: the pending states) than the one that made
	 * this pipeline, so that late news of an older one changes nothing */
	[STMT_INSTANCE_PIPELINE_STATE] = { "instance_pipeline_state",
		"UPDATE instances i SET state = $2, state_reason = $3, state_pipeline_id = $4::bigint, "
		"latest_pipeline_id = $4::bigint, "
		"state_since = CASE WHEN state = $2 THEN state_since ELSE now() END, updated_at = now() "
		"FROM pipelines p WHERE i.id = $1::bigint AND p.id = $4::bigint "
		"AND NOT EXISTS (SELECT 1 FROM pipelines n WHERE n.instance_id = i.id AND n.project_id = p.project_id "
		"AND n.gitlab_id > p.gitlab_id) "
		"AND (i.state_action_id IS NULL OR NOT (i.state = ANY($5::text[])) "
		"OR EXISTS (SELECT 1 FROM actions a WHERE a.id = i.state_action_id AND a.pipeline_id = p.id))", 0 },
	/* an instance's newest pipeline ($2) whose kind moves no state (an
	 * unknown one, or a status no state follows) is still its latest */
	[STMT_INSTANCE_LATEST_PIPELINE] = { "instance_latest_pipeline",
		"UPDATE instances i SET latest_pipeline_id = $2::bigint, updated_at = now() "
		"FROM pipelines p WHERE i.id = $1::bigint AND p.id = $2::bigint "
		"AND i.latest_pipeline_id IS DISTINCT FROM p.id "
		"AND NOT EXISTS (SELECT 1 FROM pipelines n WHERE n.instance_id = i.id AND n.project_id = p.project_id "
		"AND n.gitlab_id > p.gitlab_id)", 0 },
	[STMT_ACTION_PIPELINE] = { "action_pipeline",
		"UPDATE actions SET pipeline_id = $2::bigint, state = 'dispatched', updated_at = now() "
		"WHERE id = $1::bigint AND project_id = $3::bigint RETURNING kind", 0 },
	[STMT_CLUSTER_LIST] = { "cluster_list",
		"SELECT coalesce(json_agg(j ORDER BY id), '[]') FROM (SELECT c.id, json_build_object('id', c.id, 'project_id', c.project_id, 'project_name', p.name, 'name', c.name, 'provider', c.provider, 'region', c.region, 'status', c.status, 'online', c.online, 'online_checked_at', c.online_checked_at, 'max_node_count', c.max_node_count, 'node_size', c.node_size, 'mysql_size', c.mysql_size, 'mongodb_size', c.mongodb_size, 'links', c.links, 'openfaas_url', c.openfaas_url, 'openfaas_credentials_set', c.openfaas_credentials_enc IS NOT NULL, 'last_error', c.last_error, 'instance_counts', (SELECT coalesce(json_object_agg(state, n), '{}') FROM (SELECT state, count(*) n FROM instances WHERE cluster_id = c.id GROUP BY state) k), 'latest_pipeline', (SELECT CASE WHEN lp.id IS NULL THEN NULL ELSE json_build_object('id', lp.id, 'gitlab_id', lp.gitlab_id, 'status', lp.status, 'action_kind', lp.action_kind, 'ref', lp.ref, 'web_url', lp.web_url, 'created_at', lp.created_at, 'finished_at', lp.finished_at, 'updated_at', lp.updated_at) END FROM pipelines lp WHERE lp.cluster_id = c.id ORDER BY lp.id DESC LIMIT 1), 'created_at', c.created_at, 'updated_at', c.updated_at) AS j FROM clusters c JOIN projects p ON p.id = c.project_id WHERE ($1::text IS NULL OR c.name ILIKE '%' || replace(replace(replace($1, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%') AND ($2::text IS NULL OR c.provider = $2) AND ($3::text IS NULL OR c.status = $3) AND ($4::bigint IS NULL OR c.project_id = $4::bigint) AND ($5::bigint IS NULL OR c.id > $5::bigint) AND ($7::bigint[] IS NULL OR c.project_id = ANY($7::bigint[])) ORDER BY c.id LIMIT $6::int) s", 1 },
	[STMT_CLUSTER_GET] = { "cluster_get",
		"SELECT json_build_object('id', c.id, 'project_id', c.project_id, 'project_name', p.name, 'name', c.name, 'provider', c.provider, 'region', c.region, 'status', c.status, 'online', c.online, 'online_checked_at', c.online_checked_at, 'max_node_count', c.max_node_count, 'node_size', c.node_size, 'mysql_size', c.mysql_size, 'mongodb_size', c.mongodb_size, 'links', c.links, 'openfaas_url', c.openfaas_url, 'openfaas_credentials_set', c.openfaas_credentials_enc IS NOT NULL, 'last_error', c.last_error, 'instance_counts', (SELECT coalesce(json_object_agg(state, n), '{}') FROM (SELECT state, count(*) n FROM instances WHERE cluster_id = c.id GROUP BY state) k), 'latest_pipeline', (SELECT CASE WHEN lp.id IS NULL THEN NULL ELSE json_build_object('id', lp.id, 'gitlab_id', lp.gitlab_id, 'status', lp.status, 'action_kind', lp.action_kind, 'ref', lp.ref, 'web_url', lp.web_url, 'message', lp.message, 'instance_id', lp.instance_id, 'instance_name', (SELECT li.name FROM instances li WHERE li.id = lp.instance_id), 'created_at', lp.created_at, 'finished_at', lp.finished_at, 'updated_at', lp.updated_at) END FROM pipelines lp WHERE lp.cluster_id = c.id ORDER BY lp.id DESC LIMIT 1), 'gitlab_url', p.gitlab_url, 'gitlab_project_id', p.gitlab_project_id, 'project_web_url', p.web_url, 'created_at', c.created_at, 'updated_at', c.updated_at, 'cluster_yml', c.cluster_yml, 'cluster', c.cluster_parsed) FROM clusters c JOIN projects p ON p.id = c.project_id WHERE c.id = $1::bigint", 0 },
	[STMT_CLUSTER_UPDATE] = { "cluster_update",
		"UPDATE clusters SET links = coalesce($2::jsonb, links), openfaas_url = CASE WHEN $3::text = '' THEN NULL ELSE coalesce($3, openfaas_url) END, openfaas_credentials_enc = coalesce($4::bytea, openfaas_credentials_enc), updated_at = now() WHERE id = $1::bigint RETURNING id", 0 },
	[STMT_CLUSTER_DELETE] = { "cluster_delete",
		"DELETE FROM clusters WHERE id = $1::bigint RETURNING name", 0 },
	[STMT_INSTANCE_LIST_NAME] = { "instance_list_name",
		"SELECT i.list_json, i.name || '|' || i.id FROM instances i JOIN clusters c ON c.id = i.cluster_id WHERE ($1::text IS NULL OR c.name ILIKE '%' || replace(replace(replace($1, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%') AND ($2::text IS NULL OR c.provider = $2) AND ($3::text IS NULL OR i.name ILIKE '%' || replace(replace(replace($3, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%') AND ($4::text IS NULL OR i.state = $4) AND ($5::text IS NULL OR ($6::text IS NULL AND (i.config_parsed ? $5 OR i.grove_parsed ? $5 OR c.cluster_parsed ? $5)) OR i.config_parsed ->> $5 = $6 OR i.grove_parsed ->> $5 = $6 OR c.cluster_parsed ->> $5 = $6) AND ($7::text IS NULL OR strpos(lower(i.name || ' ' || i.description || ' ' || coalesce(i.config_yml, '') || ' ' || coalesce(i.grove_yml, '')), lower($7)) > 0) AND ($8::bigint IS NULL OR c.project_id = $8::bigint) AND ($9::text IS NULL OR (i.name, i.id) > (split_part($9, '|', 1), split_part($9, '|', 2)::bigint)) AND ($11::bigint[] IS NULL OR c.project_id = ANY($11::bigint[])) AND ($12::bigint IS NULL OR i.cluster_id = $12::bigint) ORDER BY i.name, i.id LIMIT $10::int", 1 },
	/* the commonest pages (all or one status, by name) from a function
	 * that keeps its plans (sql/005): $2|$3 the cursor, '' and 0 for none */
	[STMT_INSTANCE_LIST_STATE] = { "instance_list_state",
		"SELECT j, cursor FROM ocim_instance_page($1, $2, $3::bigint, $4::int)", 0 },
	[STMT_INSTANCE_LIST_UPDATED] = { "instance_list_updated",
		"SELECT i.list_json, to_char(i.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') || '|' || i.id FROM instances i JOIN clusters c ON c.id = i.cluster_id WHERE ($1::text IS NULL OR c.name ILIKE '%' || replace(replace(replace($1, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%') AND ($2::text IS NULL OR c.provider = $2) AND ($3::text IS NULL OR i.name ILIKE '%' || replace(replace(replace($3, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%') AND ($4::text IS NULL OR i.state = $4) AND ($5::text IS NULL OR ($6::text IS NULL AND (i.config_parsed ? $5 OR i.grove_parsed ? $5 OR c.cluster_parsed ? $5)) OR i.config_parsed ->> $5 = $6 OR i.grove_parsed ->> $5 = $6 OR c.cluster_parsed ->> $5 = $6) AND ($7::text IS NULL OR strpos(lower(i.name || ' ' || i.description || ' ' || coalesce(i.config_yml, '') || ' ' || coalesce(i.grove_yml, '')), lower($7)) > 0) AND ($8::bigint IS NULL OR c.project_id = $8::bigint) AND ($9::text IS NULL OR (i.updated_at, i.id) < (split_part($9, '|', 1)::timestamptz, split_part($9, '|', 2)::bigint)) AND ($11::bigint[] IS NULL OR c.project_id = ANY($11::bigint[])) AND ($12::bigint IS NULL OR i.cluster_id = $12::bigint) ORDER BY i.updated_at DESC, i.id DESC LIMIT $10::int", 1 },
	[STMT_INSTANCE_LIST_STATUS] = { "instance_list_status",
		"SELECT i.list_json, i.state || '|' || i.name || '|' || i.id FROM instances i JOIN clusters c ON c.id = i.cluster_id WHERE ($1::text IS NULL OR c.name ILIKE '%' || replace(replace(replace($1, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%') AND ($2::text IS NULL OR c.provider = $2) AND ($3::text IS NULL OR i.name ILIKE '%' || replace(replace(replace($3, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%') AND ($4::text IS NULL OR i.state = $4) AND ($5::text IS NULL OR ($6::text IS NULL AND (i.config_parsed ? $5 OR i.grove_parsed ? $5 OR c.cluster_parsed ? $5)) OR i.config_parsed ->> $5 = $6 OR i.grove_parsed ->> $5 = $6 OR c.cluster_parsed ->> $5 = $6) AND ($7::text IS NULL OR strpos(lower(i.name || ' ' || i.description || ' ' || coalesce(i.config_yml, '') || ' ' || coalesce(i.grove_yml, '')), lower($7)) > 0) AND ($8::bigint IS NULL OR c.project_id = $8::bigint) AND ($9::text IS NULL OR (i.state, i.name, i.id) > (split_part($9, '|', 1), split_part($9, '|', 2), split_part($9, '|', 3)::bigint)) AND ($11::bigint[] IS NULL OR c.project_id = ANY($11::bigint[])) AND ($12::bigint IS NULL OR i.cluster_id = $12::bigint) ORDER BY i.state, i.name, i.id LIMIT $10::int", 1 },
	[STMT_INSTANCE_GET] = { "instance_get",
		"SELECT json_build_object('id', i.id, 'name', i.name, 'cluster_id', i.cluster_id, 'cluster_name', c.name, 'project_id', c.project_id, 'provider', c.provider, 'description', i.description, 'state', i.state, 'state_since', i.state_since, 'state_reason', i.state_reason, 'health', i.health, 'latest_pipeline', CASE WHEN lp.id IS NULL THEN NULL ELSE json_build_object('id', lp.id, 'gitlab_id', lp.gitlab_id, 'status', lp.status, 'action_kind', lp.action_kind, 'ref', lp.ref, 'web_url', lp.web_url, 'message', lp.message, 'created_at', lp.created_at, 'finished_at', lp.finished_at, 'updated_at', lp.updated_at) END, 'last_error', i.last_error, 'file_errors', (SELECT coalesce(json_agg(json_build_object('path', f.path, 'blob', f.blob, 'error', f.error, 'seen_at', f.seen_at) ORDER BY f.path), '[]') FROM sync_file_errors f WHERE f.project_id = c.project_id AND f.instance = i.name), 'updated_at', i.updated_at, 'config_yml', i.config_yml, 'config', i.config_parsed, 'config_blob', i.config_blob, 'grove_yml', i.grove_yml, 'grove', i.grove_parsed, 'grove_blob', i.grove_blob, 'pods', i.pods, 'pods_fetched_at', i.pods_fetched_at, 'replication', i.replication, 'replication_fetched_at', i.replication_fetched_at, 'usage', i.usage, 'usage_fetched_at', i.usage_fetched_at, 'created_at', i.created_at, 'pipelines', (SELECT coalesce(json_agg(CASE WHEN h.id IS NULL THEN NULL ELSE json_build_object('id', h.id, 'gitlab_id', h.gitlab_id, 'status', h.status, 'action_kind', h.action_kind, 'ref', h.ref, 'web_url', h.web_url, 'message', h.message, 'created_at', h.created_at, 'finished_at', h.finished_at, 'updated_at', h.updated_at) END ORDER BY h.id DESC), '[]') FROM (SELECT * FROM pipelines WHERE instance_id = i.id ORDER BY id DESC LIMIT 20) h)) FROM instances i JOIN clusters c ON c.id = i.cluster_id LEFT JOIN pipelines lp ON lp.id = i.latest_pipeline_id WHERE i.id = $1::bigint", 0 },
	[STMT_INSTANCE_DESCRIBE] = { "instance_describe",
		"UPDATE instances SET description = $2, updated_at = now() WHERE id = $1::bigint RETURNING id", 0 },
	[STMT_PIPELINE_LIST] = { "pipeline_list",
		"SELECT coalesce(json_agg(j ORDER BY id DESC), '[]') FROM (SELECT pl.id, json_build_object('id', pl.id, 'gitlab_id', pl.gitlab_id, 'project_id', pl.project_id, 'cluster_id', pl.cluster_id, 'instance_id', pl.instance_id, 'instance_name', i.name, 'project_name', pr.name, 'cluster_name', c.name, 'action_id', (SELECT max(a.id) FROM actions a WHERE a.pipeline_id = pl.id), 'status', pl.status, 'action_kind', pl.action_kind, 'ref', pl.ref, 'sha', pl.sha, 'web_url', pl.web_url, 'message', pl.message, 'created_at', pl.created_at, 'started_at', pl.started_at, 'finished_at', pl.finished_at, 'updated_at', pl.updated_at) AS j FROM pipelines pl LEFT JOIN instances i ON i.id = pl.instance_id JOIN projects pr ON pr.id = pl.project_id LEFT JOIN clusters c ON c.id = pl.cluster_id WHERE ($1::bigint IS NULL OR pl.project_id = $1::bigint) AND ($2::bigint IS NULL OR pl.cluster_id = $2::bigint) AND ($3::bigint IS NULL OR pl.instance_id = $3::bigint) AND ($4::text IS NULL OR pl.status = $4) AND ($5::text IS NULL OR pl.action_kind = $5) AND ($6::bigint IS NULL OR pl.id < $6::bigint) AND ($8::bigint[] IS NULL OR pl.project_id = ANY($8::bigint[])) AND ($9::timestamptz IS NULL OR coalesce(pl.created_at, pl.updated_at) >= $9::timestamptz) AND ($10::timestamptz IS NULL OR coalesce(pl.created_at, pl.updated_at) < $10::timestamptz) ORDER BY pl.id DESC LIMIT $7::int) s", 1 },
	[STMT_PIPELINE_GET] = { "pipeline_get",
		"SELECT json_build_object('id', pl.id, 'gitlab_id', pl.gitlab_id, 'project_id', pl.project_id, 'cluster_id', pl.cluster_id, 'instance_id', pl.instance_id, 'instance_name', i.name, 'status', pl.status, 'action_kind', pl.action_kind, 'ref', pl.ref, 'sha', pl.sha, 'web_url', pl.web_url, 'message', pl.message, 'created_at', pl.created_at, 'started_at', pl.started_at, 'finished_at', pl.finished_at, 'updated_at', pl.updated_at) FROM pipelines pl LEFT JOIN instances i ON i.id = pl.instance_id WHERE pl.id = $1::bigint", 0 },
	/* records the attempt before anything is sent: never two triggers for one action */
	[STMT_ACTION_CLAIM] = { "action_claim",
		"UPDATE actions a SET state = 'dispatching', attempts = attempts + 1, last_attempt_at = now(), updated_at = now() FROM projects p WHERE a.id = $1::bigint AND a.state = 'queued' AND p.id = a.project_id RETURNING a.kind, a.instance_name, a.variables::text, a.instance_id, a.cluster_id, p.id, p.gitlab_url, p.gitlab_project_id, p.default_branch, p.trigger_token_enc, a.attempts", 0, CLAIM__COLS },
	[STMT_ACTION_DISPATCHED] = { "action_dispatched",
		"WITH pl AS (INSERT INTO pipelines (project_id, gitlab_id, cluster_id, instance_id, action_kind, status, ref, web_url, created_at) VALUES ($2::bigint, $3::bigint, $4::bigint, $5::bigint, $6, $7, $8, $9, now()) ON CONFLICT (project_id, gitlab_id) DO UPDATE SET instance_id = coalesce(pipelines.instance_id, EXCLUDED.instance_id), action_kind = coalesce(pipelines.action_kind, EXCLUDED.action_kind), cluster_id = coalesce(pipelines.cluster_id, EXCLUDED.cluster_id) RETURNING id), a AS (UPDATE actions SET state = 'dispatched', pipeline_id = (SELECT id FROM pl), last_error = NULL, updated_at = now() WHERE id = $1::bigint RETURNING id) UPDATE instances SET latest_pipeline_id = (SELECT id FROM pl), state_pipeline_id = (SELECT id FROM pl), updated_at = now() WHERE id = $5::bigint AND EXISTS (SELECT 1 FROM a)", 0 },
	/* a failed attempt: queued again with a delay, or failed for good (and the instance with it) */
	[STMT_ACTION_REQUEUE] = { "action_requeue",
		"WITH a AS (UPDATE actions SET state = CASE WHEN attempts >= $3::int OR $5::boolean THEN 'failed' ELSE 'queued' END, last_error = $2, next_attempt_at = now() + make_interval(secs => $4::double precision), updated_at = now() WHERE id = $1::bigint AND state = 'dispatching' RETURNING id, state, instance_id, kind) UPDATE instances i SET state = 'failure', state_reason = 'could not start the ' || a.kind || ' pipeline: ' || left($2, 300), state_since = now(), updated_at = now() FROM a WHERE a.state = 'failed' AND i.id = a.instance_id AND i.state_action_id = a.id RETURNING a.state", 0 },
	/* the trigger may have made its pipeline: wait and look, never send again blindly */
	[STMT_ACTION_UNCONFIRMED] = { "action_unconfirmed",
		"UPDATE actions SET state = 'unconfirmed', last_error = $2, updated_at = now() "
		"WHERE id = $1::bigint AND state = 'dispatching'", 0 },
	/* unconfirmed attempts that a complete read of their project's
	 * pipelines, started more than $1 seconds after them, did not link to
	 * a pipeline (the read links them by DEPLOYMENT_REQUEST_ID): GitLab has
	 * none, so they are sent again */
	[STMT_ACTIONS_UNCONFIRMED_RESOLVE] = { "actions_unconfirmed_resolve",
		"UPDATE actions a SET state = 'queued', next_attempt_at = now(), updated_at = now(), "
		"last_error = 'GitLab made no pipeline for the attempt of ' || "
		"to_char(a.last_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC: sending it again' "
		"FROM projects p WHERE a.state = 'unconfirmed' AND p.id = a.project_id "
		"AND p.pipelines_read_at > a.last_attempt_at + make_interval(secs => $1::int) "
		"AND ($2::bigint IS NULL OR a.project_id = $2::bigint) RETURNING a.id", 1 },
	/* a credential that cannot be opened (key problem): queued again, the
	 * attempt given back, never failed for good; $3 the delay in seconds */
	[STMT_ACTION_WAIT_CREDENTIAL] = { "action_wait_credential",
		"UPDATE actions SET state = 'queued', attempts = greatest(attempts - 1, 0), last_error = $2, next_attempt_at = now() + make_interval(secs => $3::double precision), updated_at = now() WHERE id = $1::bigint AND state = 'dispatching' RETURNING id", 0 },
	[STMT_INSTANCE_FOR_ACTION] = { "instance_for_action",
		"SELECT i.id, i.name, i.state, i.cluster_id, c.project_id, i.config_parsed::text, i.state_action_id FROM instances i JOIN clusters c ON c.id = i.cluster_id WHERE i.id = $1::bigint FOR UPDATE OF i", 0 },
	[STMT_ACTION_FOR_RETRY] = { "action_for_retry",
		"SELECT kind, instance_id, state FROM actions WHERE id = $1::bigint FOR UPDATE", 0 },
	[STMT_CLUSTER_FOR_ACTION] = { "cluster_for_action",
		"SELECT c.id, c.project_id, c.status FROM clusters c WHERE c.id = $1::bigint", 0 },
	[STMT_ACTION_BY_KEY] = { "action_by_key",
		"SELECT ocim_action_json(a) FROM actions a WHERE a.requested_by = $1::bigint AND a.idempotency_key = $2", 0 },
	/* $6: the trigger variables; DEPLOYMENT_REQUEST_ID is the new id */
	[STMT_ACTION_INSERT] = { "action_insert",
		"WITH n AS (SELECT nextval(pg_get_serial_sequence('actions', 'id')) AS id) INSERT INTO actions (id, kind, project_id, cluster_id, instance_id, instance_name, variables, requested_by, idempotency_key) SELECT n.id, $1, $2::bigint, $3::bigint, $4::bigint, $5, $6::jsonb || jsonb_build_object('DEPLOYMENT_REQUEST_ID', n.id::text), $7::bigint, $8 FROM n RETURNING id", 0 },
	/* the action $3 keeps the state it moves the instance from, which a
	 * cancel restores (the CTE reads the row as it was before the UPDATE) */
	[STMT_INSTANCE_PENDING] = { "instance_pending",
		"WITH prior AS (UPDATE actions a SET prior_state = i.state, prior_state_since = i.state_since, "
		"prior_state_reason = i.state_reason, prior_state_action_id = i.state_action_id "
		"FROM instances i WHERE a.id = $3::bigint AND i.id = $1::bigint) "
		"UPDATE instances SET state = $2, state_since = now(), state_reason = NULL, state_action_id = $3::bigint, updated_at = now() WHERE id = $1::bigint", 0 },
	/* a new instance, or a deleted one of the same name brought back */
	[STMT_INSTANCE_CREATE_PENDING] = { "instance_create_pending",
		"INSERT INTO instances (cluster_id, name, state) VALUES ($1::bigint, $2, 'create_pending') ON CONFLICT (cluster_id, name) DO UPDATE SET state = 'create_pending', state_since = now(), state_reason = NULL, updated_at = now() WHERE instances.state = 'deleted' RETURNING id", 0 },
	[STMT_ACTION_GET] = { "action_get",
		"SELECT ocim_action_json(a) FROM actions a WHERE a.id = $1::bigint", 0 },
	[STMT_ACTION_LIST] = { "action_list",
		"SELECT coalesce(json_agg(j ORDER BY id DESC), '[]') FROM (SELECT a.id, ocim_action_json(a) AS j FROM actions a WHERE ($1::text IS NULL OR a.state = $1) AND ($2::bigint IS NULL OR a.instance_id = $2::bigint) AND ($3::text IS NULL OR a.kind = $3) AND ($4::bigint IS NULL OR a.id < $4::bigint) AND ($6::bigint[] IS NULL OR a.project_id = ANY($6::bigint[])) ORDER BY a.id DESC LIMIT $5::int) s", 1 },
	[STMT_ACTION_RETRY] = { "action_retry",
		"UPDATE actions SET state = 'queued', attempts = 0, next_attempt_at = now(), last_error = NULL, updated_at = now() WHERE id = $1::bigint AND state = 'failed' RETURNING id", 0 },
	/* row-locks the action: the dispatcher's claim (UPDATE ... WHERE state =
	 * 'queued') waits for the cancel's unit and then finds it cancelled */
	[STMT_ACTION_FOR_CANCEL] = { "action_for_cancel",
		"SELECT kind, instance_id, state FROM actions WHERE id = $1::bigint FOR UPDATE", 0, CANCEL__COLS },
	[STMT_ACTION_CANCEL] = { "action_cancel",
		"UPDATE actions SET state = 'cancelled', cancelled_by = $2::bigint, cancelled_at = now(), updated_at = now() "
		"WHERE id = $1::bigint AND state = 'queued' RETURNING id", 0 },
	/* the instance the action $2 made pending ($3, still this action's)
	 * goes back to the state it had then, or to $4 (with the reason $5)
	 * when the kind says where a cancelled one leaves it */
	[STMT_INSTANCE_CANCEL_RESTORE] = { "instance_cancel_restore",
		"UPDATE instances i SET state = coalesce($4, a.prior_state), "
		"state_since = CASE WHEN $4::text IS NULL THEN a.prior_state_since ELSE now() END, "
		"state_reason = CASE WHEN $4::text IS NULL THEN a.prior_state_reason ELSE $5 END, "
		"state_action_id = CASE WHEN $4::text IS NULL THEN a.prior_state_action_id ELSE a.id END, updated_at = now() "
		"FROM actions a WHERE i.id = $1::bigint AND a.id = $2::bigint AND i.state_action_id = a.id "
		"AND i.state = $3 AND a.prior_state IS NOT NULL RETURNING i.state", 0 },
	/* the projects to refresh: the ones a push marked first */
	[STMT_SYNC_PROJECTS] = { "sync_projects",
		/* the pipelines watermark: 5 minutes before the last complete read
		 * began (GitLab's clock may differ a little), and no later than a
		 * minute before an unconfirmed attempt; the last column is the time
		 * this read begins */
		"SELECT id, name, gitlab_url, gitlab_project_id, default_branch, api_token_enc, to_char(least(coalesce(coalesce(pipelines_read_at, last_sync_at) - interval '5 minutes', now() - make_interval(days => $2::int)), (SELECT min(a.last_attempt_at) - interval '1 minute' FROM actions a WHERE a.project_id = projects.id AND a.state = 'unconfirmed')) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), synced_commit, sync_requested, now()::text FROM projects WHERE ($1::bigint IS NULL OR id = $1::bigint) ORDER BY sync_requested DESC, id", 1, SYNCPROJ__COLS },
	[STMT_SYNC_PROJECT_META] = { "sync_project_meta",
		"UPDATE projects SET description = coalesce($2, description), web_url = $3, default_branch = coalesce($4, default_branch), updated_at = now() WHERE id = $1::bigint", 0 },
	/* $4: sync_requested as the run read it; a request made during the run
	 * (read false, now true) stays for the next one */
	[STMT_SYNC_PROJECT_DONE] = { "sync_project_done",
		"UPDATE projects SET last_sync_at = CASE WHEN $2::text IS NULL THEN now() ELSE last_sync_at END, pipelines_read_at = CASE WHEN $2::text IS NULL THEN coalesce($4::timestamptz, pipelines_read_at) ELSE pipelines_read_at END, last_sync_error = $2, synced_commit = coalesce($3, synced_commit), sync_requested = CASE WHEN $2::text IS NULL AND coalesce($5::boolean, true) THEN false ELSE sync_requested END WHERE id = $1::bigint", 0 },
	/* one run at a time reads a project (cron's and a requested one);
	 * key space 7244003, next to ocim-sync's 7244002 */
	[STMT_SYNC_PROJECT_LOCK] = { "sync_project_lock",
		"SELECT pg_try_advisory_lock(7244003, ($1::bigint % 2147483647)::int)", 0 },
	[STMT_SYNC_PROJECT_UNLOCK] = { "sync_project_unlock",
		"SELECT pg_advisory_unlock(7244003, ($1::bigint % 2147483647)::int)", 0 },
	[STMT_SYNC_CLUSTER_FIND] = { "sync_cluster_find",
		"SELECT id, coalesce(cluster_blob, '') FROM clusters WHERE project_id = $1::bigint ORDER BY id LIMIT 1", 0 },
	[STMT_SYNC_CLUSTER_INSERT] = { "sync_cluster_insert",
		"INSERT INTO clusters (project_id, name, status) VALUES ($1::bigint, $2, 'active') RETURNING id", 0 },
	/* $3..$8: the fields cluster.yml gives through the key map */
	[STMT_SYNC_CLUSTER_UPDATE] = { "sync_cluster_update",
		"UPDATE clusters SET provider = coalesce($2, provider), region = $3, max_node_count = $4::int, node_size = $5, mysql_size = $6, mongodb_size = $7, cluster_yml = $8, cluster_parsed = $9::jsonb, cluster_blob = $10, last_error = NULL, status = CASE WHEN status = 'pending' THEN 'active' ELSE status END, updated_at = now() WHERE id = $1::bigint", 0 },
	[STMT_SYNC_CLUSTER_ERROR] = { "sync_cluster_error",
		"UPDATE clusters SET last_error = $2, updated_at = now() WHERE id = $1::bigint", 0 },
	/* a deleted instance has no blob: its folder back, even as it was, is read and revives it */
	[STMT_SYNC_INSTANCES_BLOBS] = { "sync_instances_blobs",
		"SELECT name, CASE WHEN state = 'deleted' THEN '' ELSE coalesce(config_blob, '') END, CASE WHEN state = 'deleted' THEN '' ELSE coalesce(grove_blob, '') END FROM instances WHERE cluster_id = $1::bigint", 0 },
	/* $2: [{name, config_yml, config_parsed, config_blob, grove_yml,
	 * grove_parsed, grove_blob}], an instance once: the instances of a read
	 * in one statement.  A NULL yml leaves that file as it was.  An instance
	 * folder in the repository is deployed (its lifecycle state; whether it
	 * is up is its health), and one that comes back is no longer deleted. */
	[STMT_SYNC_INSTANCES_UPSERT] = { "sync_instances_upsert",
		"INSERT INTO instances (cluster_id, name, state, config_yml, config_parsed, config_blob, grove_yml, grove_parsed, grove_blob) "
		"SELECT $1::bigint, f.name, 'running', f.config_yml, f.config_parsed, f.config_blob, f.grove_yml, f.grove_parsed, f.grove_blob "
		"FROM jsonb_to_recordset($2::jsonb) AS f(name text, config_yml text, config_parsed jsonb, config_blob text, grove_yml text, grove_parsed jsonb, grove_blob text) "
		"ON CONFLICT (cluster_id, name) DO UPDATE SET config_yml = coalesce(EXCLUDED.config_yml, instances.config_yml), config_parsed = coalesce(EXCLUDED.config_parsed, instances.config_parsed), config_blob = coalesce(EXCLUDED.config_blob, instances.config_blob), grove_yml = coalesce(EXCLUDED.grove_yml, instances.grove_yml), grove_parsed = coalesce(EXCLUDED.grove_parsed, instances.grove_parsed), grove_blob = coalesce(EXCLUDED.grove_blob, instances.grove_blob), state = CASE WHEN instances.state = 'deleted' THEN 'running' ELSE instances.state END, updated_at = now()", 0 },
	/* the files in error and the blob that failed: not fetched again while the tree shows that blob */
	[STMT_SYNC_FILE_ERRORS] = { "sync_file_errors",
		"SELECT path, coalesce(blob, '') FROM sync_file_errors WHERE project_id = $1::bigint", 0 },
	/* $3: the instance folder (NULL for cluster.yml or a folder that is not an instance) */
	[STMT_SYNC_FILE_ERROR_SET] = { "sync_file_error_set",
		"INSERT INTO sync_file_errors (project_id, path, instance, blob, error) VALUES ($1::bigint, $2, $3, $4, $5) ON CONFLICT (project_id, path) DO UPDATE SET instance = EXCLUDED.instance, blob = EXCLUDED.blob, error = EXCLUDED.error, seen_at = now()", 0 },
	/* after a complete tree read: $2 the paths still in error; the others parsed, went back to their last good blob, or left */
	[STMT_SYNC_FILE_ERRORS_KEEP] = { "sync_file_errors_keep",
		"DELETE FROM sync_file_errors WHERE project_id = $1::bigint AND NOT (path = ANY($2::text[]))", 0 },
	/* an instance's last_error: the errors of its files, until each parses */
	[STMT_SYNC_INSTANCES_LAST_ERROR] = { "sync_instances_last_error",
		"WITH e AS (SELECT i.id, (SELECT string_agg(f.error, '; ' ORDER BY f.path) FROM sync_file_errors f WHERE f.project_id = $1::bigint AND f.instance = i.name) AS error FROM instances i JOIN clusters c ON c.id = i.cluster_id WHERE c.project_id = $1::bigint) "
		"UPDATE instances i SET last_error = e.error, updated_at = now() FROM e WHERE e.id = i.id AND i.last_error IS DISTINCT FROM e.error", 0 },
	/* $2 the instance folders of the tree: how many live instances it would delete, of how many; whether deletes were allowed */
	[STMT_SYNC_INSTANCES_GONE_COUNT] = { "sync_instances_gone_count",
		"SELECT count(*) FILTER (WHERE NOT (i.name = ANY($2::text[]))), count(*), (SELECT allow_deletes FROM projects WHERE id = $3::bigint) FROM instances i WHERE i.cluster_id = $1::bigint AND i.state NOT IN ('deleted', 'create_pending')", 0 },
	/* folders that left the repository: their instances are deleted (a create still pending is not there yet) */
	[STMT_SYNC_INSTANCES_GONE] = { "sync_instances_gone",
		"UPDATE instances SET state = 'deleted', state_since = now(), state_reason = 'its folder is no longer in the repository', updated_at = now() WHERE cluster_id = $1::bigint AND state NOT IN ('deleted', 'create_pending') AND NOT (name = ANY($2::text[])) RETURNING name", 0 },
	/* after the guard: $2 how many deletions wait for a confirmation (NULL
	 * none); a confirmation is good for one tree read */
	[STMT_SYNC_DELETES_USED] = { "sync_deletes_used",
		"UPDATE projects SET allow_deletes = allow_deletes AND $2::int IS NOT NULL, deletes_waiting = $2::int WHERE id = $1::bigint AND (allow_deletes AND $2::int IS NULL OR deletes_waiting IS DISTINCT FROM $2::int)", 0 },
	/* an admin's confirmation of a refused read; the refresh is queued with it */
	[STMT_PROJECT_ALLOW_DELETES] = { "project_allow_deletes",
		"UPDATE projects SET allow_deletes = true, sync_requested = true WHERE id = $1::bigint RETURNING id, json_build_object('project_id', id, 'allow_deletes', allow_deletes, 'sync_requested', sync_requested)::text", 0 },
	/* a pipeline the sync read before: its status, whether it is linked, to which instance */
	[STMT_SYNC_PIPELINE_KNOWN] = { "sync_pipeline_known",
		"SELECT p.status, p.instance_id IS NOT NULL, coalesce(i.name, '') FROM pipelines p LEFT JOIN instances i ON i.id = p.instance_id WHERE p.project_id = $1::bigint AND p.gitlab_id = $2::bigint", 0 },
	/* the run holds a lock on its row (key space 7244004) for as long as
	 * its session lives; taken in the statement that makes the row, so no
	 * other run sees the row without it */
	[STMT_SYNC_RUN_START] = { "sync_run_start",
		"WITH r AS (INSERT INTO sync_runs DEFAULT VALUES RETURNING id) SELECT id, pg_advisory_lock(7244004, (id % 2147483647)::int) FROM r", 0 },
	/* runs whose process died (SIGKILL, a lost connection): no session holds their lock */
	[STMT_SYNC_RUNS_ABANDONED] = { "sync_runs_abandoned",
		"UPDATE sync_runs r SET finished_at = now(), errors = r.errors || jsonb_build_array(jsonb_build_object('error', 'abandoned: the run stopped before it finished (killed, or its database connection was lost)')) WHERE r.finished_at IS NULL AND r.id <> $1::bigint AND NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND l.classid = 7244004 AND l.objid::bigint = r.id % 2147483647 AND l.objsubid = 2) RETURNING r.id", 0 },
	[STMT_SYNC_RUN_FINISH] = { "sync_run_finish",
		"UPDATE sync_runs SET finished_at = now(), projects = $2::int, requests = $3::int, files_fetched = $4::int, pipelines_upserted = $5::int, actions_sent = $6::int, errors = $7::jsonb WHERE id = $1::bigint", 0 },
	/* newest first; $1 the cursor (an id), $2 the limit */
	/* $3: the projects a limited caller sees (NULL: all); the errors of
	 * the others (named by project name) are left out */
	[STMT_SYNC_RUN_LIST] = { "sync_run_list",
		"SELECT coalesce(json_agg(j ORDER BY id DESC), '[]') FROM (SELECT r.id, json_build_object('id', r.id, 'started_at', r.started_at, 'finished_at', r.finished_at, 'duration_ms', round(extract(epoch FROM r.finished_at - r.started_at) * 1000), 'projects', r.projects, 'requests', r.requests, 'files_fetched', r.files_fetched, 'pipelines_upserted', r.pipelines_upserted, 'actions_sent', r.actions_sent, 'error_count', jsonb_array_length(e.errors), 'errors', e.errors) AS j FROM sync_runs r CROSS JOIN LATERAL (SELECT CASE WHEN $3::bigint[] IS NULL THEN r.errors ELSE (SELECT coalesce(jsonb_agg(x ORDER BY n), '[]') FROM jsonb_array_elements(r.errors) WITH ORDINALITY AS t(x, n) WHERE x->>'project' IN (SELECT p.name FROM projects p WHERE p.id = ANY($3::bigint[]))) END AS errors) e WHERE ($1::bigint IS NULL OR r.id < $1::bigint) ORDER BY r.id DESC LIMIT $2::int) s", 1 },
	/* Retention (retention.c): at most $2 rows a statement, those past
	 * $1 days after they ended; each batch commits alone.  A session ends
	 * at expires_at or $3 seconds (auth.session_idle_seconds) after it was
	 * last seen; an invite when it expires, is accepted or revoked. */
	[STMT_PURGE_SESSIONS] = { "purge_sessions",
		"DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < now() - make_interval(days => $1::int) "
		"OR last_seen_at < now() - make_interval(days => $1::int, secs => $3::double precision) LIMIT $2::int)", 0 },
	/* a device cookie ends when it expires (auth.device_cookie_seconds) */
	[STMT_PURGE_DEVICE_COOKIES] = { "purge_device_cookies",
		"DELETE FROM device_cookies WHERE id IN (SELECT id FROM device_cookies "
		"WHERE expires_at < now() - make_interval(days => $1::int) LIMIT $2::int)", 0 },
	[STMT_PURGE_PASSWORD_RESETS] = { "purge_password_resets",
		"DELETE FROM password_resets WHERE id IN (SELECT id FROM password_resets "
		"WHERE least(expires_at, used_at) < now() - make_interval(days => $1::int) LIMIT $2::int)", 0 },
	[STMT_PURGE_INVITES] = { "purge_invites",
		"DELETE FROM invites WHERE id IN (SELECT id FROM invites "
		"WHERE least(expires_at, accepted_at, revoked_at) < now() - make_interval(days => $1::int) LIMIT $2::int)", 0 },
	/* a delivery's body goes first; its row (key, outcome) stays longer */
	[STMT_PURGE_WEBHOOK_BODIES] = { "purge_webhook_bodies",
		"UPDATE webhook_deliveries SET body = NULL WHERE id IN (SELECT id FROM webhook_deliveries "
		"WHERE body IS NOT NULL AND received_at < now() - make_interval(days => $1::int) LIMIT $2::int)", 0 },
	[STMT_PURGE_WEBHOOK_DELIVERIES] = { "purge_webhook_deliveries",
		"DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries "
		"WHERE received_at < now() - make_interval(days => $1::int) LIMIT $2::int)", 0 },
	/* a run still going (or abandoned and not yet closed) stays */
	[STMT_PURGE_SYNC_RUNS] = { "purge_sync_runs",
		"DELETE FROM sync_runs WHERE id IN (SELECT id FROM sync_runs WHERE finished_at IS NOT NULL "
		"AND started_at < now() - make_interval(days => $1::int) LIMIT $2::int)", 0 },
	[STMT_PURGE_AUDIT_LOG] = { "purge_audit_log",
		"DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log "
		"WHERE at < now() - make_interval(days => $1::int) LIMIT $2::int)", 0 },
	[STMT_PROJECT_OF_CLUSTER] = { "project_of_cluster",
		"SELECT project_id FROM clusters WHERE id = $1::bigint", 0 },
	[STMT_PROJECT_OF_INSTANCE] = { "project_of_instance",
		"SELECT c.project_id FROM instances i JOIN clusters c ON c.id = i.cluster_id WHERE i.id = $1::bigint", 0 },
	[STMT_PROJECT_OF_ACTION] = { "project_of_action",
		"SELECT project_id FROM actions WHERE id = $1::bigint", 0 },
	[STMT_PROJECT_OF_PIPELINE] = { "project_of_pipeline",
		"SELECT project_id FROM pipelines WHERE id = $1::bigint", 0 },
	[STMT_SYNC_FAAS_CLUSTERS] = { "sync_faas_clusters",
		"SELECT id, openfaas_url, openfaas_credentials_enc FROM clusters WHERE ($1::bigint IS NULL OR project_id = $1::bigint) AND openfaas_url IS NOT NULL ORDER BY id", 0 },
	[STMT_SYNC_CLUSTER_ONLINE] = { "sync_cluster_online",
		"UPDATE clusters SET online = $2::boolean, online_checked_at = now(), last_error = $3, updated_at = now() WHERE id = $1::bigint", 0 },
	/* $2: [{name, pods, health, replication, usage}] from the gateway; a
	 * running instance it does not report is unreachable */
	[STMT_SYNC_RUNTIME] = { "sync_runtime",
		"WITH f AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS f(name text, pods jsonb, health text, replication jsonb, usage jsonb)), "
		"seen AS (UPDATE instances i SET pods = f.pods, pods_fetched_at = now(), health = f.health, "
		"replication = coalesce(f.replication, i.replication), "
		"replication_fetched_at = CASE WHEN f.replication IS NULL THEN i.replication_fetched_at ELSE now() END, "
		"usage = coalesce(f.usage, i.usage), usage_fetched_at = CASE WHEN f.usage IS NULL THEN i.usage_fetched_at ELSE now() END "
		"FROM f WHERE i.cluster_id = $1::bigint AND i.name = f.name RETURNING i.id) "
		"UPDATE instances SET health = 'unreachable', pods = '[]', pods_fetched_at = now() "
		"WHERE cluster_id = $1::bigint AND state = 'running' AND name NOT IN (SELECT name FROM f)", 0 },
	/* an action claimed by a process that died before it recorded the
	 * answer: GitLab may have made its pipeline, so it is unconfirmed
	 * (looked for, and sent again only when GitLab is known not to have it) */
	[STMT_ACTIONS_STALE] = { "actions_stale",
		"UPDATE actions SET state = 'unconfirmed', last_error = 'the process sending it stopped before GitLab answered: looking for its pipeline', updated_at = now() "
		"WHERE state = 'dispatching' AND updated_at < now() - interval '10 minutes' RETURNING id", 0 },
	[STMT_ACTIONS_DUE] = { "actions_due",
		"SELECT id FROM actions WHERE state = 'queued' AND next_attempt_at <= now() AND ($1::bigint IS NULL OR project_id = $1::bigint) ORDER BY id LIMIT 500", 1 },
	/* a *_pending state past actions.pending_timeout_seconds becomes failure */
	[STMT_PENDING_TIMEOUT] = { "pending_timeout",
		"UPDATE instances SET state = 'failure', state_reason = 'no pipeline result after ' || $1 || ' s in ' || replace(state, '_', ' '), state_since = now(), updated_at = now() WHERE state = ANY($2::text[]) AND state_since < now() - make_interval(secs => $1::int) RETURNING name", 0 },
	[STMT_PROJECT_SECRETS_LIST] = { "project_secrets_list",
		"SELECT id, api_token_enc, trigger_token_enc, deploy_key_enc FROM projects ORDER BY id FOR UPDATE", 0 },
	[STMT_PROJECT_SECRETS_SET] = { "project_secrets_set",
		"UPDATE projects SET api_token_enc = $2::bytea, trigger_token_enc = $3::bytea, "
		"deploy_key_enc = $4::bytea WHERE id = $1::bigint", 0 },
	[STMT_CLUSTER_SECRETS_LIST] = { "cluster_secrets_list",
		"SELECT id, openfaas_credentials_enc FROM clusters ORDER BY id FOR UPDATE", 0 },
	[STMT_CLUSTER_SECRETS_SET] = { "cluster_secrets_set",
		"UPDATE clusters SET openfaas_credentials_enc = $2::bytea WHERE id = $1::bigint", 0 },
	[STMT_AUDIT_LIST] = { "audit_list",
		"SELECT coalesce(json_agg(j ORDER BY id DESC), '[]') FROM ("
		"SELECT a.id, json_build_object('id', a.id, 'at', a.at, 'user_id', a.user_id, 'user_email', u.email, "
		"'address', host(a.address), 'action', a.action, 'object', a.object, 'details', a.details) AS j "
		"FROM audit_log a LEFT JOIN users u ON u.id = a.user_id "
		"WHERE ($1::bigint IS NULL OR a.user_id = $1::bigint) AND ($2::text IS NULL OR a.action = $2) "
		"AND ($3::timestamptz IS NULL OR a.at >= $3::timestamptz) "
		"AND ($4::timestamptz IS NULL OR a.at < $4::timestamptz) "
		"AND ($5::bigint IS NULL OR a.id < $5::bigint) "
		/* "instance:12" is that object; "instance" or "instance:" every instance */
		"AND ($7::text IS NULL OR a.object = $7 OR (strpos($7, ':') IN (0, length($7)) AND starts_with(a.object, rtrim($7, ':') || ':'))) "
		"ORDER BY a.id DESC LIMIT $6::int) s", 1 },
};

struct db {
	PGconn *conn;
	int in_txn;             /* between db_begin and db_commit/db_rollback */
	int held;               /* db_hold_session: no reconnect */
	const char *fault;      /* OCIM_FAULT_DB_TERMINATE, until it fired */
	unsigned char prepared[STMT__COUNT];
	char *conninfo;
	char application_name[64];
	char connect_timeout[16];
	char options[192];
	char error[512];
};

struct db *
db_new(const struct conf *conf, const char *application_name)
{
	struct db *db = calloc(1, sizeof *db);

	if (db == NULL)
		return NULL;
	db->conninfo = strdup(conf->database.conninfo);
	if (db->conninfo == NULL) {
		free(db);
		return NULL;
	}
	snprintf(db->application_name, sizeof db->application_name, "%s", application_name);
	snprintf(db->connect_timeout, sizeof db->connect_timeout, "%ld", conf->database.connect_timeout);
	db->fault = getenv("OCIM_FAULT_DB_TERMINATE");
	snprintf(db->options, sizeof db->options, "-c statement_timeout=%ld -c client_min_messages=warning -c TimeZone=UTC",
	         conf->database.statement_timeout_ms);
	return db;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	if (db->conn != NULL)
		PQfinish(db->conn);
	free(db->conninfo);
	free(db);
}

/* Stores msg as the last error, on one line (libpq messages end with \n). */
static void
set_error(struct db *db, const char *msg)
{
	size_t n;

	/* PostgreSQL quotes values in its messages: cut them whole */
	utf8_snprintf(db->error, sizeof db->error, "%s", msg ? msg : "unknown database error");
	n = strlen(db->error);
	while (n > 0 && (db->error[n - 1] == '\n' || db->error[n - 1] == ' '))
		db->error[--n] = '\0';
	for (char *p = db->error; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

int
db_connect(struct db *db)
{
	const char *keys[] = { "dbname", "application_name", "connect_timeout", "options", NULL };
	const char *vals[] = { db->conninfo, db->application_name, db->connect_timeout, db->options, NULL };

	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	if (db->conn != NULL)
		PQfinish(db->conn);
	memset(db->prepared, 0, sizeof db->prepared);
	/* expand_dbname: the configured string may be a full conninfo or URI */
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (db->conn == NULL) {
		set_error(db, "out of memory");
		return -1;
	}
	if (PQstatus(db->conn) != CONNECTION_OK) {
		set_error(db, PQerrorMessage(db->conn));
		PQfinish(db->conn);
		db->conn = NULL;
		return -1;
	}
	return 0;
}

/* A result or its absence says the connection is gone. */
static int
connection_lost(struct db *db, const PGresult *res)
{
	return db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK ||
	       (res != NULL && db_result_status(res) == DB_UNAVAILABLE);
}

/* Whether a new connection may replace a lost one: not inside a
 * transaction or a held session, whose state a new connection lacks. */
static int
may_reconnect(const struct db *db)
{
	return !db->in_txn && !db->held;
}

/* Connects when allowed; inside a unit a lost connection stays lost.
 * Returns 0 or -1 (error set). */
static int
ensure_connection(struct db *db)
{
	if (may_reconnect(db))
		return db_connect(db);
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	set_error(db, db->in_txn ? "the database connection was lost inside a transaction: nothing of it was committed"
	                         : "the database connection was lost, and with it this session's locks");
	return -1;
}

/* The test hook of db.h: ends this server process after the named statement. */
static void
maybe_fault(struct db *db, enum db_stmt stmt)
{
	if (db->fault == NULL || !db->in_txn || strcmp(db->fault, stmts[stmt].name) != 0)
		return;
	db->fault = NULL;
	log_warning("test hook: terminating the database session after %s", stmts[stmt].name);
	PQclear(PQexec(db->conn, "SELECT pg_terminate_backend(pg_backend_pid())"));
}

static PGresult *
exec_once(struct db *db, enum db_stmt stmt, int nparams, const char *const *params)
{
	const struct stmt_def *d = &stmts[stmt];

	if (ensure_connection(db) < 0)
		return NULL;
	/* a generic plan of optional filters could use none of their indexes:
	 * those statements are planned with their values every time */
	if (d->replan)
		return PQexecParams(db->conn, d->sql, nparams, NULL, params, NULL, NULL, 0);
	if (!db->prepared[stmt]) {
		PGresult *res = PQprepare(db->conn, d->name, d->sql, 0, NULL);
		if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
			set_error(db, res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
			return res;
		}
		PQclear(res);
		db->prepared[stmt] = 1;
	}
	return PQexecPrepared(db->conn, d->name, nparams, params, NULL, NULL, 0);
}

PGresult *
db_exec(struct db *db, enum db_stmt stmt, int nparams, const char *const *params)
{
	PGresult *res = exec_once(db, stmt, nparams, params);

	/* one reconnect attempt, never inside a unit: replaying a lone
	 * statement outside its transaction would commit it on its own */
	if (connection_lost(db, res) && db->conn != NULL && may_reconnect(db)) {
		PQclear(res);
		log_warning("database connection lost, reconnecting");
		PQfinish(db->conn);
		db->conn = NULL;
		res = exec_once(db, stmt, nparams, params);
	}
	if (res == NULL) {
		if (db->conn != NULL)
			set_error(db, PQerrorMessage(db->conn));
		return NULL;
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
		set_error(db, PQresultErrorMessage(res));
	} else if (stmts[stmt].ncols > 0 && PQnfields(res) != stmts[stmt].ncols) {
		/* its callers read columns by the names of db.h: refuse rather than misread */
		char msg[160];

		snprintf(msg, sizeof msg, "statement %s answered %d columns where db.h names %d", stmts[stmt].name,
		         PQnfields(res), stmts[stmt].ncols);
		log_error("%s", msg);
		PQclear(res);
		set_error(db, msg);
		return NULL;
	} else {
		maybe_fault(db, stmt);
	}
	return res;
}

json_t *
db_json(struct db *db, enum db_stmt stmt, int nparams, const char *const *params, enum db_status *st)
{
	PGresult *res = db_exec(db, stmt, nparams, params);
	json_error_t jerr;
	json_t *j = NULL;

	*st = db_result_status(res);
	if (*st == DB_OK && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
		j = json_loads(PQgetvalue(res, 0, 0), 0, &jerr);
		if (j == NULL) {
			set_error(db, jerr.text);
			*st = DB_ERROR;
		}
	}
	PQclear(res);
	return j;
}

char *
db_text(struct db *db, enum db_stmt stmt, int nparams, const char *const *params, enum db_status *st)
{
	PGresult *res = db_exec(db, stmt, nparams, params);
	char *text = NULL;

	*st = db_result_status(res);
	if (*st == DB_OK && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
		text = strdup(PQgetvalue(res, 0, 0));
		if (text == NULL)
			*st = DB_ERROR;
	}
	PQclear(res);
	return text;
}

char *
db_page(struct db *db, enum db_stmt stmt, int nparams, const char *const *params, long limit,
        enum db_status *st)
{
	PGresult *res = db_exec(db, stmt, nparams, params);
	struct buf out = { 0 };
	char *cursor = NULL;
	int n, i, ok;

	*st = db_result_status(res);
	if (*st != DB_OK) {
		PQclear(res);
		return NULL;
	}
	n = PQntuples(res);
	ok = buf_append(&out, "{\"items\":[", 10) == 0;
	for (i = 0; ok && i < n; i++) {
		const char *j = PQgetisnull(res, i, 0) ? "null" : PQgetvalue(res, i, 0);

		ok = (i == 0 || buf_append(&out, ",", 1) == 0) && buf_append(&out, j, strlen(j)) == 0;
	}
	if (ok && n > 0 && n >= limit && !PQgetisnull(res, n - 1, 1)) {
		json_t *c = json_string(PQgetvalue(res, n - 1, 1));

		cursor = c == NULL ? NULL : json_dumps(c, JSON_ENCODE_ANY);
		json_decref(c);
		ok = cursor != NULL;
	}
	ok = ok && buf_printf(&out, "],\"next_cursor\":%s}", cursor != NULL ? cursor : "null") == 0;
	free(cursor);
	PQclear(res);
	if (!ok) {
		buf_free(&out);
		*st = DB_ERROR;
		return NULL;
	}
	return out.data;
}

PGresult *
db_exec_sql(struct db *db, const char *sql)
{
	PGresult *res;

	if (ensure_connection(db) < 0)
		return NULL;
	res = PQexec(db->conn, sql);
	if (res == NULL) {
		set_error(db, PQerrorMessage(db->conn));
		return NULL;
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		set_error(db, PQresultErrorMessage(res));
	return res;
}

enum db_status
db_result_status(const PGresult *res)
{
	const char *state;

	if (res == NULL)
		return DB_UNAVAILABLE;
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		return DB_OK;
	default:
		break;
	}
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (state == NULL)
		return DB_UNAVAILABLE;  /* libpq's own errors: the connection broke */
	if (strcmp(state, "23505") == 0)
		return DB_CONFLICT;
	if (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0)
		return DB_INVALID;
	if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
	    strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0)
		return DB_UNAVAILABLE;
	return DB_ERROR;
}

int
db_status_http(enum db_status st)
{
	switch (st) {
	case DB_OK: return 200;
	case DB_CONFLICT: return 409;
	case DB_INVALID: return 422;
	case DB_UNAVAILABLE: return 503;
	case DB_ERROR: return 500;
	}
	return 500;
}

const char *
db_error(const struct db *db)
{
	return db->error;
}

int
db_ping(struct db *db)
{
	PGresult *res = db_exec(db, STMT_PING, 0, NULL);
	int ok = res != NULL && db_result_status(res) == DB_OK;

	PQclear(res);
	return ok ? 0 : -1;
}

PGconn *
db_conn(struct db *db)
{
	return db->conn;
}

int
db_begin(struct db *db)
{
	PGresult *res;
	int ok;

	if (db->in_txn) {
		set_error(db, "a transaction is open already (they do not nest)");
		return -1;
	}
	res = db_exec_sql(db, "BEGIN");
	/* a connection that broke since the last statement is replaced here,
	 * before the unit starts, once */
	if (connection_lost(db, res) && may_reconnect(db)) {
		PQclear(res);
		if (db->conn != NULL)
			PQfinish(db->conn);
		db->conn = NULL;
		res = db_exec_sql(db, "BEGIN");
	}
	ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (ok)
		db->in_txn = 1;
	return ok ? 0 : -1;
}

int
db_commit(struct db *db)
{
	PGresult *res;
	int ok;

	if (!db->in_txn) {
		set_error(db, "COMMIT without a transaction");
		return -1;
	}
	res = db_exec_sql(db, "COMMIT");
	/* PostgreSQL answers COMMIT of a failed transaction with the tag
	 * ROLLBACK: only the tag COMMIT means the unit is stored */
	ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(res), "COMMIT") == 0;
	if (!ok && res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK)
		set_error(db, "the transaction was rolled back: one of its statements had failed");
	else if (!ok && connection_lost(db, res))
		set_error(db, "the database connection was lost during COMMIT: whether it committed is unknown");
	PQclear(res);
	db->in_txn = 0;
	if (!ok && db->conn != NULL && PQstatus(db->conn) != CONNECTION_OK && !db->held) {
		PQfinish(db->conn);
		db->conn = NULL;
	}
	return ok ? 0 : -1;
}

void
db_rollback(struct db *db)
{
	if (!db->in_txn)
		return;
	db->in_txn = 0;
	if (db->conn == NULL)
		return;
	if (PQstatus(db->conn) == CONNECTION_OK && PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
		PGresult *res = PQexec(db->conn, "ROLLBACK");
		PQclear(res);
	}
	if (PQstatus(db->conn) != CONNECTION_OK && !db->held) {
		PQfinish(db->conn);
		db->conn = NULL;
	}
}

int
db_in_transaction(const struct db *db)
{
	return db->in_txn;
}

void
db_hold_session(struct db *db, int hold)
{
	db->held = hold;
}
