/* The OpenFaaS gateway of a cluster: Grove's functions that report on the
 * instances running there (their names are configurable: the openfaas
 * section).  Ocim expects these answers:
 *   instances         [{"name": "demo", "pods": [{"name", "phase", "ready", "restarts"}]}]
 *   instance-errors   [{"instance": "demo", "pod": "...", "reason": "CrashLoopBackOff"}]
 *   replication-stats {"demo": {...}}
 *   usage-report      {"demo": {...}}                                                   */
#ifndef OCIM_OPENFAAS_H
#define OCIM_OPENFAAS_H

#include <stddef.h>
#include <jansson.h>

#include "fetch.h"

/* {gateway}/function/{name} into out, where a function is called with an
 * empty POST and basic auth.  Returns 0, or -1 when it does not fit. */
int openfaas_url(char *out, size_t size, const char *gateway, const char *name);

/* The JSON a function call answered (new reference), or NULL with err: no
 * answer, not 200, or not JSON. */
json_t *openfaas_answer(const struct fetch *r, const char *name, char *err, size_t errsz);

/* The health of an instance from the answers of instances and
 * instance-errors: healthy, degraded or unreachable. */
const char *openfaas_health(const json_t *instance, const json_t *errors, const char *name);

/* The pods of an instance as Ocim keeps them (new reference): those of
 * instances, each one that instance-errors names with its "reason" (such as
 * CrashLoopBackOff), and an error naming no listed pod as a pod of its
 * own, so that what makes an instance degraded is seen with its pods. */
json_t *openfaas_pods(const json_t *instance, const json_t *errors, const char *name);

#endif
