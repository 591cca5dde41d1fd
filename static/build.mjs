// Bundles src/ into dist/ (app.js, app.css, index.html) with esbuild.
import { build } from "esbuild";
import { copyFile, mkdir, writeFile } from "node:fs/promises";

const dev = process.argv.includes("--dev");

await mkdir("dist", { recursive: true });
await build({
  entryPoints: { app: "src/main.tsx" },
  bundle: true,
  minify: !dev,
  sourcemap: dev ? "inline" : false,
  target: ["es2020"],
  outdir: "dist",
  define: { "process.env.NODE_ENV": JSON.stringify(dev ? "development" : "production") },
  logLevel: "warning",
  legalComments: "none",
});
await copyFile("src/index.html", "dist/index.html");
await writeFile("dist/.stamp", new Date().toISOString() + "\n");
