#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "fetch.h"
#include "util.h"

#define FETCH_MAX_ANSWER (16 * 1024 * 1024)

struct get_state {
	struct fetch_answer *a;
	struct buf body;
	int too_big;
};

static size_t
get_body(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct get_state *g = userp;
	size_t n = size * nmemb;

	if (g->body.len + n > FETCH_MAX_ANSWER) {
		g->too_big = 1;
		return 0;
	}
	return buf_append(&g->body, ptr, n) == 0 ? n : 0;
}

/* Whether line[0..n) starts with the header name (any case) and its
 * colon; *value then points after them and the blanks. */
static int
header_is(const char *line, size_t n, const char *name, const char **value, size_t *vlen)
{
	size_t k = strlen(name);

	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return 0;
	line += k + 1;
	n -= k + 1;
	while (n > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' '))
		n--;
	*value = line;
	*vlen = n;
	return 1;
}

void
fetch_header(struct fetch_answer *a, const char *line, size_t n)
{
	const char *v;
	size_t len;

	if (header_is(line, n, "Link", &v, &len)) {
		/* <url>; rel="next", <url>; rel="prev", ... */
		const char *end = v + len, *p = v;

		while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
			const char *close = memchr(p, '>', (size_t)(end - p));
			static const char next[] = ">; rel=\"next\"";

			if (close == NULL)
				break;
			if ((size_t)(end - close) >= sizeof next - 1 && memcmp(close, next, sizeof next - 1) == 0) {
				size_t ulen = (size_t)(close - p - 1);

				if (ulen >= sizeof a->next_link || memchr(p + 1, '\0', ulen) != NULL)
					a->bad_link = 1;        /* a next page we cannot follow as given */
				else
					snprintf(a->next_link, sizeof a->next_link, "%.*s", (int)ulen, p + 1);
			}
			p = close;
		}
	} else if (header_is(line, n, "x-next-page", &v, &len)) {
		if (len < sizeof a->next_page && memchr(v, '\0', len) == NULL)
			snprintf(a->next_page, sizeof a->next_page, "%.*s", (int)len, v);
	} else if (header_is(line, n, "Retry-After", &v, &len)) {
		char num[24];
		long secs;

		snprintf(num, sizeof num, "%.*s", (int)(len < sizeof num - 1 ? len : sizeof num - 1), v);
		if (len < sizeof num && parse_long(num, &secs) == 0 && secs >= 0)
			a->retry_after = secs;
	} else if (header_is(line, n, "RateLimit-Remaining", &v, &len) ||
	           header_is(line, n, "RateLimit-Reset", &v, &len)) {
		char num[24];
		long value;
		int remaining = strncasecmp(line, "RateLimit-Remaining", 19) == 0;

		snprintf(num, sizeof num, "%.*s", (int)(len < sizeof num - 1 ? len : sizeof num - 1), v);
		if (len >= sizeof num || parse_long(num, &value) < 0 || value < 0)
			return;
		if (remaining)
			a->rate_remaining = value;
		else if (value > 1000000000L)   /* a Unix time, as GitLab sends it */
			a->rate_reset = value > (long)time(NULL) ? value - (long)time(NULL) : 0;
		else
			a->rate_reset = value;
	}
}

static size_t
get_header(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct get_state *g = userp;

	fetch_header(g->a, ptr, size * nmemb);
	return size * nmemb;
}

/* The options every request shares: callbacks into g, timeouts,
 * protocols, user agent. */
static void
common_options(CURL *c, struct get_state *g, long timeout)
{
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, get_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, g);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, get_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, g);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "ocim/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
}

/* The requests of this process share one multi handle, so that libcurl
 * keeps its connections open between batches (keep-alive; HTTP/2 where
 * offered). */
static CURLM *multi;

void
fetch_cleanup(void)
{
	if (multi != NULL)
		curl_multi_cleanup(multi);
	multi = NULL;
}

void
fetch_answer_free(struct fetch_answer *a)
{
	free(a->body.data);
	a->body.data = NULL;
}

/* Whether a request that ended so is worth another attempt: no answer
 * (timeout, reset, refused), too many requests, or a server error. */
static int
transient(CURLcode cc, long status)
{
	if (cc != CURLE_OK)
		return cc != CURLE_WRITE_ERROR && cc != CURLE_OUT_OF_MEMORY && cc != CURLE_URL_MALFORMAT &&
		       cc != CURLE_UNSUPPORTED_PROTOCOL;
	return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
nap(double seconds)
{
	struct timespec ts = { .tv_sec = (time_t)seconds, .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9) };

	while (nanosleep(&ts, &ts) < 0)
		;
}

/* Hosts that said they have few requests left: no request to one starts
 * before its until, and each start pushes until on by spacing.  Kept
 * between batches, like the connections. */
#define PACE_HOSTS 16
#define PACE_MAX_WAIT 60.0
static struct pace {
	char host[256];                 /* scheme://authority of the URLs */
	double until, spacing;
} paces[PACE_HOSTS];
static int pacing;                      /* some host is paced */

/* The scheme://authority part of url into host ("" when too long). */
static void
url_host(const char *url, char *host, size_t size)
{
	const char *p = strstr(url, "://");
	size_t n = p ? (size_t)(p + 3 - url) + strcspn(p + 3, "/?#") : strlen(url);

	if (n >= size)
		n = 0;
	memcpy(host, url, n);
	host[n] = '\0';
}

static struct pace *
pace_find(const char *url, int make)
{
	char host[256];
	struct pace *free_one = NULL;

	url_host(url, host, sizeof host);
	if (host[0] == '\0')
		return NULL;
	for (int i = 0; i < PACE_HOSTS; i++) {
		if (strcmp(paces[i].host, host) == 0)
			return &paces[i];
		if (paces[i].host[0] == '\0' && free_one == NULL)
			free_one = &paces[i];
	}
	if (!make || free_one == NULL)
		return NULL;
	snprintf(free_one->host, sizeof free_one->host, "%s", host);
	return free_one;
}

/* Takes what an answer said of its rate limit: below twice the
 * concurrency, the next requests to its host are spread over the time to
 * the reset (all after it when none is left); above, no more pacing. */
static void
pace_note(const struct fetch *req, long status, int concurrency, double now)
{
	const struct fetch_answer *a = &req->answer;
	struct pace *p;
	double reset;

	/* a 429 is the retries' business (Retry-After); this is to avoid one */
	if (status < 200 || status >= 400 || a->rate_remaining < 0 || a->rate_reset < 0)
		return;
	if (a->rate_remaining >= 2L * concurrency) {
		if ((p = pace_find(req->url, 0)) != NULL)
			p->spacing = 0;
		return;
	}
	if ((p = pace_find(req->url, 1)) == NULL)
		return;
	reset = (double)a->rate_reset < PACE_MAX_WAIT ? (double)a->rate_reset : PACE_MAX_WAIT;
	p->spacing = reset / (double)(a->rate_remaining + 1);
	if (a->rate_remaining == 0 && now + reset > p->until)
		p->until = now + reset;
	pacing = 1;
}

/* One transfer in flight. */
struct transfer {
	CURL *easy;
	struct get_state state;
	struct curl_slist *headers;
	struct fetch *req;
	char curl_err[CURL_ERROR_SIZE];
};

/* Starts req on t; returns 0 or -1 (out of memory). */
static int
transfer_start(struct transfer *t, struct fetch *req, long timeout)
{
	struct fetch_answer *a = &req->answer;

	fetch_answer_free(a);
	memset(a, 0, sizeof *a);
	a->status = -1;
	a->retry_after = -1;
	a->rate_remaining = -1;
	a->rate_reset = -1;
	memset(&t->state, 0, sizeof t->state);
	t->state.a = a;
	t->req = req;
	t->curl_err[0] = '\0';
	if (t->easy == NULL)
		t->easy = curl_easy_init();
	else
		curl_easy_reset(t->easy);
	if (t->easy == NULL)
		return -1;
	if (req->token != NULL) {
		char auth[600];

		snprintf(auth, sizeof auth, "PRIVATE-TOKEN: %s", req->token);
		t->headers = curl_slist_append(NULL, auth);
		sodium_memzero(auth, sizeof auth);
		if (t->headers == NULL)
			return -1;
	}
	common_options(t->easy, &t->state, timeout);
	curl_easy_setopt(t->easy, CURLOPT_URL, req->url);
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
	if (req->user != NULL) {
		curl_easy_setopt(t->easy, CURLOPT_USERNAME, req->user);
		curl_easy_setopt(t->easy, CURLOPT_PASSWORD, req->password ? req->password : "");
	}
	if (req->form != NULL) {
		curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, req->form);
		curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(req->form));
	}
	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->curl_err);
	curl_easy_setopt(t->easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
	req->attempts++;
	return 0;
}

/* Ends t's transfer with cc; returns whether req is done for good. */
static int
transfer_end(struct transfer *t, CURLcode cc, const struct fetch_retry *retry, double now)
{
	struct fetch *req = t->req;
	struct fetch_answer *a = &req->answer;
	long status = -1;
	double wait;

	curl_slist_free_all(t->headers);
	t->headers = NULL;
	if (cc == CURLE_OK)
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	if (retry != NULL && req->attempts <= retry->retries && transient(cc, status)) {
		wait = backoff_seconds((double)retry->base_ms / 1000.0, req->attempts, 60.0, a->retry_after);
		if (wait <= (double)retry->max_wait_seconds) {
			buf_free(&t->state.body);
			req->not_before = now + wait;
			return 0;
		}
	}
	if (cc == CURLE_OK) {
		a->status = status;
		if (t->state.body.data == NULL && buf_append(&t->state.body, "", 0) < 0) {
			a->status = -1;
			snprintf(req->error, sizeof req->error, "out of memory");
		}
		a->body.data = t->state.body.data;
		a->body.len = t->state.body.len;
	} else {
		long sent = 0;

		/* a request of which not a byte went out cannot have been acted on */
		req->unsent = curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &sent) == CURLE_OK && sent == 0;
		snprintf(req->error, sizeof req->error, "%s", t->state.too_big ? "answer too large" :
		         t->curl_err[0] ? t->curl_err : curl_easy_strerror(cc));
		buf_free(&t->state.body);
	}
	return 1;
}

int
fetch_run(struct fetch *reqs, size_t n, long timeout, int concurrency, const struct fetch_retry *retry)
{
	struct transfer *slots;
	size_t done = 0;
	int running = 0, failed = 0;

	for (size_t i = 0; i < n; i++) {
		memset(&reqs[i].answer, 0, sizeof reqs[i].answer);
		reqs[i].answer.status = -1;
		reqs[i].answer.retry_after = -1;
		reqs[i].answer.rate_remaining = -1;
		reqs[i].answer.rate_reset = -1;
		reqs[i].attempts = 0;
		reqs[i].state = 0;
		reqs[i].not_before = 0;
		reqs[i].error[0] = '\0';
	}
	if (n == 0)
		return 0;
	if (concurrency < 1)
		concurrency = 1;
	if ((size_t)concurrency > n)
		concurrency = (int)n;
	if (multi == NULL)
		multi = curl_multi_init();
	slots = calloc((size_t)concurrency, sizeof *slots);
	if (multi == NULL || slots == NULL) {
		free(slots);
		for (size_t i = 0; i < n; i++)
			snprintf(reqs[i].error, sizeof reqs[i].error, "out of memory");
		return (int)n;
	}
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)concurrency);
	while (done < n) {
		double now = now_seconds(), next_due = -1;
		CURLMsg *msg;
		int left, still, freed;

		/* start what is due, while there is room */
		for (size_t i = 0; i < n && running < concurrency; i++) {
			struct fetch *r = &reqs[i];
			struct transfer *t = NULL;
			struct pace *pace = NULL;

			if (r->state != 0)
				continue;
			if (pacing && (pace = pace_find(r->url, 0)) != NULL && pace->until > r->not_before)
				r->not_before = pace->until;
			if (r->not_before > now) {
				if (next_due < 0 || r->not_before < next_due)
					next_due = r->not_before;
				continue;
			}
			if (pace != NULL && pace->spacing > 0)
				pace->until = now + pace->spacing;
			for (int k = 0; k < concurrency; k++)
				if (slots[k].req == NULL)
					t = &slots[k];
			if (transfer_start(t, r, timeout) < 0) {
				curl_slist_free_all(t->headers);
				t->headers = NULL;
				t->req = NULL;
				snprintf(r->error, sizeof r->error, "out of memory");
				r->state = 2;
				done++;
				continue;
			}
			r->state = 1;
			curl_multi_add_handle(multi, t->easy);
			running++;
		}
		if (running == 0) {
			if (done < n && next_due > now)
				nap(next_due - now);
			continue;
		}
		curl_multi_perform(multi, &still);
		freed = 0;
		while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
			struct transfer *t;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
			curl_multi_remove_handle(multi, t->easy);
			running--;
			if (msg->data.result == CURLE_OK) {
				long status = -1;

				curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
				pace_note(t->req, status, concurrency, now_seconds());
			}
			if (transfer_end(t, msg->data.result, retry, now_seconds())) {
				t->req->state = 2;
				done++;
				failed += t->req->answer.status < 0;
			} else {
				t->req->state = 0;      /* again, once due */
			}
			t->req = NULL;
			freed = 1;
		}
		/* a free slot is filled at once; else wait for the transfers (or
		 * for the next retry that falls due) */
		if (running > 0 && !freed) {
			int ms = 1000;
			now = now_seconds();
			if (next_due > now && (next_due - now) * 1000 < ms)
				ms = (int)((next_due - now) * 1000) + 1;
			curl_multi_poll(multi, NULL, 0, ms, NULL);
		}
	}
	for (int i = 0; i < concurrency; i++)
		if (slots[i].easy != NULL)
			curl_easy_cleanup(slots[i].easy);
	free(slots);
	return failed;
}

