"""The web part of tests/package: what a browser does with the packaged site,
through nginx over TLS (the snakeoil certificate, so unverified) on this
host's port 443, for the site's server_name.

  pkgweb.py HOST login EMAIL PASSWORD          health, the page, a login, /auth/me
  pkgweb.py HOST add-project EMAIL PASSWORD NAME GITLAB_URL TOKEN TRIGGER
  pkgweb.py HOST instances EMAIL PASSWORD      the number of instances Ocim knows
  pkgweb.py HOST redirect                      port 80 answers 301 to https

It prints what it found and exits non-zero when an answer is not as expected.
"""
import http.client
import json
import ssl
import sys


class Site:
    def __init__(self, host):
        self.host = host
        self.cookies = {}
        self.csrf = None

    def request(self, method, path, body=None):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", 443, timeout=30, context=ctx)
        # SNI and Host name the site's server_name, as a browser would
        conn.sock = ctx.wrap_socket(__import__("socket").create_connection(("127.0.0.1", 443), 30),
                                    server_hostname=self.host)
        h = {"Host": self.host}
        if body is not None:
            h["Content-Type"] = "application/json"
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if self.csrf and method != "GET":
            h["X-CSRF-Token"] = self.csrf
        conn.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=h)
        r = conn.getresponse()
        data = r.read().decode("utf-8", "replace")
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        try:
            js = json.loads(data) if data else None
        except ValueError:
            js = None
        return r.status, js, data

    def expect(self, what, status, want):
        if status != want:
            print("%s: %d, expected %d" % (what, status, want), file=sys.stderr)
            sys.exit(1)

    def login(self, email, password):
        st, js, _ = self.request("POST", "/api/v1/auth/login", {"email": email, "password": password})
        self.expect("login", st, 200)
        self.csrf = js["csrf_token"]


def main():
    host, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    site = Site(host)
    if cmd == "redirect":
        conn = http.client.HTTPConnection("127.0.0.1", 80, timeout=30)
        conn.request("GET", "/login", headers={"Host": host})
        r = conn.getresponse()
        loc = r.getheader("Location")
        if r.status != 301 or loc != "https://%s/login" % host:
            print("port 80: %d %s" % (r.status, loc), file=sys.stderr)
            return 1
        print("port 80 answers 301 to %s" % loc)
        return 0
    if cmd == "login":
        st, js, _ = site.request("GET", "/api/v1/health")
        site.expect("health", st, 200)
        print("health: %s" % json.dumps(js))
        st, _, page = site.request("GET", "/")
        site.expect("the page", st, 200)
        if '<div id="root"' not in page:
            print("the page has no root element: %s" % page[:200], file=sys.stderr)
            return 1
        site.login(args[0], args[1])
        st, js, _ = site.request("GET", "/api/v1/auth/me")
        site.expect("auth/me", st, 200)
        print("logged in over TLS as %s" % json.dumps(js))
        return 0
    site.login(args[0], args[1])
    if cmd == "add-project":
        name, url, token, trigger = args[2:6]
        st, js, body = site.request("POST", "/api/v1/projects", {
            "name": name, "gitlab_url": url, "gitlab_project_id": 1,
            "api_token": token, "trigger_token": trigger})
        if st != 201:
            print("adding the project: %d %s" % (st, body), file=sys.stderr)
            return 1
        print("project %s added: id %s" % (name, js["id"]))
        return 0
    if cmd == "instances":
        st, js, _ = site.request("GET", "/api/v1/instances")
        site.expect("instances", st, 200)
        st2, projects, _ = site.request("GET", "/api/v1/projects")
        print("%d" % len(js["items"]))
        for p in projects["items"]:
            print("# project %s: last_sync_at %s, sync_error %s" % (p.get("name"), p.get("last_sync_at"),
                                                                    p.get("sync_error")), file=sys.stderr)
        return 0
    print("unknown command %s" % cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
