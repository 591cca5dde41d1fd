/* The audit log: who did what to which object, from where.  Details must
 * never hold passwords, tokens or other secrets. */
#ifndef OCIM_AUDIT_H
#define OCIM_AUDIT_H

#include <jansson.h>

#include "db.h"

/* Records an event.  user_id 0 means none, address may be NULL or not an
 * IP address (then it is left out), details is stolen (may be NULL).
 * Returns 0, or -1 when it could not be written (logged). */
int audit(struct db *db, long user_id, const char *address, const char *action,
          const char *object, json_t *details);

#endif
