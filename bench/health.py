#!/usr/bin/env python3
"""Benchmark: GET /api/v1/health through nginx to the ocim-fcgi pool, and in
the same run GET on a minimal FastCGI responder (bench/fcgi-minimal) behind
the same nginx.  Prints requests/s, p50 and p99 of both and their ratio.
It prints figures; it does not pass or fail.

    OCIM_BUILDDIR=build bench/health.py [--duration 10] [--connections 32] [--pool 2]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
import stack as stacklib  # noqa: E402


def wrk(url, duration, connections, threads=2, header=None):
    headers = [header] if isinstance(header, str) else (header or [])
    extra = [a for h in headers for a in ("-H", h)]
    out = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % duration, "--latency"] + extra + [url],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=True).stdout.decode()
    def ms(label):
        m = re.search(r"^\s*%s%%\s+([\d.]+)(us|ms|s)\s*$" % label, out, re.M)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": ms("50"), "p99": ms("99"), "non2xx": int(errors.group(1)) if errors else 0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--pool", type=int, default=2)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ocim-bench-")
    os.chmod(tmp, 0o755)
    minimal_sock = os.path.join(tmp, "run", "minimal.sock")
    st = stacklib.Stack(os.path.join(tmp, "run"), pool=args.pool,
                        extra_locations="        location = /bench/minimal {\n"
                                        "            include /etc/nginx/fastcgi_params;\n"
                                        "            fastcgi_pass unix:%s;\n        }\n" % minimal_sock)
    try:
        st.start()
        st.start_pool(name="minimal", program=[st.program("fcgi-minimal")], socket_path=minimal_sock,
                      pool=args.pool)
        st.state["minimal_pid"] = st.procs["minimal"].pid
        wrk(st.url + "/api/v1/health", 2, args.connections)  # warm up
        health = wrk(st.url + "/api/v1/health", args.duration, args.connections)
        minimal = wrk(st.url + "/bench/minimal", args.duration, args.connections)
    finally:
        st.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("GET /api/v1/health via nginx, %d responders, wrk %d connections, %d s each (%d CPUs)"
          % (args.pool, args.connections, args.duration, os.cpu_count()))
    print("%-22s %10s %9s %9s %8s" % ("", "req/s", "p50 ms", "p99 ms", "non-2xx"))
    for name, r in (("ocim-fcgi health", health), ("minimal responder", minimal)):
        print("%-22s %10.0f %9.2f %9.2f %8d" % (name, r["rps"], r["p50"], r["p99"], r["non2xx"]))
    print("ratio health/minimal: %.2f (req/s), p99 %.2fx" % (health["rps"] / minimal["rps"], health["p99"] / minimal["p99"]))


if __name__ == "__main__":
    main()
