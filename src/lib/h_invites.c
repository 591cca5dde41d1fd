/* invites (admin): list, create, revoke. */
#include "config.h"

#include <stdio.h>

#include "accounts.h"
#include "app.h"
#include "audit.h"
#include "handler.h"
#include "input.h"
#include "util.h"

void
h_invites_list(struct app *app, struct request *req, struct response *resp)
{
	respond_page(app, req, resp, STMT_INVITE_LIST);
}

void
h_invites_create(struct app *app, struct request *req, struct response *resp)
{
	static const char *const fields[] = { "email", "role", "is_admin", NULL };
	const char *email, *role;
	enum db_status st;
	char object[40];
	json_t *inv;
	int r;

	if (input_object(resp, req->json, fields) < 0 ||
	    (email = input_string(resp, req->json, "email", 254, 1, NULL)) == NULL ||
	    (r = input_role(resp, req->json)) == -1)
		return;
	/* an invite gives the weakest role unless the admin says more */
	role = role_name(r == ROLE_NONE ? ROLE_VIEWER : (enum role)r);
	if (!email_valid(email)) {
		response_error(resp, 422, "invalid_email", "email", "'%s' is not a valid email address", email);
		return;
	}
	inv = accounts_invite(app->conf, app->db, email, role, app->caller.user_id, &st);
	if (inv == NULL && st == DB_CONFLICT) {
		response_error(resp, 409, "email_taken", "email", "a user with this email already exists");
		return;
	}
	if (inv == NULL) {
		respond_db_error(app, resp, st);
		return;
	}
	snprintf(object, sizeof object, "invite:%lld",
	         (long long)json_integer_value(json_object_get(inv, "id")));
	audit(app->db, app->caller.user_id, req->remote_addr, "invite.create", object,
	      json_pack("{s:s, s:s, s:b}", "email", email, "role", role, "mailed",
	                json_object_get(inv, "mail_error") == NULL));
	/* the mail went into the outbox with the invite: sent after the answer */
	app->after_mail = json_object_get(inv, "mail") != NULL;
	response_json(resp, 201, inv);
}

void
h_invites_revoke(struct app *app, struct request *req, struct response *resp)
{
	char cid[24], object[40];
	PGresult *res = exec_path_id(app, req, resp, STMT_INVITE_REVOKE, NULL, 404, "pending invite", cid);

	if (res == NULL)
		return;
	snprintf(object, sizeof object, "invite:%s", cid);
	audit(app->db, app->caller.user_id, req->remote_addr, "invite.revoke", object,
	      json_pack("{s:s}", "email", PQgetvalue(res, 0, 0)));
	response_json(resp, 200, json_pack("{s:b}", "revoked", 1));
	PQclear(res);
}
