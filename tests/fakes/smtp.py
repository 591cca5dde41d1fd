#!/usr/bin/env python3
"""A small SMTP server for tests (RFC 5321 subset: HELO/EHLO, MAIL, RCPT,
DATA, RSET, NOOP, QUIT).  Every accepted message is written to
SPOOL/NNNN.eml with its envelope in SPOOL/NNNN.env.  Loopback only.

Failures are injected per connection from the file SPOOL/mode, read when a
client connects:
  ok            accept everything (default)
  reject-rcpt   550 for every RCPT TO
  tempfail      451 after DATA
  drop          close the connection right after the greeting
  slow          wait 30 s before the greeting (clients time out)
  delay N       wait N seconds (a decimal) before the greeting, then accept

Usage: smtp.py SPOOL [--port N]   (prints "port N" once listening)
"""
import argparse
import os
import socketserver
import threading
import time


class Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def send(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def mode(self):
        try:
            with open(os.path.join(self.server.spool, "mode")) as f:
                return f.read().strip() or "ok"
        except FileNotFoundError:
            return "ok"

    def handle(self):
        mode = self.mode()
        if mode == "slow":
            time.sleep(30)
        elif mode.startswith("delay "):
            time.sleep(float(mode.split()[1]))
            mode = "ok"
        self.send("220 fake-smtp ESMTP ready")
        if mode == "drop":
            return
        sender, rcpts = None, []
        while True:
            raw = self.rfile.readline(4096)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb == "EHLO":
                self.send("250-fake-smtp")
                self.send("250-8BITMIME")
                self.send("250 SIZE 10485760")
            elif verb == "HELO":
                self.send("250 fake-smtp")
            elif verb == "MAIL":
                sender, rcpts = line[10:].strip(), []
                self.send("250 OK")
            elif verb == "RCPT":
                if mode == "reject-rcpt":
                    self.send("550 5.1.1 mailbox unavailable")
                else:
                    rcpts.append(line[8:].strip())
                    self.send("250 OK")
            elif verb == "DATA":
                if sender is None or not rcpts:
                    self.send("503 5.5.1 need MAIL and RCPT first")
                    continue
                self.send("354 end with <CRLF>.<CRLF>")
                lines = []
                while True:
                    raw = self.rfile.readline(65536)
                    if not raw:
                        return
                    if raw in (b".\r\n", b".\n"):
                        break
                    if raw.startswith(b".."):
                        raw = raw[1:]
                    lines.append(raw)
                if mode == "tempfail":
                    self.send("451 4.3.0 try again later")
                else:
                    self.server.store(sender, rcpts, b"".join(lines))
                    self.send("250 OK queued")
                sender, rcpts = None, []
            elif verb == "RSET":
                sender, rcpts = None, []
                self.send("250 OK")
            elif verb == "NOOP":
                self.send("250 OK")
            elif verb == "QUIT":
                self.send("221 bye")
                return
            else:
                self.send("502 5.5.2 command not implemented")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, spool, port):
        self.spool = spool
        self.lock = threading.Lock()
        self.count = 0
        super().__init__(("127.0.0.1", port), Handler)

    def store(self, sender, rcpts, data):
        with self.lock:
            self.count += 1
            base = os.path.join(self.spool, "%04d" % self.count)
        with open(base + ".env.tmp", "w") as f:
            f.write("from %s\n" % sender)
            for r in rcpts:
                f.write("to %s\n" % r)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(data)
        os.rename(base + ".env.tmp", base + ".env")
        os.rename(base + ".eml.tmp", base + ".eml")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("spool")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(args.spool, exist_ok=True)
    srv = Server(args.spool, args.port)
    print("port %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
