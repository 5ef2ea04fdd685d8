/**
 * CLI: `bootlog import lava PATH...` — a LAVA job's results (a lava-run output directory, a
 * server's results.yaml / job log) as a bootlog run that compare, history and report read.
 */
import type { CAC } from "cac";
import { UsageError } from "../cli-options.ts";

export function registerImportCommands(cli: CAC): void {
  cli
    .command(
      "import <format> [...paths]",
      "Import boots that ran elsewhere: `lava` (a LAVA job's directory, log or results.yaml; one path per job) → artifacts/<run-id>/",
    )
    .option("--artifacts <dir>", "Where the run directory goes (default: artifacts/)")
    .option("--run-id <id>", "Name of the run directory (default: the time of the import)")
    .action(async (format: string, paths: string[], options) => {
      if (format !== "lava") throw new UsageError(`import: unknown format "${format}" (lava)`);
      if (!paths.length) throw new UsageError("import lava: name a LAVA job directory, job log or results.yaml");
      const { importLava, LavaImportError } = await import("./lava.ts");
      const summary = await importLava(paths.map(String), {
        artifactsDir: options.artifacts,
        runId: options.runId,
      }).catch((error: Error) => {
        // Paths that are not a LAVA job are a mistake in the command line.
        throw error instanceof LavaImportError ? new UsageError(`import lava: ${error.message}`) : error;
      });
      for (const r of summary.results)
        console.log(
          `${r.ok ? "ok  " : r.outcome === "infra" ? "INFRA" : "BAD "} ${r.name}: ${r.summary}\n     artifacts: ${r.dir}`,
        );
      console.log(
        `imported ${summary.results.length} LAVA job${summary.results.length === 1 ? "" : "s"} as run ${summary.runId}; junit: ${summary.runDir}/junit.xml`,
      );
      process.exitCode = summary.exitCode;
    });
}
