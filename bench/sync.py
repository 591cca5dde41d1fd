#!/usr/bin/env python3
"""Benchmark of ocim-sync against the fake GitLab with latency added to
every request: P projects of I instances each (the same synthetic Grove
repository served under P project ids).  Prints wall time and requests of a
first run (GitLab's repository archive), of a run with nothing changed, of
one project after a commit changing 40 files (ocim-sync --project), of a
first run with the archive refused (429: file by file, as GitLab.com does
past 5 archives a minute), and of the first run again with
sync.concurrency = 1, with the ratio, and last of a first read of one
project with a history of --history pipelines (2 an instance at most, a
third failed).  It prints figures; it does not pass or fail.

    OCIM_BUILDDIR=build bench/sync.py [--projects 50] [--instances 100] [--latency-ms 20] [--history 100]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
import stack as stacklib  # noqa: E402


def make_repo(path, instances):
    os.makedirs(path)
    with open(os.path.join(path, "cluster.yml"), "w") as f:
        f.write("TF_VAR_cluster_provider: aws\nTF_VAR_aws_region: us-east-1\nTF_VAR_max_worker_node_count: 6\n")
    for i in range(instances):
        d = os.path.join(path, "instances", "inst-%d" % i)
        os.makedirs(d)
        with open(os.path.join(d, "config.yml"), "w") as f:
            f.write("PLATFORM_NAME: Site %d\nLMS_HOST: lms%d.example.com\nCMS_HOST: studio%d.example.com\n" % (i, i, i))
        with open(os.path.join(d, "grove.yml"), "w") as f:
            f.write("TUTOR_VERSION: '17.0.1'\n")


def run_sync(st, *args):
    start = time.time()
    r = subprocess.run([st.program("ocim-sync"), "--config", st.config] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.time() - start
    m = re.search(r"(\d+) request\(s\), (\d+) file\(s\)", r.stdout.decode())
    if r.returncode != 0 or not m:
        raise SystemExit("ocim-sync failed: %s %s" % (r.stdout.decode(), r.stderr.decode()[-500:]))
    return wall, int(m.group(1)), int(m.group(2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=50)
    ap.add_argument("--instances", type=int, default=100)
    ap.add_argument("--latency-ms", type=int, default=20)
    ap.add_argument("--history", type=int, default=100)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ocim-bench-sync-")
    os.chmod(tmp, 0o755)
    make_repo(os.path.join(tmp, "repo"), args.instances)
    gitlab = subprocess.Popen([sys.executable, os.path.join(stacklib.SRCDIR, "tests", "fakes", "gitlab.py"),
                               os.path.join(tmp, "gitlab"), "--repo", os.path.join(tmp, "repo"),
                               "--project-ids", "1-%d" % args.projects, "--step-seconds", "3600"],
                              stdout=subprocess.PIPE)
    port = int(gitlab.stdout.readline().decode().split()[1])

    def control(method, path, body=None):
        urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method,
                               data=json.dumps(body).encode() if body is not None else None), timeout=10).read()

    latency = {"route": ".", "kind": "latency", "ms": args.latency_ms, "times": 0}
    control("POST", "/_control/faults", latency)
    st = stacklib.Stack(os.path.join(tmp, "run"), pool=1)
    rows = []
    try:
        st.start()
        from client import Client
        st.ocimctl("user", "add", "bench@example.com", "--admin", "--password-stdin", stdin="bench passphrase 1\n")
        c = Client(st.port)
        c.login("bench@example.com", "bench passphrase 1")
        for p in range(1, args.projects + 1):
            r = c.post("/api/v1/projects", {"name": "p%d" % p, "gitlab_url": "http://127.0.0.1:%d" % port,
                                            "gitlab_project_id": p, "api_token": "test-token", "trigger_token": "t"})
            assert r.status == 201, r
        rows.append(("first run, concurrency 8", run_sync(st)))
        rows.append(("nothing changed", run_sync(st)))
        changed = 0
        for i in range(args.instances):
            for name in ("config.yml", "grove.yml"):
                if changed < 40:
                    control("POST", "/_control/commit", {"path": "instances/inst-%d/%s" % (i, name),
                                                         "content": "PLATFORM_NAME: Changed %d\n" % i})
                    changed += 1
        pid = st.psql("SELECT id FROM projects WHERE name = 'p1'")
        rows.append(("40 files changed, 1 project", run_sync(st, "--project", pid)))
        st.psql("DELETE FROM clusters; UPDATE projects SET last_sync_at = NULL, synced_commit = NULL")
        # the archive refused, as GitLab.com past 5 a minute: file by file
        control("DELETE", "/_control/faults")
        control("POST", "/_control/faults", {"route": "/repository/archive", "kind": "rate_limit", "times": 0})
        control("POST", "/_control/faults", latency)
        rows.append(("first run, archive 429", run_sync(st)))
        control("DELETE", "/_control/faults")
        control("POST", "/_control/faults", latency)
        st.psql("DELETE FROM clusters; UPDATE projects SET last_sync_at = NULL, synced_commit = NULL")
        with open(st.config) as f:
            text = f.read()
        with open(st.config, "w") as f:
            f.write(text + "sync:\n  concurrency: 1\n" if "sync:" not in text else text)
        rows.append(("first run, concurrency 1", run_sync(st)))
        # one project's first read with a pipeline history (the fake's
        # pipelines are every project's: the others are not read)
        for k in range(args.history):
            body = urllib.parse.urlencode({"token": "trigger-token", "ref": "main",
                                           "variables[INSTANCE_NAME]": "inst-%d" % (k % max(1, args.history // 2)),
                                           "variables[CONFIG_OVERRIDES]": "x"}).encode()
            r = urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%d/api/v4/projects/1/trigger/pipeline" % port,
                                                              data=body, method="POST"), timeout=10)
            gid = json.loads(r.read())["id"]
            control("POST", "/_control/pipelines/%d" % gid, {"status": "failed" if k % 3 == 0 else "success"})
        st.psql("DELETE FROM pipelines; DELETE FROM clusters; UPDATE projects SET last_sync_at = NULL, "
                "synced_commit = NULL, pipelines_read_at = NULL")
        rows.append(("%d pipelines, 1 project" % args.history, run_sync(st, "--project", pid)))
    finally:
        st.stop()
        gitlab.terminate()
        gitlab.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    print("ocim-sync, %d projects x %d instances, %d ms added to every GitLab request" %
          (args.projects, args.instances, args.latency_ms))
    print("%-28s %9s %9s %7s %14s" % ("", "wall s", "requests", "files", "requests/proj"))
    for name, (wall, req, files) in rows:
        per = req if name.endswith("1 project") else req / args.projects
        print("%-28s %9.2f %9d %7d %14.1f" % (name, wall, req, files, per))
    print("first run: concurrency 8 is %.1fx faster than concurrency 1" % (rows[-2][1][0] / rows[0][1][0]))


if __name__ == "__main__":
    main()
