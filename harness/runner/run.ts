import { join } from "node:path";
import { appendHistory } from "../artifacts/history.ts";
import { artifactsRoot, attemptDir, makeRunDir, markLatest, newRunId, writeRunJunit } from "../artifacts/run-dir.ts";
import type { Expectation } from "../expectations/loader.ts";
import type { BootResult } from "../result.ts";
import { runBoot, type RunOptions } from "./run-boot.ts";
import { runRepeated } from "./run-repeated.ts";
import type { RepeatSummary } from "../repeat/summary.ts";
import { interruptedBy, isInterruption, onInterrupt } from "../interrupt.ts";
import { installExitHandlers } from "../machines/process.ts";
import { defaultLanes } from "./lanes.ts";
import { exitCodeFor } from "../vocabulary.ts";

export interface RunManyOptions {
  artifactsDir?: string;
  jobs?: number;
  imageOverrides?: Record<string, string>;
  /** Re-run a boot whose outcome was infra, up to this many more times. */
  retries?: number;
  onMilestone?: (boot: string, id: string, atS: number) => void;
  onStatus?: (boot: string, text: string) => void;
  onResult?: (result: BootResult) => void;
  /** Boot each expectation this many times (default 1); more than 1 gives a rate per boot (repeat/). */
  runs?: number;
  postmortem?: RunOptions["postmortem"];
}

export interface RunSummary {
  runId: string;
  runDir: string;
  results: BootResult[];
  exitCode: number;
  /** With runs > 1: one verdict per expectation over its runs. */
  repeats?: RepeatSummary[];
  /** With runs > 1: every run's final result, per expectation in order. */
  runResults?: BootResult[][];
}

export async function runWithRetries(
  exp: Expectation,
  opts: RunOptions,
  retries: number,
  onResult?: (r: BootResult) => void,
): Promise<BootResult[]> {
  const attempts: BootResult[] = [];
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    const dir = attemptDir(opts.runDir, attempt);
    const result = await runBoot(exp, { ...opts, runDir: dir, attempt });
    attempts.push(result);
    onResult?.(result);
    if (result.outcome !== "infra" || interruptedBy()) break;
  }
  return attempts;
}

/** Run boots, up to `jobs` at once, into a new artifacts/<run-id>/, and write the combined JUnit. */
export async function runMany(expectations: Expectation[], opts: RunManyOptions = {}): Promise<RunSummary> {
  if ((opts.runs ?? 1) > 1) return runRepeated(expectations, opts);
  const root = artifactsRoot(opts.artifactsDir);
  const runId = newRunId();
  const runDir = join(root, runId);
  makeRunDir(runDir);
  installExitHandlers(); // Ctrl-C from here on is recorded as an interrupted boot
  const stopRecording = onInterrupt(() => {});
  const queue = [...expectations];
  const attemptsOf = new Map<string, BootResult[]>();
  const worker = async () => {
    for (let exp = queue.shift(); exp; exp = queue.shift()) {
      const name = exp.name;
      const onMilestone = (id: string, at: number) => opts.onMilestone?.(name, id, at);
      const onStatus = (text: string) => opts.onStatus?.(name, text);
      const runOptions = {
        runDir,
        imageOverrides: opts.imageOverrides,
        onMilestone,
        onStatus,
        postmortem: opts.postmortem,
      };
      attemptsOf.set(name, await runWithRetries(exp, runOptions, opts.retries ?? 0, opts.onResult));
    }
  };
  const jobs = Math.max(
    1,
    Math.min(opts.jobs ?? defaultLanes(expectations.map((e) => e.machine.cpus)), expectations.length),
  );
  await Promise.all(Array.from({ length: jobs }, worker));
  // Every attempt goes into the combined JUnit (earlier ones as "<boot> (attempt N)"), in expectation order.
  const attempts = expectations.flatMap((e) => attemptsOf.get(e.name)!);
  const results = expectations.map((e) => attemptsOf.get(e.name)!.at(-1)!);
  await writeRunJunit(runDir, attempts).catch((error: Error) => {
    throw new Error(`cannot write ${join(runDir, "junit.xml")}: ${error.message}`);
  });
  const warning = markLatest(root, runId);
  if (warning) process.stderr.write(`bootlog: warning: ${warning}\n`);
  // An interrupted boot says nothing about the guest: kept in its run directory, left out of the trend.
  const judged = results.filter((r) => !isInterruption(r.error));
  appendHistory(
    root,
    runId,
    judged,
    attempts.filter((a) => judged.some((r) => r.name === a.name)),
  );
  stopRecording();
  return { runId, runDir, results, exitCode: exitCodeFor(results) };
}
