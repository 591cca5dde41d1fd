/* Outgoing mail: plain-text messages through SMTP (libcurl) or appended to
 * a file (demo), as the configuration's mail.transport says. */
#ifndef OCIM_MAIL_H
#define OCIM_MAIL_H

#include <stddef.h>

#include <jansson.h>

#include "conf.h"
#include "db.h"

/* Whether mail.transport sends anything. */
int mail_enabled(const struct conf *conf);

/* The message for the outbox: headers without To (the statement that
 * queues it adds the recipient's), blank line, body.  A new string (caller
 * frees and wipes: it may hold a link), or NULL when mail is off (transport
 * none), the subject has a line break, or out of memory; NULL queues no
 * mail. */
char *mail_compose(const struct conf *conf, const char *subject, const char *body);

struct mail_stats {
	int sent, failed;
	json_t *errors;                 /* [{mail, error}] appended to, or NULL */
};

#define MAIL_MAX_PER_RUN 1000

/* Sends the due messages of the outbox, one at a time: each is claimed
 * (committed) before it is sent, so concurrent senders never send one
 * twice.  A failure is recorded in the row (last_error) and retried after
 * mail.retry_seconds, doubled at each attempt, until mail.max_attempts.
 * Never called inside a request.  Returns 0, or -1 when the database
 * failed. */
int mail_outbox_send(const struct conf *conf, struct db *db, struct mail_stats *ms);

/* Builds the RFC 5322 message (headers, To only when to is not NULL,
 * blank line, body with CRLF line ends) into a new string (caller frees), or NULL. */
char *mail_format(const char *from, const char *to, const char *subject, const char *body);

#endif
