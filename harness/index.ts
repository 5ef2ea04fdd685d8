/** What `import … from "bootlog"` gives an expectation file or bootlog.config.ts. */
export * from "./expectations/index.ts";
export { defineConfig } from "./project/define-config.ts";
export type { BootlogConfig } from "./project/config.ts";
// Every type an expectation's inferred type may mention: a project with `declaration: true` (tsc
// --init's default) must be able to name them through "bootlog" (else TS2883, "cannot be named").
export type {
  ImageSource,
  KnownBad,
  Milestone,
  Pattern,
  PreparedImageInfo,
  SendContext,
  StreamSpec,
} from "./expectations/schema.ts";
export type { DomUSpec } from "./expectations/dom0less.ts";
export type { StreamPrefix } from "./expectations/streams.ts";
export type { ToolstackInitrdSource } from "./expectations/toolstack.ts";
export type { FailurePattern } from "./expectations/failure-patterns.ts";
