/**
 * The CLI of bisection/: bisect, bisect-versions. Only the definitions load at
 * start-up; each action imports what it runs.
 */
import type { CAC } from "cac";
import { BisectUsageError, isBisectUsageError } from "./bisect-usage-error.ts";
import { imageOverrides, list, UsageError } from "../cli-options.ts";
import { EXIT_ABORT, EXIT_INFRA as EXIT_SKIP, EXIT_USAGE } from "../vocabulary.ts";

/**
 * The values of `--flag` exactly as typed. cac (through mri) turns values that look like
 * numbers into numbers, so `--good 1.10` would arrive as 1.1 and `--bad-if-line 007` as 7:
 * versions and patterns are read from the command line itself.
 */
function typed(flag: string, parsed: unknown): string[] {
  const argv = process.argv;
  const end = argv.indexOf("--") === -1 ? argv.length : argv.indexOf("--");
  const values: string[] = [];
  for (let i = 0; i < end; i++) {
    const arg = argv[i]!;
    if (arg === `--${flag}` && i + 1 < end) values.push(argv[++i]!);
    else if (arg.startsWith(`--${flag}=`)) values.push(arg.slice(flag.length + 3));
  }
  return values.length ? values : list(parsed);
}

const typedOne = (flag: string, parsed: unknown): string | undefined => typed(flag, parsed).at(-1);

function number(value: unknown, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new BisectUsageError(`${flag}: not a number: ${String(value)}`);
  return n;
}

/**
 * git bisect run reads our exit code, so no path out may turn an infra problem into 1: a
 * stray exception or rejection becomes 125 (skip); a mistake in the command line, the same
 * for every commit, becomes 128 (git bisect stops).
 */
function bisectGuard(): void {
  const bail = (error: unknown) => {
    console.error(`bootlog bisect: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(isBisectUsageError(error) ? EXIT_ABORT : EXIT_SKIP);
  };
  process.on("uncaughtException", bail);
  process.on("unhandledRejection", bail);
}

function bisectExitForError(error: unknown): number {
  if (isBisectUsageError(error)) return EXIT_ABORT;
  return EXIT_SKIP; // expectation errors, apt, anything else: not a verdict on this commit
}

export function registerBisectCommands(cli: CAC): void {
  cli
    .command(
      "bisect [...expectations]",
      "For `git bisect run`: boot expectations (names, or .ts files) and exit 0 good, 1 bad, 125 skip (infra, bad expectation)",
    )
    .option("--expectations <dir>", "Directory of expectation files for names (default: bootlog's expectations/)")
    .option(
      "--bad-if <symptom>",
      'Only this symptom is bad, other failures are skipped: "OUTCOME [after|before MILESTONE]", e.g. "hang after xen-banner"; repeatable',
    )
    .option("--bad-if-line <pattern>", "Bad if a console line contains this text (or matches /regex/); repeatable")
    .option("--image <role=path>", "Boot this file for an image role; repeatable")
    .option("--retries <n>", "Re-run a boot whose outcome was infra, up to n times (default 1)")
    .option("--artifacts <dir>", "Where run directories go (default: artifacts/)")
    .option("--verify-cache", "Hash every cached image in full before booting it")
    .option(
      "--runs <n>",
      "Boot n times per step: bad when max(2, ⌈n/6⌉) runs show the symptom, good when none fails, else skip (default 1, more for an intermittent knownBad)",
    )
    .action(async (names: string[], options) => {
      bisectGuard();
      const { bisectBoots, loadForBisect, parseBadIf } = await import("./bisect.ts");
      const { defaultRuns } = await import("./bisect-runs.ts");
      const { ExpectationError } = await import("../expectations/loader.ts");
      const { gitCommit } = await import("../provenance.ts");
      const { setVerifyCache } = await import("../images/cache.ts");
      const { checkImageRoles } = await import("../cli-select.ts");
      try {
        const badIf = parseBadIf(typed("bad-if", options.badIf), typed("bad-if-line", options.badIfLine));
        const retries = number(options.retries, "--retries", 1);
        const overrides = imageOverrides(options.image, (message) => new BisectUsageError(message));
        setVerifyCache(!!options.verifyCache);
        const skip = async (reason: string) => {
          const commit = await gitCommit();
          console.log(`bisect: SKIP ${reason}`);
          console.log(`bisect: skip (exit ${EXIT_SKIP})${commit ? ` at ${commit}` : ""}`);
          process.exitCode = EXIT_SKIP;
        };
        let expectations;
        try {
          expectations = await loadForBisect(names.map(String), options.expectations);
        } catch (error) {
          // What this commit's files say (or lack): not a verdict on it, and maybe fine at the next one.
          return skip(
            `${error instanceof ExpectationError ? "expectation error" : "cannot load expectations"}: ${(error as Error).message}`,
          );
        }
        if (!expectations.length)
          return skip(
            `nothing selected: ${names.length ? names.join(" ") : "no expectation files"} in ${options.expectations ?? "bootlog's expectations/"}`,
          );
        checkImageRoles(expectations, overrides, (message) => new BisectUsageError(message));
        // --runs is checked (a positive integer) with the other number options, before any action.
        const runs: number = options.runs ?? defaultRuns(expectations);
        const outcome = await bisectBoots(expectations, {
          badIf,
          retries,
          artifactsDir: options.artifacts,
          imageOverrides: overrides,
          runs,
        });
        process.exitCode = outcome.exitCode;
      } catch (error) {
        console.error(`bootlog bisect: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = bisectExitForError(error);
      }
    });

  cli
    .command(
      "bisect-versions <expectation>",
      "Find the first bad version of a guest package (Xen, kernel) among those apt offers, booting each chosen version",
    )
    .option("--package <name>", "Package name or glob (linux-image-6.1.0-*-arm64: kernel ABIs are in the name)")
    .option("--good <version>", "A good version: VERSION, PACKAGE (one version) or PACKAGE=VERSION")
    .option("--bad <version>", "A bad version, newer than --good")
    .option("--role <role>", "The image it replaces (default: the deb image of that package, else kernel/xen by name)")
    .option("--path <path>", "The file inside the package, when the expectation's image is not a deb")
    .option("--bad-if <symptom>", "As for bisect; repeatable")
    .option("--bad-if-line <pattern>", "As for bisect (e.g. /Linux version 6\\.1\\.0-5[3-9]/); repeatable")
    .option(
      "--pin <package=version>",
      "Boot this version of another package meanwhile (e.g. Xen, while bisecting the kernel); repeatable",
    )
    .option("--verify", "Boot the good and bad ends first (--no-verify: do not)", { default: true })
    .option("--list", "Only list the versions, oldest first")
    .option("--expectations <dir>", "Directory of expectation files for names")
    .option("--retries <n>", "Re-run a boot whose outcome was infra, up to n times (default 1)")
    .option("--artifacts <dir>", "Where run directories go (default: artifacts/)")
    .option("--json", "The report as JSON")
    .option(
      "--runs <n>",
      "Boot n times per step (ends, probes), then the culprit and its predecessor n more times each; reports the overall confidence",
    )
    .action(async (name: string, options) => {
      const { loadForBisect, parseBadIf } = await import("./bisect.ts");
      const { bisectVersions } = await import("./bisect-versions.ts");
      const { candidateName, findCandidate, listCandidates } = await import("../images/package-versions.ts");
      const { defaultRuns } = await import("./bisect-runs.ts");
      const { ExpectationError } = await import("../expectations/loader.ts");
      const { DEB_ARCH } = await import("../expectations/schema.ts");
      try {
        const pkg = typedOne("package", options.package);
        if (!pkg) throw new BisectUsageError("--package is required");
        const picked = await loadForBisect([String(name)], options.expectations);
        if (picked.length !== 1)
          throw new BisectUsageError(
            `"${name}" names ${picked.length} expectations (${picked.map((e) => e.name).join(", ")}): name one`,
          );
        const { parsePin, pinPackages } = await import("../images/pins.ts");
        const exp = pinPackages(picked[0]!, typed("pin", options.pin).map(parsePin));
        const [good, bad] = [typedOne("good", options.good), typedOne("bad", options.bad)];
        if (options.list) {
          // What a bisection would walk: the candidates, or with --good/--bad the versions between them.
          const candidates = await listCandidates(pkg, DEB_ARCH[exp!.machine.arch]);
          const from = good === undefined ? 0 : findCandidate(good, candidates);
          const to = bad === undefined ? candidates.length - 1 : findCandidate(bad, candidates);
          for (const c of candidates.slice(from, to + 1)) console.log(candidateName(c));
          return;
        }
        if (good === undefined || bad === undefined) throw new BisectUsageError("--good and --bad are required");
        const report = await bisectVersions(exp!, {
          package: pkg,
          good,
          bad,
          role: typedOne("role", options.role),
          path: typedOne("path", options.path),
          badIf: parseBadIf(typed("bad-if", options.badIf), typed("bad-if-line", options.badIfLine)),
          verify: options.verify !== false,
          retries: number(options.retries, "--retries", 1),
          artifactsDir: options.artifacts,
          runs: options.runs ?? defaultRuns([exp!]),
          log: options.json ? () => {} : undefined,
        });
        if (options.json) console.log(JSON.stringify(report, null, 2));
        process.exitCode = report.exitCode;
      } catch (error) {
        console.error(`bootlog bisect-versions: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode =
          isBisectUsageError(error) || error instanceof UsageError || error instanceof ExpectationError
            ? EXIT_USAGE
            : EXIT_SKIP;
      }
    });
}
