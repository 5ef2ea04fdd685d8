import { compilePattern } from "../milestones/pattern.ts";
import type { Pattern } from "../expectations/schema.ts";

/**
 * Lines that explain a silent or failed boot when found in memory: Xen's console trouble and
 * panics, Linux's panics and root-fs failures. Checked in this order; the expectation's own
 * failOn patterns come first.
 */
export const DIAGNOSTIC_PATTERNS: Pattern[] = [
  "Bad console",
  "Unable to find device",
  "UART not present",
  "Panic on CPU",
  "Could not set up DOM0",
  "Missing kernel boot module",
  "Unhandled:",
  "crashed",
  "Kernel panic - not syncing",
  "Unable to mount root",
  "Internal error: Oops",
  /^BUG: /,
  "No working init found",
  "Attempted to kill init",
];

export interface TellingLine {
  /** "xen" (Xen's ring), "linux" (the kernel log) or "console". */
  source: "xen" | "linux" | "console";
  line: string;
}

const MAX_TELLING = 6;

/**
 * The most telling recovered lines: the first line per pattern (expectation patterns, then the
 * built-in ones), in pattern order, at most six. `---[ end Kernel panic` repeats the panic: skipped.
 */
export function tellingLines(
  logs: { source: TellingLine["source"]; lines: string[] }[],
  extra: Pattern[] = [],
): TellingLine[] {
  const found: TellingLine[] = [];
  const seen = new Set<string>();
  for (const pattern of [...extra, ...DIAGNOSTIC_PATTERNS]) {
    const test = compilePattern(pattern);
    for (const { source, lines } of logs) {
      const line = lines.find((l) => !l.startsWith("---[ end ") && test(l));
      if (line && !seen.has(line)) {
        seen.add(line);
        found.push({ source, line });
        break;
      }
    }
    if (found.length >= MAX_TELLING) break;
  }
  return found;
}
