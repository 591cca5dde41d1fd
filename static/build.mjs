// Bundles src/ into dist/ (app-HASH.js, app-HASH.css, index.html) with esbuild.
// The bundle's names carry a hash of their content, so nginx serves them as
// immutable (a year in the browser's cache) and index.html, revalidated at
// every load, names the current ones; every text file gets a .gz made here,
// at build time, that nginx sends as it is (gzip_static).
// The licences of the bundled npm packages stay with the bundle: esbuild
// keeps their legal comments in app.js.LEGAL.txt (which app.js names), and
// THIRD-PARTY-LICENSES.txt has the licence file of every package that
// esbuild took code from (debian/copyright lists the same packages).
import { build } from "esbuild";
import { mkdir, readdir, readFile, stat, unlink, writeFile } from "node:fs/promises";
import { gzipSync, constants } from "node:zlib";

const dev = process.argv.includes("--dev");

await mkdir("dist", { recursive: true });
// the previous build's files: hashed names pile up otherwise
for (const f of await readdir("dist")) if (/^app[-.]|\.gz$/.test(f)) await unlink(`dist/${f}`);
const result = await build({
  // app-boot: the first screen's requests, started before the bundle runs (src/boot.ts)
  entryPoints: { app: "src/main.tsx", "app-boot": "src/boot.ts" },
  bundle: true,
  minify: !dev,
  sourcemap: dev ? "inline" : false,
  target: ["es2020"],
  outdir: "dist",
  entryNames: dev ? "[name]" : "[name]-[hash]",
  define: { "process.env.NODE_ENV": JSON.stringify(dev ? "development" : "production") },
  logLevel: "warning",
  legalComments: "linked",
  metafile: true,
});

// the packages whose code is in app.js: node_modules/NAME or node_modules/@SCOPE/NAME
const packages = new Set();
for (const [out, meta] of Object.entries(result.metafile.outputs)) {
  if (!out.endsWith(".js")) continue;
  for (const [input, use] of Object.entries(meta.inputs)) {
    const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
    if (m && use.bytesInOutput > 0) packages.add(m[1]);
  }
}
let text = "The npm packages bundled into app.js, with their licences.\n";
for (const name of [...packages].sort()) {
  const dir = `node_modules/${name}`;
  const pkg = JSON.parse(await readFile(`${dir}/package.json`, "utf8"));
  let licence = null;
  for (const f of ["LICENSE", "LICENSE.md", "LICENSE.txt", "license", "license.md"]) {
    try {
      licence = await readFile(`${dir}/${f}`, "utf8");
      break;
    } catch {}
  }
  if (licence === null) throw new Error(`${name}: no licence file in ${dir}`);
  text += `\n${"=".repeat(72)}\n${name} ${pkg.version} (${pkg.license})\n${"=".repeat(72)}\n\n${licence.trim()}\n`;
}
await writeFile("dist/THIRD-PARTY-LICENSES.txt", text);
// an empty legal file (app.css has no legal comments) is not worth shipping
for (const f of (await readdir("dist")).filter((x) => x.endsWith(".LEGAL.txt")).map((x) => `dist/${x}`)) {
  try {
    if ((await stat(f)).size === 0) await unlink(f);
  } catch {}
}
// index.html names the bundle's files as this build made them
const outputs = Object.keys(result.metafile.outputs).map((o) => o.replace(/^dist\//, ""));
const js = outputs.find((o) => /^app(-[A-Z0-9]+)?\.js$/.test(o));
const css = outputs.find((o) => /^app(-[A-Z0-9]+)?\.css$/.test(o));
const boot = outputs.find((o) => /^app-boot(-[A-Z0-9]+)?\.js$/.test(o));
if (!js || !css || !boot) throw new Error("esbuild made no app.js, app.css or app-boot.js: " + outputs.join(" "));
const html = (await readFile("src/index.html", "utf8"))
  .replace('"/app.css"', `"/${css}"`).replace('"/app.js"', `"/${js}"`).replace('"/app-boot.js"', `"/${boot}"`);
if (![js, css, boot].every((f) => html.includes(f))) throw new Error("src/index.html does not name /app.js, /app.css and /app-boot.js");
await writeFile("dist/index.html", html);
for (const f of await readdir("dist")) {
  if (!/\.(js|css|html|txt)$/.test(f)) continue;
  const gz = gzipSync(await readFile(`dist/${f}`), { level: constants.Z_BEST_COMPRESSION });
  await writeFile(`dist/${f}.gz`, gz);
}
await writeFile("dist/.stamp", new Date().toISOString() + "\n");
