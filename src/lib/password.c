#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libscrypt.h>
#include <sodium.h>

#include "log.h"
#include "password.h"
#include "util.h"

/* Hashes above these costs are refused instead of run (memory is 128·N·r). */
#define MAX_LOG2_N 20
#define MAX_R 16
#define MAX_P 16

const char *
password_policy(const char *pw, size_t len)
{
	size_t chars = 0;

	if (memchr(pw, '\0', len) != NULL)
		return "the password must not contain a NUL character";
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)pw[i];
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;

		if (n == 0 || i + n > len)
			return "the password is not valid UTF-8";
		for (size_t k = 1; k < n; k++)
			if (((unsigned char)pw[i + k] & 0xc0) != 0x80)
				return "the password is not valid UTF-8";
		if (c < 0x20 || c == 0x7f)
			return "the password must not contain control characters";
		i += n;
		chars++;
	}
	if (chars < PASSWORD_MIN_CHARS)
		return "the password must have at least 12 characters";
	if (chars > PASSWORD_MAX_CHARS)
		return "the password must have at most 128 characters";
	return NULL;
}

int
password_hash(const char *pw, char out[PASSWORD_HASH_LEN])
{
	if (libscrypt_hash(out, pw, 1u << PASSWORD_LOG2_N, PASSWORD_R, PASSWORD_P) <= 0)
		return -1;
	return 0;
}

static int
hex2(const char *s, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 2; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

int
password_parse_params(const char *mcf, struct scrypt_params *out)
{
	const char *salt, *hash;

	if (strncmp(mcf, "$s1$", 4) != 0 || strlen(mcf) < 11 || mcf[10] != '$')
		return -1;
	if (hex2(mcf + 4, &out->log2_n) < 0 || hex2(mcf + 6, &out->r) < 0 || hex2(mcf + 8, &out->p) < 0)
		return -1;
	if (out->log2_n < 1 || out->r < 1 || out->p < 1)
		return -1;
	salt = mcf + 11;
	hash = strchr(salt, '$');
	if (hash == NULL || hash == salt || hash[1] == '\0' || strchr(hash + 1, '$') != NULL)
		return -1;
	if (strlen(mcf) >= PASSWORD_HASH_LEN)
		return -1;
	return 0;
}

int
password_verify(const char *stored, const char *pw)
{
	struct scrypt_params sp;
	char copy[PASSWORD_HASH_LEN];
	int rc;

	if (password_parse_params(stored, &sp) < 0 || sp.log2_n > MAX_LOG2_N || sp.r > MAX_R ||
	    sp.p > MAX_P)
		return 0;
	/* libscrypt_check rewrites its first argument and returns <0 on error */
	memcpy(copy, stored, strlen(stored) + 1);
	rc = libscrypt_check(copy, pw);
	sodium_memzero(copy, sizeof copy);
	return rc > 0;
}

void
password_generate(char *out, size_t len)
{
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

	for (size_t i = 0; i < len; i++)
		out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	out[len] = '\0';
}

static char *blocklist_path;           /* the file the list below came from */
static char *blocklist_data;
static char **blocklist_lines;
static size_t blocklist_count;

static int
cmp_line(const void *key, const void *elem)
{
	return strcmp(key, *(char *const *)elem);
}

/* Loads the list of path, once per process and path.  Returns 0 or -1. */
static int
blocklist_load(const char *path)
{
	char err[512], *p;
	size_t len, n = 0;

	if (blocklist_lines != NULL && strcmp(blocklist_path, path) == 0)
		return 0;
	free(blocklist_path);
	free(blocklist_data);
	free(blocklist_lines);
	blocklist_path = NULL;
	blocklist_data = NULL;
	blocklist_lines = NULL;
	blocklist_count = 0;
	if (read_file(path, 16 * 1024 * 1024, &blocklist_data, &len, err, sizeof err) < 0) {
		log_error("common passwords list: %s", err);
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		n += blocklist_data[i] == '\n';
	blocklist_lines = malloc((n + 1) * sizeof *blocklist_lines);
	blocklist_path = strdup(path);
	if (blocklist_lines == NULL || blocklist_path == NULL) {
		free(blocklist_data);
		free(blocklist_lines);
		free(blocklist_path);
		blocklist_data = NULL;
		blocklist_lines = NULL;
		blocklist_path = NULL;
		return -1;
	}
	for (p = blocklist_data; *p != '\0';) {
		char *nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (*p != '\0' && *p != '#')
			blocklist_lines[blocklist_count++] = p;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}

int
password_blocked(const char *path, const char *pw)
{
	size_t n = strlen(pw);
	char *lower;
	int found;

	if (blocklist_load(path) < 0)
		return -1;
	lower = malloc(n + 1);
	if (lower == NULL)
		return -1;
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)tolower((unsigned char)pw[i]);
	found = bsearch(lower, blocklist_lines, blocklist_count, sizeof *blocklist_lines, cmp_line) != NULL;
	sodium_memzero(lower, n);
	free(lower);
	return found;
}

const char *
password_check(const char *blocklist, const char *pw, size_t len)
{
	const char *problem = password_policy(pw, len);

	if (problem != NULL)
		return problem;
	switch (password_blocked(blocklist, pw)) {
	case 0:
		return NULL;
	case 1:
		return "this password is too common: choose another one";
	default:
		return "the list of common passwords cannot be read: ask an administrator";
	}
}
