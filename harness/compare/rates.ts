/**
 * Failure rates across runs for compare and history: a boot run once is 0 or 1 failure of 1;
 * a boot run N times its failures of the judged runs. A rate rose significantly when the new 95 %
 * interval lies wholly above the old one (non-overlapping Wilson intervals: a conservative test).
 */
import { wilson, type Interval } from "../stats/binomial.ts";
import { intervalText, percent } from "../repeat/summary.ts";
import type { RepeatFacts } from "../artifacts/records.ts";

export interface Rate {
  failures: number;
  judged: number;
  interval: Interval;
}

/** The rate of a record: its repeat facts, else its single judged outcome; undefined when not judged. */
export function rateOf(record: { outcome: string; repeat?: RepeatFacts | null }): Rate | undefined {
  if (record.repeat && record.repeat.judged > 0)
    return {
      failures: record.repeat.failures,
      judged: record.repeat.judged,
      interval: wilson(record.repeat.failures, record.repeat.judged),
    };
  if (record.outcome === "infra" || record.outcome === "skip") return undefined;
  const failures = record.outcome === "pass" ? 0 : 1;
  return { failures, judged: 1, interval: wilson(failures, 1) };
}

export const rateText = (r: Rate) =>
  `${r.failures}/${r.judged} (${percent(r.failures / r.judged)}, ${intervalText(r.interval)})`;

export type RateChange = "rose" | "fell" | "same";

/** Significant only when the intervals do not overlap. */
export function rateChange(old: Rate, now: Rate): RateChange {
  if (now.interval.low > old.interval.high) return "rose";
  if (now.interval.high < old.interval.low) return "fell";
  return "same";
}
