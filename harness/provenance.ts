/** What makes a boot reproducible and comparable: the expectation's hash, the git commit, the command line. */
import { execa } from "execa";
import type { Expectation } from "./expectations/loader.ts";
import { keyHash } from "./images/cache.ts";

/** The expectation's identity for reports: functions and RegExps included as their source. */
export function expectationHash(exp: Expectation): string {
  if (exp.declaredHash) return exp.declaredHash;
  return keyHash(
    JSON.parse(JSON.stringify(exp, (_k, v) => (v instanceof RegExp || typeof v === "function" ? String(v) : v))),
  );
}

let commit: Promise<string | undefined> | undefined;
/** HEAD of the repository bootlog runs in (once per process); undefined outside git. */
export function gitCommit(): Promise<string | undefined> {
  commit ??= execa("git", ["rev-parse", "HEAD"], { reject: false }).then((r) =>
    r.exitCode === 0 ? r.stdout.trim() : undefined,
  );
  return commit;
}

/** One argument as a POSIX shell reads it back: plain words as they are, anything else single-quoted. */
export const shellQuote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** The command line a person pastes to start the same machine. */
export const reproduceCommand = (binary: string, argv: readonly string[]) =>
  [binary, ...argv].map(shellQuote).join(" ");
