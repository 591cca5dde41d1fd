#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "log.h"
#include "mail.h"
#include "util.h"

char *
mail_format(const char *from, const char *to, const char *subject, const char *body)
{
	struct buf b = { 0 };
	char date[64], id[33];
	unsigned char rnd[16];
	time_t now = time(NULL);
	struct tm tm;
	int rc = 0;

	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(id, sizeof id, rnd, sizeof rnd);
	rc |= buf_printf(&b, "Date: %s\r\nFrom: %s\r\n", date, from);
	if (to != NULL)
		rc |= buf_printf(&b, "To: %s\r\n", to);
	rc |= buf_printf(&b, "Subject: %s\r\n"
	                 "Message-ID: <%s@ocim>\r\nMIME-Version: 1.0\r\n"
	                 "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
	                 subject, id);
	for (const char *p = body; *p != '\0'; p++) {
		if (*p == '\n' && (p == body || p[-1] != '\r'))
			rc |= buf_append(&b, "\r\n", 2);
		else
			rc |= buf_append(&b, p, 1);
	}
	if (b.len < 2 || memcmp(b.data + b.len - 2, "\r\n", 2) != 0)
		rc |= buf_append(&b, "\r\n", 2);
	if (rc != 0) {
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

static int
send_file(const struct conf *conf, const char *msg, char *err, size_t errsz)
{
	int fd = open(conf->mail.file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	size_t len = strlen(msg), off = 0;
	static const char sep[] = "\r\n.\r\n";

	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", conf->mail.file, strerror(errno));
		return -1;
	}
	flock(fd, LOCK_EX);
	while (off < len) {
		ssize_t n = write(fd, msg + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errsz, "%s: %s", conf->mail.file, strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (write(fd, sep, sizeof sep - 1) < 0) {
		snprintf(err, errsz, "%s: %s", conf->mail.file, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

struct upload {
	const char *data;
	size_t len, off;
};

static size_t
read_cb(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct upload *u = userp;
	size_t n = size * nmemb;

	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(ptr, u->data + u->off, n);
	u->off += n;
	return n;
}

static int
send_smtp(const struct conf *conf, const char *to, const char *msg, char *err, size_t errsz)
{
	struct upload up = { msg, strlen(msg), 0 };
	struct curl_slist *rcpt = NULL;
	char curl_err[CURL_ERROR_SIZE] = "", from[320];
	CURLcode cc;
	CURL *c;

	c = curl_easy_init();
	if (c == NULL) {
		snprintf(err, errsz, "libcurl failed to initialise");
		return -1;
	}
	snprintf(from, sizeof from, "<%s>", conf->mail.from);
	rcpt = curl_slist_append(rcpt, to);
	curl_easy_setopt(c, CURLOPT_URL, conf->mail.smtp_url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up.len);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, conf->mail.timeout_seconds);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, conf->mail.timeout_seconds);
	if (strcmp(conf->mail.smtp_tls, "none") != 0)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (conf->mail.smtp_username[0] != '\0') {
		curl_easy_setopt(c, CURLOPT_USERNAME, conf->mail.smtp_username);
		curl_easy_setopt(c, CURLOPT_PASSWORD, conf->mail.smtp_password);
	}
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK)
		utf8_snprintf(err, errsz, "SMTP delivery failed: %s", curl_err[0] ? curl_err : curl_easy_strerror(cc));
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	return cc == CURLE_OK ? 0 : -1;
}

int
mail_enabled(const struct conf *conf)
{
	return strcmp(conf->mail.transport, "none") != 0;
}

char *
mail_compose(const struct conf *conf, const char *subject, const char *body)
{
	if (!mail_enabled(conf) || strpbrk(subject, "\r\n") != NULL)
		return NULL;
	return mail_format(conf->mail.from, NULL, subject, body);
}

/* One delivery of a complete message; 0, or -1 with the reason in err. */
static int
deliver(const struct conf *conf, const char *to, const char *msg, char *err, size_t errsz)
{
	if (to[0] == '\0' || strpbrk(to, "\r\n<>,") != NULL) {
		snprintf(err, errsz, "the recipient contains a forbidden character");
		return -1;
	}
	if (strcmp(conf->mail.transport, "file") == 0)
		return send_file(conf, msg, err, errsz);
	return send_smtp(conf, to, msg, err, errsz);
}

/* Columns of STMT_MAIL_CLAIM. */
enum { MAIL_COL_ID, MAIL_COL_RECIPIENT, MAIL_COL_SUBJECT, MAIL_COL_MESSAGE, MAIL_COL_ATTEMPTS, MAIL_COL_EXPIRED };

/* Records a failed attempt; returns whether the message was given up. */
static int
record_failure(const struct conf *conf, struct db *db, const char *id, const char *error, int give_up)
{
	char max[24], base[24];
	const char *params[5] = { id, error, max, base, give_up ? "true" : "false" };
	PGresult *res;
	int gave_up;

	snprintf(max, sizeof max, "%ld", conf->mail.max_attempts);
	snprintf(base, sizeof base, "%ld", conf->mail.retry_seconds);
	res = db_exec(db, STMT_MAIL_FAILED, 5, params);
	gave_up = db_result_status(res) == DB_OK && PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
	if (db_result_status(res) != DB_OK)
		log_error("mail %s: the failure was not recorded: %s", id, db_error(db));
	PQclear(res);
	return gave_up;
}

int
mail_outbox_send(const struct conf *conf, struct db *db, struct mail_stats *ms)
{
	char lease[24];
	const char *params[1] = { lease };

	if (!mail_enabled(conf))
		return 0;
	/* longer than one delivery can take: nobody else sends it meanwhile */
	snprintf(lease, sizeof lease, "%ld", conf->mail.timeout_seconds * 2 + 30);
	for (int k = 0; k < MAIL_MAX_PER_RUN; k++) {
		PGresult *res = db_exec(db, STMT_MAIL_CLAIM, 1, params);
		char err[512] = "";
		const char *id;
		int gave_up;

		if (db_result_status(res) != DB_OK) {
			log_error("mail outbox: %s", db_error(db));
			/* the run's errors are shown by the API: not the database's words */
			if (ms->errors != NULL)
				json_array_append_new(ms->errors, json_pack("{s:s}", "error", "mail outbox: database error"));
			PQclear(res);
			return -1;
		}
		if (PQntuples(res) == 0) {
			PQclear(res);
			return 0;
		}
		id = PQgetvalue(res, 0, MAIL_COL_ID);
		if (PQgetvalue(res, 0, MAIL_COL_EXPIRED)[0] == 't' || PQgetisnull(res, 0, MAIL_COL_MESSAGE)) {
			snprintf(err, sizeof err, "its link expired before it could be sent");
			gave_up = record_failure(conf, db, id, err, 1);
		} else if (deliver(conf, PQgetvalue(res, 0, MAIL_COL_RECIPIENT), PQgetvalue(res, 0, MAIL_COL_MESSAGE),
		                   err, sizeof err) == 0) {
			PGresult *done = db_exec(db, STMT_MAIL_SENT, 1, &id);

			if (db_result_status(done) != DB_OK)
				log_error("mail %s sent but not recorded: %s", id, db_error(db));
			PQclear(done);
			log_info("mail %s '%s' sent (attempt %s)", id, PQgetvalue(res, 0, MAIL_COL_SUBJECT),
			         PQgetvalue(res, 0, MAIL_COL_ATTEMPTS));
			ms->sent++;
			PQclear(res);
			continue;
		} else {
			gave_up = record_failure(conf, db, id, err, 0);
		}
		ms->failed++;
		log_warning("mail %s '%s' not sent (attempt %s%s): %s", id, PQgetvalue(res, 0, MAIL_COL_SUBJECT),
		            PQgetvalue(res, 0, MAIL_COL_ATTEMPTS), gave_up ? ", given up" : ", will retry", err);
		if (ms->errors != NULL)
			json_array_append_new(ms->errors, json_pack("{s:s, s:s}", "mail", id, "error", err));
		PQclear(res);
	}
	return 0;
}
