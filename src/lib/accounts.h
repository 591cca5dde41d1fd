/* Account operations shared by the API and ocimctl: invites, password
 * reset links and the mails that go with them. */
#ifndef OCIM_ACCOUNTS_H
#define OCIM_ACCOUNTS_H

#include <jansson.h>

#include "conf.h"
#include "db.h"

/* Creates an invite for email and mails its link.  On success returns the
 * invite as JSON (new reference) with "link" (shown once) and, when the
 * mail failed, "mail_error"; NULL with *st = DB_CONFLICT when a user with
 * this email exists, or another status when the database refused. */
json_t *accounts_invite(const struct conf *conf, struct db *db, const char *email, int admin,
                        long inviter, enum db_status *st);

/* Creates a reset link for user_id.  Returns 0 with the link in link, or
 * -1 when the database refused. */
int accounts_reset_link(const struct conf *conf, struct db *db, long user_id, char *link,
                        size_t linksz);

/* Mails a user that their password changed (failures only logged). */
void accounts_mail_password_changed(const struct conf *conf, const char *email);

#endif
