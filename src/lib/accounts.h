/* Account operations shared by the API and ocimctl: invites, password
 * reset links and the mails that go with them. */
#ifndef OCIM_ACCOUNTS_H
#define OCIM_ACCOUNTS_H

#include <jansson.h>

#include "conf.h"
#include "db.h"

#define ACCOUNTS_INVITE_SUBJECT "Your invitation to Ocim"
#define ACCOUNTS_RESET_SUBJECT "Reset your Ocim password"
#define ACCOUNTS_PASSWORD_CHANGED_SUBJECT "Your Ocim password was changed"

/* Creates an invite for email and queues its mail in the same statement
 * (the mail outbox: ocim-sync sends it).  On success returns the invite as
 * JSON (new reference) with "link" (shown once) and "mail": "queued", or
 * "mail_error" when no mail is sent (mail.transport none); NULL with *st =
 * DB_CONFLICT when a user with this email exists, or another status when
 * the database refused.  role is "viewer", "operator" or "admin". */
json_t *accounts_invite(const struct conf *conf, struct db *db, const char *email, const char *role,
                        long inviter, enum db_status *st);

/* Creates a reset link for user_id.  Returns 0 with the link in link, or
 * -1 when the database refused. */
int accounts_reset_link(const struct conf *conf, struct db *db, long user_id, char *link,
                        size_t linksz);

/* The outbox messages (see mail_compose): a reset link's for token, the
 * password-changed notice (after a reset when reset, else a change),
 * which says what ended: sessions, tokens API tokens revoked, or
 * tokens_kept left working.  NULL when no mail is sent.  Free with
 * accounts_mail_free (it wipes: a message may hold a link). */
char *accounts_reset_mail(const struct conf *conf, const char *token);
char *accounts_password_changed_mail(const struct conf *conf, int reset, long sessions, long tokens,
                                     long tokens_kept);
void accounts_mail_free(char *msg);

#endif
