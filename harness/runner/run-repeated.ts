/**
 * `bootlog run --runs N`: each expectation booted N times over the lanes, its images prepared
 * once. Each run keeps its own artifacts under <run>/run-K/<boot>/; <run>/<boot>/repeat.json holds
 * the verdict over the runs, and <run>/junit.xml reports each boot once with its reruns.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import type { Expectation } from "../expectations/loader.ts";
import { defaultLanes } from "./lanes.ts";
import { prepareImages, type PreparedImages } from "../images/prepare.ts";
import { historyEntry, historyPath } from "../artifacts/history.ts";
import { writeFileAtomic } from "../artifacts/atomic-write.ts";
import { REPEAT_FILE, repeatFacts, type RepeatFile } from "../artifacts/repeat-file.ts";
import { artifactsRoot, makeRunDir, markLatest, newRunId } from "../artifacts/run-dir.ts";
import type { BootResult } from "../result.ts";
import { runWithRetries, type RunManyOptions, type RunSummary } from "./run.ts";
import { installExitHandlers } from "../machines/process.ts";
import { isInterruption } from "../interrupt.ts";
import { junitForRepeats } from "../artifacts/junit-repeats.ts";
import { repeatExitCode, summarizeRuns, type RepeatSummary } from "../repeat/summary.ts";

export async function runRepeated(expectations: Expectation[], opts: RunManyOptions): Promise<RunSummary> {
  const runs = opts.runs ?? 1;
  const root = artifactsRoot(opts.artifactsDir);
  const runId = newRunId();
  const runDir = join(root, runId);
  makeRunDir(runDir);
  installExitHandlers(); // Ctrl-C from here on stops QEMU and is recorded in each boot in progress
  // Once per expectation: every run then boots the same files (an image that cannot be prepared is each run's infra).
  const prepared = new Map<string, PreparedImages | undefined>();
  for (const exp of expectations) {
    opts.onStatus?.(exp.name, "preparing images");
    prepared.set(exp.name, await prepareImages(exp, opts.imageOverrides).catch(() => undefined));
  }
  const queue = expectations.flatMap((exp) => Array.from({ length: runs }, (_, k) => ({ exp, k: k + 1 })));
  const attemptsOf = new Map<string, BootResult[][]>(
    expectations.map((e) => [e.name, Array.from({ length: runs }, () => [])]),
  );
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const { exp, k } = item;
      const label = `${exp.name} run ${k}/${runs}`;
      const runOptions = {
        runDir: join(runDir, `run-${k}`),
        imageOverrides: opts.imageOverrides,
        prepared: prepared.get(exp.name),
        onMilestone: (id: string, at: number) => opts.onMilestone?.(label, id, at),
        onStatus: (text: string) => opts.onStatus?.(label, text),
      };
      attemptsOf.get(exp.name)![k - 1] = await runWithRetries(exp, runOptions, opts.retries ?? 0, opts.onResult);
    }
  };
  const jobs = Math.max(1, Math.min(opts.jobs ?? defaultLanes(expectations.map((e) => e.machine.cpus)), queue.length));
  await Promise.all(Array.from({ length: jobs }, worker));

  const finals = expectations.map((e) => attemptsOf.get(e.name)!.map((attempts) => attempts.at(-1)!));
  const summaries = finals.map((results) => summarizeRuns(results));
  for (const [i, summary] of summaries.entries()) {
    const results = finals[i]!;
    const file: RepeatFile = {
      v: 1,
      runId,
      ...summary,
      runDirs: results.map((r) => r.dir),
      startedAt: results[0]?.startedAt ?? new Date().toISOString(),
    };
    await writeFileAtomic(join(runDir, summary.name, REPEAT_FILE), `${JSON.stringify(file, null, 2)}\n`);
  }
  await writeFileAtomic(join(runDir, "junit.xml"), junitForRepeats(summaries, finals)).catch((error: Error) => {
    throw new Error(`cannot write ${join(runDir, "junit.xml")}: ${error.message}`);
  });
  const warning = markLatest(root, runId);
  if (warning) process.stderr.write(`bootlog: warning: ${warning}\n`);
  appendRepeatHistory(root, runId, summaries, finals, attemptsOf);
  return {
    runId,
    runDir,
    results: finals.map((r) => r.at(-1)!),
    exitCode: repeatExitCode(summaries),
    repeats: summaries,
    runResults: finals,
  };
}

/** One history line per boot: its last run's record plus the rate over all runs. */
function appendRepeatHistory(
  root: string,
  runId: string,
  summaries: RepeatSummary[],
  finals: BootResult[][],
  attemptsOf: Map<string, BootResult[][]>,
): void {
  // A boot interrupted by Ctrl-C says nothing about the guest: kept in its run directory, left out of the trend.
  const kept = summaries.flatMap((s, i) => (finals[i]!.some((r) => isInterruption(r.error)) ? [] : [{ s, i }]));
  if (!kept.length) return;
  const lines = kept.map(({ s, i }) => {
    const last = finals[i]!.at(-1)!;
    const attempts = attemptsOf.get(s.name)!.reduce((sum, a) => sum + a.length, 0);
    return JSON.stringify({
      ...historyEntry(runId, last, attempts),
      ok: s.ok,
      summary: s.summary,
      repeat: repeatFacts(s),
    });
  });
  try {
    appendFileSync(historyPath(root), `${lines.join("\n")}\n`);
  } catch (error) {
    process.stderr.write(`bootlog: could not append to ${historyPath(root)}: ${(error as Error).message}\n`);
  }
}
