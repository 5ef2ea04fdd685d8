/**
 * CLI commands that read or translate a run and its expectations:
 *   bootlog report [run-dir]            → <run-dir>/report.html (default artifacts/latest)
 *   bootlog export lava <boot>          → a LAVA job definition (YAML) for the same boot
 *   bootlog export packages <boot>      → the Debian package versions the boot would use (a CI cache key)
 */
import type { CAC } from "cac";
import { join } from "node:path";
import { ExpectationError, loadAllExpectations, selectExpectations, type Expectation } from "../expectations/loader.ts";
import { expectationPackages } from "../images/prepare.ts";
import { list } from "../cli-options.ts";
import { artifactsRoot } from "../run.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import { writeReport } from "./html.ts";
import { exportLava } from "./lava.ts";


async function oneExpectation(name: string): Promise<Expectation> {
  const picked = selectExpectations(await loadAllExpectations(), [name]);
  if (picked.length !== 1) throw new ExpectationError(name, "", `names ${picked.length} expectations (${picked.map((e) => e.name).join(", ")}); name exactly one`);
  return picked[0]!;
}

async function emit(text: string, out: unknown): Promise<void> {
  if (out === undefined || out === "-") process.stdout.write(text);
  else {
    await writeFileAtomic(String(out), text);
    console.error(`wrote ${String(out)}`);
  }
}

export function registerReportCommands(cli: CAC): void {
  cli
    .command("report [run-dir]", "Write <run-dir>/report.html: timelines, log tails and trends of a run (default artifacts/latest)")
    .option("--out <file>", "Write the report here instead")
    .option("--history <n>", "Runs per boot in the trend view", { default: 10 })
    .option("--history-dir <dir>", "Where earlier run directories are (default: the run's parent); repeatable")
    .action(async (runDir: string | undefined, options) => {
      const dir = runDir ?? join(artifactsRoot(), "latest");
      const limit = Number(options.history);
      if (!Number.isInteger(limit) || limit < 1) throw new Error(`--history: expected a positive integer, got "${options.history}"`);
      const { file, run } = await writeReport(dir, { out: options.out, historyLimit: limit, historyRoots: list(options.historyDir) });
      const points = Math.max(...run.boots.map((b) => run.history.get(b.timeline.name)?.length ?? 0));
      console.log(`report: ${file} (${run.boots.length} boot${run.boots.length === 1 ? "" : "s"}, trend over up to ${points} run${points === 1 ? "" : "s"})`);
    });

  cli
    .command("export <format> <boot>", "Export an expectation: `lava` (a LAVA job definition, YAML) or `packages` (the package versions it boots)")
    .option("--out <file>", "Write to a file instead of stdout")
    .option("--url-base <url>", "lava: the URL the lab serves the image files from (default: file:// paths here)")
    .option("--bundle <dir>", "lava: write <dir>/job.yaml and copies of the image files it names, for a lab to pick up")
    .action(async (format: string, boot: string, options) => {
      const exp = await oneExpectation(boot);
      if (format === "lava" && options.bundle !== undefined) {
        const { writeLavaBundle } = await import("../export/lava-bundle.ts");
        const out = await writeLavaBundle(exp, String(options.bundle), options.urlBase);
        console.error(`wrote ${String(options.bundle)}/job.yaml and ${out.files.length} image files`);
        return;
      }
      if (format === "lava") {
        const { yaml } = await exportLava(exp, { urlBase: options.urlBase });
        return emit(yaml, options.out);
      }
      if (format === "packages") {
        const packages = await expectationPackages(exp);
        return emit(packages.map((p) => `${p.package}=${p.version} ${p.arch}\n`).join(""), options.out);
      }
      throw new Error(`export: unknown format "${format}" (lava, packages)`);
    });
}
