/* OpenID Connect relying party: the ID token's checks (OIDC Core
 * 3.1.3.7), PKCE, and the provider's discovery document and JWKS, fetched
 * with libcurl within a few seconds and cached in the database.
 *
 * JOSE is libcjose's (docs/oidc.md says why): it parses the
 * keys and checks the signature.  Which algorithm and which key may be used
 * is decided here, before libcjose sees the token: only RS256 and ES256,
 * with a key of the matching type from the provider's JWKS; never "none",
 * never an HMAC (whose key would be public). */
#ifndef OCIM_OIDC_H
#define OCIM_OIDC_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "conf.h"
#include "db.h"

/* What the ID token must say. */
struct oidc_expect {
	const char *issuer;             /* iss must equal it */
	const char *issuer_alt;         /* or this (Google: "accounts.google.com"), or NULL */
	const char *client_id;          /* in aud; azp, when present, equal to it */
	const char *nonce;              /* the one sent with the authorization request */
	const char *hosted_domains;     /* space-separated hd values allowed; NULL or "": any */
	time_t now;
	long skew;                      /* seconds of clock difference tolerated */
	long max_age;                   /* iat no older than this many seconds */
};

/* Who the token names, once it passed every check. */
struct oidc_identity {
	char sub[256];
	char email[255];
	char name[201];
	char hd[256];
};

enum oidc_result {
	OIDC_OK,
	OIDC_E_MALFORMED,               /* not a JWS, or bad JSON, or a claim of the wrong type */
	OIDC_E_ALG,                     /* none, HMAC, or an algorithm not allowed */
	OIDC_E_KID,                     /* no key of the JWKS fits: refresh it and try again */
	OIDC_E_SIGNATURE,
	OIDC_E_ISSUER,
	OIDC_E_AUDIENCE,                /* aud or azp */
	OIDC_E_EXPIRED,                 /* exp past, or iat too old */
	OIDC_E_FUTURE,                  /* iat or nbf ahead of the clock */
	OIDC_E_NONCE,
	OIDC_E_EMAIL,                   /* no email, or not verified */
	OIDC_E_DOMAIN,                  /* hd missing or not allowed */
};

/* A short name of r for the audit log ("bad_signature"). */
const char *oidc_result_name(enum oidc_result r);

/* Checks the compact JWS id_token against the JWK set jwks ({"keys":[...]})
 * and x.  Returns OIDC_OK with id filled, or the first check that failed
 * with a technical reason in why (it names no part of the token but its
 * header's alg and kid, and claim names). */
enum oidc_result oidc_verify_id_token(const char *id_token, const json_t *jwks, const struct oidc_expect *x,
                                      struct oidc_identity *id, char *why, size_t whysz);

/* s percent-encoded for a query string (RFC 3986 unreserved kept); caller
 * frees; NULL when out of memory. */
char *oidc_escape(const char *s);

/* PKCE (RFC 7636): the S256 challenge of verifier, base64url without
 * padding, into out (44 bytes). */
void oidc_pkce_challenge(const char *verifier, char out[44]);

/* The provider's discovery document and JWKS, from the cache in the
 * database when it is younger than a day (and not refresh), else fetched
 * (within timeout seconds each) and stored.  Returns 0 with *discovery
 * and *jwks (new references), or -1 with the reason in why. */
int oidc_provider_meta(struct db *db, const struct oidc_provider *p, long timeout, int refresh,
                       json_t **discovery, json_t **jwks, char *why, size_t whysz);

/* The token request: exchanges code (with verifier) at the discovery
 * document's token endpoint, authenticated by client_secret_basic or
 * client_secret_post as the document allows.  Returns the id_token (caller
 * frees and wipes), or NULL with the reason in why and, when the provider
 * answered with an OAuth error, its code in error (e.g. "invalid_grant"). */
char *oidc_exchange_code(const struct oidc_provider *p, const json_t *discovery, const char *secret,
                         const char *code, const char *verifier, const char *redirect_uri, long timeout,
                         long *status, char *error, size_t errorsz, char *why, size_t whysz);

/* The login page's code for a token request that gave no ID token, from
 * the endpoint's HTTP status (-1: no answer in time) and OAuth error code
 * ("" none): "code_refused" (invalid_grant), "provider_unavailable" (no
 * answer, a 5xx, server_error, temporarily_unavailable), else
 * "provider_error". */
const char *oidc_token_failure(long status, const char *error);

/* Whether d is a domain a rule may name: lower-case labels of letters,
 * digits and inner hyphens (63 at most), at least two, 253 bytes at most. */
int oidc_domain_valid(const char *d);

/* Whether name is one of the space-separated words of list ("" or NULL:
 * any name). */
int oidc_provider_allowed(const char *list, const char *name);

/* Checks a domain rule before it is stored (API and ocimctl alike):
 * domain (lower-cased in place) must pass oidc_domain_valid, a provider
 * must be configured, and each of the n names too.  Writes the names as a
 * PostgreSQL text[] ("{a,b}", "{}" for any) into pgarray.  Returns 0, or
 * -1 with the field at fault ("domain", "providers") in *field and a
 * sentence in err. */
int oidc_rule_check(const struct conf *conf, char *domain, const char *const *names, size_t n, char *pgarray,
                    size_t pgsz, const char **field, char *err, size_t errsz);

/* The audit detail of a rule just added (STMT_OIDC_RULE_ADD's answer), the
 * same from the API and ocimctl: its providers and what it ended. */
json_t *oidc_rule_audit(const json_t *rule);

/* The sentence that refuses a password login of an address of domain,
 * whose rule allows providers (space-separated, "": any): it names the
 * configured buttons to use instead. */
void oidc_way_in(const struct conf *conf, const char *domain, const char *providers, char *out, size_t n);

#endif
