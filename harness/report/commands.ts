/**
 * CLI commands that read or translate a run and its expectations:
 *   bootlog report [run-dir]            → <run-dir>/report.html (default artifacts/latest)
 *   bootlog export lava <boot>          → a LAVA job definition (YAML) for the same boot
 *   bootlog export packages <boot>      → the Debian package versions the boot would use (a CI cache key)
 */
import type { CAC } from "cac";
import { join } from "node:path";
import { existsSync, statSync } from "node:fs";
import type { Expectation } from "../expectations/loader.ts";
import { pickExpectations } from "../cli-select.ts";
import { expectationPackages } from "../images/prepare.ts";
import { list, UsageError } from "../cli-options.ts";
import { artifactsRoot } from "../run.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import { writeReport } from "./html.ts";
import { exportLava } from "./lava.ts";


async function oneExpectation(name: string, dir?: string): Promise<Expectation> {
  const picked = await pickExpectations([name], [], dir);
  if (picked.length !== 1) throw new UsageError(`"${name}" names ${picked.length} expectations (${picked.map((e) => e.name).join(", ")}); name exactly one`);
  return picked[0]!;
}

async function emit(text: string, out: unknown): Promise<void> {
  if (out === undefined || out === "-") process.stdout.write(text);
  else {
    await writeFileAtomic(String(out), text).catch((error: Error) => {
      throw new Error(`cannot write ${String(out)}: ${error.message}`);
    });
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
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--history: expected a positive integer, got "${options.history}"`);
      if (!existsSync(dir)) throw new UsageError(`no run directory ${dir} (run "bootlog run" first, or name a directory under artifacts/)`);
      const historyRoots = list(options.historyDir);
      for (const root of historyRoots)
        if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--history-dir ${root}: ${existsSync(root) ? "not a directory" : "no such directory"}`);
      const { file, run } = await writeReport(dir, { out: options.out, historyLimit: limit, historyRoots }).catch((error: Error) => {
        throw options.out === undefined ? error : new Error(`cannot write ${String(options.out)}: ${error.message}`);
      });
      const points = Math.max(...run.boots.map((b) => run.history.get(b.timeline.name)?.length ?? 0));
      console.log(`report: ${file} (${run.boots.length} boot${run.boots.length === 1 ? "" : "s"}, trend over up to ${points} run${points === 1 ? "" : "s"})`);
    });

  cli
    .command("export <format> <boot>", "Export an expectation: `lava` (a LAVA job definition, YAML) or `packages` (the package versions it boots)")
    .option("--out <file>", "Write to a file instead of stdout")
    .option("--url-base <url>", "lava: the URL the lab serves the image files from (default: file:// paths here)")
    .option("--expectations <dir>", "Load expectation files from this directory (default: expectations/); <boot> may also be a .ts file")
    .action(async (format: string, boot: string, options) => {
      if (format !== "lava" && format !== "packages") throw new UsageError(`export: unknown format "${format}" (lava, packages)`);
      const exp = await oneExpectation(String(boot), options.expectations);
      if (format === "lava") {
        const { yaml } = await exportLava(exp, { urlBase: options.urlBase });
        return emit(yaml, options.out);
      }
      if (format === "packages") {
        const packages = await expectationPackages(exp);
        return emit(packages.map((p) => `${p.package}=${p.version} ${p.arch}\n`).join(""), options.out);
      }
    });
}
