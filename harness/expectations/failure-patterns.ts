import type { Pattern } from "./schema.ts";

/** Built-in failure patterns: any of them on the console ends the boot at once as `fail`. */
export interface FailurePattern {
  id: string;
  match: Pattern;
  /** Fail only on this occurrence (a second U-Boot banner is a reset); default the first. */
  nth?: number;
}

export const linuxPanics: FailurePattern[] = [
  { id: "linux-panic", match: "Kernel panic - not syncing" },
  { id: "linux-oops", match: /\bOops\b.*:|Internal error: Oops/ },
  { id: "linux-bug", match: /^(\[\s*\d+\.\d+\]\s*)?BUG: / },
];

export const xenPanics: FailurePattern[] = [
  { id: "xen-panic", match: "Panic on CPU" },
  { id: "xen-dom0-crashed", match: "Hardware Dom0 crashed" },
  { id: "xen-unhandled", match: /\(XEN\).*Unhandled: / },
];

export const ubootErrors: FailurePattern[] = [
  { id: "uboot-error", match: "## Error" },
  { id: "uboot-unknown-command", match: "Unknown command" },
  // A second banner means the board reset behind our back.
  { id: "uboot-reset", match: /^U-Boot 20\d\d/, nth: 2 },
];
