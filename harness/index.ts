/** What `import … from "bootlog"` gives an expectation file or bootlog.config.ts. */
export * from "./expectations/index.ts";
export { defineConfig } from "./project/define-config.ts";
export type { BootlogConfig } from "./project/config.ts";
