#!/usr/bin/env python3
"""A fake OpenFaaS gateway for Ocim's tests (loopback only).

Usage: openfaas.py STATE_DIR [--port N] [--user U] [--password P]
Prints "port N" once listening.

  GET  /healthz                    200 "OK"
  POST /function/<name>            basic auth; answers STATE_DIR/<name>.json
                                   (404 when there is no such file, as for an unknown function)
Test control (no auth):
  POST   /_control/function/<name>  body: the JSON the function answers from now on
  POST   /_control/faults           {"route": regex, "kind": status|timeout|malformed, "status": N}
  DELETE /_control/faults
  GET    /_control/requests, DELETE /_control/requests

Ocim calls the functions of the design: instances (running instances and their
pods), instance-errors (pods in error states), replication-stats, usage-report.
"""
import argparse
import base64
import json
import os
import re
import threading
import time
from http.server import ThreadingHTTPServer
from quiet_http import QuietHandler


class Handler(QuietHandler):

    def send(self, status, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        srv = self.server
        if self.path == "/healthz":
            return self.send(200, b"OK", "text/plain")
        if self.path == "/_control/requests":
            with srv.lock:
                return self.send(200, list(srv.requests))
        return self.send(404, b"Not Found", "text/plain")

    def do_DELETE(self):
        srv = self.server
        with srv.lock:
            if self.path == "/_control/faults":
                srv.faults = []
            elif self.path == "/_control/requests":
                srv.requests = []
        return self.send(200, {})

    def do_POST(self):
        srv = self.server
        data = self.body()
        m = re.fullmatch(r"/_control/function/([\w-]+)", self.path)
        if m:
            with open(os.path.join(srv.args.state_dir, m.group(1) + ".json"), "wb") as f:
                f.write(data)
            return self.send(200, {})
        if self.path == "/_control/faults":
            with srv.lock:
                srv.faults.append(json.loads(data))
            return self.send(200, {})
        m = re.fullmatch(r"/function/([\w-]+)", self.path)
        if not m:
            return self.send(404, b"Not Found", "text/plain")
        with srv.lock:
            srv.requests.append({"method": "POST", "path": self.path})
            fault = next((f for f in srv.faults if re.search(f["route"], self.path)), None)
        want = "Basic " + base64.b64encode(("%s:%s" % (srv.args.user, srv.args.password)).encode()).decode()
        if self.headers.get("Authorization") != want:
            return self.send(401, b"Unauthorized", "text/plain")
        if fault:
            if fault["kind"] == "timeout":
                time.sleep(30)
            elif fault["kind"] == "malformed":
                return self.send(200, b'{"oops": ')
            return self.send(fault.get("status", 500), b"fault injected", "text/plain")
        path = os.path.join(srv.args.state_dir, m.group(1) + ".json")
        if not os.path.exists(path):
            return self.send(404, b"function not found", "text/plain")
        with open(path, "rb") as f:
            return self.send(200, f.read())


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver listens with a backlog of 5: a client opening 8 connections
    # at once would see SYNs dropped and retried a second later
    request_queue_size = 128

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.faults = []
        self.requests = []
        super().__init__(("127.0.0.1", args.port), Handler)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("state_dir")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", default="faas-password")
    args = ap.parse_args()
    os.makedirs(args.state_dir, exist_ok=True)
    srv = Server(args)
    print("port %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
