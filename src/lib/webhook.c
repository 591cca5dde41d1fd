#include "config.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "states.h"
#include "util.h"
#include "webhook.h"

/* The value of variable key in a [{key, value}] array, or NULL. */
static const char *
variable(const json_t *vars, const char *key)
{
	size_t i;
	json_t *v;

	json_array_foreach(vars, i, v) {
		const char *k = json_string_value(json_object_get(v, "key"));
		if (k != NULL && strcmp(k, key) == 0)
			return json_string_value(json_object_get(v, "value"));
	}
	return NULL;
}

struct kind_var {
	const char *variable;
	const char *kind;
};

/* "[AutoDeploy][Create] name ..." -> kind "create", name "name". */
static void
parse_commit_message(const char *msg, const char **kind, char *name, size_t namesz)
{
	static const struct kind_var words[] = {
		{ "[AutoDeploy][Create]", "create" }, { "[AutoDeploy][Update]", "update" },
		{ "[AutoDeploy][Archive]", "archive" }, { "[AutoDeploy][Delete]", "delete" },
	};
	size_t n;

	for (size_t i = 0; msg != NULL && i < ARRAY_SIZE(words); i++) {
		if (strncmp(msg, words[i].variable, strlen(words[i].variable)) != 0)
			continue;
		msg += strlen(words[i].variable);
		while (*msg == ' ')
			msg++;
		n = strspn(msg, "abcdefghijklmnopqrstuvwxyz0123456789-_");
		if (n > 0 && n < namesz) {
			*kind = words[i].kind;
			memcpy(name, msg, n);
			name[n] = '\0';
		}
		return;
	}
}

void
pipeline_last_message(struct pipeline_event *ev, const char *job, const char *stage, const char *detailed)
{
	char j[121], st[121];

	if (job != NULL && job[0] != '\0' && stage != NULL && stage[0] != '\0')
		snprintf(ev->last_message, sizeof ev->last_message, "job %s failed in stage %s",
		         utf8_clip(j, sizeof j, job), utf8_clip(st, sizeof st, stage));
	else if (job != NULL && job[0] != '\0')
		snprintf(ev->last_message, sizeof ev->last_message, "job %s failed", utf8_clip(j, sizeof j, job));
	else if (detailed != NULL && detailed[0] != '\0')
		utf8_clip(ev->last_message, sizeof ev->last_message, detailed);
	else
		ev->last_message[0] = '\0';
}

const char *
pipeline_time(const char *t)
{
	return time_valid(t);
}

/* A time field of object_attributes: absent or null is fine, anything else
 * must be a time in range.  Returns 0, or -1 with the field named in why. */
static int
time_field(const json_t *oa, const char *name, const char **out, char *why, size_t whysz)
{
	const json_t *v = json_object_get(oa, name);
	char shown[48];

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || time_valid(json_string_value(v)) == NULL) {
		snprintf(why, whysz, "object_attributes.%s is not a time in range (YYYY-MM-DD hh:mm:ss, years 1900 to 9999)%s%s%s",
		         name, json_is_string(v) ? ": '" : "", json_is_string(v) ? utf8_clip(shown, sizeof shown, json_string_value(v)) : "",
		         json_is_string(v) ? "'" : "");
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

/* The first failed job of a hook's builds (not one allowed to fail), or NULL. */
static const json_t *
failed_build(const json_t *builds)
{
	size_t i;
	json_t *b;

	json_array_foreach(builds, i, b) {
		const char *status = json_string_value(json_object_get(b, "status"));

		if (status != NULL && strcmp(status, "failed") == 0 && !json_is_true(json_object_get(b, "allow_failure")))
			return b;
	}
	return NULL;
}

/* The earliest started_at of a hook's builds (the hook has none of its own). */
static const char *
first_start(const json_t *builds)
{
	const char *first = NULL;
	size_t i;
	json_t *b;

	json_array_foreach(builds, i, b) {
		const char *t = pipeline_time(json_string_value(json_object_get(b, "started_at")));

		/* one format throughout a body: the text sorts as the time */
		if (t != NULL && (first == NULL || strcmp(t, first) < 0))
			first = t;
	}
	return first;
}

int
webhook_pipeline_parse(const json_t *body, struct pipeline_event *ev, char *why, size_t whysz)
{
	const json_t *oa = json_object_get(body, "object_attributes");
	const json_t *vars = json_object_get(oa, "variables");
	const json_t *id = json_object_get(oa, "id");
	const char *name, *request;
	long rid;

	memset(ev, 0, sizeof *ev);
	ev->status = json_string_value(json_object_get(oa, "status"));
	if (!json_is_integer(id) || ev->status == NULL) {
		snprintf(why, whysz, "object_attributes.id and .status are required");
		return -1;
	}
	if (vars != NULL && !json_is_array(vars))
		vars = NULL;
	ev->gitlab_id = (long long)json_integer_value(id);
	ev->ref = json_string_value(json_object_get(oa, "ref"));
	ev->sha = json_string_value(json_object_get(oa, "sha"));
	ev->url = json_string_value(json_object_get(oa, "url"));
	/* checked here, before any SQL: PostgreSQL would refuse the whole
	 * pipeline for one bad time, and its message is not for the sender */
	if (time_field(oa, "created_at", &ev->created_at, why, whysz) < 0 ||
	    time_field(oa, "finished_at", &ev->finished_at, why, whysz) < 0 ||
	    time_field(oa, "started_at", &ev->started_at, why, whysz) < 0)
		return -1;
	if (ev->started_at == NULL)
		ev->started_at = first_start(json_object_get(body, "builds"));
	ev->message = json_string_value(json_object_get(json_object_get(body, "commit"), "message"));
	{
		const json_t *job = strcmp(ev->status, "failed") == 0 ? failed_build(json_object_get(body, "builds")) : NULL;
		const json_t *detailed = json_object_get(oa, "detailed_status");

		/* a string in hooks, an object ({text, label, ...}) in the API */
		if (json_is_object(detailed))
			detailed = json_string_value(json_object_get(detailed, "label")) ? json_object_get(detailed, "label")
			                                                                 : json_object_get(detailed, "text");
		pipeline_last_message(ev, json_string_value(json_object_get(job, "name")),
		                      json_string_value(json_object_get(job, "stage")), json_string_value(detailed));
	}
	/* the trigger variable names the action (states.c) */
	for (size_t i = 0; i < action_kind_count && ev->kind == NULL; i++)
		if (action_kinds[i].trigger != NULL && variable(vars, action_kinds[i].trigger) != NULL)
			ev->kind = action_kinds[i].kind;
	name = variable(vars, "INSTANCE_NAME");
	if (ev->kind == NULL && name != NULL && variable(vars, "CONFIG_OVERRIDES") != NULL)
		ev->kind = "update";
	if (name != NULL && strlen(name) < sizeof ev->instance)
		snprintf(ev->instance, sizeof ev->instance, "%s", name);
	else if (name == NULL)
		parse_commit_message(ev->message, &ev->kind, ev->instance, sizeof ev->instance);
	request = variable(vars, "DEPLOYMENT_REQUEST_ID");
	if (request != NULL && parse_long(request, &rid) == 0 && rid > 0)
		ev->request_id = rid;
	if (strlen(ev->status) > 64) {
		snprintf(why, whysz, "object_attributes.status is not a pipeline status");
		return -1;
	}
	/* oversized text is dropped rather than stored */
	if (ev->ref != NULL && strlen(ev->ref) > 1000)
		ev->ref = NULL;
	if (ev->sha != NULL && strlen(ev->sha) > 100)
		ev->sha = NULL;
	if (ev->url != NULL && strlen(ev->url) > 2000)
		ev->url = NULL;
	return 0;
}

const char *
webhook_apply_pipeline(struct db *db, long project_id, const char *gitlab_url, const struct pipeline_event *ev,
                       char *why, size_t whysz)
{
	const char *kind, *state, *params[13];
	char pid[24], gid[24], reason[160], ipid[24], stored_kind[32] = "", rid[24], status[65];
	PGresult *res;
	long dbpid, instance = 0;
	int failed;

	why[0] = '\0';

	snprintf(pid, sizeof pid, "%ld", project_id);
	snprintf(gid, sizeof gid, "%lld", ev->gitlab_id);
	params[0] = pid;
	params[1] = gid;
	params[2] = ev->status;
	params[3] = ev->ref;
	params[4] = ev->sha;
	params[5] = url_on_host(ev->url, gitlab_url);
	params[6] = ev->last_message[0] ? ev->last_message : NULL;
	params[7] = ev->created_at;
	params[8] = ev->instance[0] ? ev->instance : NULL;
	params[9] = ev->finished_at;
	params[10] = ev->kind;
	params[11] = pipeline_final_array();
	params[12] = ev->started_at;
	res = db_exec(db, STMT_PIPELINE_UPSERT, 13, params);
	if (db_result_status(res) != DB_OK) {
		/* the database's own words go to the log, never to an answer */
		log_error("pipeline %s of project %s not stored: %s", gid, pid, db_error(db));
		snprintf(why, whysz, "pipeline not stored: database error");
		PQclear(res);
		return why;
	}
	parse_long(PQgetvalue(res, 0, 0), &dbpid);
	if (!PQgetisnull(res, 0, 1))
		parse_long(PQgetvalue(res, 0, 1), &instance);
	snprintf(stored_kind, sizeof stored_kind, "%s", PQgetvalue(res, 0, 2));
	/* the status as stored: a late waiting status after a final one is not */
	snprintf(status, sizeof status, "%s", PQgetvalue(res, 0, 3));
	PQclear(res);
	snprintf(ipid, sizeof ipid, "%ld", dbpid);

	/* DEPLOYMENT_REQUEST_ID is the id of the action that asked for it */
	if (ev->request_id > 0) {
		const char *ap[3] = { rid, ipid, pid };
		snprintf(rid, sizeof rid, "%ld", ev->request_id);
		res = db_exec(db, STMT_ACTION_PIPELINE, 3, ap);
		/* the action that asked for the pipeline knows best what it does */
		if (db_result_status(res) == DB_OK && PQntuples(res) == 1)
			snprintf(stored_kind, sizeof stored_kind, "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	kind = stored_kind[0] != '\0' ? stored_kind : ev->kind;
	if (instance == 0)
		return NULL;
	state = pipeline_next_state(kind, status, &failed);
	if (state == NULL) {
		/* no state follows from it, but it is the instance's latest */
		char iid[24];
		const char *lp[2] = { iid, ipid };

		snprintf(iid, sizeof iid, "%ld", instance);
		res = db_exec(db, STMT_INSTANCE_LATEST_PIPELINE, 2, lp);
		if (db_result_status(res) != DB_OK) {
			log_error("instance %s: latest pipeline not updated: %s", iid, db_error(db));
			snprintf(why, whysz, "instance's latest pipeline not updated: database error");
		}
		PQclear(res);
		return why[0] ? why : NULL;
	}
	snprintf(reason, sizeof reason, "pipeline #%s %s", gid, failed ? status : "");
	{
		char iid[24];
		const char *sp[5] = { iid, state, failed ? reason : NULL, ipid, instance_pending_array() };

		snprintf(iid, sizeof iid, "%ld", instance);
		res = db_exec(db, STMT_INSTANCE_PIPELINE_STATE, 5, sp);
		if (db_result_status(res) != DB_OK) {
			log_error("instance %s: state not updated: %s", iid, db_error(db));
			snprintf(why, whysz, "instance state not updated: database error");
		}
		PQclear(res);
	}
	return why[0] ? why : NULL;
}

