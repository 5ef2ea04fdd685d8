/**
 * The bundled CLI's fast path for a TypeScript expectation (or bootlog.config.ts): esbuild
 * compiles it once, with the local files it imports, into one ES module kept in the cache, which
 * later runs import as plain JavaScript: no tsx loader thread, whose round trips were most of a
 * warm `bootlog prepare`. Imports of bootlog (its harness sources or its package) become the
 * running bundle's library, packages stay where they are installed. A file this cannot reproduce
 * exactly (CommonJS, import.meta, harness internals) or that does not compile goes through tsx,
 * as before, which also words its errors.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import writeFileAtomic from "write-file-atomic";
import { cacheRoot, memo } from "../images/cache.ts";

interface Compiled {
  /** Every source file bundled in, with its sha1: the entry is reused while all of them still match. */
  inputs: Record<string, string>;
  /** Absolute paths the module imports (packages): it is reused only while they all exist. */
  externals: string[];
  /** The compiled module, beside this record; none when the file goes through tsx. */
  module?: string;
}

const sha1 = (data: string | Buffer) => createHash("sha1").update(data).digest("hex");

/** Things tsx gives a module that one bundled ES module in the cache would not. */
const NEEDS_TSX = /\bimport\.meta\b|\brequire\s*\(|\b__dirname\b|\b__filename\b|\bmodule\.exports\b|\bexports\./;

/** The running bundle's library (dist/harness/index.js) and the harness sources it stands for. */
export function library(): { url: string; root: string; sources: Set<string> } {
  // In the bundle this file is a chunk of dist/harness/, beside the library's index.js.
  const root = resolve(import.meta.dirname, "../..");
  return {
    url: new URL("./index.js", import.meta.url).href,
    root,
    sources: new Set(["harness/index.ts", "harness/expectations/index.ts"].map((s) => join(root, s))),
  };
}

/** A record from the cache still stands for its files: each input has the content it was compiled from. */
function stillValid(known: unknown): boolean {
  const record = known as Partial<Compiled> | null;
  if (typeof record?.inputs !== "object" || record.inputs === null || !Array.isArray(record.externals)) return false;
  for (const [input, hash] of Object.entries(record.inputs)) {
    try {
      if (sha1(readFileSync(input)) !== hash) return false;
    } catch {
      return false;
    }
  }
  return record.externals.every((path) => existsSync(path)) && (!record.module || existsSync(record.module));
}

async function compile(file: string): Promise<Compiled> {
  const esbuild = await import("esbuild");
  mkdirSync(join(cacheRoot(), "expectations"), { recursive: true });
  const lib = library();
  const externals = new Set<string>();
  const inputs: Record<string, string> = {};
  const plugin = {
    name: "bootlog-expectation",
    setup(build: import("esbuild").PluginBuild) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === "entry-point" || args.pluginData === "resolving") return undefined;
        if (args.path.startsWith("node:") || builtinModules.includes(args.path))
          return { path: args.path, external: true };
        const found = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: "resolving",
        });
        if (found.errors.length) return { errors: found.errors };
        if (lib.sources.has(found.path)) return { path: lib.url, external: true };
        if (found.path.startsWith(join(lib.root, "harness/")))
          return { errors: [{ text: "imports harness internals" }] };
        if (found.path.split("/").includes("node_modules")) {
          externals.add(found.path);
          return { path: pathToFileURL(found.path).href, external: true };
        }
        return { path: found.path };
      });
      build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
        const contents = readFileSync(args.path, "utf8");
        inputs[args.path] = sha1(contents);
        if (NEEDS_TSX.test(contents)) return { errors: [{ text: "needs tsx" }] };
        return { contents, loader: /\.[cm]?ts$/.test(extname(args.path)) ? "ts" : "js" };
      });
    },
  };
  const built = await esbuild
    .build({
      entryPoints: [file],
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      target: "node20",
      logLevel: "silent",
      plugins: [plugin],
    })
    .catch(() => undefined);
  const code = built?.outputFiles[0]?.text;
  if (code === undefined) return { inputs, externals: [] };
  // Named by file and code: two files with the same code are still two modules, as under tsx.
  const module = join(cacheRoot(), "expectations", `${sha1(`${file}\n${code}`)}.mjs`);
  if (!existsSync(module)) await writeFileAtomic(module, code);
  return { inputs, externals: [...externals], module };
}

/**
 * The URL to import for a TypeScript expectation or config file in the bundled CLI: its compiled
 * module, or undefined when it must go through tsx.
 */
export async function compiledModule(path: string): Promise<string | undefined> {
  const file = resolve(path);
  // A file that needs tsx is remembered too (no compile next time). Without esbuild, or a cache to
  // write to, it is tsx; a read-only cache only costs the next run a compile.
  const compiled = await memo("expectations", { library: library().url, file }, stillValid, () => compile(file)).catch(
    () => undefined,
  );
  return compiled?.module && pathToFileURL(compiled.module).href;
}
