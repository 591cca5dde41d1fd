#!/usr/bin/env python3
"""Demo data for `tests/ocim-dev demo`: two fake GitLab servers serving the
sample Grove repositories of tests/fixtures, registered as projects in the
running demo, a fake OpenFaaS gateway for each cluster, all refreshed by
ocim-sync now and every minute while the demo runs (the loop and the fakes
are stopped with the stack).

    demo.py RUNDIR ADMIN_EMAIL ADMIN_PASSWORD
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stack as stacklib  # noqa: E402
from client import Client  # noqa: E402

REPOS = (("grove-aws", 1), ("grove-do", 2))
# its pipelines fail (the fake GitLab's --fail-instances): the demo starts
# with an update of it, so a failed pipeline and its message are there to see
FAILING = "sandbox-pr-101"


def start_openfaas(st, client):
    """A fake OpenFaaS gateway per cluster, reporting its instances as running
    (one of them with a pod in CrashLoopBackOff, to show a degraded one)."""
    for cluster in client.get("/api/v1/clusters").json["items"]:
        name = "openfaas-%d" % cluster["id"]
        state = os.path.join(st.rundir, name)
        os.makedirs(state, exist_ok=True)
        instances = [i["name"] for i in client.get("/api/v1/instances?limit=200&cluster_id=%d" % cluster["id"]).json["items"]]
        answers = {
            "instances": [{"name": n, "pods": [{"name": "lms-" + n, "phase": "Running", "ready": True, "restarts": 0},
                                               {"name": "cms-" + n, "phase": "Running", "ready": True, "restarts": 0}]}
                          for n in instances],
            "instance-errors": [{"instance": n, "pod": "lms-" + n, "reason": "CrashLoopBackOff"} for n in instances[-1:]],
            "replication-stats": {n: {"mysql_lag_seconds": 0} for n in instances},
            "usage-report": {n: {"active_users_30d": 10 * (k + 1)} for k, n in enumerate(instances)},
        }
        for function, answer in answers.items():
            with open(os.path.join(state, function + ".json"), "w") as f:
                json.dump(answer, f)
        port = st.state.get(name + "_port") or stacklib.free_port()
        st.state[name + "_port"] = port
        st.spawn(name, [sys.executable, os.path.join(stacklib.SRCDIR, "tests", "fakes", "openfaas.py"), state,
                        "--port", str(port), "--user", "demo", "--password", "demo-faas-password"])
        stacklib.wait_port(port, what="the fake OpenFaaS gateway")
        client.patch("/api/v1/clusters/%d" % cluster["id"], {
            "openfaas_url": "http://127.0.0.1:%d" % port, "openfaas_username": "demo",
            "openfaas_password": "demo-faas-password"})


def main():
    rundir, email, password = sys.argv[1:4]
    st = stacklib.Stack.load(rundir)
    if any(k.startswith("gitlab-") and k.endswith("_pid") for k in st.state):
        return 0                # the demo data runs already
    client = Client(st.port)
    if client.login(email, password).status != 200:
        print("demo: cannot log in as %s" % email, file=sys.stderr)
        return 1
    # the user the demo provider signs in as: invited, so the first
    # sign-in with "Google (demo provider)" consumes the invite
    invited = {i["email"] for i in client.get("/api/v1/invites").json["items"]}
    if "google.user@example.com" not in invited:
        client.post("/api/v1/invites", {"email": "google.user@example.com", "role": "operator"})
    have = {p["name"] for p in client.get("/api/v1/projects").json["items"]}
    for name, gid in REPOS:
        port = stacklib.free_port()
        secret_file = os.path.join(rundir, name + ".webhook-secret")
        if name not in have:
            r = client.post("/api/v1/projects", {
                "name": name, "gitlab_url": "http://127.0.0.1:%d" % port, "gitlab_project_id": gid,
                "api_token": "demo-api-token", "trigger_token": "demo-trigger-token",
                "description": "Sample Grove repository served by tests/fakes/gitlab.py"})
            if r.status != 201:
                print("demo: adding %s: %s" % (name, r.body), file=sys.stderr)
                return 1
            with open(secret_file, "w") as f:
                f.write(r.json["webhook_secret"])
            st.state["gitlab-%s_port" % name] = port
        else:
            # the project exists from an earlier demo: serve it where it expects
            pid = [p for p in client.get("/api/v1/projects").json["items"] if p["name"] == name][0]
            port = int(pid["gitlab_url"].rsplit(":", 1)[1])
        secret = open(secret_file).read().strip() if os.path.exists(secret_file) else ""
        st.spawn("gitlab-" + name, [sys.executable, os.path.join(stacklib.SRCDIR, "tests", "fakes", "gitlab.py"),
                                    os.path.join(rundir, "gitlab-" + name), "--port", str(port),
                                    "--repo", os.path.join(stacklib.SRCDIR, "tests", "fixtures", name),
                                    "--project-id", str(gid), "--token", "demo-api-token",
                                    "--trigger-token", "demo-trigger-token", "--step-seconds", "5", "--grove-commits",
                                    "--fail-instances", FAILING,
                                    "--webhook-url", st.url + "/hooks/gitlab", "--webhook-token=" + secret])
        stacklib.wait_port(port, what="the fake GitLab for " + name)
    sync = [st.program("ocim-sync"), "--config", st.config]
    subprocess.run(sync, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start_openfaas(st, client)
    subprocess.run(sync, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    failing = client.get("/api/v1/instances?name=%s" % FAILING).json["items"]
    if failing and failing[0]["latest_pipeline"] is None:
        client.post("/api/v1/instances/%d/actions" % failing[0]["id"], {"kind": "update"},
                    headers={"Idempotency-Key": "demo-failing-update"})
    # what cron does in production: a run every minute (the two above were the first)
    st.spawn("sync-loop", ["/bin/sh", "-c", 'while :; do sleep 60; "$0" --config "$1" >/dev/null 2>&1; done',
                           sync[0], st.config])
    st.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
