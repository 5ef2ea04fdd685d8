#!/usr/bin/env node
// Runs the CLI bundled in dist/ (npm ci builds it) while it matches the sources, else the
// TypeScript itself through tsx. Expectation files are TypeScript either way: the bundle
// registers tsx when it loads the first one (harness/expectations/ts-loader.ts).
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { freshBuild } from "./fresh-build.mjs";

const built = process.env.BOOTLOG_NO_DIST ? undefined : freshBuild(join(import.meta.dirname, ".."));
if (built) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import("tsx/esm/api");
  const { register: registerCjs } = await import("tsx/cjs/api");
  register();
  // An expectation .ts outside a "type": "module" package (a config repo under git bisect) loads as CommonJS.
  registerCjs();
  await import("../harness/cli.ts");
}
