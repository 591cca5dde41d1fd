/* Ocim's HTTP client: batches of requests to GitLab's REST API and to
 * OpenFaaS gateways over one libcurl multi handle, with retries. */
#ifndef OCIM_FETCH_H
#define OCIM_FETCH_H

#include <stddef.h>

struct fetch_answer {
	long status;                    /* HTTP status, or -1 when none came */
	struct {
		char *data;
		size_t len;
	} body;                         /* owned; NUL-terminated */
	char next_link[2048];           /* Link rel="next", or "" */
	int bad_link;                   /* a rel="next" too long to keep: the list is not whole */
	char next_page[16];             /* x-next-page, or "" */
	long retry_after;               /* seconds, or -1 */
	long rate_remaining;            /* RateLimit-Remaining, or -1 */
	long rate_reset;                /* RateLimit-Reset, as seconds from now (0 up), or -1 */
};

/* Retries inside one batch: a request that got no answer, 429 or 5xx
 * (500, 502-504) is tried again up to retries times, after Retry-After when
 * the server gave one (no retry when that is above max_wait_seconds), else
 * after base_ms doubled each time, with jitter. */
struct fetch_retry {
	int retries;
	long base_ms;
	long max_wait_seconds;
};

/* One request of a batch.  The strings are the caller's and must live
 * until fetch_run returns; answer, attempts and error are filled (error
 * when answer.status is -1). */
struct fetch {
	const char *url;
	const char *token;              /* sent as PRIVATE-TOKEN (GitLab), or NULL */
	const char *user, *password;    /* HTTP basic auth (OpenFaaS), or NULL */
	const char *form;               /* POST this form body ("" for none); NULL: GET */
	struct fetch_answer answer;     /* free with fetch_answer_free */
	int attempts;
	int unsent;                     /* no answer, and nothing of the request left (refused, no route) */
	char error[300];
	/* fetch_run's own */
	int state;
	double not_before;
};

/* Runs the n requests, at most concurrency at a time, retrying as retry
 * says (NULL: one attempt each).  A host whose answers say it has few
 * requests left (RateLimit-Remaining below twice the concurrency) gets the
 * next ones spread over the time to its RateLimit-Reset, and none before
 * that reset once it says 0 (at most 60 s), in this batch and the next:
 * slower rather than 429.  The connections stay open for the next
 * batch until fetch_cleanup.  Returns how many got no answer. */
int fetch_run(struct fetch *reqs, size_t n, long timeout, int concurrency, const struct fetch_retry *retry);

void fetch_answer_free(struct fetch_answer *a);

/* Reads one header line of an answer (n bytes, not NUL-terminated) into a:
 * Link rel="next", x-next-page, Retry-After, RateLimit-Remaining,
 * RateLimit-Reset (a Unix time, as GitLab sends it, or seconds). */
void fetch_header(struct fetch_answer *a, const char *line, size_t n);

/* Closes the connections kept open. */
void fetch_cleanup(void);

#endif
