/**
 * N runs of one expectation as one verdict: the count of each outcome and where it stopped, the
 * failure rate with its 95 % Wilson interval, each milestone's time spread, a class (pass, fail,
 * flaky) and, for a known-bad boot, whether the runs agree with what was recorded.
 */
import type { KnownBad } from "../expectations/schema.ts";
import type { BootResult } from "../result.ts";
import { binomialTwoSided, runsToRuleOut, wilson, type Interval } from "../stats/binomial.ts";
import { spreadOf, type Spread } from "../stats/spread.ts";
import { EXIT_FAIL, EXIT_INFRA, EXIT_OK } from "../vocabulary.ts";

/** A rate outside what chance allows at this level is a real change (one nightly in a thousand may cry wolf). */
export const ALPHA = 0.001;

export type RepeatClass = "pass" | "fail" | "flaky" | "infra";

/** How the runs relate to knownBad: reproduced (as recorded), clean (no failure, too few runs to tell), xpass, different (another failure), rate-moved, intermittent (a known-bad without a rate that sometimes passes). */
export type RepeatKnownBadStatus = "reproduced" | "clean" | "xpass" | "different" | "rate-moved" | "intermittent";

export interface SymptomCount {
  /** `pass`, `hang after linux-banner`, `infra`, `skip`. */
  symptom: string;
  count: number;
  /** The runs (1-based) that ended so. */
  runs: number[];
}

export interface MilestoneSpread {
  id: string;
  reached: number;
  /** Seconds from QEMU's start, per run (null when not reached). */
  times: (number | null)[];
  spread: Spread | null;
}

export interface RepeatSummary {
  name: string;
  runs: number;
  /** Runs that were judged (not infra, not skipped). */
  judged: number;
  /** Judged runs that did not pass. */
  failures: number;
  infra: number;
  /** failures / judged; null when nothing was judged. */
  rate: number | null;
  interval: Interval | null;
  counts: SymptomCount[];
  class: RepeatClass;
  milestones: MilestoneSpread[];
  knownBad:
    (KnownBad & { status: RepeatKnownBadStatus; message: string; pValue?: number; runsToRuleOut?: number }) | null;
  /** Counts as success for CI: pass, a known-bad as recorded, or a declared intermittent one. */
  ok: boolean;
  summary: string;
}

export const percent = (x: number) => `${(x * 100).toFixed(x > 0 && x < 0.1 ? 1 : 0)} %`;
export const intervalText = (i: Interval) => `95 % CI ${percent(i.low)}–${percent(i.high)}`;
const prob = (p: number) => (p === 0 ? "0" : p < 1e-4 ? p.toExponential(1) : p.toPrecision(2));

export function symptomOfResult(r: BootResult): string {
  if (r.outcome === "pass" || r.outcome === "infra" || r.outcome === "skip") return r.outcome;
  return `${r.outcome} after ${r.verdict?.after ?? "start"}`;
}

function countSymptoms(results: BootResult[]): SymptomCount[] {
  const counts = new Map<string, number[]>();
  results.forEach((r, i) => counts.set(symptomOfResult(r), [...(counts.get(symptomOfResult(r)) ?? []), i + 1]));
  return [...counts]
    .map(([symptom, runs]) => ({ symptom, count: runs.length, runs }))
    .sort((a, b) => Number(b.symptom === "pass") - Number(a.symptom === "pass") || b.count - a.count);
}

export const countsText = (counts: SymptomCount[]) => counts.map((c) => `${c.count} ${c.symptom}`).join(", ");

function milestoneSpreads(results: BootResult[]): MilestoneSpread[] {
  const ids = results.find((r) => r.milestones.length)?.milestones.map((m) => m.id) ?? [];
  return ids.map((id) => {
    const times = results.map((r) => r.milestones.find((m) => m.id === id)?.at ?? null);
    const reached = times.filter((t): t is number => t !== null);
    return { id, reached: reached.length, times, spread: spreadOf(reached) ?? null };
  });
}

function judgeKnownBadRuns(kb: KnownBad, judged: BootResult[]): NonNullable<RepeatSummary["knownBad"]> {
  const expected = `${kb.outcome} after ${kb.after}`;
  const n = judged.length;
  const k = judged.filter((r) => symptomOfResult(r) === expected).length;
  const others = judged.filter((r) => r.outcome !== "pass" && symptomOfResult(r) !== expected);
  const seen = `${k} of ${n} runs`;
  const ci = intervalText(wilson(k, n));
  const at = (
    status: RepeatKnownBadStatus,
    message: string,
    extra: { pValue?: number; runsToRuleOut?: number } = {},
  ) => ({ ...kb, status, message, ...extra });
  if (others.length)
    return at(
      "different",
      `known-bad failed differently in ${others.length} of ${n} runs: expected ${expected} (${kb.reason}), got ${countsText(countSymptoms(others))}`,
    );
  if (kb.rate === undefined) {
    if (k === n) return at("reproduced", `known-bad: ${expected} in every run (${seen}) (${kb.reason})`);
    if (k === 0)
      return at("xpass", `known-bad boot passed all ${n} runs; remove knownBad (expected ${expected}: ${kb.reason})`);
    return at(
      "intermittent",
      `known-bad reproduced in ${seen} only (${percent(k / n)}, ${ci}): it is intermittent; declare knownBad.rate (${kb.reason})`,
    );
  }
  const needed = runsToRuleOut(kb.rate, ALPHA);
  const rate = `recorded rate ${percent(kb.rate)}`;
  if (k === 0) {
    const chance = (1 - kb.rate) ** n;
    if (chance < ALPHA)
      return at(
        "xpass",
        `no failure in ${n} runs: at the ${rate} that happens with probability ${prob(chance)} < ${ALPHA} (${needed} clean runs rule it out); remove knownBad (${kb.reason})`,
        { pValue: chance, runsToRuleOut: needed },
      );
    return at(
      "clean",
      `no failure in ${n} runs, which the ${rate} allows (probability ${prob(chance)}); ${needed} clean runs would rule it out (${kb.reason})`,
      { pValue: chance, runsToRuleOut: needed },
    );
  }
  const p = binomialTwoSided(k, n, kb.rate);
  const inside = wilson(k, n);
  const where = kb.rate >= inside.low && kb.rate <= inside.high ? "inside" : "outside";
  if (p < ALPHA)
    return at(
      "rate-moved",
      `rate moved: ${seen} (${percent(k / n)}, ${ci}), ${rate} is ${where} the interval, exact test p = ${prob(p)} < ${ALPHA}; update knownBad.rate (${kb.reason})`,
      { pValue: p, runsToRuleOut: needed },
    );
  return at(
    "reproduced",
    `intermittent known-bad: ${expected} in ${seen} (${percent(k / n)}, ${ci}), consistent with the ${rate} (${where} the interval, exact test p = ${prob(p)}) (${kb.reason})`,
    { pValue: p, runsToRuleOut: needed },
  );
}

/** A repeated run cut short by a stop signal: `runs` were asked for. */
export interface CutShort {
  signal: string;
  runs: number;
}

/**
 * The verdict over the runs of one expectation (each run's final attempt, in run order). Runs cut
 * short by a signal are infra whatever the runs before showed: the verdict was not seen through.
 */
export function summarizeRuns(results: BootResult[], cutShort?: CutShort | false): RepeatSummary {
  const name = results[0]?.name ?? "";
  const judged = results.filter((r) => r.outcome !== "infra" && r.outcome !== "skip");
  const failed = judged.filter((r) => r.outcome !== "pass");
  const counts = countSymptoms(results);
  const failedSymptoms = new Set(failed.map(symptomOfResult));
  const cls: RepeatClass =
    cutShort || !judged.length
      ? "infra"
      : !failed.length
        ? "pass"
        : failed.length === judged.length && failedSymptoms.size === 1
          ? "fail"
          : "flaky";
  const declared = results.find((r) => r.knownBad)?.knownBad;
  const knownBad =
    declared && judged.length
      ? judgeKnownBadRuns(
          {
            outcome: declared.outcome,
            after: declared.after,
            reason: declared.reason,
            ...(declared.tracking ? { tracking: declared.tracking } : {}),
            ...(declared.rate !== undefined ? { rate: declared.rate } : {}),
          },
          judged,
        )
      : null;
  const ok = cutShort
    ? false
    : !judged.length
      ? results.every((r) => r.outcome === "skip")
      : knownBad
        ? knownBad.status === "reproduced" || knownBad.status === "clean"
        : cls === "pass";
  const rate = judged.length ? failed.length / judged.length : null;
  const interval = judged.length ? wilson(failed.length, judged.length) : null;
  const verdictWord = knownBad
    ? {
        reproduced: "KNOWN-BAD",
        clean: "KNOWN-BAD",
        xpass: "XPASS",
        different: "CHANGED",
        "rate-moved": "CHANGED",
        intermittent: "FLAKY",
      }[knownBad.status]
    : cls.toUpperCase();
  const rateText =
    rate === null || interval === null
      ? "nothing judged"
      : `failure rate ${percent(rate)} (${failed.length}/${judged.length}, ${intervalText(interval)})`;
  const stopped = cutShort
    ? `INTERRUPTED by ${cutShort.signal} after ${results.length} of ${cutShort.runs} runs; before it: `
    : "";
  const summary = `${stopped}${verdictWord} ${countsText(counts)}; ${rateText}${knownBad ? ` — ${knownBad.message}` : cls === "flaky" ? " — flaky: not declared intermittent (knownBad.rate)" : ""}`;
  return {
    name,
    runs: results.length,
    judged: judged.length,
    failures: failed.length,
    infra: results.filter((r) => r.outcome === "infra").length,
    rate,
    interval,
    counts,
    class: cls,
    milestones: milestoneSpreads(results),
    knownBad,
    ok,
    summary,
  };
}

/** 0 when every boot is ok; 1 when any judged boot is not; 125 when the only problem is infra. */
export function repeatExitCode(summaries: RepeatSummary[]): number {
  if (summaries.some((s) => !s.ok && s.class !== "infra")) return EXIT_FAIL;
  if (summaries.some((s) => s.class === "infra" && !s.ok)) return EXIT_INFRA; // all skipped (a user image not given) is ok
  return EXIT_OK;
}
