/**
 * A run recorded in the artifacts directory: a new artifacts/<run-id>/, the runner, and the
 * writers subscribed to it. `run`, `bisect`, `bisect-versions`, `culprit` and the benchmarks all
 * boot through here, so an option reaches every boot the same way whatever the mode.
 */
import { join } from "node:path";
import type { Expectation } from "../expectations/loader.ts";
import type { BootResult } from "../result.ts";
import type { RunListener, RunResults } from "../run-events.ts";
import { runBoots, type RunOptions } from "../runner/run.ts";
import { artifactsRoot, makeRunDir, newRunId } from "./run-dir.ts";
import { bootFiles, runFiles } from "./writers.ts";

export interface RecordOptions extends Omit<RunOptions, "runDir"> {
  /** Where run directories go (default: artifacts/, or $BOOTLOG_ARTIFACTS). */
  artifactsDir?: string;
  /** Who else listens (the terminal): after the writers, so a boot they lose is reported as infra. */
  listeners?: RunListener[];
}

export interface RecordedRun extends RunResults {
  runId: string;
  /** Per expectation: every run's final result, in run order. */
  runResults: BootResult[][];
}

export async function recordRun(expectations: Expectation[], opts: RecordOptions = {}): Promise<RecordedRun> {
  const root = artifactsRoot(opts.artifactsDir);
  const runId = newRunId();
  const runDir = join(root, runId);
  makeRunDir(runDir);
  const { artifactsDir: _root, listeners = [], ...options } = opts;
  const run = await runBoots(expectations, {
    ...options,
    runDir,
    listeners: [bootFiles, runFiles(root, runId), ...listeners],
  });
  return { ...run, runId, runResults: run.attempts.map((byRun) => byRun.map((attempts) => attempts.at(-1)!)) };
}
