/**
 * The CLI. Start-up must stay cheap (`--help` loads cac and this file only): anything heavier
 * (zod, execa, the runner, reports) is imported inside the action that needs it.
 */
import { cac } from "cac";
import type { Expectation } from "./expectations/loader.ts";
import { imageOverrides, list, parseCommandLine, UsageError } from "./cli-options.ts";
import type { BootResult } from "./result.ts";
import { currentProject } from "./project/current.ts";
import type { BootRef, RunListener } from "./run-events.ts";
import { registerReportCommands } from "./report/commands.ts";
import { registerExportCommands } from "./export/commands.ts";
import { registerBisectCommands } from "./bisection/commands.ts";
import { registerCompareCommands } from "./compare/commands.ts";
import { registerCulpritCommands } from "./bisection/culprit-commands.ts";
import { registerImportCommands } from "./import/commands.ts";
import { registerInitCommands } from "./init/commands.ts";
import { registerHostCommands } from "./host/commands.ts";
import { EXIT_ABORT, EXIT_INFRA, EXIT_USAGE, outcomeAfter } from "./vocabulary.ts";
import { formatRepeat } from "./repeat/format.ts";

// `bootlog run … | head`: a reader that stops early stops the printing and nothing else. The boot
// goes on to its verdict, its JUnit and timeline, and the exit code is the verdict's (exiting here
// would say 0 with only serial.log written).
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
  process.stdout.write = () => true;
});

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);

async function pick(names: string[], tags: unknown, dir?: string, allowNone = false): Promise<Expectation[]> {
  const { pickExpectations } = await import("./cli-select.ts");
  return pickExpectations(names.map(String), list(tags), dir, { allowNone });
}

/** --verify-cache: images/cache.ts loads with the command that needs it, not at start-up. */
async function verifyCache(on: unknown): Promise<void> {
  const { setVerifyCache } = await import("./images/cache.ts");
  setVerifyCache(!!on);
}

function printResult(r: BootResult): void {
  const mark = r.ok ? paint("32", "ok  ") : r.outcome === "infra" ? paint("33", "INFRA") : paint("31", "BAD ");
  console.log(`${mark} ${r.name}: ${r.summary}`);
  console.log(`     artifacts: ${r.dir}`);
}

function printMilestone(boot: string, id: string, at: number): void {
  console.log(
    color
      ? `  ${paint("32", "✓")} ${boot} ${paint("1", id)} ${paint("2", `${at.toFixed(2)} s`)}`
      : `[${boot}] ${id} reached at ${at.toFixed(2)} s`,
  );
}

const cli = cac("bootlog");

cli
  .command("run [...names]", "Boot expectations (names or globs; default all) and judge their consoles")
  .option("--tag <tag>", "Only expectations with this tag (arch, firmware, xen, or declared tags); repeatable")
  .option("--image <role=path>", "Boot this file for an image role (e.g. image=xen-system.axf); repeatable")
  .option(
    "--xen-tree <dir>",
    "Build Xen's hypervisor from this source tree and boot it in place of each expectation's Xen",
  )
  .option(
    "--pin <package=version>",
    "Boot this version of a package (the image it feeds: kernel, xen, busybox initramfs); repeatable",
  )
  .option("--jobs <n>", "Boots at once (default: cores / the machines' vCPUs, at least 1)")
  .option("--retries <n>", "Re-run a boot whose outcome was infra, up to n times", { default: 0 })
  .option("--artifacts <dir>", "Where run directories go (default: artifacts/)")
  .option("--expectations <dir>", "Load expectation files from this directory (default: expectations/)")
  .option(
    "--verify-cache",
    "Hash every cached image in full before booting it (default: only those whose size or mtime changed)",
  )
  .option(
    "--runs <n>",
    "Boot each expectation n times: outcome counts, failure rate with its 95 % interval, milestone spread, class pass/fail/flaky",
  )
  .option(
    "--postmortem <when>",
    "Examine guest RAM and vCPUs after a boot: on (every non-pass, default), always, off",
    { default: "on" },
  )
  .option("--keep-ram", "Keep the guest RAM file after the post-mortem (its path is in postmortem.json)")
  .action(async (names: string[], options) => {
    if (!["on", "always", "off"].includes(String(options.postmortem)))
      throw new UsageError(`--postmortem: expected on, always or off, got ${JSON.stringify(options.postmortem)}`);
    if (options.postmortem === "off" && options.keepRam)
      throw new UsageError("--keep-ram keeps the RAM file of a post-mortem, and --postmortem off runs none: give one");
    await verifyCache(options.verifyCache);
    const runs: number = options.runs ?? 1;
    const { parsePin, pinPackages } = await import("./images/pins.ts");
    const pins = list(options.pin).map(parsePin);
    const picked = (await pick(names, options.tag, options.expectations)).map((e) => pinPackages(e, pins));
    const { withXenTree } = await import("./expectations/xen-tree.ts");
    const expectations = options.xenTree
      ? withXenTree(picked, String(options.xenTree), (message) => new UsageError(message))
      : picked;
    const { checkImageRoles } = await import("./cli-select.ts");
    const overrides = imageOverrides(options.image, (message) => new UsageError(message));
    checkImageRoles(expectations, overrides, (message) => new UsageError(message));
    const { recordRun } = await import("./artifacts/record-run.ts");
    const label = (b: BootRef) => (b.runs > 1 && b.run > 0 ? `${b.name} run ${b.run}/${b.runs}` : b.name);
    const terminal: RunListener = {
      milestone: (b, id, at) => printMilestone(label(b), id, at),
      status: (b, text) => console.log(paint("2", `[${label(b)}] ${text}`)),
      bootEnded: (b, r) =>
        b.runs > 1
          ? console.log(
              `${r.ok ? "ok  " : r.outcome === "infra" ? "INFRA" : "BAD "} ${r.name} run-${b.run}: ${r.summary}`,
            )
          : printResult(r),
    };
    const summary = await recordRun(expectations, {
      runs,
      artifactsDir: options.artifacts,
      jobs: options.jobs ?? currentProject()?.lanes,
      retries: options.retries,
      imageOverrides: overrides,
      postmortem: { mode: options.postmortem, keepRam: !!options.keepRam },
      listeners: [terminal],
    });
    for (const r of summary.repeats ?? []) {
      const mark = r.ok ? paint("32", "ok  ") : r.class === "infra" ? paint("33", "INFRA") : paint("31", "BAD ");
      console.log(`${mark} ${r.name} (${r.runs} runs, class ${r.class}): ${r.summary}`);
      for (const line of formatRepeat(r)) console.log(`     ${line}`);
      console.log(`     artifacts: ${summary.runDir}/run-K/${r.name}, verdict ${summary.runDir}/${r.name}/repeat.json`);
    }
    if (summary.repeats) {
      console.log(
        `run ${summary.runId}: ${summary.repeats.filter((r) => r.ok).length}/${summary.repeats.length} ok over ${runs} runs each; junit: ${summary.runDir}/junit.xml`,
      );
      process.exitCode = summary.exitCode;
      return;
    }
    console.log(
      `run ${summary.runId}: ${summary.results.filter((r) => r.ok).length}/${summary.results.length} ok; junit: ${summary.runDir}/junit.xml`,
    );
    process.exitCode = summary.exitCode;
  });

cli
  .command("list", "List expectations with arch, firmware and known-bad status")
  .option("--tag <tag>", "Only expectations with this tag; repeatable")
  .option("--json", "Machine-readable (feeds a CI matrix)")
  .option("--expectations <dir>", "Load expectation files from this directory (default: expectations/)")
  .action(async (options) => {
    const expectations = await pick([], options.tag, options.expectations);
    const { expectationPath } = await import("./expectations/loader.ts");
    const rows = expectations.map((e) => ({
      name: e.name,
      path: expectationPath(e) ?? e.name,
      arch: e.machine.arch,
      firmware: e.machine.firmware,
      knownBad: e.knownBad
        ? `${outcomeAfter(e.knownBad.outcome, e.knownBad.after)}${e.knownBad.rate === undefined ? "" : ` (${Math.round(e.knownBad.rate * 100)} % of runs)`}`
        : null,
      tags: e.tags,
      file: e.file,
    }));
    if (options.json) return console.log(JSON.stringify(rows, null, 2));
    // PATH (under the expectations directory) selects as well as NAME: `run known-bad/*`.
    const width = Math.max(...rows.map((r) => r.name.length), 4);
    const pathWidth = Math.max(...rows.map((r) => r.path.length), 4);
    const badWidth = Math.max(...rows.map((r) => (r.knownBad ?? "-").length), 9);
    console.log(
      `${"NAME".padEnd(width)}  ${"PATH".padEnd(pathWidth)}  ARCH     FIRMWARE  ${"KNOWN-BAD".padEnd(badWidth)}  TAGS`,
    );
    for (const r of rows)
      console.log(
        `${r.name.padEnd(width)}  ${r.path.padEnd(pathWidth)}  ${r.arch.padEnd(7)}  ${r.firmware.padEnd(8)}  ${(r.knownBad ?? "-").padEnd(badWidth)}  ${r.tags.join(",")}`,
      );
  });

cli
  .command("prepare [...names]", "Download and build the images of expectations into the cache, without booting")
  .option("--tag <tag>", "Only expectations with this tag; repeatable")
  .option("--expectations <dir>", "Load expectation files from this directory (default: expectations/)")
  .option("--verify-cache", "Hash every cached image in full (default: only those whose size or mtime changed)")
  .action(async (names: string[], options) => {
    await verifyCache(options.verifyCache);
    const { prepareImages } = await import("./images/prepare.ts");
    for (const exp of await pick(names, options.tag, options.expectations)) {
      const started = performance.now();
      const prepared = await prepareImages(exp).catch((error: Error) => error);
      if (prepared instanceof Error) {
        console.log(`${exp.name}: ${prepared.name === "UserImageMissing" ? "skipped" : "FAILED"}: ${prepared.message}`);
        if (prepared.name !== "UserImageMissing") process.exitCode = EXIT_INFRA;
        continue;
      }
      const took = ((performance.now() - started) / 1000).toFixed(2);
      console.log(
        `${exp.name}: ${prepared.built.length ? `built ${prepared.built.join("; ")}` : "cached"} (${took} s)`,
      );
      for (const p of prepared.packages) console.log(`  ${p.package} ${p.version} (${p.arch})`);
    }
  });

registerReportCommands(cli);
registerExportCommands(cli);
registerCompareCommands(cli);
registerBisectCommands(cli);
registerCulpritCommands(cli);
registerImportCommands(cli);
registerInitCommands(cli);
registerHostCommands(cli);
cli.option("-v, --version", "Print bootlog's version");
cli.help();

/** bootlog's package.json: one folder up from harness/cli.ts, two from the bundle's dist/harness/; read only when asked. */
async function printVersion(): Promise<void> {
  const { existsSync, readFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  for (const up of ["..", "../.."]) {
    const file = join(import.meta.dirname, up, "package.json");
    const pkg = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string }) : {};
    if (pkg.name === "bootlog") return console.log(`bootlog ${pkg.version}`);
  }
  throw new Error("package.json of bootlog not found");
}

async function main(): Promise<void> {
  try {
    const asked = parseCommandLine(cli, process.argv);
    if (asked.version && !cli.matchedCommand) return await printVersion();
    if (asked.help || !cli.matchedCommand) return cli.outputHelp();
    // The project's folders and lanes are the defaults (bootlog init makes a project, and needs none).
    if (cli.matchedCommandName !== "init") {
      const [{ findProject }, { setProject }] = await Promise.all([
        import("./project/find.ts"),
        import("./project/current.ts"),
      ]);
      setProject(await findProject());
    }
    await cli.runMatchedCommand();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // A mistake in the command line is 2 (bisect and verdict: 128, git bisect stops); anything else is infra: nothing was judged.
    const usage =
      error instanceof UsageError || (error instanceof Error && ["CACError", "ConfigError"].includes(error.name));
    console.error(`bootlog: ${message}`);
    process.exitCode = usage
      ? cli.matchedCommandName === "bisect" || cli.matchedCommandName === "verdict"
        ? EXIT_ABORT
        : EXIT_USAGE
      : EXIT_INFRA;
  }
}

await main();
