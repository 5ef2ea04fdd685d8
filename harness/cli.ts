import { cac } from "cac";
import { loadAllExpectations, selectExpectations, type Expectation } from "./expectations/loader.ts";
import { imageOverrides, list } from "./cli-options.ts";
import { prepareImages } from "./images/prepare.ts";
import type { BootResult } from "./result.ts";
import { runMany } from "./run.ts";
import { registerReportCommands } from "./report/commands.ts";
import { registerHistoryCommands } from "./history/commands.ts";

const EXIT_INFRA = 125;
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);


async function pick(names: string[], tags: unknown, dir?: string): Promise<Expectation[]> {
  return selectExpectations(await loadAllExpectations(dir), names, list(tags));
}

function printResult(r: BootResult): void {
  const mark = r.ok ? paint("32", "ok  ") : r.outcome === "infra" ? paint("33", "INFRA") : paint("31", "BAD ");
  console.log(`${mark} ${r.name}: ${r.summary}`);
  console.log(`     artifacts: ${r.dir}`);
}

function printMilestone(boot: string, id: string, at: number): void {
  console.log(color ? `  ${paint("32", "✓")} ${boot} ${paint("1", id)} ${paint("2", `${at.toFixed(2)} s`)}` : `[${boot}] ${id} reached at ${at.toFixed(2)} s`);
}

const cli = cac("bootlog");

cli
  .command("run [...names]", "Boot expectations (names or globs; default all) and judge their consoles")
  .option("--tag <tag>", "Only expectations with this tag (arch, firmware, xen, or declared tags); repeatable")
  .option("--image <role=path>", "Boot this file for an image role (e.g. image=xen-system.axf); repeatable")
  .option("--jobs <n>", "Boots at once (default: number of cores)")
  .option("--retries <n>", "Re-run a boot whose outcome was infra, up to n times", { default: 0 })
  .option("--artifacts <dir>", "Where run directories go (default: artifacts/)")
  .option("--expectations <dir>", "Load expectation files from this directory (default: expectations/)")
  .action(async (names: string[], options) => {
    const expectations = await pick(names, options.tag, options.expectations);
    const summary = await runMany(expectations, {
      artifactsDir: options.artifacts,
      jobs: options.jobs === undefined ? undefined : Number(options.jobs),
      retries: Number(options.retries),
      imageOverrides: imageOverrides(options.image, (message) => new Error(message)),
      onMilestone: printMilestone,
      onStatus: (boot, text) => console.log(paint("2", `[${boot}] ${text}`)),
      onResult: printResult,
    });
    console.log(`run ${summary.runId}: ${summary.results.filter((r) => r.ok).length}/${summary.results.length} ok; junit: ${summary.runDir}/junit.xml`);
    process.exitCode = summary.exitCode;
  });

cli
  .command("list", "List expectations with arch, firmware and known-bad status")
  .option("--tag <tag>", "Only expectations with this tag; repeatable")
  .option("--json", "Machine-readable (feeds a CI matrix)")
  .option("--expectations <dir>", "Load expectation files from this directory (default: expectations/)")
  .action(async (options) => {
    const expectations = await pick([], options.tag, options.expectations);
    const rows = expectations.map((e) => ({
      name: e.name,
      arch: e.machine.arch,
      firmware: e.machine.firmware,
      knownBad: e.knownBad ? `${e.knownBad.outcome} after ${e.knownBad.after}` : null,
      tags: e.tags,
      file: e.file,
    }));
    if (options.json) return console.log(JSON.stringify(rows, null, 2));
    const width = Math.max(...rows.map((r) => r.name.length), 4);
    const badWidth = Math.max(...rows.map((r) => (r.knownBad ?? "-").length), 9);
    console.log(`${"NAME".padEnd(width)}  ARCH     FIRMWARE  ${"KNOWN-BAD".padEnd(badWidth)}  TAGS`);
    for (const r of rows) console.log(`${r.name.padEnd(width)}  ${r.arch.padEnd(7)}  ${r.firmware.padEnd(8)}  ${(r.knownBad ?? "-").padEnd(badWidth)}  ${r.tags.join(",")}`);
  });

cli
  .command("prepare [...names]", "Download and build the images of expectations into the cache, without booting")
  .option("--tag <tag>", "Only expectations with this tag; repeatable")
  .option("--expectations <dir>", "Load expectation files from this directory (default: expectations/)")
  .action(async (names: string[], options) => {
    for (const exp of await pick(names, options.tag, options.expectations)) {
      const started = performance.now();
      const prepared = await prepareImages(exp).catch((error: Error) => error);
      if (prepared instanceof Error) {
        console.log(`${exp.name}: ${prepared.name === "UserImageMissing" ? "skipped" : "FAILED"}: ${prepared.message}`);
        if (prepared.name !== "UserImageMissing") process.exitCode = EXIT_INFRA;
        continue;
      }
      const took = ((performance.now() - started) / 1000).toFixed(2);
      console.log(`${exp.name}: ${prepared.built.length ? `built ${prepared.built.join("; ")}` : "cached"} (${took} s)`);
      for (const p of prepared.packages) console.log(`  ${p.package} ${p.version} (${p.arch})`);
    }
  });

registerReportCommands(cli);
registerHistoryCommands(cli);
cli.help();

async function main(): Promise<void> {
  try {
    cli.parse(process.argv, { run: false });
    if (!cli.matchedCommand) {
      cli.outputHelp();
      process.exitCode = cli.args.length ? 2 : 0;
      return;
    }
    await cli.runMatchedCommand();
  } catch (error) {
    // Bad input is infra for bisect: nothing was judged.
    console.error(`bootlog: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = EXIT_INFRA;
  }
}

await main();
