#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level min_level = LOG_INFO;
static char program[32] = "ocim";
static char request_id[64];

void
log_set_level(enum log_level level)
{
	min_level = level;
}

void
log_set_program(const char *name)
{
	snprintf(program, sizeof program, "%s", name);
}

void
log_set_request_id(const char *id)
{
	if (id == NULL)
		request_id[0] = '\0';
	else
		log_escape(request_id, sizeof request_id, id);
}

static const char *const level_names[] = { "debug", "info", "warning", "error" };

int
log_level_parse(const char *s)
{
	for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
		if (strcmp(s, level_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
log_level_name(enum log_level level)
{
	return level_names[level];
}

size_t
log_escape(char *out, size_t outsz, const char *s)
{
	size_t n = 0;
	char tmp[5];

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		const char *rep = NULL;
		switch (c) {
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\t': rep = "\\t"; break;
		case '\\': rep = "\\\\"; break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(tmp, sizeof tmp, "\\x%02x", c);
				rep = tmp;
			}
		}
		if (rep == NULL) {
			if (n + 1 < outsz)
				out[n] = (char)c;
			n++;
		} else {
			for (; *rep != '\0'; rep++, n++)
				if (n + 1 < outsz)
					out[n] = *rep;
		}
	}
	if (outsz > 0)
		out[n < outsz ? n : outsz - 1] = '\0';
	return n;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[2048], esc[4096], stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level < min_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_escape(esc, sizeof esc, msg);

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	if (request_id[0] != '\0')
		fprintf(stderr, "%s.%03ldZ %s %s[%ld] req=%s %s\n", stamp, ts.tv_nsec / 1000000L,
		        level_names[level], program, (long)getpid(), request_id, esc);
	else
		fprintf(stderr, "%s.%03ldZ %s %s[%ld] %s\n", stamp, ts.tv_nsec / 1000000L,
		        level_names[level], program, (long)getpid(), esc);
}
