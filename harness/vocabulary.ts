/**
 * The words every part of bootlog shares: outcomes, how a boot's end is said, exit codes,
 * rounding, where a boot ended, which attempt counts. Imports nothing, so any folder may use it.
 */

/** How a judged boot ended (the matcher's verdict). */
export const BOOT_OUTCOMES = ["pass", "fail", "hang", "timeout", "exited"] as const;
export type BootOutcome = (typeof BOOT_OUTCOMES)[number];

/** An expectation's outcome: a judged one, or infra (the harness or host failed, not the boot). */
export const OUTCOMES = [...BOOT_OUTCOMES, "infra"] as const;

/** A result's outcome: `skip` is a boot that could not apply here (a user image that is not set), not a failure. */
export const RESULT_OUTCOMES = [...OUTCOMES, "skip"] as const;
export type ResultOutcome = (typeof RESULT_OUTCOMES)[number];

export function isResultOutcome(text: string): text is ResultOutcome {
  return (RESULT_OUTCOMES as readonly string[]).includes(text);
}

/** A boot that ran and was judged (not infra, not skipped). */
export const isJudged = (outcome: ResultOutcome): boolean => outcome !== "infra" && outcome !== "skip";

/** `hang after linux-banner`, or with `quoted`, `hang after "linux-banner"`: a boot's end in a few words. */
export function outcomeAfter(outcome: string, after: string, quoted = false): string {
  return `${outcome} after ${quoted ? `"${after}"` : after}`;
}

/** Exit codes: success; a real failure; a usage error; infra (also git bisect's "skip"); a bisect that must abort. */
/** The most runs `--runs` allows, and so the rarest intermittent failure an expectation may declare (knownBad.rate). */
export const MAX_RUNS = 1000;

export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;
export const EXIT_INFRA = 125;
/** git bisect run stops on any code above 127: for mistakes in the bisect command itself, which no commit can fix. */
export const EXIT_ABORT = 128;

/** 0 when every boot is ok; 1 when any boot really failed; 125 (git bisect: skip) when the only problems are infra. */
export function exitCodeFor(results: readonly { ok: boolean; outcome: ResultOutcome }[]): number {
  if (results.some((r) => !r.ok && r.outcome !== "infra")) return EXIT_FAIL;
  if (results.some((r) => r.outcome === "infra")) return EXIT_INFRA;
  return EXIT_OK;
}

/** Milliseconds are plenty, and 0.30000000000000004 in a report is noise. */
export function roundSeconds(s: number): number {
  return Math.round(s * 1000) / 1000;
}

/** Where the boot ended: the pending milestone if known, else the first unreached one; -1 when every milestone was reached. */
export function endIndexOf(
  ids: readonly string[],
  reached: readonly boolean[],
  pending: string | null | undefined,
): number {
  const byPending = pending === null || pending === undefined ? -1 : ids.indexOf(pending);
  return byPending >= 0 ? byPending : reached.indexOf(false);
}

/** Of several attempts of the same boot, the last one (highest attempt; later wins a tie) is the boot's result, in first-seen order. */
export function lastAttempts<T extends { name: string; attempt: number }>(items: readonly T[]): T[] {
  const byName = new Map<string, T>();
  for (const item of items) {
    const seen = byName.get(item.name);
    if (!seen || item.attempt >= seen.attempt) byName.set(item.name, item);
  }
  return [...byName.values()];
}
