/**
 * What a run announces as it goes. The runner emits these events and returns its results; what
 * writes artifacts (junit.xml, timeline.json, repeat.json, latest, history.jsonl) and what prints
 * to the terminal subscribe to them, the way vitest's reporters do.
 */
import type { Expectation } from "./expectations/loader.ts";
import type { StopSignal } from "./interrupt.ts";
import type { RepeatSummary } from "./repeat/summary.ts";
import type { BootResult } from "./result.ts";

/** One boot of a run: run K of N (N = 1 without `--runs`), attempt A (retries after infra); run 0 is the expectation before its runs (preparing images). */
export interface BootRef {
  name: string;
  run: number;
  runs: number;
  attempt: number;
  /** The boot's own directory (serial.log, post-mortem files). */
  dir: string;
}

/** What a run did: every attempt of every run that started, and the verdict over them. */
export interface RunResults {
  runDir: string;
  expectations: Expectation[];
  /** Runs per expectation asked for. */
  runs: number;
  /** attempts[e][k]: the attempts of run k+1 of expectation e (the last is the run's result); runs never started are absent. */
  attempts: BootResult[][][];
  /** Per expectation: its last run's last attempt. */
  results: BootResult[];
  /** With runs > 1: one verdict per expectation over its runs. */
  repeats?: RepeatSummary[];
  /** The stop signal that cut the run short, if one did. */
  interrupted?: StopSignal;
  exitCode: number;
}

/**
 * A subscriber. Handlers may be async: the runner awaits them in order. A `bootEnded` handler
 * that throws means the boot's report is lost: the boot becomes infra (the next subscribers see
 * that result).
 */
export interface RunListener {
  runStarted?(run: { runDir: string; expectations: Expectation[]; runs: number }): void | Promise<void>;
  bootStarted?(boot: BootRef): void;
  status?(boot: BootRef, text: string): void;
  milestone?(boot: BootRef, id: string, atS: number): void;
  bootEnded?(boot: BootRef, result: BootResult): void | Promise<void>;
  runEnded?(run: RunResults): void | Promise<void>;
}
