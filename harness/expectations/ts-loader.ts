/**
 * Expectation files are TypeScript. Under tsx (bin/bootlog.mjs without dist) and vitest, Node
 * already imports them; the bundled CLI (dist/, built with BOOTLOG_BUILT defined) imports their
 * compiled modules (./compiled.ts), and registers tsx for a file that cannot be one, so commands
 * that load no such file never load tsx.
 */
import { register } from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { compiledModule, library } from "./compiled.ts";

let registering: Promise<void> | undefined;

/**
 * Registered after tsx, so it resolves first: an expectation that imports bootlog's harness as
 * source (bootlog's own expectations/, or a project that imports it by path) gets the library
 * module of the running bundle instead, rather than tsx compiling and loading the harness again.
 */
const TO_BUNDLE = `export async function initialize(data) { globalThis.toBundle = data; }
export async function resolve(specifier, context, next) {
  const found = await next(specifier, context);
  const url = globalThis.toBundle[found.url];
  return url ? { url, format: "module", shortCircuit: true } : found;
}`;

function typeScriptLoader(): Promise<void> {
  if (process.env.BOOTLOG_BUILT !== "1") return Promise.resolve();
  registering ??= (async () => {
    const [esm, cjs] = await Promise.all([import("tsx/esm/api"), import("tsx/cjs/api")]);
    esm.register();
    // An expectation .ts outside a "type": "module" package (a config repo under git bisect) loads as CommonJS.
    cjs.register();
    const lib = library();
    const data = Object.fromEntries([...lib.sources].map((s) => [pathToFileURL(s).href, lib.url]));
    register(`data:text/javascript,${encodeURIComponent(TO_BUNDLE)}`, { data });
  })();
  return registering;
}

/**
 * The URL to import an expectation or config file by. In the bundle, a TypeScript file is its
 * compiled module (./compiled.ts) where that reproduces it, else tsx is registered for it.
 */
export async function moduleUrl(path: string): Promise<string> {
  if (/\.m?ts$/.test(path) && process.env.BOOTLOG_BUILT === "1") {
    const compiled = await compiledModule(path);
    if (compiled) return compiled;
    await typeScriptLoader();
  }
  return pathToFileURL(resolve(path)).href;
}

/**
 * A TypeScript file tsx compiled to CommonJS (no "type": "module" above it) arrives through a
 * plain import() as { default: module.exports }, its own default one level down behind
 * __esModule. Code that tsx compiled gets this unwrapped by tsx; the bundle does it here.
 */
export function esModuleInterop(module: { default?: unknown }): { default?: unknown } {
  const exports = module.default as { __esModule?: unknown; default?: unknown } | null | undefined;
  if (exports && typeof exports === "object" && exports.__esModule === true && "default" in exports)
    return { ...module, default: exports.default };
  return module;
}
