/* Outgoing mail: plain-text messages through SMTP (libcurl) or appended to
 * a file (demo), as the configuration's mail.transport says. */
#ifndef OCIM_MAIL_H
#define OCIM_MAIL_H

#include <stddef.h>

#include "conf.h"

/* Sends one message.  to and subject must not contain line breaks.
 * Returns 0, or -1 with a reason (no secrets in it) in err; with the
 * transport "none" nothing is sent and -1 says so. */
int mail_send(const struct conf *conf, const char *to, const char *subject, const char *body,
              char *err, size_t errsz);

/* Builds the RFC 5322 message (headers, blank line, body with CRLF line
 * ends) into a new string (caller frees), or NULL. */
char *mail_format(const char *from, const char *to, const char *subject, const char *body);

#endif
