#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

#define SPAWN_MAX_ARGS 16

/* In the grandchild: everything exec needs, only async-signal-safe calls. */
static void
exec_detached(const char *path, char *const *argv)
{
	struct sigaction sa;
	sigset_t none;
	int fd;

	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	dup2(2, 1);             /* stdout to the log too */
	/* the FastCGI socket, the database connection and any log file stay
	 * with the responder */
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	/* the responder ignores SIGPIPE and catches SIGTERM: ocim-sync gets
	 * the defaults */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(path, argv);
	_exit(127);
}

int
spawn_sync(const struct conf *conf, const char *const *args, char *err, size_t errsz)
{
	const char *argv[SPAWN_MAX_ARGS + 4];
	const char *path = conf->sync.program;
	int n = 0, status;
	pid_t pid, w;

	if (path == NULL || path[0] == '\0') {
		snprintf(err, errsz, "sync.program is empty: the next ocim-sync run does it");
		return -1;
	}
	if (access(path, X_OK) < 0) {
		snprintf(err, errsz, "sync.program %s: %s", path, strerror(errno));
		return -1;
	}
	argv[n++] = path;
	if (conf->path != NULL) {
		argv[n++] = "--config";
		argv[n++] = conf->path;
	}
	for (int i = 0; args != NULL && args[i] != NULL && i < SPAWN_MAX_ARGS; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(err, errsz, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* the middle process: a new session, then the program in a
		 * grandchild that init adopts once we exit */
		pid_t g;

		setsid();
		g = fork();
		if (g == 0)
			exec_detached(path, (char *const *)argv);
		_exit(g < 0 ? 1 : 0);
	}
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errsz, "could not start %s", path);
		return -1;
	}
	return 0;
}
