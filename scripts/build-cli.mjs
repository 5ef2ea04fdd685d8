#!/usr/bin/env node
/**
 * `npm run build` (run by `npm ci` / `npm install` through `prepare`): bundles the CLI into
 * dist/harness/ so a start does not transpile TypeScript. Each command's dynamic imports become
 * chunks. npm packages are bundled too (Node resolving and reading a package's hundreds of
 * files costs more than the code), except those loaded at run time by name (EXTERNAL).
 * dist/manifest.json records a hash of every source file in the bundle and of package-lock.json:
 * bin/bootlog.mjs runs dist only while they all still match, and tsx otherwise.
 *
 * The chunks sit two folders deep (dist/harness/), as harness/expectations/ does, so paths made
 * from import.meta.dirname ("../../expectations") resolve the same from both.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { sourceHash } from "../bin/fresh-build.mjs";

const ROOT = join(import.meta.dirname, "..");
// tsx and esbuild register loaders and start a service; junit-report-builder is required on first use;
// vitest is the user's own (bootlog/vitest registers tests with the vitest that runs them).
const EXTERNAL = ["tsx", "esbuild", "junit-report-builder", "vitest"];

/** What the package exports (package.json "exports") besides the CLI: dist/harness/<name>.js. */
const LIBRARY = { index: "harness/index.ts", vitest: "harness/vitest/index.ts" };

/** Build into `dist` (default ROOT/dist); returns esbuild's metafile, or undefined without esbuild. */
export async function buildCli(dist = join(ROOT, "dist")) {
  let esbuild;
  try {
    esbuild = await import("esbuild");
  } catch {
    // A production install has no esbuild: the CLI runs through tsx, as from a fresh checkout.
    console.error("build-cli: esbuild is not installed; the CLI will run through tsx");
    return undefined;
  }
  rmSync(dist, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { cli: "harness/cli.ts", ...LIBRARY },
    outdir: join(dist, "harness"),
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external: EXTERNAL.flatMap((p) => [p, `${p}/*`]),
    // CommonJS packages inside ESM chunks call require() for Node's own modules and read
    // __filename (write-file-atomic names its temporary files with it).
    banner: {
      js: [
        'import { createRequire as __bootlogRequire } from "node:module";',
        'import { fileURLToPath as __bootlogPath } from "node:url";',
        "const require = __bootlogRequire(import.meta.url);",
        "const __filename = __bootlogPath(import.meta.url);",
        "const __dirname = import.meta.dirname;",
      ].join(" "),
    },
    metafile: true,
    sourcemap: "linked",
    // Tells harness/expectations/ts-loader.ts that TypeScript expectation files need tsx registered.
    define: { "process.env.BOOTLOG_BUILT": '"1"' },
    logLevel: "warning",
  });
  // Packages are pinned by package-lock.json: its hash stands for theirs.
  const sources = [
    ...Object.keys(result.metafile.inputs).filter((s) => !s.split("/").includes("node_modules")),
    "package-lock.json",
  ].sort();
  const manifest = {
    entry: "harness/cli.js",
    sources: Object.fromEntries(sources.map((s) => [s, sourceHash(join(ROOT, s))])),
  };
  mkdirSync(dist, { recursive: true });
  // Written last: a dist without its manifest is never run.
  writeFileSync(join(dist, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  console.error(`build-cli: ${join(dist, "harness/cli.js")} from ${sources.length} sources`);
  return result.metafile;
}

/**
 * The .d.ts files of the package's exports into dist/types (tsc), with relative imports ending in
 * .js as a consumer's TypeScript resolves them (the sources import .ts). Without tsc (a production
 * install) there are no types to make: the package already has them.
 */
export function buildTypes(dist = join(ROOT, "dist")) {
  const tsc = join(ROOT, "node_modules", ".bin", "tsc");
  if (!existsSync(tsc)) return console.error("build-cli: tsc is not installed; no .d.ts files made");
  const out = join(dist, "types");
  rmSync(out, { recursive: true, force: true });
  const options = ["--ignoreConfig", "--declaration", "--emitDeclarationOnly", "--outDir", out, "--rootDir", "harness"];
  const strictness = ["--strict", "--skipLibCheck", "--allowImportingTsExtensions", "--verbatimModuleSyntax"];
  const target = ["--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2023", "--types", "node"];
  execFileSync(tsc, [...Object.values(LIBRARY), ...options, ...strictness, ...target], { cwd: ROOT, stdio: "inherit" });
  for (const entry of readdirSync(out, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".d.ts")) continue;
    const file = join(entry.parentPath, entry.name);
    const text = readFileSync(file, "utf8").replace(/((?:from|import\()\s*"\.{1,2}\/[^"]*)\.ts"/g, '$1.js"');
    writeFileSync(file, text);
  }
  console.error(`build-cli: types in ${out}`);
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  await buildCli();
  buildTypes();
}
