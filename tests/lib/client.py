"""An HTTP client for the black-box tests: JSON in and out, a cookie jar
of one session, the CSRF token remembered from login."""
import http.client
import json
import time


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def header(self, name):
        return self.headers.get(name.lower())

    def headers_all(self, name):
        return [v for k, v in self.raw_headers if k.lower() == name.lower()]

    def error_code(self):
        return (self.json or {}).get("error", {}).get("code")

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


class Client:
    def __init__(self, port):
        self.port = port
        self.cookies = {}
        self.csrf = None

    def request(self, method, path, body=None, headers=None, raw=None, csrf=True, cookies=True):
        h = {}
        if body is not None or raw is not None:
            h["Content-Type"] = "application/json"
        if cookies and self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            h["X-CSRF-Token"] = self.csrf
        h.update(headers or {})
        h = {k: v for k, v in h.items() if v is not None}
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            payload = r.read().decode("utf-8", "replace")
            resp = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, payload)
            resp.raw_headers = r.getheaders()
        finally:
            conn.close()
        for k, v in resp.raw_headers:
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";", 1)[0]
                if value and "Max-Age=0" not in v:
                    self.cookies[name] = value
                else:
                    self.cookies.pop(name, None)
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, settle=True, **kw):
        """POST; an action request (202 with the stored action) is answered
        at once and sent by the ocim-sync the responder starts afterwards:
        with settle the client waits until that attempt is recorded, so the
        test reads its outcome in r.json; r.answered keeps the answer as it
        came."""
        r = self.request("POST", path, body if body is not None else {}, **kw)
        r.answered = r.json
        if settle and r.status == 202 and isinstance(r.json, dict) and "attempts" in r.json and "kind" in r.json:
            r.json = self.settled(r.json)
        return r

    def settled(self, action, timeout=30.0):
        """The action once its first attempt after action is recorded (it is
        neither dispatching nor queued without a trace of an attempt)."""
        deadline = time.time() + timeout
        while True:
            a = self.get("/api/v1/actions/%d" % action["id"]).json
            if a is None:
                return action
            fresh = a["attempts"] > action["attempts"] or a["last_error"] != action["last_error"]
            if a["state"] != "dispatching" and (a["state"] != "queued" or fresh):
                return a
            if time.time() > deadline:
                return a
            time.sleep(0.05)

    def patch(self, path, body, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def login(self, email, password):
        r = self.post("/api/v1/auth/login", {"email": email, "password": password})
        if r.status == 200:
            self.csrf = r.json["csrf_token"]
        return r
