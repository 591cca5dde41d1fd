#!/usr/bin/python3
"""A fake OpenID Connect provider for Ocim's tests and demo (loopback only).

Built on Debian's python3-authlib: its JOSE part makes the keys (JsonWebKey),
signs the ID tokens (jwt) and publishes the JWKS; its RFC 7636 part checks
PKCE.  Run by /usr/bin/python3 (Debian's, which has authlib).

Usage: oidc.py [--port N] [--client-id ID] [--client-secret S] [--issuer URL]
               [--user JSON] [--pick]
Prints "port N" once listening.

  GET  /.well-known/openid-configuration   discovery
  GET  /jwks                               the public keys (RSA, and EC once switched)
  GET  /authorize?...                      signs the configured user in at once and
                                           redirects back with code and state; with
                                           --pick, shows a page with a button first
  POST /token                              client_secret_basic or _post, code once,
                                           redirect_uri and PKCE S256 checked
Test control (no auth):
  POST   /_control/user    {"sub", "email", "email_verified", "name", "hd"}
  POST   /_control/faults  any of: {"deny": true} (access_denied),
         "exp": seconds from now, "iat": seconds from now, "nbf": seconds from now,
         "aud": "...", "iss": "...", "nonce": "...", "bad_signature": true,
         "alg": "ES256" (sign with the EC key), "status": N (discovery, JWKS and
         token answer N), "slow": seconds (they wait first), "token_status": N
         (the token endpoint alone answers N, with "token_body" as its text:
         a proxy's HTML page, say; default {"error": "server_error"})
  DELETE /_control/faults
  POST   /_control/rotate  a new RSA key signs from now on; the JWKS holds only it
  GET    /_control/requests  the paths asked, in order; DELETE to forget
"""
import argparse
import base64
import html
import json
import secrets
import threading
import time
import urllib.parse
from http.server import ThreadingHTTPServer

from authlib.jose import JsonWebKey, jwt
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from quiet_http import QuietHandler


class Provider:
    def __init__(self, issuer, client_id, client_secret, user):
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.user = user
        self.lock = threading.Lock()
        self.faults = {}
        self.codes = {}             # code -> request it answers
        self.requests = []
        self.n = 0
        self.ec = JsonWebKey.generate_key("EC", "P-256", {"kid": "ec-1", "use": "sig"}, is_private=True)
        # signs the bad_signature tokens; made now, as a key takes a while on a busy machine
        self.foreign = JsonWebKey.generate_key("RSA", 2048, {"kid": "foreign"}, is_private=True)
        self.rotate()

    def rotate(self):
        self.n += 1
        self.rsa = JsonWebKey.generate_key("RSA", 2048, {"kid": "rsa-%d" % self.n, "use": "sig"}, is_private=True)

    def jwks(self):
        return {"keys": [self.rsa.as_dict(is_private=False), self.ec.as_dict(is_private=False)]}

    def discovery(self):
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "claims_supported": ["sub", "email", "email_verified", "name", "hd"],
            "code_challenge_methods_supported": ["S256"],
        }

    def id_token(self, req):
        f, now = self.faults, int(time.time())
        claims = {
            "iss": f.get("iss", self.issuer),
            "aud": f.get("aud", self.client_id),
            "sub": self.user["sub"],
            "email": self.user["email"],
            "email_verified": self.user.get("email_verified", True),
            "name": self.user.get("name", ""),
            "iat": now + int(f.get("iat", 0)),
            "exp": now + int(f.get("exp", 300)),
            "nonce": f.get("nonce", req["nonce"]),
        }
        if "nbf" in f:
            claims["nbf"] = now + int(f["nbf"])
        if self.user.get("hd"):
            claims["hd"] = self.user["hd"]
        if f.get("alg") == "ES256":
            key, alg = self.ec, "ES256"
        else:
            key, alg = self.rsa, "RS256"
        kid = key.as_dict()["kid"]
        if f.get("bad_signature"):
            # the header names the provider's key; another key signs
            key = JsonWebKey.import_key(dict(self.foreign.as_dict(is_private=True), kid=kid))
        return jwt.encode({"alg": alg, "kid": kid}, claims, key).decode()


class Handler(QuietHandler):

    @property
    def p(self):
        return self.server.provider

    def send(self, status, body=b"", ctype="application/json", headers=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def faulted(self):
        """Applies the slow and status faults; True when it answered."""
        f = self.p.faults
        if f.get("slow"):
            time.sleep(float(f["slow"]))
        if f.get("status"):
            self.send(int(f["status"]), {"error": "server_error"})
            return True
        return False

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        with self.p.lock:
            self.p.requests.append(url.path)
        if url.path == "/_control/requests":
            return self.send(200, self.p.requests)
        if url.path.startswith("/_control/"):
            return self.send(404, {"error": "not_found"})
        # the sign-in page itself stays up: the faults are for Ocim's own requests
        if url.path != "/authorize" and self.faulted():
            return None
        if url.path == "/.well-known/openid-configuration":
            return self.send(200, self.p.discovery())
        if url.path == "/jwks":
            return self.send(200, self.p.jwks())
        if url.path == "/authorize":
            return self.authorize(dict(urllib.parse.parse_qsl(url.query)))
        return self.send(404, {"error": "not_found"})

    def authorize(self, q):
        if q.get("client_id") != self.p.client_id or not q.get("redirect_uri"):
            return self.send(400, "unknown client or no redirect_uri", "text/plain")
        back = q["redirect_uri"]
        sep = "&" if "?" in back else "?"
        if self.p.faults.get("deny"):
            loc = back + sep + urllib.parse.urlencode({
                "error": "access_denied", "error_description": "The user denied the request",
                "state": q.get("state", "")})
            return self.send(302, b"", "text/plain", [("Location", loc)])
        if (q.get("response_type") != "code" or q.get("code_challenge_method") != "S256"
                or not q.get("code_challenge") or "openid" not in q.get("scope", "").split()):
            loc = back + sep + urllib.parse.urlencode({"error": "invalid_request", "state": q.get("state", "")})
            return self.send(302, b"", "text/plain", [("Location", loc)])
        if self.server.pick and q.get("go") != "1":
            # a provider's sign-in page, reduced to one button
            return self.send(200, PICK_PAGE % {
                "email": html.escape(self.p.user["email"]),
                "query": html.escape(urllib.parse.urlencode(dict(q, go="1")))}, "text/html; charset=utf-8")
        code = secrets.token_urlsafe(24)
        with self.p.lock:
            self.p.codes[code] = {"redirect_uri": back, "challenge": q["code_challenge"],
                                  "nonce": q.get("nonce", ""), "used": False}
        loc = back + sep + urllib.parse.urlencode({"code": code, "state": q.get("state", "")})
        return self.send(302, b"", "text/plain", [("Location", loc)])

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        raw = self.body()
        with self.p.lock:
            self.p.requests.append(url.path)
        if url.path == "/_control/user":
            self.p.user = json.loads(raw)
            return self.send(204)
        if url.path == "/_control/faults":
            self.p.faults = json.loads(raw)
            return self.send(204)
        if url.path == "/_control/rotate":
            with self.p.lock:
                self.p.rotate()
            return self.send(204)
        if url.path != "/token":
            return self.send(404, {"error": "not_found"})
        if self.faulted():
            return None
        f = self.p.faults
        if f.get("token_status"):
            body = f.get("token_body", {"error": "server_error"})
            return self.send(int(f["token_status"]), body, "application/json" if isinstance(body, dict) else "text/html")
        return self.token(dict(urllib.parse.parse_qsl(raw.decode())))

    def do_DELETE(self):
        if self.path == "/_control/faults":
            self.p.faults = {}
        elif self.path == "/_control/requests":
            self.p.requests = []
        else:
            return self.send(404, {"error": "not_found"})
        return self.send(204)

    def token(self, form):
        cid, secret = form.get("client_id"), form.get("client_secret")
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            u, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
            cid, secret = urllib.parse.unquote_plus(u), urllib.parse.unquote_plus(pw)
        if cid != self.p.client_id or secret != self.p.client_secret:
            return self.send(401, {"error": "invalid_client"})
        if form.get("grant_type") != "authorization_code":
            return self.send(400, {"error": "unsupported_grant_type"})
        with self.p.lock:
            req = self.p.codes.get(form.get("code", ""))
            if req is None or req["used"]:
                return self.send(400, {"error": "invalid_grant", "error_description": "unknown or used code"})
            req["used"] = True
        if form.get("redirect_uri") != req["redirect_uri"]:
            return self.send(400, {"error": "invalid_grant", "error_description": "redirect_uri differs"})
        if create_s256_code_challenge(form.get("code_verifier", "")) != req["challenge"]:
            return self.send(400, {"error": "invalid_grant", "error_description": "PKCE verifier"})
        return self.send(200, {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer",
                               "expires_in": 3600, "id_token": self.p.id_token(req)})


PICK_PAGE = """<!doctype html><html><head><title>Demo provider</title></head>
<body style="font-family:sans-serif;max-width:30em;margin:4em auto">
<h1>Demo sign-in provider</h1>
<p>This stands in for Google in the demo.  Sign in to Ocim as <b>%(email)s</b>?</p>
<p><a id="continue" href="/authorize?%(query)s">Continue as %(email)s</a></p>
</body></html>"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--client-id", default="ocim-test")
    ap.add_argument("--client-secret", default="fake-oidc-secret")
    ap.add_argument("--issuer")
    ap.add_argument("--user", default='{"sub": "fake-sub-1", "email": "oidc@example.com", '
                                      '"email_verified": true, "name": "OIDC User"}')
    ap.add_argument("--pick", action="store_true", help="show a page with a button before signing in")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    port = srv.server_address[1]
    srv.provider = Provider(a.issuer or "http://127.0.0.1:%d" % port, a.client_id, a.client_secret,
                            json.loads(a.user))
    srv.pick = a.pick
    print("port %d" % port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
