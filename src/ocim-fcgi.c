/* ocim-fcgi: the FastCGI responder.  Accepts on fd 0 (as spawn-fcgi and
 * systemd socket activation hand it over) or on --socket PATH, serves at
 * most fcgi.max_requests requests and exits so the supervisor starts a
 * fresh process.  SIGTERM, SIGINT and SIGUSR1 end it after the current
 * request. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "lib/app.h"
#include "lib/conf.h"
#include "lib/db.h"
#include "lib/http.h"
#include "lib/log.h"
#include "lib/util.h"

static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

static void
usage(FILE *out)
{
	fputs("usage: ocim-fcgi [--config PATH] [--socket PATH] [--max-requests N]\n"
	      "\n"
	      "FastCGI responder of Ocim.  Without --socket it accepts on file descriptor 0,\n"
	      "as spawn-fcgi and systemd socket activation provide it.\n"
	      "\n"
	      "  -c, --config PATH      configuration file (default $OCIM_CONFIG or " SYSCONFDIR "/ocim/ocim.yml)\n"
	      "  -s, --socket PATH      listen on this unix socket instead (development)\n"
	      "  -n, --max-requests N   exit after N requests (default fcgi.max_requests)\n"
	      "  -h, --help             this text\n"
	      "  -V, --version          print the version\n", out);
}

/* Reads exactly len bytes of the request body.  Returns 0 or -1. */
static int
read_body(FCGX_Request *fr, struct request *req, size_t len)
{
	size_t got = 0;

	req->body = malloc(len + 1);
	if (req->body == NULL)
		return -1;
	while (got < len) {
		int n = FCGX_GetStr(req->body + got, (int)(len - got), fr->in);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	req->body[got] = '\0';
	req->body_len = got;
	return 0;
}

/* Discards what is left of the body so the web server sees a clean end. */
static void
drain_body(FCGX_Request *fr)
{
	char sink[16384];

	while (FCGX_GetStr(sink, sizeof sink, fr->in) > 0)
		;
}

static void
serve(struct app *app, FCGX_Request *fr)
{
	struct request req;
	struct response resp;
	struct buf out = { 0 };
	const char *field;
	char err[256];

	response_init(&resp);
	if (request_init(&req, fr->envp, &field, err, sizeof err) < 0) {
		log_set_request_id(req.request_id);
		drain_body(fr);
		response_error(&resp, 400, "bad_request", field, "%s", err);
	} else {
		long cap = app_body_cap(app, req.path);

		log_set_request_id(req.request_id);
		if (req.content_length > cap) {
			drain_body(fr);
			response_error(&resp, 413, "too_large", "body",
			               "request body larger than %ld bytes", cap);
		} else if (req.content_length > 0 && read_body(fr, &req, (size_t)req.content_length) < 0) {
			response_error(&resp, 400, "bad_request", "body", "request body shorter than Content-Length");
		} else {
			app_handle(app, &req, &resp);
		}
	}
	if (response_serialize(&resp, req.method == HTTP_HEAD, &out) == 0) {
		FCGX_PutStr(out.data, (int)out.len, fr->out);
	} else {
		/* no memory for the answer: a fixed one rather than none at all */
		static const char body[] = "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\",\"field\":null}}\n";

		log_error("no memory to write the %d answer; answering 500", resp.status);
		FCGX_FPrintF(fr->out, "Status: 500 Internal Server Error\r\nContent-Type: application/json\r\n"
		             "Content-Length: %d\r\n\r\n%s", (int)sizeof body - 1, body);
		resp.status = 500;
	}
	if (resp.status >= 500)
		log_warning("%s %s -> %d", http_method_name(req.method), req.path ? req.path : "?", resp.status);
	else
		log_debug("%s %s -> %d", http_method_name(req.method), req.path ? req.path : "?", resp.status);
	buf_free(&out);
	response_free(&resp);
	request_free(&req);
	log_set_request_id(NULL);
}

/* Fatal start-up errors wait a second before exiting, so a supervisor that
 * restarts responders (multiwatch) cannot spin on a broken configuration. */
static int
fail_start(void)
{
	sleep(1);
	return 2;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "max-requests", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_arg = NULL, *socket_path = NULL;
	long max_requests = 0, served = 0;
	struct conf conf;
	struct app app = { 0 };
	struct sigaction sa;
	FCGX_Request fr;
	char err[512];
	int opt, fd = 0;

	log_set_program("ocim-fcgi");
	while ((opt = getopt_long(argc, argv, "c:s:n:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': config_arg = optarg; break;
		case 's': socket_path = optarg; break;
		case 'n':
			if (parse_long(optarg, &max_requests) < 0 || max_requests < 1) {
				fprintf(stderr, "ocim-fcgi: --max-requests must be a positive integer\n");
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		case 'V': puts("ocim-fcgi " PACKAGE_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	if (conf_defaults(&conf) < 0 || conf_load_file(&conf, conf_path(config_arg), err, sizeof err) < 0) {
		log_error("configuration: %s", err);
		conf_free(&conf);
		return fail_start();
	}
	log_set_level((enum log_level)log_level_parse(conf.log.level));
	if (max_requests == 0)
		max_requests = conf.fcgi.max_requests;

	if (FCGX_Init() != 0) {
		log_error("FCGX_Init failed");
		conf_free(&conf);
		return fail_start();
	}
	if (socket_path != NULL) {
		fd = FCGX_OpenSocket(socket_path, 64);
		if (fd < 0) {
			log_error("cannot listen on %s: %s", socket_path, strerror(errno));
			conf_free(&conf);
			return fail_start();
		}
	}
	/* no SA_RESTART: a signal interrupts accept() and ends the loop */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	app.conf = &conf;
	app.db = db_new(&conf, "ocim-fcgi");
	if (app.db == NULL) {
		log_error("out of memory");
		conf_free(&conf);
		return fail_start();
	}
	if (db_connect(app.db) < 0)
		log_warning("database not reachable yet: %s", db_error(app.db));

	FCGX_InitRequest(&fr, fd, 0);
	while (!stopping && served < max_requests) {
		if (FCGX_Accept_r(&fr) < 0)
			break;
		serve(&app, &fr);
		FCGX_Finish_r(&fr);
		/* the answer is out: now the outside work it queued */
		app_after(&app);
		served++;
	}
	log_debug("exiting after %ld requests%s", served, stopping ? " (signal)" : "");
	FCGX_Free(&fr, 0);
	secret_key_wipe(&app.key);
	db_free(app.db);
	conf_free(&conf);
	return 0;
}
