/* The GitLab REST API v4, as Ocim uses it (see ../shared/gitlab.md). */
#ifndef OCIM_GITLAB_H
#define OCIM_GITLAB_H

#include <stddef.h>
#include <jansson.h>

#include "fetch.h"

/* Triggers a pipeline: POST {base}/api/v4/projects/{project}/trigger/pipeline
 * with the form fields token, ref and variables[NAME]=value for every
 * string member of vars.  Waits at most timeout seconds.  Returns the HTTP
 * status (201 on success, with the new pipeline in *pipeline, a new
 * reference), or -1 when no answer came; err says what went wrong (never
 * the token).  *retry_after gets Retry-After in seconds, or -1.  *unknown
 * is 1 when GitLab may have made the pipeline although the answer does not
 * say so (no answer after the request went out, a 5xx, a 201 that does not
 * parse): such an attempt must be resolved by looking, not sent again. */
int gitlab_trigger(const char *base, long project, const char *token, const char *ref, const json_t *vars,
                   long timeout, json_t **pipeline, long *retry_after, int *unknown, char *err, size_t errsz);

/* base + "/api/v4" + path into out (base's trailing slashes dropped).
 * Returns 0, or -1 when it does not fit. */
int gitlab_url(char *out, size_t size, const char *base, const char *path);

/* 0 when request r got the status want; else -1 with what came instead in
 * err: no answer, or the status with GitLab's message (never a token). */
int gitlab_check(const struct fetch *r, long want, char *err, size_t errsz);

/* Whether url is on the GitLab API of base: a Link GitLab gives is
 * followed with the token only then. */
int gitlab_same_api(const char *base, const char *url);

#endif
