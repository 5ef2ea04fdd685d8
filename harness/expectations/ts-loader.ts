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
