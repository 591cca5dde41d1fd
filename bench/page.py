#!/usr/bin/env python3
"""Benchmark: the first usable render of the main page (the instance list
shows its rows) with 5 000 instances, in Debian's chromium driven by
playwright-core, through nginx; and the size of the bundle as it goes out
(gzip, as nginx sends the .gz made at build time).  Each render is timed
from the navigation's start (performance.now() in the page) to the first
row of the list, with an empty browser cache (a first visit: the bundle
too) and with a warm one; the median of --runs of each.  It prints figures
next to the targets (render < 1 s, bundle <= 150 KB gzip); it does not pass
or fail.

    OCIM_BUILDDIR=build bench/page.py [--runs 5] [--instances 5000]

Where the time goes: TRACE=1 prints each run's requests (start, end,
bytes; 0 bytes = from the cache) and the moment of use; PROFILE=FILE writes
the last run's CPU profile (Chrome DevTools' format), TRACEFILE=FILE its
timeline trace.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stack as stacklib  # noqa: E402
from instances import seed  # noqa: E402

# the browser's side: prints one JSON object of timings
DRIVER = r"""
const { createRequire } = require("node:module");
const [modules, url, email, password, runs] = process.argv.slice(1);
const { chromium } = createRequire(modules + "/x.js")("playwright-core");
// the moment the list first shows a row, in the page's own clock
const probe = () => {
  const seen = () => {
    if (!window.__usable && document.querySelector('[data-testid="instances"] tbody tr'))
      window.__usable = performance.now();
  };
  new MutationObserver(seen).observe(document, { childList: true, subtree: true });
};
(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"] });
  const login = await browser.newContext();
  const p = await login.newPage();
  await p.goto(url + "/login");
  await p.fill('input[name="email"]', email);
  await p.fill('input[name="password"]', password);
  await p.click('button[type="submit"]');
  await p.waitForURL(url + "/");
  const state = await login.storageState();
  const out = { cold: [], warm: [], rows: 0 };
  const one = async (ctx) => {
    const page = await ctx.newPage();
    await page.addInitScript(probe);
    let cdp;
    if (process.env.PROFILE) { cdp = await ctx.newCDPSession(page); await cdp.send("Profiler.enable"); await cdp.send("Profiler.setSamplingInterval", { interval: 200 }); await cdp.send("Profiler.start"); }
    if (process.env.TRACEFILE) await browser.startTracing(page, { path: process.env.TRACEFILE, categories: ["devtools.timeline", "v8.execute", "disabled-by-default-devtools.timeline"] });
    await page.goto(url + "/");
    await page.waitForFunction(() => window.__usable !== undefined, null, { timeout: 30000 });
    if (process.env.TRACEFILE) await browser.stopTracing();
    if (cdp) { const { profile } = await cdp.send("Profiler.stop"); require("fs").writeFileSync(process.env.PROFILE, JSON.stringify(profile)); }
    out.rows = await page.locator('[data-testid="instances"] tbody tr').count();
    const t = await page.evaluate(() => window.__usable);
    if (process.env.TRACE) console.error(JSON.stringify(await page.evaluate(() => performance.getEntriesByType("resource").map((e) => [e.name.replace(/^https?:\/\/[^/]+/, ""), Math.round(e.startTime), Math.round(e.responseEnd), e.transferSize]).concat([["nav", 0, Math.round(performance.getEntriesByType("navigation")[0].responseEnd), 0], ["usable", Math.round(window.__usable)]]))));
    await page.close();
    return t;
  };
  for (let i = 0; i < Number(runs); i++) {
    const ctx = await browser.newContext({ storageState: state, viewport: { width: 1366, height: 768 } });
    out.cold.push(await one(ctx));      // empty cache: index.html, the bundle, the API
    out.warm.push(await one(ctx));      // the bundle from the cache (immutable)
    await ctx.close();
  }
  await browser.close();
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
"""


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--instances", type=int, default=5000)
    args = ap.parse_args()
    dist = os.path.join(stacklib.SRCDIR, "static", "dist")
    bundle = [f for f in glob.glob(os.path.join(dist, "app-*.js.gz")) + glob.glob(os.path.join(dist, "app-*.css.gz"))]
    raw = [f[:-3] for f in bundle]
    if not bundle:
        print("no static/dist/app-*.js.gz: build first (make)", file=sys.stderr)
        return 1
    tmp = tempfile.mkdtemp(prefix="ocim-bench-page-")
    os.chmod(tmp, 0o755)
    st = stacklib.Stack(os.path.join(tmp, "run"), pool=2, auth_rate="6000r/m")
    try:
        st.start()
        st.ocimctl("user", "add", "bench@example.com", "--password-stdin", stdin="bench passphrase 1\n")
        seed(st, 1, args.instances, 4 * args.instances, 1)
        r = subprocess.run(["node", "-e", DRIVER, os.path.join(stacklib.SRCDIR, "static", "node_modules"), st.url,
                            "bench@example.com", "bench passphrase 1", str(args.runs)],
                           capture_output=True, text=True, timeout=600)
        if os.environ.get("TRACE"):
            print(r.stderr, file=sys.stderr)
        if r.returncode != 0:
            print(r.stderr, file=sys.stderr)
            return 1
        t = json.loads(r.stdout.strip().splitlines()[-1])
    finally:
        st.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    gz = sum(os.path.getsize(f) for f in bundle)
    print("Main page, %d instances, first usable render (rows shown), median of %d, %d CPUs:"
          % (args.instances, args.runs, os.cpu_count()))
    print("  empty cache: %6.0f ms   (runs: %s)" % (median(t["cold"]), ", ".join("%.0f" % x for x in t["cold"])))
    print("  warm cache:  %6.0f ms   (runs: %s)" % (median(t["warm"]), ", ".join("%.0f" % x for x in t["warm"])))
    print("  target: < 1000 ms; rows on the first page: %d" % t["rows"])
    print("Bundle: %.1f KB gzip (%.1f KB raw) in %s; target <= 150 KB gzip"
          % (gz / 1024, sum(os.path.getsize(f) for f in raw) / 1024, ", ".join(os.path.basename(f) for f in raw)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
