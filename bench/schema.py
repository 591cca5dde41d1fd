#!/usr/bin/env python3
"""Benchmark of the schema under load: on a database seeded with 10
projects, 50 clusters, 50 000 instances, 2 000 pipelines and 2 000 actions
per project, it prints
  (a) the time to delete a project (DELETE /api/v1/projects/:id through
      nginx, under the responders' statement_timeout), with the triggers
      EXPLAIN ANALYZE finds dearest when the same statement deletes
      another project (rolled back);
  (b) the time of 100 pipeline upserts (the SQL of STMT_PIPELINE_UPSERT,
      read from src/lib/db.c, prepared once and executed through psql),
      once with nothing changed and once with a new status, with the
      trigger times of one of them.  The 100 are sent in one query string
      (the database's time), and 100 others one at a time (round trips
      too).  Next to the wall times, the CPU time the database backend
      spent (from /proc): on a loaded machine the wall times include
      waiting for a CPU.
Targets: the delete under 1 s, 100 upserts under 50 ms.  It prints figures;
it does not pass or fail.  --until NNN applies only the migrations numbered
below NNN, to measure what a migration changes.

    OCIM_BUILDDIR=build bench/schema.py [--instances 50000] [--pipelines 2000] [--until 007]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
import stack as stacklib  # noqa: E402
from client import Client  # noqa: E402
from statements import statement  # noqa: E402

PROJECTS, CLUSTERS = 10, 50

SEED = """
INSERT INTO projects (name, gitlab_url, gitlab_project_id, webhook_secret_hash)
  SELECT 'project-' || g, 'https://gitlab.example.com', g, repeat('a', 64) FROM generate_series(1, {projects}) g;
INSERT INTO clusters (project_id, name, provider, status)
  SELECT 1 + (g % {projects}), 'cluster-' || g, (ARRAY['aws', 'digitalocean', 'other'])[1 + g % 3], 'active'
  FROM generate_series(1, {clusters}) g;
INSERT INTO instances (cluster_id, name, state, health, config_parsed, config_yml, description)
  SELECT 1 + (g % {clusters}), 'inst-' || g,
         (ARRAY['running', 'running', 'running', 'failure', 'archived', 'update_pending'])[1 + g % 6],
         'healthy', jsonb_build_object('PLATFORM_NAME', 'Site ' || g, 'LMS_HOST', 'lms' || g || '.example.com'),
         'PLATFORM_NAME: Site ' || g, ''
  FROM generate_series(1, {instances}) g;
-- per project, its pipelines go round its instances
INSERT INTO pipelines (project_id, gitlab_id, cluster_id, instance_id, action_kind, status, ref, sha, web_url,
                       message, created_at, finished_at)
  SELECT c.project_id, g, i.cluster_id, i.id, 'update',
         (ARRAY['success', 'failed', 'running', 'canceled'])[1 + g % 4], 'main', md5(g::text),
         'https://gitlab.example.com/p/' || g, 'Update ' || i.name, '2026-01-01 00:00Z'::timestamptz + g * interval '1 s',
         '2026-01-01 00:10Z'::timestamptz + g * interval '1 s'
  FROM (SELECT i.id, i.name, i.cluster_id, row_number() OVER (PARTITION BY c.project_id ORDER BY i.id) AS n
        FROM instances i JOIN clusters c ON c.id = i.cluster_id) i
  JOIN clusters c ON c.id = i.cluster_id
  JOIN generate_series(1, {pipelines}) g ON i.n = 1 + (g % {per_project});
INSERT INTO actions (kind, project_id, cluster_id, instance_id, instance_name, state, pipeline_id)
  SELECT 'update', p.project_id, p.cluster_id, p.instance_id, 'inst', 'dispatched', p.id FROM pipelines p;
UPDATE instances SET latest_pipeline_id = p.max, state_pipeline_id = p.max FROM
  (SELECT instance_id, max(id) FROM pipelines GROUP BY instance_id) p WHERE p.instance_id = instances.id;
INSERT INTO webhook_deliveries (idempotency_key, project_id, event, body)
  SELECT 'key-' || g, 1 + g % {projects}, 'Pipeline Hook', '{{}}' FROM generate_series(1, 1000) g;
"""


def psql_script(st, script, timing=False):
    """Runs script (several statements) in one psql session; returns stdout."""
    cmd = ["/usr/bin/psql", "-h", "127.0.0.1", "-p", str(st.state["pg_port"]), "-U", "ocim", "-d", "ocim",
           "-v", "ON_ERROR_STOP=1", "-qtA", "-f", "-"]
    r = subprocess.run(stacklib.as_pg(cmd), input=(("\\timing on\n" if timing else "") + script).encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd="/")
    if r.returncode != 0:
        raise SystemExit("psql: " + r.stderr.decode(errors="replace"))
    return r.stdout.decode()


def triggers(plan, top=4):
    """The dearest 'Trigger ...' lines of an EXPLAIN ANALYZE output."""
    rows = []
    for line in plan.splitlines():
        m = re.match(r"\s*Trigger (.*): time=([0-9.]+) calls=(\d+)", line)
        if m:
            rows.append((float(m.group(2)), m.group(1), int(m.group(3))))
    rows.sort(reverse=True)
    return ["  trigger %-62s %9.1f ms %6d calls" % (name, ms, calls) for ms, name, calls in rows[:top]]


def exec_lines(project, status, n, offset):
    """A query that writes n EXECUTE lines for pipelines of project that are
    the latest of their instance: their own values, or a new status."""
    st = "p.status" if status is None else "%s" % ("'" + status + "'")
    # the twelfth parameter: the final statuses of src/lib/states.c
    return ("SELECT format('EXECUTE u(%%s, %%s, %%L, %%L, %%L, %%L, %%L, %%L, %%L, %%L, %%L, %%L, %%L);', "
            "p.project_id, p.gitlab_id, %s, p.ref, p.sha, p.web_url, p.message, p.created_at, i.name, "
            "p.finished_at, p.action_kind, '{success,failed,canceled,skipped}', p.started_at) FROM pipelines p JOIN instances i ON i.latest_pipeline_id = p.id "
            "WHERE p.project_id = %d ORDER BY p.id LIMIT %d OFFSET %d" % (st, project, n, offset))


# The CPU time of the psql session's backend, from /proc (the stack runs
# here): with other work on the machine, wall times wait for a CPU too.
CPU_MARK = "\\! echo CPU $(cut -d' ' -f1 /proc/$BPID/schedstat)\n"


def timed(st, setup, parts):
    """Runs setup, then each script of parts, in one psql session; answers
    per part (wall ms summed over psql's \\timing lines, backend CPU ms)."""
    script = "SELECT pg_backend_pid() AS pid \\gset\n\\setenv BPID :pid\n" + setup + "\n" + CPU_MARK
    for part in parts:
        script += "\\echo PART\n\\timing on\n" + part + "\n\\timing off\n" + CPU_MARK
    out = psql_script(st, script)
    cpu = [int(x) for x in re.findall(r"^CPU (\d+)$", out, re.M)]
    if len(cpu) != len(parts) + 1:
        raise SystemExit("could not read the backend's CPU time: %s" % out[-500:])
    walls = [sum(float(t) for t in re.findall(r"^Time: ([0-9.]+) ms", chunk, re.M))
             for chunk in out.split("PART\n")[1:]]
    return [(walls[i], (cpu[i + 1] - cpu[i]) / 1e6) for i in range(len(parts))]


def upserts(st, sql, project, status, n=100, offset=0):
    """n upserts after 10 more that warm the prepared statement: n sent in
    one query string (the database's own time and one round trip), and n
    others one at a time.  Answers ((wall, cpu), (wall, cpu)) in ms."""
    warm = psql_script(st, exec_lines(project, status, 10, offset + 2 * n) + ";").strip()
    batch = psql_script(st, exec_lines(project, status, n, offset) + ";").strip().splitlines()
    single = psql_script(st, exec_lines(project, status, n, offset + n) + ";").strip().splitlines()
    if len(batch) != n or len(single) != n:
        raise SystemExit("found %d and %d pipelines to upsert, not %d" % (len(batch), len(single), n))
    return timed(st, "PREPARE u AS %s;\n%s" % (sql, warm),
                 ["\\;".join(l.rstrip(";") for l in batch) + ";", "\n".join(single)])


def explain_upsert(st, sql, project, status):
    """EXPLAIN ANALYZE of one upsert (rolled back), after 5 others."""
    lines = psql_script(st, exec_lines(project, status, 6, 0) + ";").strip().splitlines()
    out = psql_script(st, "BEGIN;\nPREPARE u AS %s;\n%s\nEXPLAIN (ANALYZE, COSTS OFF) %s\nROLLBACK;\n"
                      % (sql, "\n".join(lines[1:]), lines[0]))
    m = re.search(r"Execution Time: ([0-9.]+) ms", out)
    return float(m.group(1)) if m else float("nan"), triggers(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--instances", type=int, default=50000)
    ap.add_argument("--pipelines", type=int, default=2000, help="pipelines (and actions) per project")
    ap.add_argument("--until", help="apply only the migrations numbered below this one (e.g. 007)")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ocim-bench-schema-")
    os.chmod(tmp, 0o755)
    st = stacklib.Stack(os.path.join(tmp, "run"), pool=2, auth_rate="60000r/m")
    sqldir = os.path.join(stacklib.SRCDIR, "sql")
    if args.until:
        sqldir = os.path.join(tmp, "sql")
        os.makedirs(sqldir)
        for name in os.listdir(os.path.join(stacklib.SRCDIR, "sql")):
            if name.endswith(".sql") and name < args.until:
                shutil.copy(os.path.join(stacklib.SRCDIR, "sql", name), sqldir)
    st.migrate = lambda: st.ocimctl("migrate", "--dir", sqldir)
    out = []
    try:
        st.start()
        st.ocimctl("user", "add", "bench@example.com", "--admin", "--password-stdin", stdin="bench passphrase 1\n")
        c = Client(st.port)
        c.login("bench@example.com", "bench passphrase 1")
        t = time.time()
        st.psql(SEED.format(projects=PROJECTS, clusters=CLUSTERS, instances=args.instances,
                            pipelines=args.pipelines, per_project=args.instances // PROJECTS))
        st.psql("VACUUM ANALYZE")
        migrations = st.psql("SELECT string_agg(version, ' ' ORDER BY version) FROM schema_migrations")
        out.append("migrations: %s" % migrations)
        out.append("seeded in %.0f s: %s" % (time.time() - t, st.psql(
            "SELECT format('%s projects, %s clusters, %s instances, %s pipelines, %s actions', "
            "(SELECT count(*) FROM projects), (SELECT count(*) FROM clusters), (SELECT count(*) FROM instances), "
            "(SELECT count(*) FROM pipelines), (SELECT count(*) FROM actions))")))
        sql = statement("PIPELINE_UPSERT")

        # (b) first, on the full database
        for what, status in (("unchanged", None), ("new status", "skipped")):
            batch, single = upserts(st, sql, 3, status)
            out.append("100 pipeline upserts, %-10s: %6.1f ms in one query string (%.1f ms CPU; target < 50 ms), "
                       "%.1f ms one at a time (%.1f ms CPU)" % ((what,) + batch + single))
        ms, trig = explain_upsert(st, sql, 4, "skipped")
        out.append("EXPLAIN ANALYZE of one upsert with a new status: %.2f ms" % ms)
        out.extend(trig)

        # (a) EXPLAIN ANALYZE deleting project 2 (rolled back), then the API deletes project 1
        n = st.psql("SELECT format('%s clusters, %s instances, %s pipelines, %s actions', "
                    "(SELECT count(*) FROM clusters WHERE project_id = 1), "
                    "(SELECT count(*) FROM instances i JOIN clusters c ON c.id = i.cluster_id WHERE c.project_id = 1), "
                    "(SELECT count(*) FROM pipelines WHERE project_id = 1), "
                    "(SELECT count(*) FROM actions WHERE project_id = 1))")
        plan = psql_script(st, "SELECT pg_backend_pid() AS pid \\gset\n\\setenv BPID :pid\nBEGIN;\n" + CPU_MARK +
                           "EXPLAIN (ANALYZE, COSTS OFF) DELETE FROM projects WHERE id = 2;\n" + CPU_MARK + "ROLLBACK;\n")
        m = re.search(r"Execution Time: ([0-9.]+) ms", plan)
        cpu = [int(x) for x in re.findall(r"^CPU (\d+)$", plan, re.M)]
        st.psql("VACUUM ANALYZE")
        t = time.time()
        r = c.delete("/api/v1/projects/1")
        wall = time.time() - t
        out.append("DELETE /api/v1/projects/1 (%s): %d in %.3f s   (target < 1 s)" % (n, r.status, wall))
        if r.status != 204 and r.status != 200:
            out.append("  answer: %s" % r.body[:200].strip())
        out.append("EXPLAIN ANALYZE DELETE FROM projects WHERE id = 2 (rolled back): %s ms (%.1f ms CPU)"
                   % (m.group(1) if m else "?", (cpu[1] - cpu[0]) / 1e6 if len(cpu) == 2 else float("nan")))
        out.extend(triggers(plan))
    finally:
        st.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n".join(out))
    print("(%d CPUs, load average %.1f at the end: other work on the machine inflates every figure)"
          % (os.cpu_count(), os.getloadavg()[0]))


if __name__ == "__main__":
    main()
