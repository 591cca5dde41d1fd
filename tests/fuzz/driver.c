/* Replays a fuzz corpus without libFuzzer: every file of the directories
 * (or files) given, or of $OCIM_SRCDIR/tests/fuzz/corpus/NAME when none is
 * given (NAME = program name without "fuzz-").  Prints TAP: one line per
 * input.  A crash or sanitizer report fails the run. */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count;

static void
run_file(const char *path)
{
	char *buf, err[256];
	size_t len;

	if (read_file(path, 16 * 1024 * 1024, &buf, &len, err, sizeof err) < 0) {
		printf("not ok %d - %s\n# %s\n", ++count, path, err);
		return;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	free(buf);
	printf("ok %d - %s\n", ++count, path);
	fflush(stdout);
}

static void
run_path(const char *path)
{
	struct stat st;
	struct dirent **names;
	int n;

	if (stat(path, &st) < 0) {
		printf("not ok %d - %s: no such file or directory\n", ++count, path);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(path);
		return;
	}
	n = scandir(path, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			char *full = malloc(strlen(path) + strlen(names[i]->d_name) + 2);
			if (full != NULL) {
				sprintf(full, "%s/%s", path, names[i]->d_name);
				run_file(full);
				free(full);
			}
		}
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			run_path(argv[i]);
	} else {
		const char *srcdir = getenv("OCIM_SRCDIR"), *base = strrchr(argv[0], '/');
		char dir[4096];

		base = base ? base + 1 : argv[0];
		if (strncmp(base, "lt-", 3) == 0)
			base += 3;
		if (strncmp(base, "fuzz-", 5) == 0)
			base += 5;
		snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", srcdir ? srcdir : ".", base);
		run_path(dir);
	}
	printf("1..%d\n", count);
	return 0;
}
