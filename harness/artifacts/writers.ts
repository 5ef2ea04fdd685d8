/**
 * The writers of a run's artifacts, as subscribers to the runner's events: each boot's
 * junit.xml and timeline.json when it ends; when the run ends, the run's junit.xml (with
 * `--runs`: Surefire's rerun elements, and each boot's repeat.json), artifacts/latest and one
 * history.jsonl line per boot.
 */
import { join } from "node:path";
import { isInterruption } from "../interrupt.ts";
import type { BootResult } from "../result.ts";
import type { RunListener, RunResults } from "../run-events.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import { appendHistory, appendHistoryLines, historyEntry } from "./history.ts";
import { junitForRepeats } from "./junit-repeats.ts";
import { REPEAT_FILE, repeatFacts, type RepeatFile } from "./repeat-file.ts";
import { markLatest, writeBootArtifacts, writeRunJunit } from "./run-dir.ts";

/** A boot's junit.xml and timeline.json next to its serial.log. A failure to write throws: the runner makes the boot infra. */
export const bootFiles: RunListener = { bootEnded: (_boot, result) => writeBootArtifacts(result) };

/** The run's own files when it ends: junit.xml, repeat.json per boot (`--runs`), latest, history. */
export function runFiles(root: string, runId: string): RunListener {
  return {
    async runEnded(run) {
      if (run.repeats) await writeRepeatFiles(run, runId);
      else
        await writeRunJunit(run.runDir, run.attempts.flat(2)).catch((error: Error) => {
          throw new Error(`cannot write ${join(run.runDir, "junit.xml")}: ${error.message}`);
        });
      const warning = markLatest(root, runId);
      if (warning) process.stderr.write(`bootlog: warning: ${warning}\n`);
      appendRunHistory(root, runId, run);
    },
  };
}

async function writeRepeatFiles(run: RunResults, runId: string): Promise<void> {
  const finals = run.attempts.map((byRun) => byRun.map((attempts) => attempts.at(-1)!));
  for (const [i, summary] of run.repeats!.entries()) {
    const results = finals[i]!;
    const file: RepeatFile = {
      v: 1,
      runId,
      ...summary,
      runDirs: results.map((r) => r.dir),
      startedAt: results[0]?.startedAt ?? new Date().toISOString(),
    };
    await writeFileAtomic(join(run.runDir, summary.name, REPEAT_FILE), `${JSON.stringify(file, null, 2)}\n`);
  }
  await writeFileAtomic(join(run.runDir, "junit.xml"), junitForRepeats(run.repeats!, finals)).catch((error: Error) => {
    throw new Error(`cannot write ${join(run.runDir, "junit.xml")}: ${error.message}`);
  });
}

/** An interrupted boot says nothing about the guest: kept in its run directory, left out of the trend. */
function appendRunHistory(root: string, runId: string, run: RunResults): void {
  const interrupted = (runs: BootResult[][]) => runs.some((attempts) => isInterruption(attempts.at(-1)!.error));
  if (!run.repeats) {
    const judged = run.results.filter((r) => !isInterruption(r.error));
    const attempts = run.attempts.flat(2).filter((a) => judged.some((r) => r.name === a.name));
    appendHistory(root, runId, judged, attempts);
    return;
  }
  // With --runs: one line per boot, its last run's record plus the rate over all runs.
  const lines = run.repeats.flatMap((s, i) => {
    const runs = run.attempts[i]!;
    if (interrupted(runs)) return [];
    const entry = historyEntry(runId, runs.at(-1)!.at(-1)!, runs.flat().length);
    return [{ ...entry, ok: s.ok, summary: s.summary, repeat: repeatFacts(s) }];
  });
  appendHistoryLines(root, lines);
}
