#!/usr/bin/env python3
"""The Ocim stack on loopback, for the demo, the tests and the benchmarks:
a private PostgreSQL (run as an unprivileged user when we are root), a pool
of ocim-fcgi responders under spawn-fcgi + multiwatch, nginx with the
configuration of nginx/, and optionally the fake SMTP server.

Everything lives in one run directory; its state file (stack.json) lets a
later process stop what an earlier one started.

    stack.py start RUNDIR [--port N] [--pool N] [--max-requests N]
                          [--smtp] [--mail-file PATH] [--set section.key=value ...]
    stack.py stop RUNDIR
    stack.py status RUNDIR

OCIM_SRCDIR and OCIM_BUILDDIR say where the sources and the built programs
are (default: this checkout and its build/).
"""
import argparse
import json
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("OCIM_SRCDIR") or os.path.dirname(os.path.dirname(HERE))
BUILDDIR = os.environ.get("OCIM_BUILDDIR") or os.path.join(SRCDIR, "build")
PGBIN = "/usr/lib/postgresql/15/bin"
PGUSER = "postgres"


class StackError(Exception):
    pass


_taken = set()

# The stacks this process started and has not stopped: a test whose setup
# fails after starting one stops them (tap.run), so nothing outlives it.
STARTED = set()


def unix_listening(path):
    """Whether a socket bound to path listens.  spawn-fcgi's socket file
    appears at bind(), before listen(): a request sent in between is refused
    (nginx answers 502), so a pool is ready only once /proc/net/unix marks
    its socket listening (__SO_ACCEPTCON).  Without /proc: the file."""
    try:
        with open("/proc/net/unix") as f:
            next(f, None)
            for line in f:
                fields = line.split(None, 7)
                if len(fields) == 8 and fields[7].rstrip("\n") == path and int(fields[3], 16) & 0x10000:
                    return os.path.exists(path)
        return False
    except (OSError, ValueError):
        return os.path.exists(path)


def free_port():
    """A loopback port for a server to listen on, below the kernel's
    ephemeral range: a port the kernel hands out for bind(0) is the kind an
    outgoing connection of another test may take between this check and the
    server's own bind(), and a server that then cannot bind is not seen
    (wait_port connects to whoever listens).  Picked at random, so suites
    running side by side rarely try the same one, and checked free."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    low = max(low, 12000)
    for _ in range(200):
        port = random.randrange(10000, low)
        if port in _taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _taken.add(port)
        return port
    raise StackError("no free port below %d on 127.0.0.1" % low)


def wait_port(port, timeout=20.0, proc=None, what="server"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise StackError("%s exited with status %s" % (what, proc.returncode))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise StackError("%s did not listen on port %d within %.0f s" % (what, port, timeout))


# Where Debian puts programs: an ordinary user's PATH lacks the sbin
# directories (nginx is /usr/sbin/nginx, runuser /usr/sbin/runuser).
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", "") or os.defpath,
                               "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"])


def program_path(name):
    """The absolute path of an installed program, searching the sbin
    directories too; a clear error when it is not installed."""
    path = shutil.which(name, path=SEARCH_PATH)
    if path is None:
        raise StackError("%s is not installed (looked in %s)" % (name, SEARCH_PATH))
    return path


def is_root():
    return os.geteuid() == 0


def as_pg(cmd):
    """The command run as the PostgreSQL user when we are root."""
    if is_root():
        return [program_path("runuser"), "-u", PGUSER, "--"] + cmd
    return cmd


def pg_can_use(path):
    """Whether the PostgreSQL user may create files in path."""
    if not is_root():
        return os.access(path, os.W_OK | os.X_OK)
    return subprocess.run(as_pg(["test", "-w", path, "-a", "-x", path]),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def alive(pid):
    """Whether pid runs: a zombie (exited, not yet reaped by a parent that is
    not us, such as a container's init) counts as gone."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def kill_pid(pid, sig=signal.SIGTERM, timeout=10.0):
    """Signals pid and waits until it is gone; then whatever is left of its
    process group (everything spawn() starts leads one: a shell loop's
    sleep, a supervisor's children) gets SIGTERM, and SIGKILL if it stays.
    The leader is signalled alone first, so that a supervisor such as
    multiwatch stops its children itself instead of respawning the ones
    that died before it got its own signal.  Returns whether it was alive."""
    def group_alive():
        """A member of the group that is not a zombie."""
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            if len(fields) > 2 and fields[2] == str(pid) and fields[0] not in ("Z", "X"):
                return True
        return False

    def wait(cond, seconds):
        deadline = time.time() + seconds
        while cond() and time.time() < deadline:
            time.sleep(0.02)
        return not cond()

    if not alive(pid):
        return False
    leads = False
    try:
        leads = os.getpgid(pid) == pid
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
    if not wait(lambda: alive(pid), timeout):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        wait(lambda: alive(pid), 2.0)
    if leads:
        for s in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(pid, s)
            except ProcessLookupError:
                break
            if wait(group_alive, 2.0):
                break
    return True


# nginx's per-address rates of the auth routes, as in nginx/ocim-site.conf
AUTH_RATES = {"login": "30r/m", "register": "10r/m", "reset": "5r/m"}
# and of the webhooks; every zone of the site
HOOKS_RATE = "10r/s"
NGINX_RATES = dict(AUTH_RATES, hooks=HOOKS_RATE)


class Stack:
    def __init__(self, rundir, port=None, pool=4, max_requests=10000, smtp=False,
                 mail_file=None, settings=None, auth_rate=None, extra_locations="",
                 hooks_rate=HOOKS_RATE, oidc_demo=None):
        self.rundir = os.path.abspath(rundir)
        self.port = port or free_port()
        self.pool = pool
        self.max_requests = max_requests
        self.smtp = smtp
        self.mail_file = mail_file
        self.settings = settings or {}
        self.auth_rate = auth_rate
        self.hooks_rate = hooks_rate
        self.extra_locations = extra_locations
        # the email the demo provider (tests/fakes/oidc.py) signs in as, or None: no provider
        self.oidc_demo = oidc_demo
        self.state = {}
        self.procs = {}

    # -- paths ------------------------------------------------------------
    @property
    def statefile(self):
        return os.path.join(self.rundir, "stack.json")

    @property
    def config(self):
        return os.path.join(self.rundir, "ocim.yml")

    @property
    def socket(self):
        return os.path.join(self.rundir, "fcgi.sock")

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def program(self, name):
        sub = "bench" if name == "fcgi-minimal" else "src"
        path = os.path.join(BUILDDIR, sub, name)
        if not os.access(path, os.X_OK):
            raise StackError("%s is not built (looked in %s)" % (name, path))
        return path

    def save(self):
        tmp = self.statefile + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.state, f, indent=1)
        os.replace(tmp, self.statefile)

    def log(self, name):
        return open(os.path.join(self.rundir, name + ".log"), "ab")

    # -- PostgreSQL --------------------------------------------------------
    def pgdir(self):
        """A directory for the cluster that the PostgreSQL user can use: in
        the run directory when it can reach it, else under /var/tmp with a
        symlink from the run directory."""
        link = os.path.join(self.rundir, "pg")
        if os.path.islink(link) and os.path.isdir(link):
            return os.path.realpath(link)
        if os.path.isdir(link):
            return link
        os.makedirs(link)
        if is_root():
            shutil.chown(link, PGUSER, PGUSER)
        if pg_can_use(link):
            return link
        os.rmdir(link)
        real = tempfile.mkdtemp(prefix="ocim-pg-", dir="/var/tmp")
        os.chmod(real, 0o700)
        if is_root():
            shutil.chown(real, PGUSER, PGUSER)
        os.symlink(real, link)
        return real

    def start_postgres(self):
        pg = self.pgdir()
        data = os.path.join(pg, "data")
        port = self.state.setdefault("pg_port", free_port())
        if not os.path.exists(os.path.join(data, "PG_VERSION")):
            r = subprocess.run(as_pg([PGBIN + "/initdb", "-D", data, "-U", "ocim", "--auth=trust",
                                      "-E", "UTF8", "--locale=C.UTF-8"]),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd="/")
            if r.returncode != 0:
                raise StackError("initdb failed:\n" + r.stdout.decode(errors="replace"))
        opts = ("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c max_connections=200" % (port, pg))
        r = subprocess.run(as_pg([PGBIN + "/pg_ctl", "-D", data, "-o", opts, "-l",
                                  os.path.join(pg, "postgres.log"), "-w", "-t", "30", "start"]),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd="/")
        if r.returncode != 0:
            raise StackError("PostgreSQL did not start:\n" + r.stdout.decode(errors="replace"))
        self.state["pg_data"] = data
        self.save()
        r = subprocess.run(as_pg(["/usr/bin/psql", "-h", "127.0.0.1", "-p", str(port), "-U", "ocim",
                                  "-d", "postgres", "-tAc",
                                  "SELECT 1 FROM pg_database WHERE datname = 'ocim'"]),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd="/")
        if r.stdout.strip() != b"1":
            r = subprocess.run(as_pg(["/usr/bin/createdb", "-h", "127.0.0.1", "-p", str(port),
                                      "-U", "ocim", "ocim"]),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd="/")
            if r.returncode != 0:
                raise StackError("createdb failed:\n" + r.stdout.decode(errors="replace"))

    def stop_postgres(self):
        data = self.state.get("pg_data")
        if data and os.path.exists(os.path.join(data, "postmaster.pid")):
            subprocess.run(as_pg([PGBIN + "/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")

    def psql(self, sql):
        """Runs sql in the ocim database; returns the unaligned output."""
        r = subprocess.run(as_pg(["/usr/bin/psql", "-h", "127.0.0.1", "-p", str(self.state["pg_port"]),
                                  "-U", "ocim", "-d", "ocim", "-v", "ON_ERROR_STOP=1", "-qtAc", sql]),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd="/")
        if r.returncode != 0:
            raise StackError("psql: " + r.stderr.decode(errors="replace"))
        return r.stdout.decode().strip()

    # -- configuration -----------------------------------------------------
    def write_config(self):
        values = {
            # the Unix socket, as the package connects to its local server
            "database.conninfo": "host=%s port=%d dbname=ocim user=ocim" % (
                os.path.dirname(self.state["pg_data"]), self.state["pg_port"]),
            "http.base_url": self.url,
            "auth.secure_cookies": "false",
            "auth.password_blocklist": os.path.join(SRCDIR, "src", "common-passwords.txt"),
            "secrets.key_file": os.path.join(self.rundir, "secret.key"),
            "log.level": "info",
            # the responders start this ocim-sync after answering (mail, refreshes)
            "sync.program": self.program("ocim-sync"),
        }
        if self.smtp:
            values["mail.transport"] = "smtp"
            values["mail.smtp_url"] = "smtp://127.0.0.1:%d" % self.state["smtp_port"]
            values["mail.smtp_tls"] = "none"
            values["mail.timeout_seconds"] = "5"
        elif self.mail_file:
            values["mail.transport"] = "file"
            values["mail.file"] = os.path.abspath(self.mail_file)
        values.update(self.settings)
        sections = {}
        for key, value in values.items():
            section, name = key.split(".", 1)
            sections.setdefault(section, []).append((name, value))
        with open(self.config, "w") as f:
            f.write("# written by tests/lib/stack.py\n")
            for section, items in sections.items():
                f.write("%s:\n" % section)
                for name, value in items:
                    if isinstance(value, (list, dict)):
                        # a list of mappings (oidc.providers): JSON is YAML's flow style
                        f.write("  %s: %s\n" % (name, json.dumps(value)))
                    elif value in ("true", "false") or value.lstrip("-").isdigit():
                        f.write("  %s: %s\n" % (name, value))
                    else:
                        f.write("  %s: %s\n" % (name, json.dumps(value)))

    def ocimctl(self, *args, stdin=None, check=True):
        r = subprocess.run([self.program("ocimctl"), "--config", self.config] + list(args),
                           input=stdin.encode() if stdin is not None else None,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if check and r.returncode != 0:
            raise StackError("ocimctl %s: %s" % (" ".join(args), r.stderr.decode(errors="replace")))
        return r

    def migrate(self):
        self.ocimctl("migrate", "--dir", os.path.join(SRCDIR, "sql"))

    # -- responders and nginx ----------------------------------------------
    def spawn(self, name, cmd, env=None):
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log(name),
                                stderr=subprocess.STDOUT, start_new_session=True, env=env)
        self.procs[name] = proc
        self.state[name + "_pid"] = proc.pid
        self.save()
        return proc

    def start_pool(self, name="fcgi", program=None, socket_path=None, pool=None, max_requests=None):
        socket_path = socket_path or self.socket
        if os.path.exists(socket_path):
            os.unlink(socket_path)
        prog = program or [self.program("ocim-fcgi"), "--config", self.config,
                           "--max-requests", str(max_requests or self.max_requests)]
        # e.g. OCIM_FCGI_WRAPPER="valgrind --error-exitcode=1"; multiwatch does not search PATH
        wrapper = os.environ.get("OCIM_FCGI_WRAPPER", "").split()
        if wrapper:
            wrapper[0] = shutil.which(wrapper[0]) or wrapper[0]
        cmd = [program_path("spawn-fcgi"), "-n", "-s", socket_path, "-M", "0666", "--",
               "/usr/bin/multiwatch", "-f", str(pool or self.pool), "-t", "0", "--"] + wrapper + prog
        proc = self.spawn(name, cmd)
        deadline = time.time() + 10
        while not unix_listening(socket_path):
            if proc.poll() is not None or time.time() > deadline:
                raise StackError("the %s pool did not start; see %s/%s.log" % (name, self.rundir, name))
            time.sleep(0.02)
        return proc

    def stop_pool(self, name="fcgi"):
        pid = self.state.pop(name + "_pid", None)
        if pid:
            kill_pid(pid)
        self.save()

    def render_nginx(self):
        inc = os.path.join(self.rundir, "nginx")
        os.makedirs(inc, exist_ok=True)
        for d in ("body", "fastcgi", "proxy", "uwsgi", "scgi"):
            os.makedirs(os.path.join(self.rundir, "nginx-tmp", d), exist_ok=True)
        subst = {
            "@INCLUDEDIR@": inc,
            "@STATICDIR@": os.path.join(SRCDIR, "static", "dist"),
            "@SOCKET@": self.socket,
            "@FASTCGI_PARAMS@": "/etc/nginx/fastcgi_params",
            "@RUNDIR@": self.rundir,
            "@PORT@": str(self.port),
            "@USER@": "user root;" if is_root() else "",
            # the production rates (nginx/ocim-site.conf), unless auth_rate
            # raises all three for tests that log in a lot
            "@LOGIN_RATE@": self.auth_rate or AUTH_RATES["login"],
            "@REGISTER_RATE@": self.auth_rate or AUTH_RATES["register"],
            "@RESET_RATE@": self.auth_rate or AUTH_RATES["reset"],
            "@HOOKS_RATE@": self.hooks_rate,
            "@EXTRA_LOCATIONS@": self.extra_locations,
        }
        srcdir = os.path.join(SRCDIR, "nginx")
        for name in os.listdir(srcdir):
            if not (name.endswith(".conf") or name.endswith(".conf.in")):
                continue
            with open(os.path.join(srcdir, name)) as f:
                text = f.read()
            for k, v in subst.items():
                text = text.replace(k, v)
            with open(os.path.join(inc, name[:-3] if name.endswith(".in") else name), "w") as f:
                f.write(text)
        return os.path.join(inc, "ocim-dev.conf")

    def start_nginx(self):
        conf = self.render_nginx()
        nginx = program_path("nginx")
        r = subprocess.run([nginx, "-t", "-q", "-c", conf, "-e", os.path.join(self.rundir, "nginx-error.log")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise StackError("nginx configuration: " + r.stdout.decode(errors="replace"))
        proc = self.spawn("nginx", [nginx, "-c", conf, "-e", os.path.join(self.rundir, "nginx-error.log")])
        wait_port(self.port, proc=proc, what="nginx")

    def start_smtp(self):
        spool = os.path.join(self.rundir, "smtp")
        os.makedirs(spool, exist_ok=True)
        port = self.state.setdefault("smtp_port", free_port())
        proc = self.spawn("smtp", [sys.executable, os.path.join(SRCDIR, "tests", "fakes", "smtp.py"),
                                   spool, "--port", str(port)])
        wait_port(port, proc=proc, what="the fake SMTP server")
        self.state["smtp_spool"] = spool
        self.save()

    def start_oidc(self):
        """The fake OpenID Connect provider (Debian's /usr/bin/python3, which
        has python3-authlib), configured as a "Google" button; it signs in as
        self.oidc_demo after a page with one button."""
        port = self.state.setdefault("oidc_port", free_port())
        secret_file = os.path.join(self.rundir, "oidc-client-secret")
        with open(secret_file, "w") as f:
            f.write("demo-oidc-client-secret\n")
        os.chmod(secret_file, 0o600)
        user = {"sub": "demo-sub-1", "email": self.oidc_demo, "email_verified": True, "name": "Demo Google User"}
        proc = self.spawn("oidc", ["/usr/bin/python3", os.path.join(SRCDIR, "tests", "fakes", "oidc.py"),
                                   "--port", str(port), "--pick", "--client-id", "ocim-demo",
                                   "--client-secret", "demo-oidc-client-secret", "--user", json.dumps(user)])
        wait_port(port, proc=proc, what="the fake OpenID Connect provider")
        self.settings["oidc.providers"] = [{
            "name": "google", "label": "Sign in with Google (demo provider)",
            "issuer": "http://127.0.0.1:%d" % port, "client_id": "ocim-demo",
            "client_secret_file": secret_file}]
        self.save()

    # -- whole stack -------------------------------------------------------
    def start(self):
        os.makedirs(self.rundir, exist_ok=True)
        if os.path.exists(self.statefile):
            with open(self.statefile) as f:
                self.state = json.load(f)
        self.state.update({"port": self.port, "url": self.url, "config": self.config})
        self.save()
        STARTED.add(self)
        try:
            self.start_postgres()
            if self.smtp:
                self.start_smtp()
            if self.oidc_demo:
                self.start_oidc()
            self.write_config()
            self.ocimctl("check-config")
            if not os.path.exists(os.path.join(self.rundir, "secret.key")):
                self.ocimctl("keygen")
            self.migrate()
            self.start_pool()
            self.start_nginx()
        except Exception:
            self.stop()
            raise
        return self

    def stop(self):
        STARTED.discard(self)
        # nginx first (no new requests), then whatever else this run started
        names = ["nginx"] + sorted(k[:-4] for k in self.state if k.endswith("_pid") and k != "nginx_pid")
        for name in names:
            pid = self.state.pop(name + "_pid", None)
            if pid:
                kill_pid(pid, signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
        self.stop_postgres()
        if os.path.isdir(self.rundir):
            self.save()

    @classmethod
    def load(cls, rundir):
        st = cls(rundir)
        with open(st.statefile) as f:
            st.state = json.load(f)
        st.port = st.state["port"]
        return st

    def running(self):
        pid = self.state.get("nginx_pid")
        if not pid:
            return False
        return alive(pid)


def main():
    ap = argparse.ArgumentParser(description="Start or stop the Ocim stack on loopback.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start")
    s.add_argument("rundir")
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--pool", type=int, default=4)
    s.add_argument("--max-requests", type=int, default=10000)
    s.add_argument("--smtp", action="store_true", help="start the fake SMTP server and send mail to it")
    s.add_argument("--mail-file", help="append mail to this file instead")
    s.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
    s.add_argument("--oidc-demo", metavar="EMAIL",
                   help="start the fake OpenID Connect provider as a Google button that signs in as EMAIL")
    s.add_argument("--auth-rate", default=None,
                   help="nginx rate of every auth zone (default: the production rates, AUTH_RATES)")
    for name in ("stop", "status"):
        p = sub.add_parser(name)
        p.add_argument("rundir")
    p = sub.add_parser("psql", help="run SQL in the stack's database and print the result")
    p.add_argument("rundir")
    p.add_argument("sql")
    args = ap.parse_args()
    try:
        if args.cmd == "start":
            settings = dict(kv.split("=", 1) for kv in args.set)
            st = Stack(args.rundir, port=args.port or None, pool=args.pool, max_requests=args.max_requests,
                       smtp=args.smtp, mail_file=args.mail_file, settings=settings,
                       auth_rate=args.auth_rate, oidc_demo=args.oidc_demo).start()
            print(st.url)
        elif args.cmd == "psql":
            print(Stack.load(args.rundir).psql(args.sql))
        elif args.cmd == "stop":
            if os.path.exists(os.path.join(args.rundir, "stack.json")):
                Stack.load(args.rundir).stop()
        else:
            if not os.path.exists(os.path.join(args.rundir, "stack.json")):
                print("not running")
                return 1
            st = Stack.load(args.rundir)
            print(("running at " + st.url) if st.running() else "not running")
            return 0 if st.running() else 1
    except StackError as e:
        print("stack: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "==ERROR", "Invalid read",
                   "Invalid write", "definitely lost", "uninitialised value", "Conditional jump")


def sanitizer_reports(st):
    """Lines of the responders' log where ASan, UBSan or valgrind (when
    OCIM_FCGI_WRAPPER runs it) reported a problem."""
    path = os.path.join(st.rundir, "fcgi.log")
    if not os.path.exists(path):
        return []
    with open(path, errors="replace") as f:
        return [line.rstrip() for line in f if any(m in line for m in SANITIZER_MARKS)]
