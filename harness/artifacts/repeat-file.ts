/** `<run>/<boot>/repeat.json`: the verdict over a boot's repeated runs, and the part of it history and compare keep. */
import type { RepeatFacts } from "./records.ts";
import type { RepeatSummary } from "../repeat/summary.ts";

export const REPEAT_FILE = "repeat.json";

/** What repeat.json holds: the verdict, and where each run's artifacts are. */
export interface RepeatFile extends RepeatSummary {
  v: 1;
  runId: string;
  /** Per run (1-based order): the directory of its final attempt. */
  runDirs: string[];
  startedAt: string;
}

/** The part of a repeat verdict that history and compare keep. */
export function repeatFacts(s: RepeatSummary): RepeatFacts {
  return {
    runs: s.runs,
    judged: s.judged,
    failures: s.failures,
    rate: s.rate,
    interval: s.interval,
    class: s.class,
    counts: s.counts.map((c) => ({ symptom: c.symptom, count: c.count })),
  };
}
