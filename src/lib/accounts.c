#include "config.h"

#include <stdio.h>
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
accounts_invite(const struct conf *conf, struct db *db, const char *email, int admin, long inviter,
                enum db_status *st)
{
	char token[TOKEN_CHARS + 1], hash[TOKEN_HASH_HEX], by[24], secs[24], link[1024], err[256];
	const char *params[5] = { hash, email, admin ? "true" : "false", NULL, secs };
	struct buf body = { 0 };
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
	inv = db_json(db, STMT_INVITE_INSERT, 5, params, st);
	if (inv == NULL) {
		if (*st == DB_OK)
			*st = DB_ERROR;
		return NULL;
	}
	make_link(conf, "/register", token, link, sizeof link);
	json_object_set_new(inv, "link", json_string(link));
	if (buf_printf(&body,
	               "Hello,\n\nyou are invited to Ocim, the console for the Open edX instances we run.\n"
	               "Open this link to choose your name and password:\n\n%s\n\n"
	               "The link works once and expires in %ld days.\n"
	               "If you did not expect this message, ignore it.\n",
	               link, conf->auth.invite_seconds / 86400) < 0 ||
	    mail_send(conf, email, "Your invitation to Ocim", body.data, err, sizeof err) < 0) {
		if (body.data == NULL)
			snprintf(err, sizeof err, "out of memory");
		log_warning("invite mail not sent: %s", err);
		json_object_set_new(inv, "mail_error", json_string(err));
	}
	if (body.data != NULL)
		sodium_memzero(body.data, body.len);
	buf_free(&body);
	sodium_memzero(token, sizeof token);
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

void
accounts_mail_password_changed(const struct conf *conf, const char *email)
{
	char err[256];

	if (mail_send(conf, email, "Your Ocim password was changed",
	              "Hello,\n\nthe password of your Ocim account was just changed, and every\n"
	              "session of the account was ended.\n\n"
	              "If you did not do this, reset your password at once and tell an administrator.\n",
	              err, sizeof err) < 0)
		log_warning("password-changed mail not sent: %s", err);
}
