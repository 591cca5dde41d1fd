#!/usr/bin/env python3
"""A fake GitLab (REST API v4 and webhooks) for Ocim's tests; loopback only.

Usage: gitlab.py STATE_DIR [--port N] [--repo DIR] [--project-id N | --project-ids A-B]
                 [--token T] [--trigger-token T] [--step-seconds S] [--grove-commits]
                 [--webhook-url URL --webhook-token T]
Prints "port N" once listening.

Routes (PRIVATE-TOKEN must be --token, except for the trigger):
  GET  /api/v4/projects/:id
  GET  /api/v4/projects/:id/repository/branches and /branches/:name   (main only; commit.id is the head)
  GET  /api/v4/projects/:id/repository/tree?recursive&path&per_page&ref
       with pagination=keyset (&page_token): next page only through Link: <...>; rel="next";
       without it, as GitLab: offset pagination (page, x-page, x-next-page, ..., Link)
  GET  /api/v4/projects/:id/repository/files/:path/raw?ref and /files/:path?ref (JSON, base64)
       ref: main or the head commit (the fake keeps no history; others are 404)
  GET  /api/v4/projects/:id/repository/archive[.tar.gz]?sha&path
       a tar.gz (made with tarfile, a pax global header with the commit as git
       writes it) whose entries sit under GitLab's prefix folder
       "grove-demo-<sha>[-<path>]/"; sha: main or the head commit
  GET  /api/v4/projects/:id/pipelines?updated_after&updated_before&status&ref&order_by&sort&page&per_page
       times parsed as ISO 8601 (400 if not); order_by id|status|ref|updated_at|user_id, sort asc|desc
       (GitLab's defaults: id, desc); offset pagination headers x-page, x-per-page, x-next-page,
       x-total, x-total-pages, Link
  GET  /api/v4/projects/:id/pipelines/:pid (started_at, finished_at, detailed_status {text, label, ...}),
       /pipelines/:pid/variables, /pipelines/:pid/jobs?scope[]=... (one job, "deploy-instance"
       in stage "deploy", with the pipeline's status)
  POST /api/v4/projects/:id/trigger/pipeline: token, ref and variables as a form
       (variables[NAME]=value), as JSON ({"variables": {NAME: value}}) or in the query, as GitLab
       takes them; each request is appended to STATE_DIR/triggers.jsonl as {"form": {...}, "pipeline": id};
       the pipeline moves created -> pending -> running -> success (failed with
       variables[FAIL]=1 or an INSTANCE_NAME of --fail-instances, its job failing in stage
       "deploy") every --step-seconds, calling
       --webhook-url on each change.  With --grove-commits a successful create pipeline commits
       instances/NAME/config.yml and grove.yml (as Grove's pipelines do) and a delete pipeline
       removes the folder.
Test control (no auth):
  POST   /_control/faults  {"route": regex, "kind": latency|status|rate_limit|rate_low|timeout|malformed|truncated|foreign_link|long_link|
                                    corrupt_archive|traversal_archive|absolute_archive,
                            "ms", "status", "message" (of a status fault), "retry_after", "seconds" (timeout),
                            "times" (0 = forever),
                            "after": true (the trigger makes its pipeline, then the fault replaces its answer)}
           rate_low answers as usual with RateLimit-Remaining "remaining" and RateLimit-Reset
           "reset_seconds" from now; corrupt_archive sends the archive cut in its middle,
           traversal_archive adds an entry "<prefix>/../evil.yml", absolute_archive "/etc/evil.yml"
  DELETE /_control/faults
  GET    /_control/requests, DELETE /_control/requests
  POST   /_control/commit  {"path", "content"} or {"path", "delete": true}
  POST   /_control/pipelines/:pid {"status", "updated_at" (optional, to age it), "web_url" (optional)}
  POST   /_control/tree    {"object_format": "sha1"|"sha256", "extra": [tree items]}
       sha256: blob, tree and commit ids are 64 hex digits (a repository made with
       --object-format=sha256); extra: items added to the tree as given (odd types
       or modes), until the next call
"""
import argparse
import base64
import calendar
import hashlib
import io
import json
import os
import re
import tarfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from http.server import ThreadingHTTPServer
from quiet_http import QuietHandler

STEPS = ["created", "pending", "running"]


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def hook_time():
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())


ISO_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?"
                      r"\s*(Z|UTC|[+-]\d{2}:?\d{2})?")


def parse_time(text):
    """Seconds since the epoch of an ISO 8601 time as GitLab takes it
    (2026-01-02T03:04:05.678Z, +01:00, a date alone), or None."""
    m = ISO_TIME.fullmatch(text.strip())
    if not m:
        return None
    y, mo, d, h, mi, sec, frac, zone = m.groups()
    try:
        t = calendar.timegm((int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(sec or 0), 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    if not (1 <= int(mo) <= 12 and 1 <= int(d) <= 31 and int(h or 0) < 24 and int(mi or 0) < 60):
        return None
    t += float(frac or 0)
    if zone and zone not in ("Z", "UTC"):
        sign = -1 if zone[0] == "+" else 1
        digits = zone[1:].replace(":", "")
        t += sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return t


# GitLab's detailed_status text for each status
DETAILED = {"success": "passed", "failed": "failed", "canceled": "canceled", "skipped": "skipped",
            "running": "running", "pending": "pending", "created": "created", "manual": "manual",
            "scheduled": "scheduled", "preparing": "preparing", "canceling": "canceling",
            "waiting_for_resource": "waiting"}


# what Grove's create pipeline writes into instances/NAME/ (as in tests/fixtures)
CONFIG_YML = [
    ("PLATFORM_NAME", 'PLATFORM_NAME: "{title}"\n'),
    ("LMS_HOST", "LMS_HOST: {name}.grove.example.com\n"),
    ("CMS_HOST", "CMS_HOST: studio.{name}.grove.example.com\n"),
    ("CONTACT_EMAIL", "CONTACT_EMAIL: support@example.com\n"),
    ("ENABLE_HTTPS", "ENABLE_HTTPS: true\n"),
    ("LANGUAGE_CODE", "LANGUAGE_CODE: en\n"),
    ("PLUGINS", "PLUGINS:\n  - forum\n  - mfe\n"),
]
GROVE_YML = 'TUTOR_VERSION: "17.0.1"\nGROVE_ENABLE_SHARED_ELASTICSEARCH: true\nGROVE_SITE_THEME: indigo\n'


def grove_config(name, overrides):
    """config.yml of a new instance: the defaults, then the overrides (YAML,
    as the create action sends them); a key the overrides set is left out of
    the defaults, so that no key is there twice."""
    given = set(re.findall(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:", overrides, re.M))
    text = "".join(t.format(name=name, title=name.replace("-", " ").title())
                   for key, t in CONFIG_YML if key not in given)
    if overrides.strip():
        text += overrides if overrides.endswith("\n") else overrides + "\n"
    return text


def blob_id(content, fmt="sha1"):
    data = content.encode()
    return hashlib.new(fmt, b"blob %d\0" % len(data) + data).hexdigest()


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.files = {}          # path -> content
        self.pipelines = {}      # id -> dict
        self.next_pipeline = 1000
        self.faults = []
        self.requests = []
        self.archives = {}       # (sha, path) -> tar.gz
        self.sha = "0" * 40
        self.object_format = "sha1"
        self.extra = []          # tree items served as given
        if args.repo:
            for root, _, names in os.walk(args.repo):
                for n in names:
                    full = os.path.join(root, n)
                    rel = os.path.relpath(full, args.repo)
                    with open(full, encoding="utf-8") as f:
                        self.files[rel] = f.read()
        self.touch()

    def touch(self):
        self.sha = hashlib.new(getattr(self, "object_format", "sha1"),
                               json.dumps(sorted(self.files.items())).encode()).hexdigest()
        self.committed_at = now_iso()

    def tree(self):
        items, dirs = [], set()
        for path in sorted(self.files):
            parts = path.split("/")
            for i in range(1, len(parts)):
                dirs.add("/".join(parts[:i]))
            items.append({"id": blob_id(self.files[path], self.object_format), "name": parts[-1], "type": "blob",
                          "path": path, "mode": "100644"})
        for d in dirs:
            items.append({"id": hashlib.new(self.object_format, d.encode()).hexdigest(), "name": d.split("/")[-1],
                          "type": "tree", "path": d, "mode": "040000"})
        return sorted(items + self.extra, key=lambda x: x["path"])

    def fault_for(self, path, after=False):
        """The first fault for path that applies before the route acts (or,
        with after, once it has: the route's effect stays, the answer is
        lost, as when GitLab made a pipeline and then failed to say so)."""
        with self.lock:
            for f in self.faults:
                if bool(f.get("after")) == after and re.search(f["route"], path):
                    if f.get("times", 0):
                        f["left"] = f.get("left", f["times"]) - 1
                        if f["left"] < 0:
                            continue
                    return f
        return None


class Handler(QuietHandler):
    server_version = "FakeGitLab/17.5"

    # -- plumbing ------------------------------------------------------------
    @property
    def st(self):
        return self.server.state

    def send(self, status, body=None, headers=None, raw=None, ctype=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        self.send_response(status)
        ctype = ctype or ("application/json" if raw is None else "text/plain; charset=utf-8")
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in dict(getattr(self, "extra_headers", {}), **(headers or {})).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        # read once, whatever the route does with it: left unread, it would be
        # taken for the next request on a kept-alive connection
        if not hasattr(self, "_body"):
            n = int(self.headers.get("Content-Length") or 0)
            self._body = self.rfile.read(n) if n else b""
        return self._body

    def apply_fault(self, path, after=False):
        f = self.st.fault_for(path, after)
        if f is None:
            return False
        kind = f["kind"]
        if kind == "latency":
            time.sleep(f.get("ms", 100) / 1000)
            return False
        if kind == "rate_low":
            self.extra_headers = {"RateLimit-Limit": "600", "RateLimit-Remaining": str(f.get("remaining", 0)),
                                  "RateLimit-Reset": str(int(time.time() + f.get("reset_seconds", 1)))}
            return False
        if kind in ("corrupt_archive", "traversal_archive", "absolute_archive"):
            self.archive_fault = kind
            return False
        if kind == "status":
            self.send(f.get("status", 500), {"message": f.get("message", "%d fault injected" % f.get("status", 500))})
        elif kind == "rate_limit":
            h = {"RateLimit-Limit": "600", "RateLimit-Remaining": "0", "RateLimit-Reset": str(int(time.time()) + 60)}
            if f.get("retry_after") is not None:
                h["Retry-After"] = str(f["retry_after"])
            self.send(429, {"message": "Retry later"}, h)
        elif kind == "timeout":
            time.sleep(f.get("seconds", 30))
            self.send(504, {"message": "timeout"})
        elif kind == "malformed":
            self.send(f.get("status", 200), raw=b'{"id": 1, "name": ')
        elif kind == "long_link":
            # the first page, with a next link longer than a client may keep
            page = self.st.tree()[:1]
            self.send(200, page, {"Link": '<http://%s/api/v4/projects/1/repository/tree?page_token=%s>; rel="next"'
                                          % (self.headers.get("Host"), "x" * 3000)})
        elif kind == "foreign_link":
            # a next page on another host: the client must not send its token there
            self.send(200, [], {"Link": '<http://elsewhere.test/api/v4/projects/1/repository/tree?page_token=x>; rel="next"'})
        elif kind == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'[{"id": 1')
            self.close_connection = True
        return True

    def route(self, method):
        if hasattr(self, "_body"):
            del self._body      # the handler object serves every request of a connection
        self.extra_headers = {}
        self.archive_fault = None
        self.body()
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        self.multi = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if path.startswith("/_control/"):
            return self.control(method, path)
        with self.st.lock:
            self.st.requests.append({"method": method, "path": path, "query": query, "time": time.time()})
        if self.apply_fault(path):
            return
        m = re.fullmatch(r"/api/v4/projects/(\d+)(/.*)?", path)
        if not m or int(m.group(1)) not in self.st.args.projects:
            return self.send(404, {"message": "404 Project Not Found"})
        rest = m.group(2) or ""
        self.project = int(m.group(1))
        if method == "POST" and rest == "/trigger/pipeline":
            return self.trigger()
        if self.headers.get("PRIVATE-TOKEN") != self.st.args.token:
            return self.send(401, {"message": "401 Unauthorized"})
        if method != "GET":
            return self.send(405, {"message": "405 Method Not Allowed"})
        if rest == "":
            return self.send(200, {"id": self.project, "name": "grove-demo",
                                   "description": "A Grove repository for tests",
                                   "web_url": self.web_base() + "/grove/grove-demo", "default_branch": "main",
                                   "last_activity_at": now_iso()})
        if rest == "/repository/branches":
            return self.send(200, [self.branch_json()], self.offset_headers(1, 20, 1, rest, query))
        m = re.fullmatch(r"/repository/branches/([^/]+)", rest)
        if m:
            return self.branch(urllib.parse.unquote(m.group(1)))
        if rest.startswith("/repository/") and (query.get("ref") or query.get("sha")) not in (None, "main", self.st.sha):
            # only the head of main is kept: another ref is unknown, as GitLab says it
            return self.send(404, {"message": "404 Tree Not Found" if rest.endswith("tree") else "404 File Not Found"})
        if rest == "/repository/tree":
            return self.tree(query)
        if rest in ("/repository/archive", "/repository/archive.tar.gz"):
            return self.archive(query)
        m = re.fullmatch(r"/repository/files/(.+)/raw", rest)
        if m:
            fpath = urllib.parse.unquote(m.group(1))
            if fpath not in self.st.files:
                return self.send(404, {"message": "404 File Not Found"})
            return self.send(200, raw=self.st.files[fpath].encode())
        m = re.fullmatch(r"/repository/files/([^/]+)", rest)
        if m:
            fpath = urllib.parse.unquote(m.group(1))
            if fpath not in self.st.files or not query.get("ref"):
                return self.send(404 if query.get("ref") else 400,
                                 {"message": "404 File Not Found" if query.get("ref") else "400 ref is missing"})
            data = self.st.files[fpath].encode()
            return self.send(200, {"file_name": fpath.rsplit("/", 1)[-1], "file_path": fpath, "size": len(data),
                                   "encoding": "base64", "content": base64.b64encode(data).decode(),
                                   "content_sha256": hashlib.sha256(data).hexdigest(), "ref": query["ref"],
                                   "blob_id": blob_id(self.st.files[fpath]), "commit_id": self.st.sha,
                                   "last_commit_id": self.st.sha})
        if rest == "/pipelines":
            return self.pipelines(query)
        m = re.fullmatch(r"/pipelines/(\d+)(/variables|/jobs)?", rest)
        if m:
            p = self.st.pipelines.get(int(m.group(1)))
            if p is None:
                return self.send(404, {"message": "404 Not found"})
            if m.group(2) == "/variables":
                return self.send(200, [{"key": k, "variable_type": "env_var", "value": v} for k, v in p["variables"].items()])
            if m.group(2) == "/jobs":
                return self.jobs(p)
            return self.send(200, self.public(p, detail=True))
        return self.send(404, {"message": "404 Not Found"})

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_DELETE(self):
        self.route("DELETE")

    # -- repository ------------------------------------------------------------
    def branch(self, name):
        if name != "main":
            return self.send(404, {"message": "404 Branch Not Found"})
        return self.send(200, self.branch_json())

    def web_base(self):
        """GitLab's links are on its own host (Ocim keeps no others)."""
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def branch_json(self):
        sha = self.st.sha
        return {"name": "main", "merged": False, "protected": True, "default": True,
                               "developers_can_push": False, "developers_can_merge": False, "can_push": True,
                               "web_url": "http://gitlab.test/grove/grove-demo/-/tree/main",
                               "commit": {"id": sha, "short_id": sha[:8], "title": "[AutoDeploy] fake commit",
                                          "message": "[AutoDeploy] fake commit", "parent_ids": [],
                                          "author_name": "Grove", "committed_date": self.st.committed_at,
                                          "created_at": self.st.committed_at}}

    def offset_headers(self, page, per_page, total, rest, query):
        """GitLab's offset pagination headers, Link included."""
        total_pages = max((total + per_page - 1) // per_page, 1)
        host = self.headers.get("Host") or "127.0.0.1:%d" % self.server.server_address[1]
        base = "http://%s/api/v4/projects/%d%s?" % (host, self.project, rest)
        links = []
        for rel, n in (("prev", page - 1), ("next", page + 1), ("first", 1), ("last", total_pages)):
            if 1 <= n <= total_pages:
                links.append('<%s%s>; rel="%s"' % (base, urllib.parse.urlencode(dict(query, page=n, per_page=per_page)), rel))
        return {"x-page": str(page), "x-per-page": str(per_page), "x-total": str(total),
                "x-total-pages": str(total_pages), "x-next-page": str(page + 1) if page < total_pages else "",
                "x-prev-page": str(page - 1) if page > 1 else "", "Link": ", ".join(links)}

    def page_args(self, query):
        """page and per_page as GitLab reads them (per_page at most 100), or
        None after a 400."""
        try:
            per_page = min(int(query.get("per_page") or 20), 100)
            page = max(int(query.get("page") or 1), 1)
        except ValueError:
            self.send(400, {"error": "page or per_page is invalid"})
            return None
        return page, max(per_page, 1)

    def tree(self, query):
        items = self.st.tree()
        top = query.get("path", "").strip("/")
        if top:
            if not any(it["path"] == top and it["type"] == "tree" for it in items):
                return self.send(404, {"message": "404 Tree Not Found"})
            items = [it for it in items if it["path"].startswith(top + "/")]
        if query.get("recursive", "false").lower() not in ("true", "1"):
            depth = top.count("/") + 1 if top else 0
            items = [it for it in items if it["path"].count("/") == depth]
        if query.get("pagination") != "keyset":
            # GitLab's default for the tree: numbered pages
            args = self.page_args(query)
            if args is None:
                return None
            page, per_page = args
            chunk = items[(page - 1) * per_page:page * per_page]
            return self.send(200, chunk, self.offset_headers(page, per_page, len(items), "/repository/tree", query))
        per_page = min(int(query.get("per_page") or 20), 100)
        after = query.get("page_token")
        start = 0
        if after:
            start = next((i + 1 for i, it in enumerate(items) if it["path"] == after), len(items))
        page = items[start:start + per_page]
        headers = {}
        if start + per_page < len(items):
            q = dict(query, page_token=page[-1]["path"])
            # GitLab writes its own external URL; the fake, the host it was asked on
            host = self.headers.get("Host") or "127.0.0.1:%d" % self.server.server_address[1]
            headers["Link"] = '<http://%s/api/v4/projects/%d/repository/tree?%s>; rel="next"' % (
                host, self.project, urllib.parse.urlencode(q))
        return self.send(200, page, headers)

    def archive(self, query):
        sha = self.st.sha
        sub = (query.get("path") or "").strip("/")
        prefix = "grove-demo-%s%s" % (sha, "-" + sub.replace("/", "-") if sub else "")
        headers = {"Content-Disposition": 'attachment; filename="%s.tar.gz"' % prefix}
        # GitLab keeps the archives it made; so does the fake (not the faulty ones)
        cached = self.st.archives.get((sha, sub)) if self.archive_fault is None else None
        if cached is not None:
            return self.send(200, raw=cached, ctype="application/octet-stream", headers=headers)
        with self.st.lock:
            files = {p: c for p, c in self.st.files.items() if not sub or p.startswith(sub + "/")}
        buf = io.BytesIO()
        # as git archive: pax, the commit in a global header, folders before their files
        with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT, pax_headers={"comment": sha}) as tar:
            def add(name, data=None):
                info = tarfile.TarInfo(name)
                info.mtime = 1700000000
                if data is None:
                    info.type, info.mode = tarfile.DIRTYPE, 0o775
                    tar.addfile(info)
                else:
                    info.size, info.mode = len(data), 0o664
                    tar.addfile(info, io.BytesIO(data))
            add(prefix + "/")
            dirs = set()
            for path in sorted(files):
                parts = path.split("/")
                for i in range(1, len(parts)):
                    d = "/".join(parts[:i])
                    if d not in dirs:
                        dirs.add(d)
                        add("%s/%s/" % (prefix, d))
                add("%s/%s" % (prefix, path), files[path].encode())
            if self.archive_fault == "traversal_archive":
                add(prefix + "/../evil.yml", b"A: 1\n")
            elif self.archive_fault == "absolute_archive":
                add("/etc/evil.yml", b"A: 1\n")
        data = buf.getvalue()
        if self.archive_fault == "corrupt_archive":
            data = data[:len(data) // 2]
        elif self.archive_fault is None:
            with self.st.lock:
                self.st.archives[(sha, sub)] = data
        return self.send(200, raw=data, ctype="application/octet-stream", headers=headers)

    # -- pipelines -------------------------------------------------------------
    def public(self, p, detail=False):
        out = {k: p[k] for k in ("id", "iid", "project_id", "status", "source", "ref", "sha", "web_url",
                                  "created_at", "updated_at")}
        out["name"] = None
        if detail:
            text = DETAILED.get(p["status"], p["status"])
            out.update({"started_at": p.get("started_at"), "finished_at": p.get("finished_at"),
                        "duration": None, "user": {"username": "ocim"}, "yaml_errors": None,
                        "detailed_status": {"icon": "status_" + text, "text": text, "label": text, "group": p["status"],
                                            "tooltip": text, "has_details": True,
                                            "details_path": "/grove/grove-demo/-/pipelines/%d" % p["id"]}})
        return out

    def jobs(self, p):
        """The pipeline's one job, with its status; scope[] filters by status."""
        job = {"id": p["id"] * 10, "name": "deploy-instance", "stage": "deploy", "status": p["status"],
               "ref": p["ref"], "created_at": p["created_at"], "started_at": p.get("started_at"),
               "finished_at": p.get("finished_at"), "allow_failure": False,
               "web_url": "http://gitlab.test/grove/grove-demo/-/jobs/%d" % (p["id"] * 10),
               "pipeline": {"id": p["id"], "project_id": p["project_id"], "ref": p["ref"], "sha": p["sha"],
                            "status": p["status"]}}
        scope = self.multi.get("scope[]", []) + self.multi.get("scope", [])
        return self.send(200, [job] if not scope or job["status"] in scope else [],
                         self.offset_headers(1, 20, 1, "/pipelines/%d/jobs" % p["id"], {}))

    def pipelines(self, query):
        order_by, sort = query.get("order_by") or "id", query.get("sort") or "desc"
        if order_by not in ("id", "status", "ref", "updated_at", "user_id") or sort not in ("asc", "desc"):
            return self.send(400, {"error": "order_by, sort does not have a valid value"})
        bounds = {}
        for key in ("updated_after", "updated_before"):
            if query.get(key):
                bounds[key] = parse_time(query[key])
                if bounds[key] is None:
                    return self.send(400, {"error": "%s is invalid" % key})
        args = self.page_args(query)
        if args is None:
            return None
        page, per_page = args
        with self.st.lock:
            items = [dict(p) for p in self.st.pipelines.values()]
        if "updated_after" in bounds:
            items = [p for p in items if parse_time(p["updated_at"]) > bounds["updated_after"]]
        if "updated_before" in bounds:
            items = [p for p in items if parse_time(p["updated_at"]) < bounds["updated_before"]]
        for key in ("status", "ref"):
            if query.get(key):
                items = [p for p in items if p[key] == query[key]]
        field = {"user_id": "id", "updated_at": "updated_time"}.get(order_by, order_by)
        for p in items:
            p["updated_time"] = parse_time(p["updated_at"])
        items.sort(key=lambda p: (p[field], p["id"]), reverse=sort == "desc")
        chunk = items[(page - 1) * per_page:page * per_page]
        return self.send(200, [self.public(p) for p in chunk],
                         self.offset_headers(page, per_page, len(items), "/pipelines", query))

    def trigger_params(self):
        """token, ref and variables as GitLab takes them: from the query,
        then a form or a JSON body; a flat dict with variables[NAME] keys,
        or None after a 400."""
        form = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query, keep_blank_values=True))
        raw = self.body()
        if (self.headers.get("Content-Type") or "").split(";")[0].strip().lower() == "application/json":
            try:
                data = json.loads(raw or b"{}")
            except ValueError:
                self.send(400, {"error": "The provided content-type 'application/json' is invalid JSON"})
                return None
            if not isinstance(data, dict) or not isinstance(data.get("variables", {}), dict):
                self.send(400, {"error": "variables is invalid"})
                return None
            for k, v in data.items():
                if k != "variables":
                    form[k] = v if isinstance(v, str) else json.dumps(v)
            for k, v in data.get("variables", {}).items():
                form["variables[%s]" % k] = v if isinstance(v, str) else json.dumps(v)
        else:
            form.update(urllib.parse.parse_qsl(raw.decode(errors="replace"), keep_blank_values=True))
        return form

    def trigger(self):
        form = self.trigger_params()
        if form is None:
            return None
        if form.get("token") != self.st.args.trigger_token:
            return self.send(404, {"message": "404 Not Found"})
        if not form.get("ref"):
            return self.send(400, {"message": {"ref": ["is missing"]}})
        variables = {k[10:-1]: v for k, v in form.items() if k.startswith("variables[") and k.endswith("]")}
        with self.st.lock:
            pid = self.st.next_pipeline
            self.st.next_pipeline += 1
            p = {"id": pid, "iid": pid - 999, "project_id": self.st.args.project_id, "status": "created",
                 "source": "trigger", "ref": form["ref"], "sha": self.st.sha,
                 "web_url": self.web_base() + "/grove/grove-demo/-/pipelines/%d" % pid,
                 "created_at": now_iso(), "updated_at": now_iso(), "variables": variables}
            self.st.pipelines[pid] = p
            with open(os.path.join(self.st.args.state_dir, "triggers.jsonl"), "a") as f:
                f.write(json.dumps({"form": form, "pipeline": pid}) + "\n")
        threading.Thread(target=self.server.advance, args=(pid,), daemon=True).start()
        if self.apply_fault(self.path.split("?")[0], after=True):
            return None
        return self.send(201, self.public(p, detail=True))

    # -- control -----------------------------------------------------------------
    def control(self, method, path):
        data = json.loads(self.body() or b"null") if method == "POST" else None
        if path == "/_control/faults":
            with self.st.lock:
                if method == "POST":
                    self.st.faults.append(data)
                elif method == "DELETE":
                    self.st.faults = []
            return self.send(200, {"faults": len(self.st.faults)})
        if path == "/_control/requests":
            with self.st.lock:
                if method == "DELETE":
                    self.st.requests = []
                return self.send(200, list(self.st.requests))
        if path == "/_control/commit" and method == "POST":
            with self.st.lock:
                if data.get("delete"):
                    self.st.files.pop(data["path"], None)
                else:
                    self.st.files[data["path"]] = data["content"]
                self.st.touch()
            return self.send(200, {"sha": self.st.sha})
        if path == "/_control/tree" and method == "POST":
            with self.st.lock:
                self.st.object_format = data.get("object_format", "sha1")
                self.st.extra = data.get("extra", [])
                self.st.touch()
            return self.send(200, {"sha": self.st.sha})
        m = re.fullmatch(r"/_control/pipelines/(\d+)", path)
        if m and method == "POST":
            self.server.set_status(int(m.group(1)), data["status"], data.get("updated_at"), data.get("web_url"))
            return self.send(200, {"status": data["status"]})
        return self.send(404, {"message": "no such control"})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver listens with a backlog of 5: a client opening 8 connections
    # at once would see SYNs dropped and retried a second later
    request_queue_size = 128

    def __init__(self, args):
        self.state = State(args)
        super().__init__(("127.0.0.1", args.port), Handler)

    def set_status(self, pid, status, updated_at=None, web_url=None):
        with self.state.lock:
            p = self.state.pipelines.get(pid)
            if p is None:
                return
            if web_url is not None:
                p["web_url"] = web_url
            p["status"] = status
            p["updated_at"] = updated_at or now_iso()
            if status == "running":
                p["started_at"] = now_iso()
            if status in ("success", "failed", "canceled", "skipped"):
                p["finished_at"] = now_iso()
            if self.state.args.grove_commits:
                self.grove_commit(p)
            snapshot = dict(p)
        self.webhook(snapshot)

    def grove_commit(self, p):
        """What Grove's pipelines do to the repository (the lock is held): a
        create pipeline commits the instance's folder once it runs, a delete
        pipeline removes it when it succeeds."""
        v = p["variables"]
        name = v.get("INSTANCE_NAME") or ""
        if not re.fullmatch(r"[a-z][a-z0-9_-]{0,49}", name):
            return
        folder = "instances/%s/" % name
        files = self.state.files
        if v.get("NEW_INSTANCE_TRIGGER") and p["status"] in ("running", "success") and folder + "config.yml" not in files:
            files[folder + "config.yml"] = grove_config(name, v.get("CONFIG_OVERRIDES") or "")
            files[folder + "grove.yml"] = GROVE_YML
            self.state.touch()
        elif v.get("DELETE_INSTANCE_TRIGGER") and p["status"] == "success":
            for path in [f for f in files if f.startswith(folder)]:
                del files[path]
            self.state.touch()

    def advance(self, pid):
        """Moves a triggered pipeline on, one status per step."""
        step = self.state.args.step_seconds
        for status in STEPS[1:]:
            time.sleep(step)
            self.set_status(pid, status)
        time.sleep(step)
        v = self.state.pipelines[pid]["variables"]
        fail = v.get("FAIL") == "1" or v.get("INSTANCE_NAME") in self.state.args.fail_instances
        self.set_status(pid, "failed" if fail else "success")

    def webhook(self, p):
        url = self.state.args.webhook_url
        if not url:
            return
        body = {"object_kind": "pipeline",
                "object_attributes": {"id": p["id"], "iid": p["iid"], "name": None, "ref": p["ref"], "tag": False,
                                      "sha": p["sha"], "before_sha": "0" * 40, "source": "trigger",
                                      "status": p["status"], "stages": ["deploy"],
                                      "detailed_status": DETAILED.get(p["status"], p["status"]),
                                      "created_at": hook_time(),
                                      "finished_at": hook_time() if p.get("finished_at") else None,
                                      "duration": None, "url": p["web_url"],
                                      "variables": [{"key": k, "value": v} for k, v in p["variables"].items()]},
                "project": {"id": p["project_id"], "name": "grove-demo", "web_url": "http://gitlab.test/grove/grove-demo",
                            "path_with_namespace": "grove/grove-demo"},
                "user": {"username": "ocim"}, "commit": {"message": "Triggered by Ocim"},
                "builds": [{"id": p["id"] * 10, "stage": "deploy", "name": "deploy-instance", "status": p["status"],
                            "created_at": hook_time(), "started_at": hook_time() if p.get("started_at") else None,
                            "finished_at": hook_time() if p.get("finished_at") else None, "allow_failure": False}]}
        req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
            "Content-Type": "application/json", "X-Gitlab-Event": "Pipeline Hook",
            "X-Gitlab-Token": self.state.args.webhook_token or "", "X-Gitlab-Event-UUID": str(uuid.uuid4()),
            "Idempotency-Key": str(uuid.uuid4()), "User-Agent": "GitLab/17.5.0"})
        try:
            urllib.request.urlopen(req, timeout=10).read()
        except Exception as e:  # GitLab logs and moves on
            print("webhook to %s failed: %s" % (url, e), file=os.sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("state_dir")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--repo")
    ap.add_argument("--project-id", type=int, default=1)
    ap.add_argument("--project-ids", help="serve the same repository as projects A-B (benchmarks)")
    ap.add_argument("--token", default="test-token")
    ap.add_argument("--trigger-token", default="trigger-token")
    ap.add_argument("--step-seconds", type=float, default=1.0)
    ap.add_argument("--grove-commits", action="store_true",
                    help="create pipelines commit the instance folder, delete pipelines remove it (the demo)")
    ap.add_argument("--fail-instances", type=lambda v: set(filter(None, v.split(","))), default=set(),
                    help="NAME,NAME: the pipelines of these instances fail (the demo shows a failure)")
    ap.add_argument("--webhook-url")
    ap.add_argument("--webhook-token")
    args = ap.parse_args()
    if args.project_ids:
        first, last = (int(x) for x in args.project_ids.split("-"))
        args.projects = set(range(first, last + 1))
    else:
        args.projects = {args.project_id}
    os.makedirs(args.state_dir, exist_ok=True)
    srv = Server(args)
    print("port %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
