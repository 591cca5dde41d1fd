/* The OpenFaaS gateway of a cluster: Grove's functions that report on the
 * instances running there.  Ocim expects these answers:
 *   instances         [{"name": "demo", "pods": [{"name", "phase", "ready", "restarts"}]}]
 *   instance-errors   [{"instance": "demo", "pod": "...", "reason": "CrashLoopBackOff"}]
 *   replication-stats {"demo": {...}}
 *   usage-report      {"demo": {...}}                                                   */
#ifndef OCIM_OPENFAAS_H
#define OCIM_OPENFAAS_H

#include <stddef.h>
#include <jansson.h>

/* POSTs to {gateway}/function/{name} with basic auth.  Returns the parsed
 * JSON answer (new reference), or NULL with err (no answer, not 200, or
 * not JSON). */
json_t *openfaas_call(const char *gateway, const char *user, const char *password, const char *name,
                      long timeout, char *err, size_t errsz);

/* The health of an instance from the answers of instances and
 * instance-errors: healthy, degraded or unreachable. */
const char *openfaas_health(const json_t *instance, const json_t *errors, const char *name);

#endif
