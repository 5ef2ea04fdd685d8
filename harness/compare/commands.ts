/**
 * The CLI of compare/: compare, history. Only the definitions load at start-up; each action
 * imports what it runs.
 */
import { existsSync } from "node:fs";
import type { CAC } from "cac";
import type { RunRecord } from "../artifacts/read-run.ts";
import { DEFAULT_DRIFT, type DriftThresholds } from "./drift.ts";
import { UsageError } from "../cli-options.ts";
import { EXIT_USAGE } from "../vocabulary.ts";

function number(value: unknown, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag}: not a number: ${String(value)}`);
  return n;
}

export function registerCompareCommands(cli: CAC): void {
  cli
    .command(
      "compare <old> <new>",
      "Compare two runs (JUnit files, timeline.json files or run directories): regressions, fixes, known-bad changes, timing drift; exit 1 on a regression",
    )
    .option("--json", "Machine-readable output")
    .option("--markdown", "Markdown (for a CI job summary)")
    .option(
      "--drift-percent <n>",
      `A milestone drifted when reached more than n % later... (default ${DEFAULT_DRIFT.percent})`,
    )
    .option("--drift-seconds <s>", `...and more than s seconds later (default ${DEFAULT_DRIFT.seconds})`)
    .option("--fail-on-drift", "Exit 1 on timing drift too")
    .action(async (oldPath: string, newPath: string, options) => {
      const { readRun, RunReadError } = await import("../artifacts/read-run.ts");
      const { compareExitCode, compareRuns } = await import("./compare.ts");
      const { formatJson, formatMarkdown, formatText } = await import("./compare-format.ts");
      let thresholds: DriftThresholds;
      let runs: [RunRecord, RunRecord];
      try {
        thresholds = {
          percent: number(options.driftPercent, "--drift-percent", DEFAULT_DRIFT.percent),
          seconds: number(options.driftSeconds, "--drift-seconds", DEFAULT_DRIFT.seconds),
        };
        runs = [await readRun(String(oldPath)), await readRun(String(newPath))];
      } catch (error) {
        if (!(error instanceof RunReadError || error instanceof UsageError)) throw error;
        console.error(`bootlog compare: ${error.message}`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      const comparison = compareRuns(...runs, thresholds);
      const exitCode = compareExitCode(comparison, { failOnDrift: !!options.failOnDrift });
      const format = options.json ? formatJson : options.markdown ? formatMarkdown : formatText;
      console.log(format(comparison, exitCode));
      process.exitCode = exitCode;
    });

  cli
    .command(
      "history <boot>",
      "The last runs of a boot (name or glob) from artifacts/history.jsonl, with the milestone where each stopped",
    )
    .option("--last <n>", "How many runs (default 20)")
    .option("--json", "The history records, one JSON array")
    .option("--artifacts <dir>", "Where history.jsonl is (default: artifacts/)")
    .action(async (boot: string, options) => {
      const { artifactsRoot } = await import("../artifacts/run-dir.ts");
      const { historyPath, readHistory } = await import("../artifacts/history.ts");
      const { formatHistory, historyOf } = await import("./history-file.ts");
      const root = artifactsRoot(options.artifacts);
      const all = readHistory(root);
      const entries = historyOf(all, String(boot), number(options.last, "--last", 20));
      if (!entries.length) {
        const file = historyPath(root);
        const known = [...new Set(all.map((e) => e.boot))].sort();
        throw new UsageError(
          !existsSync(file)
            ? `no history: ${file} does not exist (every run appends to the history.jsonl of its artifacts directory; --artifacts DIR to read another)`
            : `no runs of "${boot}" in ${file} (it has: ${known.join(", ") || "nothing"})`,
        );
      }
      console.log(options.json ? JSON.stringify(entries, null, 2) : formatHistory(entries));
    });
}
