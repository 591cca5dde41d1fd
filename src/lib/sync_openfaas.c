/* ocim-sync's polling of the clusters' OpenFaaS gateways (the client is
 * openfaas.c): what runs, its health, replication and usage. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fetch.h"
#include "log.h"
#include "openfaas.h"
#include "sync.h"
#include "util.h"

/* One cluster's calls to its OpenFaaS gateway. */
struct faas_cluster {
	const char *id;
	char urls[4][1200];
	char *credtext;                 /* decrypted {"username", "password"}, wiped after */
	json_t *cred;
	char keyerr[260];               /* why stored credentials do not open, or "" */
};

/* Asks the OpenFaaS gateway of every cluster (of opt->project_id, or all)
 * what runs, all clusters' calls at once: reachability is the cluster's
 * online flag, the answers go on the instances with their time.  A gateway
 * whose instances function does not answer marks the cluster offline and
 * leaves the last data (and its age) as it was; another function that does
 * not answer leaves its own part as it was. */
void
sync_openfaas(const struct conf *conf, struct db *db, const struct secret_key *key, const struct sync_options *opt,
              struct sync_stats *st)
{
	const char *names[4] = { conf->openfaas.instances, conf->openfaas.instance_errors,
	                         conf->openfaas.replication_stats, conf->openfaas.usage_report };
	char pid[24];
	const char *params[1] = { NULL };
	struct faas_cluster *fc = NULL;
	struct fetch *calls = NULL;
	PGresult *res;
	size_t n;

	if (opt->project_id > 0) {
		snprintf(pid, sizeof pid, "%ld", opt->project_id);
		params[0] = pid;
	}
	res = db_exec(db, STMT_SYNC_FAAS_CLUSTERS, 1, params);
	n = db_result_status(res) == DB_OK ? (size_t)PQntuples(res) : 0;
	if (n == 0)
		goto out;
	fc = calloc(n, sizeof *fc);
	calls = calloc(4 * n, sizeof *calls);
	if (fc == NULL || calls == NULL) {
		log_error("OpenFaaS: out of memory");
		goto out;
	}
	for (size_t r = 0; r < n; r++) {
		const char *gateway = PQgetvalue(res, (int)r, 1);
		const char *user, *pass;

		fc[r].id = PQgetvalue(res, (int)r, 0);
		fc[r].credtext = PQgetisnull(res, (int)r, 2) ? NULL : secret_open(key, PQgetvalue(res, (int)r, 2));
		fc[r].cred = fc[r].credtext ? json_loads(fc[r].credtext, 0, NULL) : NULL;
		if (fc[r].credtext == NULL && !PQgetisnull(res, (int)r, 2)) {
			char why[200];

			snprintf(fc[r].keyerr, sizeof fc[r].keyerr, "the OpenFaaS credentials cannot be opened: %s",
			         secret_why(key, PQgetvalue(res, (int)r, 2), why, sizeof why));
			log_warning("cluster %s: %s", fc[r].id, fc[r].keyerr);
		}
		user = json_string_value(json_object_get(fc[r].cred, "username"));
		pass = json_string_value(json_object_get(fc[r].cred, "password"));
		for (int k = 0; k < 4; k++) {
			if (openfaas_url(fc[r].urls[k], sizeof fc[r].urls[k], gateway, names[k]) < 0)
				fc[r].urls[k][0] = '\0';        /* fails below as no answer */
			calls[4 * r + (size_t)k] = (struct fetch){ .url = fc[r].urls[k], .user = user ? user : "",
			                                           .password = pass ? pass : "", .form = "" };
		}
	}
	fetch_run(calls, 4 * n, opt->timeout, opt->concurrency, NULL);
	for (size_t r = 0; r < n; r++) {
		struct fetch *c = &calls[4 * r];
		char err[300] = "", ignored[300];
		json_t *running, *errors, *repl, *usage, *rows, *item;
		size_t i;

		st->requests += 4;
		running = openfaas_answer(&c[0], names[0], err, sizeof err);
		if (!json_is_array(running)) {
			const char *op[3] = { fc[r].id, "false", fc[r].keyerr[0] ? fc[r].keyerr :
			                      err[0] ? err : "OpenFaaS instances: not a list" };
			PQclear(db_exec(db, STMT_SYNC_CLUSTER_ONLINE, 3, op));
			log_warning("cluster %s: %s", fc[r].id, op[2]);
			json_decref(running);
			continue;
		}
		errors = openfaas_answer(&c[1], names[1], ignored, sizeof ignored);
		repl = openfaas_answer(&c[2], names[2], ignored, sizeof ignored);
		usage = openfaas_answer(&c[3], names[3], ignored, sizeof ignored);
		rows = json_array();
		json_array_foreach(running, i, item) {
			const char *name = json_string_value(json_object_get(item, "name"));
			if (name == NULL)
				continue;
			json_array_append_new(rows, json_pack("{s:s, s:o, s:s, s:O?, s:O?}", "name", name,
			                                      "pods", openfaas_pods(item, errors, name),
			                                      "health", openfaas_health(item, errors, name),
			                                      "replication", json_object_get(repl, name),
			                                      "usage", json_object_get(usage, name)));
		}
		{
			char *text = json_dumps(rows, JSON_COMPACT);
			const char *rp[2] = { fc[r].id, text };
			const char *op[3] = { fc[r].id, "true", NULL };
			PQclear(db_exec(db, STMT_SYNC_RUNTIME, 2, rp));
			PQclear(db_exec(db, STMT_SYNC_CLUSTER_ONLINE, 3, op));
			free(text);
		}
		json_decref(rows);
		json_decref(running);
		json_decref(errors);
		json_decref(repl);
		json_decref(usage);
	}
out:
	for (size_t r = 0; fc != NULL && r < n; r++) {
		json_decref(fc[r].cred);
		if (fc[r].credtext != NULL) {
			sodium_memzero(fc[r].credtext, strlen(fc[r].credtext));
			free(fc[r].credtext);
		}
	}
	for (size_t k = 0; calls != NULL && k < 4 * n; k++)
		fetch_answer_free(&calls[k].answer);
	free(calls);
	free(fc);
	PQclear(res);
}
