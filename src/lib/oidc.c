#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjose/cjose.h>
#include <sodium.h>

#include "fetch.h"
#include "log.h"
#include "oidc.h"
#include "util.h"

#define ID_TOKEN_MAX 16384
#define META_MAX_BYTES (512 * 1024)

static const char *const result_names[] = {
	[OIDC_OK] = "ok",
	[OIDC_E_MALFORMED] = "malformed_token",
	[OIDC_E_ALG] = "algorithm_refused",
	[OIDC_E_KID] = "unknown_key",
	[OIDC_E_SIGNATURE] = "bad_signature",
	[OIDC_E_ISSUER] = "wrong_issuer",
	[OIDC_E_AUDIENCE] = "wrong_audience",
	[OIDC_E_EXPIRED] = "expired",
	[OIDC_E_FUTURE] = "issued_in_future",
	[OIDC_E_NONCE] = "wrong_nonce",
	[OIDC_E_EMAIL] = "email_not_verified",
	[OIDC_E_DOMAIN] = "domain_not_allowed",
};

const char *
oidc_result_name(enum oidc_result r)
{
	return (size_t)r < ARRAY_SIZE(result_names) ? result_names[r] : "unknown";
}

static enum oidc_result
fail(enum oidc_result r, char *why, size_t whysz, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum oidc_result
fail(enum oidc_result r, char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	utf8_vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
	return r;
}

/* The key type an algorithm needs: the only pairs accepted.  An HMAC
 * ("HS256") has none, so a token that asks for one is refused before any
 * key is looked at: a public RSA key can never be used as an HMAC secret. */
static const char *
alg_kty(const char *alg)
{
	if (strcmp(alg, "RS256") == 0)
		return "RSA";
	if (strcmp(alg, "ES256") == 0)
		return "EC";
	return NULL;
}

/* The protected header, decoded by hand so that alg is judged before
 * libcjose parses anything. */
static json_t *
jws_header(const char *tok)
{
	const char *dot = strchr(tok, '.');
	uint8_t *raw = NULL;
	size_t rawlen = 0;
	cjose_err err;
	json_t *h;

	if (dot == NULL || dot == tok || !cjose_base64url_decode(tok, (size_t)(dot - tok), &raw, &rawlen, &err))
		return NULL;
	h = json_loadb((const char *)raw, rawlen, JSON_REJECT_DUPLICATES, NULL);
	free(raw);
	if (h != NULL && !json_is_object(h)) {
		json_decref(h);
		h = NULL;
	}
	return h;
}

/* The key of jwks for kid (NULL: the token names none; then the only key
 * of type kty) whose type fits alg; NULL when none does. */
static const json_t *
jwks_find(const json_t *jwks, const char *kid, const char *kty, const char *alg)
{
	const json_t *keys = json_object_get(jwks, "keys"), *k, *found = NULL;
	size_t i;
	int n = 0;

	json_array_foreach(keys, i, k) {
		const char *t = json_string_value(json_object_get(k, "kty"));
		const char *id = json_string_value(json_object_get(k, "kid"));
		const char *use = json_string_value(json_object_get(k, "use"));
		const char *kalg = json_string_value(json_object_get(k, "alg"));

		if (t == NULL || strcmp(t, kty) != 0 || (use != NULL && strcmp(use, "sig") != 0) ||
		    (kalg != NULL && strcmp(kalg, alg) != 0))
			continue;
		if (kid != NULL && (id == NULL || strcmp(id, kid) != 0))
			continue;
		if (strcmp(kty, "EC") == 0 && !json_is_string(json_object_get(k, "crv")))
			continue;
		if (strcmp(kty, "EC") == 0 && strcmp(json_string_value(json_object_get(k, "crv")), "P-256") != 0)
			continue;
		found = k;
		n++;
	}
	/* without a kid, a choice between several keys would be a guess */
	return n == 1 || (kid != NULL && n > 0) ? found : NULL;
}

static int
aud_has(const json_t *aud, const char *client_id, size_t *n)
{
	const json_t *a;
	size_t i;
	int has = 0;

	*n = 0;
	if (json_is_string(aud)) {
		*n = 1;
		return strcmp(json_string_value(aud), client_id) == 0;
	}
	if (!json_is_array(aud))
		return 0;
	json_array_foreach(aud, i, a) {
		if (!json_is_string(a))
			return 0;
		has |= strcmp(json_string_value(a), client_id) == 0;
	}
	*n = json_array_size(aud);
	return has;
}

/* A NumericDate claim: 1 with *v, 0 when absent, -1 when not a number. */
static int
num_claim(const json_t *claims, const char *name, double *v)
{
	const json_t *j = json_object_get(claims, name);

	if (j == NULL)
		return 0;
	if (!json_is_number(j))
		return -1;
	*v = json_number_value(j);
	return 1;
}

/* Whether word is one of the space-separated words of list, in any case. */
static int
word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; *p; ) {
		size_t k = strcspn(p, " ");
		if (k == n && n > 0 && strncasecmp(p, word, n) == 0)
			return 1;
		p += k;
		p += strspn(p, " ");
	}
	return 0;
}

static enum oidc_result
check_claims(const json_t *c, const struct oidc_expect *x, struct oidc_identity *id, char *why, size_t whysz)
{
	const char *iss = json_string_value(json_object_get(c, "iss"));
	const char *azp = json_string_value(json_object_get(c, "azp"));
	const char *nonce = json_string_value(json_object_get(c, "nonce"));
	const char *sub = json_string_value(json_object_get(c, "sub"));
	const char *email = json_string_value(json_object_get(c, "email"));
	const char *name = json_string_value(json_object_get(c, "name"));
	const char *hd = json_string_value(json_object_get(c, "hd"));
	const json_t *ev = json_object_get(c, "email_verified");
	double now = (double)x->now, exp, iat, nbf;
	size_t naud;
	int r;

	if (iss == NULL || (strcmp(iss, x->issuer) != 0 && (x->issuer_alt == NULL || strcmp(iss, x->issuer_alt) != 0)))
		return fail(OIDC_E_ISSUER, why, whysz, "iss is not the issuer %s", x->issuer);
	if (!aud_has(json_object_get(c, "aud"), x->client_id, &naud))
		return fail(OIDC_E_AUDIENCE, why, whysz, "aud does not hold the client id");
	if ((naud > 1 && azp == NULL) || (azp != NULL && strcmp(azp, x->client_id) != 0))
		return fail(OIDC_E_AUDIENCE, why, whysz, "azp is not the client id");
	if ((r = num_claim(c, "exp", &exp)) != 1)
		return fail(OIDC_E_MALFORMED, why, whysz, "exp is %s", r == 0 ? "missing" : "not a number");
	if (exp <= now - x->skew)
		return fail(OIDC_E_EXPIRED, why, whysz, "exp is %.0f s past", now - exp);
	if ((r = num_claim(c, "iat", &iat)) != 1)
		return fail(OIDC_E_MALFORMED, why, whysz, "iat is %s", r == 0 ? "missing" : "not a number");
	if (iat > now + x->skew)
		return fail(OIDC_E_FUTURE, why, whysz, "iat is %.0f s ahead of the clock", iat - now);
	if (iat < now - x->max_age - x->skew)
		return fail(OIDC_E_EXPIRED, why, whysz, "iat is %.0f s old", now - iat);
	if ((r = num_claim(c, "nbf", &nbf)) < 0)
		return fail(OIDC_E_MALFORMED, why, whysz, "nbf is not a number");
	if (r == 1 && nbf > now + x->skew)
		return fail(OIDC_E_FUTURE, why, whysz, "nbf is %.0f s ahead of the clock", nbf - now);
	if (nonce == NULL || x->nonce == NULL || strlen(nonce) != strlen(x->nonce) ||
	    sodium_memcmp(nonce, x->nonce, strlen(nonce)) != 0)
		return fail(OIDC_E_NONCE, why, whysz, "nonce %s", nonce == NULL ? "is missing" : "differs from the one sent");
	if (sub == NULL || sub[0] == '\0' || strlen(sub) >= sizeof id->sub)
		return fail(OIDC_E_MALFORMED, why, whysz, "sub is missing or longer than 255 bytes");
	if (email == NULL || !email_valid(email) || strlen(email) >= sizeof id->email)
		return fail(OIDC_E_EMAIL, why, whysz, "no usable email claim");
	/* Google sends a boolean; some providers the string "true" */
	if (!(json_is_true(ev) || (json_is_string(ev) && strcmp(json_string_value(ev), "true") == 0)))
		return fail(OIDC_E_EMAIL, why, whysz, "email_verified is not true");
	if (x->hosted_domains != NULL && x->hosted_domains[0] != '\0') {
		if (hd == NULL)
			return fail(OIDC_E_DOMAIN, why, whysz, "no hd claim (not a Google Workspace account)");
		if (!word_in(x->hosted_domains, hd))
			return fail(OIDC_E_DOMAIN, why, whysz, "hd is not an allowed domain");
	}
	snprintf(id->sub, sizeof id->sub, "%s", sub);
	snprintf(id->email, sizeof id->email, "%s", email);
	utf8_clip(id->name, sizeof id->name, name != NULL ? name : "");
	snprintf(id->hd, sizeof id->hd, "%s", hd != NULL && strlen(hd) < sizeof id->hd ? hd : "");
	return OIDC_OK;
}

enum oidc_result
oidc_verify_id_token(const char *id_token, const json_t *jwks, const struct oidc_expect *x,
                     struct oidc_identity *id, char *why, size_t whysz)
{
	enum oidc_result r = OIDC_E_MALFORMED;
	const char *alg, *kid, *kty;
	const json_t *key;
	json_t *hdr = NULL, *claims = NULL;
	cjose_jws_t *jws = NULL;
	cjose_jwk_t *jwk = NULL;
	cjose_err err;
	char *keytext = NULL;
	uint8_t *plain = NULL;
	size_t plainlen = 0, len = id_token != NULL ? strlen(id_token) : 0;

	memset(id, 0, sizeof *id);
	if (len == 0 || len > ID_TOKEN_MAX)
		return fail(OIDC_E_MALFORMED, why, whysz, "the ID token is empty or longer than %d bytes", ID_TOKEN_MAX);
	if ((hdr = jws_header(id_token)) == NULL)
		return fail(OIDC_E_MALFORMED, why, whysz, "the ID token's header is not base64url JSON");
	alg = json_string_value(json_object_get(hdr, "alg"));
	kid = json_string_value(json_object_get(hdr, "kid"));
	if (json_object_get(hdr, "kid") != NULL && kid == NULL) {
		r = fail(OIDC_E_MALFORMED, why, whysz, "the header's kid is not a string");
		goto out;
	}
	if (alg == NULL || (kty = alg_kty(alg)) == NULL) {
		char a[24];
		r = fail(OIDC_E_ALG, why, whysz, "alg %s is not allowed (RS256 or ES256 only)",
		         alg != NULL ? utf8_clip(a, sizeof a, alg) : "(missing)");
		goto out;
	}
	/* a JWS with "crit", or a JWE, is not an ID token this client reads */
	if (json_object_get(hdr, "crit") != NULL || json_object_get(hdr, "enc") != NULL) {
		r = fail(OIDC_E_MALFORMED, why, whysz, "the header has crit or enc");
		goto out;
	}
	if ((key = jwks_find(jwks, kid, kty, alg)) == NULL) {
		char k[80];
		r = fail(OIDC_E_KID, why, whysz, "no %s key %s in the provider's JWKS", kty,
		         kid != NULL ? utf8_clip(k, sizeof k, kid) : "(no kid)");
		goto out;
	}
	if ((keytext = json_dumps(key, JSON_COMPACT)) == NULL ||
	    (jwk = cjose_jwk_import(keytext, strlen(keytext), &err)) == NULL) {
		r = fail(OIDC_E_KID, why, whysz, "the provider's key %s does not load: %s", kid ? kid : "", err.message);
		goto out;
	}
	if ((jws = cjose_jws_import(id_token, len, &err)) == NULL) {
		r = fail(OIDC_E_MALFORMED, why, whysz, "not a compact JWS: %s", err.message);
		goto out;
	}
	if (!cjose_jws_verify(jws, jwk, &err)) {
		r = fail(OIDC_E_SIGNATURE, why, whysz, "the %s signature does not verify with the key %s", alg,
		         kid ? kid : "(no kid)");
		goto out;
	}
	if (!cjose_jws_get_plaintext(jws, &plain, &plainlen, &err) ||
	    (claims = json_loadb((const char *)plain, plainlen, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    !json_is_object(claims)) {
		r = fail(OIDC_E_MALFORMED, why, whysz, "the claims are not a JSON object");
		goto out;
	}
	r = check_claims(claims, x, id, why, whysz);
out:
	json_decref(claims);
	json_decref(hdr);
	free(keytext);
	cjose_jws_release(jws);      /* plain belongs to jws */
	if (jwk != NULL)
		cjose_jwk_release(jwk);
	return r;
}

void
oidc_pkce_challenge(const char *verifier, char out[44])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)verifier, strlen(verifier));
	sodium_bin2base64(out, 44, h, sizeof h, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* GET url within timeout seconds; a JSON object, or NULL with why. */
static json_t *
get_json(const char *url, long timeout, const char *what, char *why, size_t whysz)
{
	struct fetch f = { .url = url };
	json_t *j = NULL;

	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
		snprintf(why, whysz, "the %s URL is not http(s)", what);
		return NULL;
	}
	fetch_run(&f, 1, timeout, 1, NULL);
	if (f.answer.status < 0)
		snprintf(why, whysz, "the %s could not be fetched: %s", what, f.error);
	else if (f.answer.status != 200)
		snprintf(why, whysz, "the %s answered HTTP %ld", what, f.answer.status);
	else if (f.answer.body.len > META_MAX_BYTES)
		snprintf(why, whysz, "the %s is larger than %d bytes", what, META_MAX_BYTES);
	else if ((j = json_loadb(f.answer.body.data, f.answer.body.len, 0, NULL)) == NULL || !json_is_object(j)) {
		json_decref(j);
		j = NULL;
		snprintf(why, whysz, "the %s is not a JSON object", what);
	}
	fetch_answer_free(&f.answer);
	return j;
}

int
oidc_provider_meta(struct db *db, const struct oidc_provider *p, long timeout, int refresh,
                   json_t **discovery, json_t **jwks, char *why, size_t whysz)
{
	const char *params[4] = { p->name, p->issuer };
	char url[2048], *dtext = NULL, *jtext = NULL;
	const char *iss, *jwks_uri;
	PGresult *res;
	json_t *d = NULL, *k = NULL;
	int rc = -1;

	*discovery = *jwks = NULL;
	res = db_exec(db, STMT_OIDC_CACHE_GET, 2, params);
	if (db_result_status(res) == DB_OK && PQntuples(res) == 1 &&
	    (!refresh || PQgetvalue(res, 0, 3)[0] == 't') && PQgetvalue(res, 0, 2)[0] == 't') {
		d = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
		k = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
	}
	PQclear(res);
	if (d != NULL && k != NULL) {
		*discovery = d;
		*jwks = k;
		return 0;
	}
	json_decref(d);
	json_decref(k);
	d = k = NULL;

	/* OIDC Discovery 4: the issuer without its trailing slash, then the path */
	snprintf(url, sizeof url, "%.*s/.well-known/openid-configuration",
	         (int)(strlen(p->issuer) - (p->issuer[0] && p->issuer[strlen(p->issuer) - 1] == '/')), p->issuer);
	if ((d = get_json(url, timeout, "discovery document", why, whysz)) == NULL)
		goto out;
	iss = json_string_value(json_object_get(d, "issuer"));
	jwks_uri = json_string_value(json_object_get(d, "jwks_uri"));
	if (iss == NULL || strcmp(iss, p->issuer) != 0) {
		snprintf(why, whysz, "the discovery document's issuer is not %s", p->issuer);
		goto out;
	}
	if (jwks_uri == NULL || !json_is_string(json_object_get(d, "authorization_endpoint")) ||
	    !json_is_string(json_object_get(d, "token_endpoint"))) {
		snprintf(why, whysz, "the discovery document lacks jwks_uri, authorization_endpoint or token_endpoint");
		goto out;
	}
	if ((k = get_json(jwks_uri, timeout, "JWKS", why, whysz)) == NULL)
		goto out;
	if (!json_is_array(json_object_get(k, "keys"))) {
		snprintf(why, whysz, "the JWKS has no keys array");
		goto out;
	}
	dtext = json_dumps(d, JSON_COMPACT);
	jtext = json_dumps(k, JSON_COMPACT);
	params[2] = dtext;
	params[3] = jtext;
	if (dtext != NULL && jtext != NULL) {
		res = db_exec(db, STMT_OIDC_CACHE_PUT, 4, params);
		if (db_result_status(res) != DB_OK)
			log_warning("oidc: the metadata of %s is not cached: %s", p->name, db_error(db));
		PQclear(res);
	}
	*discovery = d;
	*jwks = k;
	d = k = NULL;
	rc = 0;
out:
	free(dtext);
	free(jtext);
	json_decref(d);
	json_decref(k);
	return rc;
}

/* application/x-www-form-urlencoded value */
static int
form_add(struct buf *b, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";

	if (buf_printf(b, "%s%s=", b->len ? "&" : "", name) < 0)
		return -1;
	for (const unsigned char *s = (const unsigned char *)value; *s; s++) {
		char enc[3] = { '%', hex[*s >> 4], hex[*s & 15] };
		int plain = (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		            *s == '-' || *s == '.' || *s == '_' || *s == '~';
		if (buf_append(b, plain ? (const char *)s : enc, plain ? 1 : 3) < 0)
			return -1;
	}
	return 0;
}

char *
oidc_escape(const char *s)
{
	struct buf b = { 0 };

	if (form_add(&b, "", s) < 0) {
		buf_free(&b);
		return NULL;
	}
	memmove(b.data, b.data + 1, b.len);     /* form_add's "=" */
	return b.data;
}

/* client_secret_post when the provider lists it and not basic; else basic */
static int
wants_post(const json_t *discovery)
{
	const json_t *m = json_object_get(discovery, "token_endpoint_auth_methods_supported"), *v;
	size_t i;
	int basic = m == NULL, post = 0;

	json_array_foreach(m, i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), "client_secret_basic") == 0)
			basic = 1;
		if (json_is_string(v) && strcmp(json_string_value(v), "client_secret_post") == 0)
			post = 1;
	}
	return post && !basic;
}

char *
oidc_exchange_code(const struct oidc_provider *p, const json_t *discovery, const char *secret,
                   const char *code, const char *verifier, const char *redirect_uri, long timeout,
                   long *status, char *error, size_t errorsz, char *why, size_t whysz)
{
	const char *endpoint = json_string_value(json_object_get(discovery, "token_endpoint"));
	struct buf form = { 0 };
	struct fetch f = { 0 };
	char *user = NULL, *pass = NULL, *out = NULL;
	json_t *j = NULL;
	int post = wants_post(discovery);

	error[0] = '\0';
	*status = -1;
	if (endpoint == NULL) {
		snprintf(why, whysz, "no token endpoint");
		return NULL;
	}
	/* client_secret_basic: both form-encoded first (RFC 6749 2.3.1) */
	if (!post) {
		struct buf u = { 0 }, s = { 0 };
		if (form_add(&u, "", p->client_id) < 0 || form_add(&s, "", secret) < 0) {
			buf_free(&u);
			buf_free(&s);
			snprintf(why, whysz, "out of memory");
			return NULL;
		}
		user = xstrdup(u.data + 1);
		pass = xstrdup(s.data + 1);
		sodium_memzero(s.data, s.len);
		buf_free(&u);
		buf_free(&s);
	}
	if (form_add(&form, "grant_type", "authorization_code") < 0 || form_add(&form, "code", code) < 0 ||
	    form_add(&form, "redirect_uri", redirect_uri) < 0 || form_add(&form, "code_verifier", verifier) < 0 ||
	    (post && (form_add(&form, "client_id", p->client_id) < 0 || form_add(&form, "client_secret", secret) < 0))) {
		snprintf(why, whysz, "out of memory");
		goto out;
	}
	f.url = endpoint;
	f.form = form.data;
	f.user = user;
	f.password = pass;
	fetch_run(&f, 1, timeout, 1, NULL);
	*status = f.answer.status;
	if (f.answer.status < 0) {
		snprintf(why, whysz, "the token endpoint could not be reached: %s", f.error);
		goto out;
	}
	j = json_loadb(f.answer.body.data ? f.answer.body.data : "", f.answer.body.len, 0, NULL);
	if (f.answer.status != 200) {
		const char *e = json_string_value(json_object_get(j, "error"));
		char clip[64];
		snprintf(error, errorsz, "%s", e ? utf8_clip(clip, sizeof clip, e) : "");
		snprintf(why, whysz, "the token endpoint answered HTTP %ld%s%s", f.answer.status,
		         e ? ": " : "", e ? clip : "");
		goto out;
	}
	if (!json_is_string(json_object_get(j, "id_token"))) {
		snprintf(why, whysz, "the token answer has no id_token");
		goto out;
	}
	out = xstrdup(json_string_value(json_object_get(j, "id_token")));
out:
	if (f.answer.body.data != NULL)
		sodium_memzero(f.answer.body.data, f.answer.body.len);
	fetch_answer_free(&f.answer);
	json_decref(j);        /* holds the access token: jansson frees, the body was wiped */
	if (form.data != NULL)
		sodium_memzero(form.data, form.len);
	buf_free(&form);
	if (pass != NULL) {
		sodium_memzero(pass, strlen(pass));
		free(pass);
	}
	free(user);
	return out;
}

const char *
oidc_token_failure(long status, const char *error)
{
	if (error != NULL && strcmp(error, "invalid_grant") == 0)
		return "code_refused";
	/* the provider is down or overloaded, whatever its body says */
	if (status < 0 || status >= 500 ||
	    (error != NULL && (strcmp(error, "server_error") == 0 || strcmp(error, "temporarily_unavailable") == 0)))
		return "provider_unavailable";
	return "provider_error";
}

int
oidc_domain_valid(const char *d)
{
	size_t n = strlen(d), label = 0;
	int labels = 1;

	if (n < 3 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = d[i];
		if (c == '.') {
			/* no empty label, none ending in a hyphen */
			if (label == 0 || d[i - 1] == '-')
				return 0;
			label = 0;
			labels++;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && label > 0)))
			return 0;
		if (++label > 63)
			return 0;
	}
	return labels >= 2 && label > 0 && d[n - 1] != '-';
}

int
oidc_provider_allowed(const char *list, const char *name)
{
	if (list == NULL || list[strspn(list, " ")] == '\0')
		return 1;
	return word_in(list, name);
}

json_t *
oidc_rule_audit(const json_t *rule)
{
	return json_pack("{s:O, s:O, s:O, s:O}", "providers", json_object_get(rule, "providers"), "sessions_ended",
	                 json_object_get(rule, "sessions_ended"), "tokens_revoked", json_object_get(rule, "tokens_revoked"),
	                 "reset_links_voided", json_object_get(rule, "reset_links_voided"));
}

void
oidc_way_in(const struct conf *conf, const char *domain, const char *providers, char *out, size_t n)
{
	struct buf b = { 0 };
	int shown = 0;

	buf_printf(&b, "Accounts of %s sign in through their provider, not with a password: use ", domain);
	for (size_t i = 0; i < conf->oidc.nproviders; i++) {
		const struct oidc_provider *p = &conf->oidc.providers[i];
		if (!oidc_provider_allowed(providers, p->name))
			continue;
		buf_printf(&b, "%s\"%s\"", shown ? " or " : "", p->label);
		shown++;
	}
	if (shown)
		buf_printf(&b, " above.");
	if (b.data == NULL || !shown)
		snprintf(out, n, "Accounts of %s sign in through a provider that is not set up now, not with a "
		         "password. Ask an administrator.", domain);
	else
		utf8_clip(out, n, b.data);
	buf_free(&b);
}

int
oidc_rule_check(const struct conf *conf, char *domain, const char *const *names, size_t n, char *pgarray,
                size_t pgsz, const char **field, char *err, size_t errsz)
{
	size_t len = 0;
	char d[64];

	for (char *c = domain; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	*field = "domain";
	if (!oidc_domain_valid(domain)) {
		snprintf(err, errsz, "'%s' is not a domain name such as example.com (the part of an email address "
		         "after the @)", utf8_clip(d, sizeof d, domain));
		return -1;
	}
	*field = "providers";
	if (conf->oidc.nproviders == 0) {
		snprintf(err, errsz, "no sign-in provider is configured (oidc.providers in the configuration file): "
		         "the users of %s could not sign in at all", domain);
		return -1;
	}
	if (n > CONF_MAX_OIDC_PROVIDERS) {
		snprintf(err, errsz, "at most %d providers", CONF_MAX_OIDC_PROVIDERS);
		return -1;
	}
	len = (size_t)snprintf(pgarray, pgsz, "{");
	for (size_t i = 0; i < n; i++) {
		size_t k;
		for (k = 0; k < conf->oidc.nproviders; k++)
			if (strcmp(conf->oidc.providers[k].name, names[i]) == 0)
				break;
		if (k == conf->oidc.nproviders) {
			snprintf(err, errsz, "'%s' is not a configured sign-in provider (see oidc.providers)",
			         utf8_clip(d, sizeof d, names[i]));
			return -1;
		}
		/* configured names are letters, digits, _ and -: nothing to quote */
		len += (size_t)snprintf(pgarray + len, len < pgsz ? pgsz - len : 0, "%s%s", i ? "," : "", names[i]);
	}
	if (len + 2 > pgsz) {
		snprintf(err, errsz, "too many providers");
		return -1;
	}
	snprintf(pgarray + len, pgsz - len, "}");
	return 0;
}
