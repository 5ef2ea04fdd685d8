#!/usr/bin/env node
/**
 * `npm run build` (run by `npm ci` / `npm install` through `prepare`): bundles the CLI into
 * dist/harness/ so a start does not transpile TypeScript. Each command's dynamic imports become
 * chunks, npm packages stay external (loaded from node_modules when a command needs them).
 * dist/manifest.json records a hash of every source file in the bundle: bin/bootlog.mjs runs
 * dist only while they all still match, and tsx otherwise.
 *
 * The chunks sit two folders deep (dist/harness/), as harness/expectations/ does, so paths made
 * from import.meta.dirname ("../../expectations") resolve the same from both.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sourceHash } from "../bin/fresh-build.mjs";

const ROOT = join(import.meta.dirname, "..");
const DIST = join(ROOT, "dist");

let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  // A production install has no esbuild: the CLI runs through tsx, as from a fresh checkout.
  console.error("build-cli: esbuild is not installed; the CLI will run through tsx");
  process.exit(0);
}

rmSync(DIST, { recursive: true, force: true });
const result = await esbuild.build({
  absWorkingDir: ROOT,
  entryPoints: { cli: "harness/cli.ts" },
  outdir: join(DIST, "harness"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  metafile: true,
  sourcemap: "linked",
  // Tells harness/expectations/ts-loader.ts that TypeScript expectation files need tsx registered.
  define: { "process.env.BOOTLOG_BUILT": '"1"' },
  logLevel: "warning",
});
const sources = Object.keys(result.metafile.inputs).sort();
writeFileSync(join(DIST, "manifest.json"), `${JSON.stringify({ entry: "harness/cli.js", sources: Object.fromEntries(sources.map((s) => [s, sourceHash(join(ROOT, s))])) }, null, 2)}\n`);
console.error(`build-cli: dist/harness/cli.js from ${sources.length} sources`);
