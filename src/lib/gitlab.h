/* The GitLab REST API v4, as Ocim uses it (see ../shared/gitlab.md). */
#ifndef OCIM_GITLAB_H
#define OCIM_GITLAB_H

#include <stddef.h>
#include <jansson.h>

/* Triggers a pipeline: POST {base}/api/v4/projects/{project}/trigger/pipeline
 * with the form fields token, ref and variables[NAME]=value for every
 * string member of vars.  Waits at most timeout seconds.  Returns the HTTP
 * status (201 on success, with the new pipeline in *pipeline, a new
 * reference), or -1 when no answer came; err says what went wrong (never
 * the token).  *retry_after gets Retry-After in seconds, or -1. */
int gitlab_trigger(const char *base, long project, const char *token, const char *ref, const json_t *vars,
                   long timeout, json_t **pipeline, long *retry_after, char *err, size_t errsz);

struct gitlab_answer {
	long status;                    /* HTTP status, or -1 when none came */
	struct {
		char *data;
		size_t len;
	} body;                         /* owned; NUL-terminated */
	char next_link[2048];           /* Link rel="next", or "" */
	char next_page[16];             /* x-next-page, or "" */
	long retry_after;               /* seconds, or -1 */
};

/* GET {base}/api/v4{path} with PRIVATE-TOKEN.  Returns 0 with the answer
 * filled (any status), or -1 when no answer came, with err.  A path that
 * starts with "http" is used as the whole URL (a Link to follow).  Free the
 * answer with gitlab_answer_free. */
int gitlab_get(const char *base, const char *token, const char *path, long timeout,
               struct gitlab_answer *a, char *err, size_t errsz);
void gitlab_answer_free(struct gitlab_answer *a);

/* Retries inside one batch: a request that got no answer, 429 or 5xx
 * (500, 502-504) is tried again up to retries times, after Retry-After when
 * GitLab gave one (no retry when that is above max_wait_seconds), else after
 * base_ms doubled each time, with jitter. */
struct gitlab_retry {
	int retries;
	long base_ms;
	long max_wait_seconds;
};

/* One GET of a batch: base, token and path are the caller's; answer,
 * attempts and error are filled (error when answer.status is -1). */
struct gitlab_request {
	const char *base;
	const char *token;
	const char *path;               /* /projects/...; or a whole URL (a Link) */
	struct gitlab_answer answer;    /* free with gitlab_answer_free */
	int attempts;
	char error[300];
	/* the batch's own */
	int state;
	double not_before;
};

/* Runs the n GETs, at most concurrency at a time (libcurl multi; the
 * connections stay open until gitlab_cleanup), retrying as retry says (NULL:
 * once each).  Returns how many got no answer. */
int gitlab_run(struct gitlab_request *reqs, size_t n, long timeout, int concurrency,
               const struct gitlab_retry *retry);

/* Closes the connections gitlab_get kept open. */
void gitlab_cleanup(void);

#endif
