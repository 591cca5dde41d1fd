#!/usr/bin/env python3
"""Benchmark: an authenticated GET /api/v1/instances?status=running (50 a
page) through nginx with wrk, on a database seeded with 50 clusters, 5 000
instances and 20 000 pipelines, next to a minimal FastCGI responder behind
the same nginx; then again at 50 000 instances.  Also the revalidation a
polling tab makes (If-None-Match with the page's ETag: a 304 from the change
clock, no body built).  Prints req/s, p50, p99 and the ratios.  It prints figures; it does not pass or fail.

    OCIM_BUILDDIR=build bench/instances.py [--duration 10] [--connections 32] [--pool 2]
"""
import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stack as stacklib  # noqa: E402
from client import Client  # noqa: E402
from health import wrk  # noqa: E402

SEED = """
INSERT INTO projects (name, gitlab_url, gitlab_project_id, webhook_secret_hash)
  SELECT 'project-' || g, 'https://gitlab.example.com', g, repeat('a', 64) FROM generate_series(1, 10) g;
INSERT INTO clusters (project_id, name, provider, status)
  SELECT 1 + (g % 10), 'cluster-' || g, (ARRAY['aws', 'digitalocean', 'other'])[1 + g % 3], 'active'
  FROM generate_series(1, 50) g;
INSERT INTO instances (cluster_id, name, state, health, config_parsed, config_yml, description)
  SELECT 1 + (g % 50), 'inst-' || g,
         (ARRAY['running', 'running', 'running', 'failure', 'archived', 'update_pending'])[1 + g % 6],
         'healthy', jsonb_build_object('PLATFORM_NAME', 'Site ' || g, 'LMS_HOST', 'lms' || g || '.example.com'),
         'PLATFORM_NAME: Site ' || g, ''
  FROM generate_series(%(from)d, %(to)d) g;
INSERT INTO pipelines (project_id, gitlab_id, cluster_id, instance_id, action_kind, status, ref, web_url)
  SELECT 1 + (i.cluster_id %% 10), 100000 * %(round)d + g, i.cluster_id, i.id, 'update',
         (ARRAY['success', 'failed', 'running', 'canceled'])[1 + g %% 4], 'main', 'https://gitlab.example.com/p/' || g
  FROM generate_series(1, %(pipelines)d) g JOIN instances i ON i.id = %(from)d + (g %% (%(to)d - %(from)d + 1));
UPDATE instances SET latest_pipeline_id = p.max FROM
  (SELECT instance_id, max(id) FROM pipelines GROUP BY instance_id) p WHERE p.instance_id = instances.id;
"""


def seed(st, first, last, pipelines, rnd):
    sql = SEED.replace("%%", "\x00").replace("%(from)d", str(first)).replace("%(to)d", str(last)) \
        .replace("%(pipelines)d", str(pipelines)).replace("%(round)d", str(rnd)).replace("\x00", "%")
    if rnd > 1:  # projects and clusters exist already
        sql = sql.split("INSERT INTO instances", 1)[1]
        sql = "INSERT INTO instances" + sql
    st.psql(sql)
    # the seed rewrote every instance (latest_pipeline_id): settle as autovacuum would
    st.psql("VACUUM ANALYZE")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--pool", type=int, default=4)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ocim-bench-")
    os.chmod(tmp, 0o755)
    minimal_sock = os.path.join(tmp, "run", "minimal.sock")
    st = stacklib.Stack(os.path.join(tmp, "run"), pool=args.pool, auth_rate="60000r/m",
                        extra_locations="        location = /bench/minimal {\n"
                                        "            include /etc/nginx/fastcgi_params;\n"
                                        "            fastcgi_pass unix:%s;\n        }\n" % minimal_sock)
    rows = []
    try:
        st.start()
        st.start_pool(name="minimal", program=[st.program("fcgi-minimal")], socket_path=minimal_sock, pool=args.pool)
        st.ocimctl("user", "add", "bench@example.com", "--password-stdin", stdin="bench passphrase 1\n")
        c = Client(st.port)
        c.login("bench@example.com", "bench passphrase 1")
        token = c.post("/api/v1/api-tokens", {"name": "bench"}).json["token"]
        auth = "Authorization: Bearer " + token
        url = st.url + "/api/v1/instances?status=running&limit=50"
        seed(st, 1, 5000, 20000, 1)
        page = Client(st.port).get("/api/v1/instances?status=running&limit=50", headers={"Authorization": "Bearer " + token})
        assert page.status == 200 and len(page.json["items"]) == 50, page
        wrk(url, 2, args.connections, header=auth)
        rows.append(("instances (5 000)", wrk(url, args.duration, args.connections, header=auth)))
        etag = page.header("etag")
        assert Client(st.port).get("/api/v1/instances?status=running&limit=50",
                                   headers={"Authorization": "Bearer " + token, "If-None-Match": etag}).status == 304
        rows.append(("revalidated (304)", wrk(url, args.duration, args.connections,
                                              header=[auth, "If-None-Match: " + etag])))
        rows.append(("minimal responder", wrk(st.url + "/bench/minimal", args.duration, args.connections)))
        seed(st, 5001, 50000, 180000, 2)
        wrk(url, 2, args.connections, header=auth)
        rows.append(("instances (50 000)", wrk(url, args.duration, args.connections, header=auth)))
    finally:
        st.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("GET /api/v1/instances?status=running&limit=50 (Bearer token) via nginx, %d responders, "
          "wrk %d connections, %d s each (%d CPUs)" % (args.pool, args.connections, args.duration, os.cpu_count()))
    print("%-22s %10s %9s %9s %8s" % ("", "req/s", "p50 ms", "p99 ms", "non-2xx"))
    for name, r in rows:
        print("%-22s %10.0f %9.2f %9.2f %8d" % (name, r["rps"], r["p50"], r["p99"], r["non2xx"]))
    small, revalidated, minimal, big = rows[0][1], rows[1][1], rows[2][1], rows[3][1]
    print("instances/minimal: %.1f %% of the requests/s" % (100 * small["rps"] / minimal["rps"]))
    print("revalidated (304)/minimal: %.1f %% of the requests/s (target: at least 50 %%)"
          % (100 * revalidated["rps"] / minimal["rps"]))
    print("50 000 vs 5 000 instances: p99 x%.2f, req/s x%.2f" % (big["p99"] / small["p99"], big["rps"] / small["rps"]))


if __name__ == "__main__":
    main()
