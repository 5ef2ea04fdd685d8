/**
 * One bisection step over N runs (syzkaller's pkg/bisect rule): bad when at least
 * max(2, ⌈N/6⌉) runs show the symptom, good only when every run is good, skip otherwise; with
 * N = 1 the single run decides. It also says how likely a bad commit failing at the estimated
 * rate would have looked good here: the risk this step carries.
 */
import type { Expectation } from "../expectations/loader.ts";
import type { BootResult } from "../result.ts";
import { wilson } from "../stats/binomial.ts";
import { badThreshold, looksGoodProbability, runsForRate } from "../stats/bisect-rule.ts";
import { intervalText, percent } from "../repeat/summary.ts";
import type { RecordedRun } from "../artifacts/record-run.ts";
import { artifactsRoot } from "../artifacts/run-dir.ts";
import { readHistory } from "../artifacts/history.ts";
import { judgeForBisect, type BadIf, type BisectKind, type BisectOptions, type BisectVerdict } from "./bisect.ts";

export interface RunsVerdict {
  kind: BisectKind;
  runs: number;
  bad: number;
  good: number;
  skipped: number;
  threshold: number;
  reason: string;
  /** The failure rate this step shows when it is bad (bad / judged). */
  rate: number | null;
}

const prob = (p: number) => (p === 0 ? "0" : p < 1e-4 ? p.toExponential(1) : p.toPrecision(2));

/** Good, bad or skip over the runs of one expectation. */
export function judgeRuns(results: BootResult[], badIf: BadIf): RunsVerdict {
  const verdicts = results.map((r) => judgeForBisect(r, badIf));
  const n = results.length;
  const bad = verdicts.filter((v) => v.kind === "bad").length;
  const good = verdicts.filter((v) => v.kind === "good").length;
  const skipped = n - bad - good;
  const threshold = badThreshold(n);
  const judged = bad + good;
  const rate = judged ? bad / judged : null;
  const first = (kind: BisectKind) => verdicts.find((v) => v.kind === kind)?.reason ?? "";
  if (n === 1)
    return { kind: verdicts[0]!.kind, runs: 1, bad, good, skipped, threshold, reason: verdicts[0]!.reason, rate };
  const tally = `${bad} of ${n} runs bad, ${good} good${skipped ? `, ${skipped} skipped` : ""}`;
  if (bad >= threshold)
    return {
      kind: "bad",
      runs: n,
      bad,
      good,
      skipped,
      threshold,
      rate,
      reason: `${tally} (bad needs ${threshold} = max(2, ⌈${n}/6⌉)); failure rate ${percent(rate!)} (${intervalText(wilson(bad, judged))}); e.g. ${first("bad")}`,
    };
  if (good === n)
    return { kind: "good", runs: n, bad, good, skipped, threshold, rate, reason: `${tally}: ${first("good")}` };
  return {
    kind: "skip",
    runs: n,
    bad,
    good,
    skipped,
    threshold,
    rate,
    reason: bad ? `${tally}: fewer than ${threshold} bad runs, not clean either` : `${tally}: ${first("skip")}`,
  };
}

/** What a good step risks: a bad commit failing at `rate` shows no failure in `runs` runs with this probability. */
export function goodRiskText(rate: number | null, runs: number): string {
  if (rate === null)
    return "no failure rate estimated yet (no bad step seen): cannot say how likely a bad commit looks good here";
  return `a bad commit failing at ${percent(rate)} would look good (no failure in ${runs} run${runs === 1 ? "" : "s"}) with probability ${prob(looksGoodProbability(rate, runs))}`;
}

/** Runs per step when --runs is not given: 1 for a deterministic expectation, enough for a miss chance below 0.1 % for an intermittent one. */
export function defaultRuns(expectations: Expectation[]): number {
  return Math.max(1, ...expectations.map((e) => (e.knownBad?.rate !== undefined ? runsForRate(e.knownBad.rate) : 1)));
}

/** The failure rate seen so far in this bisection: pooled over earlier bad steps in history, else the declared knownBad.rate. */
export function estimatedRate(exp: Expectation, artifactsDir: string | undefined, current: RunsVerdict): number | null {
  if (current.kind === "bad") return current.rate;
  const earlier = readHistory(artifactsRoot(artifactsDir)).filter(
    (e) => e.boot === exp.name && e.repeat && e.repeat.runs > 1,
  );
  const bad = earlier.filter((e) => e.repeat!.failures >= badThreshold(e.repeat!.runs));
  const judged = bad.reduce((sum, e) => sum + e.repeat!.judged, 0);
  if (judged) return bad.reduce((sum, e) => sum + e.repeat!.failures, 0) / judged;
  return exp.knownBad?.rate ?? null;
}

/** `bootlog bisect --runs N`: each expectation's runs judged by the rule above, with the risk this step carries. */
export function repeatedVerdicts(run: RecordedRun, opts: BisectOptions, log: (line: string) => void): BisectVerdict[] {
  return run.expectations.map((exp, i) => {
    const step = judgeRuns(run.runResults[i]!, opts.badIf);
    const rate = estimatedRate(exp, opts.artifactsDir, step);
    log(`bisect: ${step.kind.toUpperCase().padEnd(4)} ${exp.name}: ${step.reason}`);
    log(`bisect: risk at this step: ${goodRiskText(rate, run.runs)}`);
    return { boot: exp.name, kind: step.kind, reason: step.reason };
  });
}
