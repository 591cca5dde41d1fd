// What every browser test shares: Debian's chromium driven by playwright-core
// against the real stack (tests/lib/stack.py), a run directory of its own,
// the fake GitLab, and the TAP runner.  Each *.test file registers its tests
// and calls run().
"use strict";

const { execFileSync, spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const readline = require("node:readline");
const { createRequire } = require("node:module");

const srcdir = process.env.OCIM_SRCDIR || path.resolve(__dirname, "../..");
const builddir = process.env.OCIM_BUILDDIR || path.join(srcdir, "build");
const chromium = "/usr/bin/chromium";
const modules = path.join(srcdir, "static", "node_modules");

/** Ends the test file with a TAP skip line. */
function skip(why) {
  console.log("1..0 # SKIP " + why);
  process.exit(0);
}

/** playwright-core's chromium, or a skip when chromium or the module is missing. */
function playwright() {
  if (!fs.existsSync(chromium) || !fs.existsSync(path.join(modules, "playwright-core")))
    skip("chromium or static/node_modules/playwright-core missing");
  return createRequire(path.join(modules, "x.js"))("playwright-core").chromium;
}

/** A temporary directory with the stack's run directory in it, and the
 * commands that work on that stack. */
function workdir(prefix) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(tmp, 0o755);
  const rundir = path.join(tmp, "run");
  const env = { ...process.env, OCIM_SRCDIR: srcdir, OCIM_BUILDDIR: builddir };
  const stack = (...args) =>
    execFileSync("python3", [path.join(srcdir, "tests/lib/stack.py"), ...args], { env, encoding: "utf8" }).trim();
  return {
    tmp,
    rundir,
    env,
    stack,
    psql: (sql) => stack("psql", rundir, sql),
    /** Runs ocimctl; `input` goes to its stdin. */
    ocimctl: (args, input) =>
      execFileSync(path.join(builddir, "src/ocimctl"), ["--config", path.join(rundir, "ocim.yml"), ...args], {
        encoding: "utf8",
        input,
      }),
  };
}

/** A loopback port for a server to listen on, by stack.py's one rule
 * (below the ephemeral range, at random, checked free). */
function freePort() {
  const code = "import sys; sys.path.insert(0, sys.argv[1]); import stack; print(stack.free_port())";
  return Number(execFileSync("python3", ["-c", code, path.join(srcdir, "tests", "lib")], { encoding: "utf8" }).trim());
}

/** Starts tests/fakes/gitlab.py with args; resolves to { proc, port } once it listens. */
function startGitlab(work, args) {
  const p = spawn("python3", [path.join(srcdir, "tests/fakes/gitlab.py"), path.join(work.tmp, "gitlab"), ...args], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: p.stdout }).once("line", (line) => {
      const m = line.match(/^port (\d+)/);
      if (m) resolve({ proc: p, port: Number(m[1]) });
      else reject(new Error("fake GitLab: " + line));
    });
    p.once("exit", () => reject(new Error("fake GitLab exited")));
  });
}

function check(cond, what) {
  if (!cond) throw new Error(what);
}

/** shot(page, name): a screenshot of what a test saw, kept with the build
 * (build/tests/screenshots/PREFIX-NAME.png) for a look afterwards. */
function shotter(prefix) {
  const dir = path.join(builddir, "tests", "screenshots");
  return async (page, name) => {
    fs.mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, `${prefix}-${name}.png`), fullPage: true });
  };
}

async function login(page, url, email, password) {
  await page.goto(url + "/login");
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', password);
  await page.click('button[type="submit"]');
  await page.waitForURL(url + "/");
}

/** A test's failure as TAP: the reason on the line (harnesses that show only
 * that line keep it; no "#", which TAP reads as a directive), then the stack. */
function notOk(n, name, e, lines) {
  console.log(`not ok ${n} - ${name}: ${String((e && e.message) || e).split("\n")[0].replace(/#/g, "No.").slice(0, 300)}`);
  for (const line of String(e && e.stack ? e.stack : e).split("\n").slice(0, lines)) console.log("# " + line);
}

/** Collects what goes wrong in page: uncaught errors and, with consoleToo,
 * console errors other than the expected 4xx answers (a 401 from /auth/me
 * before login); CSP violations count. */
function watch(page, consoleToo) {
  const problems = [];
  if (consoleToo)
    page.on("console", (m) => {
      if (m.type() === "error" && !/401|Unauthorized/.test(m.text()) && !/status of 4\d\d/.test(m.text()))
        problems.push(m.text());
    });
  page.on("pageerror", (e) => problems.push(String(e)));
  page.setDefaultTimeout(10000);
  return problems;
}

/**
 * Runs tests ({ name, fn }) and prints TAP; exits 1 when any failed.
 *   start():   the servers and users; resolves to { url, ctx }
 *   shared:    { email, password, viewport, prepare({ page, url, ctx }) }: all
 *              tests share one page, logged in as email; without it each test
 *              gets a fresh browser context
 *   stop(ctx): stops what start began besides the stack
 * Each fn gets { page, url, ctx, browser }.
 */
async function run(tests, { pw, work, start, shared, stop }) {
  let failed = 0;
  let browser;
  let ctx = {};
  console.log(`1..${tests.length}`);
  try {
    const started = await start();
    const url = started.url;
    ctx = started.ctx || ctx;
    browser = await pw.launch({
      executablePath: chromium,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"],
    });
    let page = null;
    let problems = null;
    if (shared) {
      const context = await browser.newContext(shared.viewport ? { viewport: shared.viewport } : {});
      page = await context.newPage();
      problems = watch(page, false);
      await login(page, url, shared.email, shared.password);
      if (shared.prepare) await shared.prepare({ page, url, ctx });
    }
    for (const [i, t] of tests.entries()) {
      const context = shared ? null : await browser.newContext();
      const p = shared ? page : await context.newPage();
      const seen = shared ? problems : watch(p, true);
      try {
        await t.fn({ page: p, url, ctx, browser });
        if (seen.length) throw new Error("page errors: " + seen.splice(0).join(" | "));
        console.log(`ok ${i + 1} - ${t.name}`);
      } catch (e) {
        failed++;
        notOk(i + 1, t.name, e, 12);
      } finally {
        if (context) await context.close();
      }
    }
  } catch (e) {
    failed++;
    console.log("Bail out! " + String(e).split("\n")[0]);
  } finally {
    if (browser) await browser.close();
    try {
      work.stack("stop", work.rundir);
    } catch {
      /* reported by the stack */
    }
    if (stop) stop(ctx);
    if (!process.env.OCIM_KEEP_RUNDIR) fs.rmSync(work.tmp, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

module.exports = { srcdir, builddir, skip, playwright, workdir, freePort, startGitlab, check, shotter, login, run };
