/* spawn_sync: the responder starts ocim-sync after answering, detached:
 * it returns without waiting, the program runs in its own session with
 * stdin /dev/null and none of our other descriptors, and it is not our
 * child (no zombie). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/conf.h"
#include "lib/spawn.h"
#include "tap.h"

static char dir[] = "/tmp/ocim-test-spawn-XXXXXX";

/* A stand-in for ocim-sync: waits a second (a caller that waited would
 * notice), then writes what it sees into dir/out. */
static void
write_program(char *path, size_t size)
{
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, size, "%s/fake-sync", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n"
	           "sleep 1\n"
	           "{ echo \"args $*\"\n"
	           "  echo \"sid $(cut -d' ' -f6 /proc/$$/stat)\"\n"
	           "  if [ -e /proc/$$/fd/7 ]; then echo fd7-open; else echo fd7-closed; fi\n"
	           "  if read -r x; then echo stdin-data; else echo stdin-empty; fi\n"
	           "} > \"%s/out.tmp\"\n"
	           "mv \"%s/out.tmp\" \"%s/out\"\n", dir, dir, dir);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0755), 0);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(detached)
{
	const char *args[] = { "--mail", NULL };
	char prog[256], out[300], text[1024] = "", err[300], want[64];
	struct conf c;
	double t0;
	int pipefd[2], fd;
	FILE *f = NULL;

	write_program(prog, sizeof prog);
	ck_assert_int_eq(conf_defaults(&c), 0);
	free(c.sync.program);
	c.sync.program = strdup(prog);
	c.path = strdup("/etc/ocim/test.yml");
	/* a descriptor without close-on-exec, as a FastCGI socket may be */
	fd = open("/dev/null", O_RDONLY);
	ck_assert_int_eq(dup2(fd, 7), 7);
	/* our stdin is a pipe with data: the program must not get it */
	ck_assert_int_eq(pipe(pipefd), 0);
	ck_assert_int_eq(write(pipefd[1], "secret\n", 7), 7);
	dup2(pipefd[0], 0);

	t0 = now();
	ck_assert_int_eq(spawn_sync(&c, args, err, sizeof err), 0);
	ck_assert_msg(now() - t0 < 0.5, "spawn_sync waited %.2f s", now() - t0);
	snprintf(out, sizeof out, "%s/out", dir);
	ck_assert_int_eq(access(out, F_OK), -1);
	/* no child of ours is left: the middle process is reaped, the program is init's */
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);

	for (int i = 0; i < 100 && (f = fopen(out, "r")) == NULL; i++)
		usleep(50000);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_gt(fread(text, 1, sizeof text - 1, f), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "args --config /etc/ocim/test.yml --mail\n"));
	snprintf(want, sizeof want, "sid %d\n", (int)getsid(0));
	ck_assert_msg(strstr(text, want) == NULL, "same session: %s", text);
	ck_assert_ptr_nonnull(strstr(text, "fd7-closed\n"));
	ck_assert_ptr_nonnull(strstr(text, "stdin-empty\n"));
	unlink(out);
	unlink(prog);
	rmdir(dir);
	conf_free(&c);
}
END_TEST

START_TEST(errors)
{
	const char *args[] = { "--project", "3", NULL };
	char err[300];
	struct conf c;

	ck_assert_int_eq(conf_defaults(&c), 0);
	free(c.sync.program);
	c.sync.program = strdup("");
	ck_assert_int_eq(spawn_sync(&c, args, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "sync.program is empty"));
	free(c.sync.program);
	c.sync.program = strdup("/nonexistent/ocim-sync");
	ck_assert_int_eq(spawn_sync(&c, args, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/ocim-sync"));
	conf_free(&c);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("spawn");
	TCase *tc = tcase_create("spawn");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, detached);
	tcase_add_test(tc, errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(suite());
}
