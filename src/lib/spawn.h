/* Starting ocim-sync from the responder, after the answer went out: the
 * outside work a request asked for (mail, a project's refresh) runs in a
 * process of its own that nobody waits for. */
#ifndef OCIM_SPAWN_H
#define OCIM_SPAWN_H

#include "conf.h"

/* Starts conf->sync.program with "--config <conf->path>" (when the
 * configuration came from a file) and args (NULL-terminated), detached: a
 * new session, stdin /dev/null, stdout and stderr where ours go (the log),
 * no other descriptor, default signal handling.  Double fork: the caller
 * only waits for the short-lived middle process, and the program is never
 * its child (no zombie).  Returns 0, or -1 with a reason in err (an empty
 * sync.program says not to start anything: -1 too). */
int spawn_sync(const struct conf *conf, const char *const *args, char *err, size_t errsz);

#endif
