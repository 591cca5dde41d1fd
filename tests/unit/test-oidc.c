/* The ID token checks (src/lib/oidc.c), with tokens signed here by keys
 * the test makes: RS256 and ES256 accepted, alg none and an HMAC keyed
 * with the public key refused, and each claim check (OIDC Core 3.1.3.7). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <cjose/cjose.h>
#include <jansson.h>

#include "lib/oidc.h"
#include "tap.h"

#define ISS "https://idp.example.com"
#define CID "ocim-client"
#define NONCE "n0nce-0123456789abcdef"
#define NOW 1700000000

static cjose_jwk_t *rsa, *ec, *rsa_other;
static json_t *jwks;

/* the public half of k as a JWK object with kid */
static json_t *
public_jwk(cjose_jwk_t *k, const char *kid)
{
	cjose_err err;
	char *s;
	json_t *j;

	ck_assert(cjose_jwk_set_kid(k, kid, strlen(kid), &err));
	s = cjose_jwk_to_json(k, false, &err);
	ck_assert_ptr_nonnull(s);
	j = json_loads(s, 0, NULL);
	free(s);
	return j;
}

static void
setup(void)
{
	static const uint8_t e[] = { 1, 0, 1 };
	cjose_err err;

	rsa = cjose_jwk_create_RSA_random(2048, e, sizeof e, &err);
	rsa_other = cjose_jwk_create_RSA_random(2048, e, sizeof e, &err);
	ec = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &err);
	ck_assert(rsa && ec && rsa_other);
	jwks = json_pack("{s:[o, o]}", "keys", public_jwk(rsa, "rsa1"), public_jwk(ec, "ec1"));
}

static void
teardown(void)
{
	cjose_jwk_release(rsa);
	cjose_jwk_release(rsa_other);
	cjose_jwk_release(ec);
	json_decref(jwks);
}

static json_t *
good_claims(void)
{
	return json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:b, s:s}", "iss", ISS, "sub", "1234567890", "aud", CID,
	                 "exp", NOW + 300, "iat", NOW - 10, "nonce", NONCE, "email", "ada@example.com",
	                 "email_verified", 1, "name", "Ada");
}

/* claims signed by k with alg (and kid) */
static char *
sign(cjose_jwk_t *k, const char *alg, const char *kid, json_t *claims)
{
	cjose_err err;
	cjose_header_t *h = cjose_header_new(&err);
	char *body = json_dumps(claims, JSON_COMPACT);
	const char *ser;
	cjose_jws_t *jws;
	char *out;

	cjose_header_set(h, CJOSE_HDR_ALG, alg, &err);
	if (kid != NULL)
		cjose_header_set(h, CJOSE_HDR_KID, kid, &err);
	jws = cjose_jws_sign(k, h, (const uint8_t *)body, strlen(body), &err);
	ck_assert_msg(jws != NULL, "signing: %s", err.message);
	ck_assert(cjose_jws_export(jws, &ser, &err));
	out = strdup(ser);
	cjose_jws_release(jws);
	cjose_header_release(h);
	free(body);
	json_decref(claims);
	return out;
}

/* base64url without padding */
static char *
b64(const char *s)
{
	char *out;
	size_t n;
	cjose_err err;

	ck_assert(cjose_base64url_encode((const uint8_t *)s, strlen(s), &out, &n, &err));
	return out;
}

static enum oidc_result
check_with(const char *tok, const char *hd, struct oidc_identity *id)
{
	struct oidc_expect x = { .issuer = ISS, .client_id = CID, .nonce = NONCE, .hosted_domains = hd, .now = NOW,
	                         .skew = 60, .max_age = 600 };
	char why[400];

	return oidc_verify_id_token(tok, jwks, &x, id, why, sizeof why);
}

static enum oidc_result
check(char *tok)
{
	struct oidc_identity id;
	enum oidc_result r = check_with(tok, NULL, &id);

	free(tok);
	return r;
}

START_TEST(rs256_and_es256_accepted)
{
	struct oidc_identity id;
	char *t = sign(rsa, "RS256", "rsa1", good_claims());

	ck_assert_int_eq(check_with(t, NULL, &id), OIDC_OK);
	ck_assert_str_eq(id.sub, "1234567890");
	ck_assert_str_eq(id.email, "ada@example.com");
	ck_assert_str_eq(id.name, "Ada");
	free(t);
	ck_assert_int_eq(check(sign(ec, "ES256", "ec1", good_claims())), OIDC_OK);
	/* no kid: the only key of the fitting type */
	ck_assert_int_eq(check(sign(ec, "ES256", NULL, good_claims())), OIDC_OK);
}
END_TEST

START_TEST(alg_none_refused)
{
	json_t *claims = good_claims();
	char *h = b64("{\"alg\":\"none\",\"kid\":\"rsa1\"}"), *c, *body = json_dumps(claims, JSON_COMPACT);
	char tok[4096];

	json_decref(claims);
	c = b64(body);
	snprintf(tok, sizeof tok, "%s.%s.", h, c);
	ck_assert_int_eq(check(strdup(tok)), OIDC_E_ALG);
	free(h);
	free(c);
	free(body);
}
END_TEST

/* the classic confusion: HS256 keyed with the RSA public key's bytes */
START_TEST(hmac_with_public_key_refused)
{
	cjose_err err;
	char *pub = cjose_jwk_to_json(rsa, false, &err);
	cjose_jwk_t *oct = cjose_jwk_create_oct_spec((const uint8_t *)pub, strlen(pub), &err);

	ck_assert_ptr_nonnull(oct);
	ck_assert_int_eq(check(sign(oct, "HS256", "rsa1", good_claims())), OIDC_E_ALG);
	cjose_jwk_release(oct);
	free(pub);
}
END_TEST

START_TEST(bad_signature_refused)
{
	ck_assert_int_eq(check(sign(rsa_other, "RS256", "rsa1", good_claims())), OIDC_E_SIGNATURE);
	/* an RSA key may not check an ES256 token, nor the other way round */
	ck_assert_int_eq(check(sign(ec, "ES256", "rsa1", good_claims())), OIDC_E_KID);
	ck_assert_int_eq(check(sign(rsa, "RS256", "unknown", good_claims())), OIDC_E_KID);
	ck_assert_int_eq(check(strdup("not.a.token")), OIDC_E_MALFORMED);
	ck_assert_int_eq(check(strdup("")), OIDC_E_MALFORMED);
}
END_TEST

START_TEST(times)
{
	json_t *c;

	c = good_claims();
	json_object_set_new(c, "exp", json_integer(NOW - 61));
	ck_assert_int_eq(check(sign(rsa, "RS256", "rsa1", c)), OIDC_E_EXPIRED);
	c = good_claims();
	json_object_set_new(c, "exp", json_integer(NOW - 30));       /* within the skew */
	ck_assert_int_eq(check(sign(rsa, "RS256", "rsa1", c)), OIDC_OK);
	c = good_claims();
	json_object_set_new(c, "iat", json_integer(NOW + 120));
	ck_assert_int_eq(check(sign(rsa, "RS256", "rsa1", c)), OIDC_E_FUTURE);
	c = good_claims();
	json_object_set_new(c, "iat", json_integer(NOW - 3600));
	ck_assert_int_eq(check(sign(rsa, "RS256", "rsa1", c)), OIDC_E_EXPIRED);
	c = good_claims();
	json_object_set_new(c, "nbf", json_integer(NOW + 120));
	ck_assert_int_eq(check(sign(rsa, "RS256", "rsa1", c)), OIDC_E_FUTURE);
	c = good_claims();
	json_object_del(c, "exp");
	ck_assert_int_eq(check(sign(rsa, "RS256", "rsa1", c)), OIDC_E_MALFORMED);
	c = good_claims();
	json_object_set_new(c, "iat", json_string("yesterday"));
	ck_assert_int_eq(check(sign(rsa, "RS256", "rsa1", c)), OIDC_E_MALFORMED);
}
END_TEST

START_TEST(issuer)
{
	json_t *c = good_claims();
	struct oidc_expect x = { .issuer = "https://accounts.google.com", .issuer_alt = "accounts.google.com",
	                         .client_id = CID, .nonce = NONCE, .now = NOW, .skew = 60, .max_age = 600 };
	struct oidc_identity id;
	char why[200], *t;

	json_object_set_new(c, "iss", json_string("https://evil.example.com"));
	ck_assert_int_eq(check(sign(rsa, "RS256", "rsa1", c)), OIDC_E_ISSUER);
	/* Google: both forms of its issuer */
	c = good_claims();
	json_object_set_new(c, "iss", json_string("accounts.google.com"));
	t = sign(rsa, "RS256", "rsa1", c);
	ck_assert_int_eq(oidc_verify_id_token(t, jwks, &x, &id, why, sizeof why), OIDC_OK);
	free(t);
	c = good_claims();
	json_object_set_new(c, "iss", json_string("https://accounts.google.com"));
	t = sign(rsa, "RS256", "rsa1", c);
	ck_assert_int_eq(oidc_verify_id_token(t, jwks, &x, &id, why, sizeof why), OIDC_OK);
	free(t);
}
END_TEST

START_TEST(audience)
{
	json_t *c = good_claims();

	json_object_set_new(c, "aud", json_string("another-client"));
	ck_assert_int_eq(check(sign(rsa, "RS256", "rsa1", c)), OIDC_E_AUDIENCE);
	/* several audiences: azp must name this client */
	c = good_claims();
	json_object_set_new(c, "aud", json_pack("[s, s]", "other", CID));
	ck_assert_int_eq(check(sign(rsa, "RS256", "rsa1", c)), OIDC_E_AUDIENCE);
	c = good_claims();
	json_object_set_new(c, "aud", json_pack("[s, s]", "other", CID));
	json_object_set_new(c, "azp", json_string(CID));
	ck_assert_int_eq(check(sign(rsa, "RS256", "rsa1", c)), OIDC_OK);
	c = good_claims();
	json_object_set_new(c, "azp", json_string("other"));
	ck_assert_int_eq(check(sign(rsa, "RS256", "rsa1", c)), OIDC_E_AUDIENCE);
}
END_TEST

START_TEST(nonce)
{
	json_t *c = good_claims();

	json_object_set_new(c, "nonce", json_string("another-nonce-0123456"));
	ck_assert_int_eq(check(sign(rsa, "RS256", "rsa1", c)), OIDC_E_NONCE);
	c = good_claims();
	json_object_del(c, "nonce");
	ck_assert_int_eq(check(sign(rsa, "RS256", "rsa1", c)), OIDC_E_NONCE);
}
END_TEST

START_TEST(email_verified)
{
	json_t *c = good_claims();

	json_object_set_new(c, "email_verified", json_false());
	ck_assert_int_eq(check(sign(rsa, "RS256", "rsa1", c)), OIDC_E_EMAIL);
	c = good_claims();
	json_object_del(c, "email_verified");
	ck_assert_int_eq(check(sign(rsa, "RS256", "rsa1", c)), OIDC_E_EMAIL);
	c = good_claims();
	json_object_del(c, "email");
	ck_assert_int_eq(check(sign(rsa, "RS256", "rsa1", c)), OIDC_E_EMAIL);
	c = good_claims();
	json_object_set_new(c, "email_verified", json_string("true"));
	ck_assert_int_eq(check(sign(rsa, "RS256", "rsa1", c)), OIDC_OK);
}
END_TEST

START_TEST(hosted_domain)
{
	struct oidc_identity id;
	json_t *c = good_claims();
	char *t;

	t = sign(rsa, "RS256", "rsa1", json_incref(c));
	ck_assert_int_eq(check_with(t, "example.com example.org", &id), OIDC_E_DOMAIN);      /* no hd */
	free(t);
	json_object_set_new(c, "hd", json_string("evil.com"));
	t = sign(rsa, "RS256", "rsa1", json_incref(c));
	ck_assert_int_eq(check_with(t, "example.com example.org", &id), OIDC_E_DOMAIN);
	free(t);
	json_object_set_new(c, "hd", json_string("Example.ORG"));
	t = sign(rsa, "RS256", "rsa1", c);
	ck_assert_int_eq(check_with(t, "example.com example.org", &id), OIDC_OK);
	ck_assert_int_eq(check_with(t, NULL, &id), OIDC_OK);
	free(t);
}
END_TEST

START_TEST(pkce_s256)
{
	char out[44];

	/* RFC 7636 appendix B */
	oidc_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", out);
	ck_assert_str_eq(out, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}
END_TEST

START_TEST(token_failure_codes)
{
	/* the provider down, slow or failing: unavailable, whatever the body says */
	ck_assert_str_eq(oidc_token_failure(-1, ""), "provider_unavailable");
	ck_assert_str_eq(oidc_token_failure(503, "server_error"), "provider_unavailable");
	ck_assert_str_eq(oidc_token_failure(502, ""), "provider_unavailable");
	ck_assert_str_eq(oidc_token_failure(500, "invalid_request"), "provider_unavailable");
	ck_assert_str_eq(oidc_token_failure(400, "temporarily_unavailable"), "provider_unavailable");
	/* a used or forged code */
	ck_assert_str_eq(oidc_token_failure(400, "invalid_grant"), "code_refused");
	/* the provider's own refusal */
	ck_assert_str_eq(oidc_token_failure(401, "invalid_client"), "provider_error");
	ck_assert_str_eq(oidc_token_failure(400, ""), "provider_error");
	ck_assert_str_eq(oidc_token_failure(200, ""), "provider_error");
}
END_TEST

START_TEST(domains)
{
	static const char *const good[] = { "example.com", "corp.example", "a.b.c.example", "x-y.example",
	                                    "1.example", "xn--bcher-kva.example" };
	static const char *const bad[] = { "", "com", "localhost", "Example.com", "-a.example", "a-.example",
	                                   "a..example", ".example.com", "example.com.", "ex ample.com",
	                                   "ex_ample.com", "a@example.com", "b\xc3\xbc" "cher.example" };
	char label64[80];

	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		ck_assert_msg(oidc_domain_valid(good[i]), "%s", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(!oidc_domain_valid(bad[i]), "%s", bad[i]);
	memset(label64, 'a', 64);
	snprintf(label64 + 64, sizeof label64 - 64, ".example");
	ck_assert(!oidc_domain_valid(label64));
	ck_assert(oidc_domain_valid(label64 + 1));      /* 63 is the most */
}
END_TEST

/* a configuration with two providers, as conf.c would load it */
static char n_google[] = "google", l_google[] = "Sign in with Google";
static char n_kc[] = "keycloak", l_kc[] = "Staff SSO";

static void
two_providers(struct conf *c)
{
	memset(c, 0, sizeof *c);
	c->oidc.nproviders = 2;
	c->oidc.providers[0].name = n_google;
	c->oidc.providers[0].label = l_google;
	c->oidc.providers[1].name = n_kc;
	c->oidc.providers[1].label = l_kc;
}

START_TEST(way_in_names_the_buttons)
{
	struct conf c;
	char msg[600];

	two_providers(&c);
	oidc_way_in(&c, "corp.example", "", msg, sizeof msg);
	ck_assert_str_eq(msg, "Accounts of corp.example sign in through their provider, not with a password: use "
	                      "\"Sign in with Google\" or \"Staff SSO\" above.");
	oidc_way_in(&c, "corp.example", "keycloak", msg, sizeof msg);
	ck_assert_str_eq(msg, "Accounts of corp.example sign in through their provider, not with a password: use "
	                      "\"Staff SSO\" above.");
	/* a rule whose providers are gone from the configuration still refuses */
	oidc_way_in(&c, "corp.example", "gone", msg, sizeof msg);
	ck_assert_ptr_nonnull(strstr(msg, "Ask an administrator"));
	ck_assert(oidc_provider_allowed("", "google"));
	ck_assert(oidc_provider_allowed(NULL, "google"));
	ck_assert(oidc_provider_allowed("keycloak google", "google"));
	ck_assert(!oidc_provider_allowed("keycloak", "google"));
	ck_assert(!oidc_provider_allowed("googlex", "google"));
}
END_TEST

START_TEST(rule_check)
{
	const char *names[2] = { "keycloak", "google" }, *field = NULL;
	char domain[64], arr[600], err[400];
	struct conf c;

	two_providers(&c);
	snprintf(domain, sizeof domain, "Corp.Example");
	ck_assert_int_eq(oidc_rule_check(&c, domain, names, 2, arr, sizeof arr, &field, err, sizeof err), 0);
	ck_assert_str_eq(domain, "corp.example");
	ck_assert_str_eq(arr, "{keycloak,google}");
	ck_assert_int_eq(oidc_rule_check(&c, domain, names, 0, arr, sizeof arr, &field, err, sizeof err), 0);
	ck_assert_str_eq(arr, "{}");
	snprintf(domain, sizeof domain, "not a domain");
	ck_assert_int_eq(oidc_rule_check(&c, domain, names, 0, arr, sizeof arr, &field, err, sizeof err), -1);
	ck_assert_str_eq(field, "domain");
	snprintf(domain, sizeof domain, "corp.example");
	names[1] = "nosuch";
	ck_assert_int_eq(oidc_rule_check(&c, domain, names, 2, arr, sizeof arr, &field, err, sizeof err), -1);
	ck_assert_str_eq(field, "providers");
	ck_assert_ptr_nonnull(strstr(err, "nosuch"));
	c.oidc.nproviders = 0;
	ck_assert_int_eq(oidc_rule_check(&c, domain, names, 0, arr, sizeof arr, &field, err, sizeof err), -1);
	ck_assert_str_eq(field, "providers");
	ck_assert_ptr_nonnull(strstr(err, "oidc.providers"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("oidc");
	TCase *tc = tcase_create("oidc");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, rs256_and_es256_accepted);
	tcase_add_test(tc, alg_none_refused);
	tcase_add_test(tc, hmac_with_public_key_refused);
	tcase_add_test(tc, bad_signature_refused);
	tcase_add_test(tc, times);
	tcase_add_test(tc, issuer);
	tcase_add_test(tc, audience);
	tcase_add_test(tc, nonce);
	tcase_add_test(tc, email_verified);
	tcase_add_test(tc, hosted_domain);
	tcase_add_test(tc, pkce_s256);
	tcase_add_test(tc, token_failure_codes);
	tcase_add_test(tc, domains);
	tcase_add_test(tc, way_in_names_the_buttons);
	tcase_add_test(tc, rule_check);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
