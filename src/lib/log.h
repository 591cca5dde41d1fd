/* One line per event on stderr: "2026-11-22T14:14:01Z info [req] message".
 * Control characters (newlines included) are escaped, so a value from a
 * request can never forge a second log line.  Never pass secrets. */
#ifndef OCIM_LOG_H
#define OCIM_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERROR };

void log_set_level(enum log_level level);
void log_set_program(const char *name);
/* The id of the request being served, or NULL between requests; copied. */
void log_set_request_id(const char *id);

/* Parses "debug", "info", "warning", "error"; returns -1 on anything else. */
int log_level_parse(const char *s);
const char *log_level_name(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* Writes s into out (size outsz, always NUL-terminated), escaping \n, \r,
 * \t, backslash and other control bytes as \xNN.  Returns the length the
 * escaped string would have had (like snprintf). */
size_t log_escape(char *out, size_t outsz, const char *s);

#endif
