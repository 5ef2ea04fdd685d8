/**
 * Patterns that can backtrack catastrophically are refused when an expectation loads: one
 * console line would block the matcher for seconds, and the boot would look silent. recheck
 * analyses each pattern (exponential or cubic and worse are refused; quadratic is tolerated
 * since lines are capped at 16 KiB); answers are kept in the cache, so only a new pattern pays
 * for recheck (about a second for the first).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import writeFileAtomic from "write-file-atomic";
import { cacheRoot, keyHash } from "../images/cache.ts";

const require = createRequire(import.meta.url);
const RECHECK_VERSION = (require("recheck/package.json") as { version: string }).version;

interface Diagnosis {
  status: string;
  complexity?: { type: string; degree?: number; summary: string };
  attack?: { pattern: string };
}

const memo = new Map<string, string | null>();

function analyse(source: string, flags: string): string | null {
  const { checkSync } = require("recheck") as { checkSync: (s: string, f: string, p: object) => Diagnosis };
  // "pure": the Scala.js build, no subprocess; the time limit keeps a pathological pattern from stalling the load.
  const d = checkSync(source, flags, { backend: "pure", timeout: 5000 });
  if (d.status !== "vulnerable" || !d.complexity) return null;
  const { type, degree, summary } = d.complexity;
  if (type === "polynomial" && (degree ?? 0) < 3) return null;
  return `catastrophic backtracking (${summary}${d.attack ? `, e.g. on ${JSON.stringify(d.attack.pattern)}` : ""}): rewrite it without nested or overlapping repetition`;
}

/** Why the regex /source/flags is refused, or undefined when it is safe to run on console lines. */
export function regexRisk(source: string, flags: string): string | undefined {
  // No repetition beyond `?`: the regex runs in linear time whatever the line.
  if (!/[*+{]/.test(source.replace(/\\./g, ""))) return undefined;
  const key = keyHash({ source, flags, recheck: RECHECK_VERSION });
  if (!memo.has(key)) {
    const file = join(cacheRoot(), "regex-check", `${key}.json`);
    let known: string | null | undefined;
    try {
      known = (JSON.parse(readFileSync(file, "utf8")) as { risk: string | null }).risk;
    } catch {
      known = undefined;
    }
    if (known === undefined) {
      known = analyse(source, flags);
      try {
        mkdirSync(join(cacheRoot(), "regex-check"), { recursive: true });
        writeFileAtomic.sync(file, JSON.stringify({ source, flags, risk: known }));
      } catch {
        // a read-only cache: checked again next time
      }
    }
    memo.set(key, known);
  }
  return memo.get(key) ?? undefined;
}
