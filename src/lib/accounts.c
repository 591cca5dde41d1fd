#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "accounts.h"
#include "log.h"
#include "mail.h"
#include "token.h"
#include "util.h"

/* base_url without a trailing slash, then path. */
static void
make_link(const struct conf *conf, const char *path, const char *token, char *out, size_t outsz)
{
	size_t n = strlen(conf->http.base_url);

	while (n > 0 && conf->http.base_url[n - 1] == '/')
		n--;
	/* the token travels in the fragment: browsers never send it to a server */
	snprintf(out, outsz, "%.*s%s#token=%s", (int)n, conf->http.base_url, path, token);
}

json_t *
accounts_invite(const struct conf *conf, struct db *db, const char *email, const char *role, long inviter,
                enum db_status *st)
{
	char token[TOKEN_CHARS + 1], hash[TOKEN_HASH_HEX], by[24], secs[24], link[1024];
	const char *params[7] = { hash, email, role, NULL, secs, ACCOUNTS_INVITE_SUBJECT, NULL };
	struct buf body = { 0 };
	char *msg = NULL;
	json_t *inv;
	PGresult *res;

	res = db_exec(db, STMT_USER_EXISTS, 1, params + 1);
	*st = db_result_status(res);
	if (*st == DB_OK && PQntuples(res) > 0)
		*st = DB_CONFLICT;
	PQclear(res);
	if (*st != DB_OK)
		return NULL;
	if (token_new(token, hash) < 0) {
		*st = DB_ERROR;
		return NULL;
	}
	snprintf(by, sizeof by, "%ld", inviter);
	params[3] = inviter > 0 ? by : NULL;
	snprintf(secs, sizeof secs, "%ld", conf->auth.invite_seconds);
	make_link(conf, "/register", token, link, sizeof link);
	if (mail_enabled(conf) &&
	    buf_printf(&body,
	               "Hello,\n\nyou are invited to Ocim, the console for the Open edX instances we run.\n"
	               "Open this link to choose your name and password:\n\n%s\n\n"
	               "The link works once and expires in %ld days.\n"
	               "If you did not expect this message, ignore it.\n",
	               link, conf->auth.invite_seconds / 86400) == 0)
		msg = mail_compose(conf, ACCOUNTS_INVITE_SUBJECT, body.data);
	/* the invite and its mail in one statement: both or neither */
	params[6] = msg;
	inv = db_json(db, STMT_INVITE_INSERT, 7, params, st);
	if (inv == NULL && *st == DB_OK)
		*st = DB_ERROR;
	if (inv != NULL) {
		json_object_set_new(inv, "link", json_string(link));
		if (msg != NULL)
			json_object_set_new(inv, "mail", json_string("queued"));
		else
			json_object_set_new(inv, "mail_error", json_string(mail_enabled(conf) ?
			                    "the message could not be built" : "mail.transport is none: no mail is sent"));
	}
	if (msg != NULL) {
		sodium_memzero(msg, strlen(msg));
		free(msg);
	}
	if (body.data != NULL)
		sodium_memzero(body.data, body.len);
	buf_free(&body);
	sodium_memzero(token, sizeof token);
	sodium_memzero(link, sizeof link);
	return inv;
}

int
accounts_reset_link(const struct conf *conf, struct db *db, long user_id, char *link, size_t linksz)
{
	char token[TOKEN_CHARS + 1], hash[TOKEN_HASH_HEX], uid[24], secs[24];
	const char *params[3] = { hash, uid, secs };
	PGresult *res;
	int ok;

	if (token_new(token, hash) < 0)
		return -1;
	snprintf(uid, sizeof uid, "%ld", user_id);
	snprintf(secs, sizeof secs, "%ld", conf->auth.reset_seconds);
	res = db_exec(db, STMT_RESET_INSERT, 3, params);
	ok = db_result_status(res) == DB_OK;
	PQclear(res);
	if (ok)
		make_link(conf, "/reset-password", token, link, linksz);
	sodium_memzero(token, sizeof token);
	return ok ? 0 : -1;
}

char *
accounts_reset_mail(const struct conf *conf, const char *token)
{
	char link[1024];
	struct buf body = { 0 };
	char *msg = NULL;

	make_link(conf, "/reset-password", token, link, sizeof link);
	if (buf_printf(&body,
	               "Hello,\n\nsomeone asked to reset the password of your Ocim account.\n"
	               "Open this link to choose a new one:\n\n%s\n\n"
	               "The link works once and expires in %ld minutes.  If you did not ask,\n"
	               "ignore this message: your password stays as it is.\n",
	               link, conf->auth.reset_seconds / 60) == 0)
		msg = mail_compose(conf, ACCOUNTS_RESET_SUBJECT, body.data);
	if (body.data != NULL)
		sodium_memzero(body.data, body.len);
	buf_free(&body);
	sodium_memzero(link, sizeof link);
	return msg;
}

char *
accounts_password_changed_mail(const struct conf *conf, int reset, long sessions, long tokens, long tokens_kept)
{
	struct buf body = { 0 };
	char *msg = NULL;
	int ok;

	/* the mail says exactly what ended: the user reads it to judge whether
	 * someone else still holds a way in */
	ok = buf_printf(&body, "Hello,\n\nthe password of your Ocim account was just %s.\n\nWhat ended:\n"
	                "- %ld %s (%s)\n",
	                reset ? "reset with a link mailed to this address" : "changed",
	                sessions, sessions == 1 ? "session" : "sessions",
	                reset ? "every session of the account" : "every session but the one that changed it") == 0;
	if (ok && (reset || tokens_kept == 0))
		ok = buf_printf(&body, "- %ld API %s (every API token of the account)\n",
		                tokens, tokens == 1 ? "token" : "tokens") == 0;
	else if (ok)
		ok = buf_printf(&body, "\nYour %ld API %s %s kept and still %s: revoke %s on the API tokens page\n"
		                "if you did not make this change.\n", tokens_kept,
		                tokens_kept == 1 ? "token" : "tokens", tokens_kept == 1 ? "was" : "were",
		                tokens_kept == 1 ? "works" : "work", tokens_kept == 1 ? "it" : "them") == 0;
	if (ok)
		ok = buf_printf(&body, "\nIf you did not do this, reset your password at once and tell an administrator.\n") == 0;
	if (ok)
		msg = mail_compose(conf, ACCOUNTS_PASSWORD_CHANGED_SUBJECT, body.data);
	buf_free(&body);
	return msg;
}

void
accounts_mail_free(char *msg)
{
	if (msg == NULL)
		return;
	sodium_memzero(msg, strlen(msg));
	free(msg);
}
