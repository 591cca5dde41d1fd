// Bundles src/ into dist/ (app.js, app.css, index.html) with esbuild.
// The licences of the bundled npm packages stay with the bundle: esbuild
// keeps their legal comments in app.js.LEGAL.txt (which app.js names), and
// THIRD-PARTY-LICENSES.txt has the licence file of every package that
// esbuild took code from (debian/copyright lists the same packages).
import { build } from "esbuild";
import { copyFile, mkdir, readFile, stat, unlink, writeFile } from "node:fs/promises";

const dev = process.argv.includes("--dev");

await mkdir("dist", { recursive: true });
const result = await build({
  entryPoints: { app: "src/main.tsx" },
  bundle: true,
  minify: !dev,
  sourcemap: dev ? "inline" : false,
  target: ["es2020"],
  outdir: "dist",
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
for (const f of ["dist/app.js.LEGAL.txt", "dist/app.css.LEGAL.txt"]) {
  try {
    if ((await stat(f)).size === 0) await unlink(f);
  } catch {}
}
await copyFile("src/index.html", "dist/index.html");
await writeFile("dist/.stamp", new Date().toISOString() + "\n");
