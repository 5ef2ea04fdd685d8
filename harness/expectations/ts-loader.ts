/**
 * Expectation files are TypeScript. Under tsx (bin/bootlog.mjs without dist) and vitest, Node
 * already imports them; the bundled CLI (dist/, built with BOOTLOG_BUILT defined) registers tsx
 * on the first one, so commands that load no expectation never load tsx.
 */
let registering: Promise<void> | undefined;

export function typeScriptLoader(): Promise<void> {
  if (process.env.BOOTLOG_BUILT !== "1") return Promise.resolve();
  registering ??= (async () => {
    const [esm, cjs] = await Promise.all([import("tsx/esm/api"), import("tsx/cjs/api")]);
    esm.register();
    // An expectation .ts outside a "type": "module" package (a config repo under git bisect) loads as CommonJS.
    cjs.register();
  })();
  return registering;
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
