/** `bootlog report [run-dir]` → <run-dir>/report.html (default artifacts/latest). */
import type { CAC } from "cac";
import { join } from "node:path";
import { existsSync, realpathSync, statSync } from "node:fs";
import { list, UsageError } from "../cli-options.ts";

export function registerReportCommands(cli: CAC): void {
  cli
    .command(
      "report [run-dir]",
      "Write <run-dir>/report.html: timelines, log tails and trends of a run (default artifacts/latest)",
    )
    .option("--out <file>", "Write the report here instead")
    .option("--history <n>", "Runs per boot in the trend view", { default: 10 })
    .option("--history-dir <dir>", "Where earlier run directories are (default: the run's parent); repeatable")
    .action(async (runDir: string | undefined, options) => {
      const { artifactsRoot } = await import("../artifacts/run-dir.ts");
      const dir = runDir ?? join(artifactsRoot(), "latest");
      const limit = Number(options.history);
      const { writeReport } = await import("./html.ts");
      if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError(`--history: expected a positive integer, got "${options.history}"`);
      if (!existsSync(dir))
        throw new UsageError(`no run directory ${dir} (run "bootlog run" first, or name a directory under artifacts/)`);
      const { runBoots } = await import("../artifacts/run-dir.ts");
      if (!(await runBoots(realpathSync(dir))).length)
        throw new UsageError(`${dir} holds no boot (no <boot>/timeline.json): name a run directory`);
      const historyRoots = list(options.historyDir);
      for (const root of historyRoots)
        if (!statSync(root, { throwIfNoEntry: false })?.isDirectory())
          throw new UsageError(`--history-dir ${root}: ${existsSync(root) ? "not a directory" : "no such directory"}`);
      const { file, run } = await writeReport(dir, { out: options.out, historyLimit: limit, historyRoots }).catch(
        (error: Error) => {
          throw options.out === undefined ? error : new Error(`cannot write ${String(options.out)}: ${error.message}`);
        },
      );
      const points = Math.max(...run.boots.map((b) => run.history.get(b.timeline.name)?.length ?? 0));
      console.log(
        `report: ${file} (${run.boots.length} boot${run.boots.length === 1 ? "" : "s"}, trend over up to ${points} run${points === 1 ? "" : "s"})`,
      );
    });
}
