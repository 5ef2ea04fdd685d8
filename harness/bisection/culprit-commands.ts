/** The CLI of culprit and verdict: from two runs to the change that broke a boot; any JUnit as a git-bisect answer. */
import type { CAC } from "cac";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { list } from "../cli-options.ts";
import { EXIT_ABORT, EXIT_INFRA, EXIT_USAGE } from "../vocabulary.ts";

/** What fits a nightly shard: a few reverts, a bisection over a handful of versions and the confirmation. */
export const DEFAULT_MAX_BOOTS = 12;

/** Values exactly as typed (cac would turn `--bad-if-line 007` into 7). */
function typed(flag: string, parsed: unknown): string[] {
  const values: string[] = [];
  const argv = process.argv;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${flag}` && i + 1 < argv.length) values.push(argv[++i]!);
    else if (argv[i]!.startsWith(`--${flag}=`)) values.push(argv[i]!.slice(flag.length + 3));
  }
  return values.length ? values : list(parsed);
}

export function registerCulpritCommands(cli: CAC): void {
  cli
    .command(
      "culprit <old> <new>",
      "Find the change that broke each regressed boot between two runs (JUnit files, timeline.json files or run directories): reproduce, revert package by package, bisect the versions",
    )
    .option("--max-boots <n>", `Boots allowed in all (default ${DEFAULT_MAX_BOOTS})`)
    .option("--out <dir>", "Where culprit.json, culprit.md and the step boots go (default: artifacts/culprit)")
    .option("--no-confirm", "Do not boot the first bad and last good versions a second time")
    .option("--bad-if <symptom>", "Judge each step by this symptom instead of NEW's (as for bisect); repeatable")
    .option("--bad-if-line <pattern>", "...or by a console line (text or /regex/); repeatable")
    .option(
      "--expectations <dir>",
      "Find the expectation by name here (default: the file NEW recorded, else bootlog's expectations/)",
    )
    .option("--markdown", "Print Markdown (for a CI job summary); progress goes to stderr")
    .option("--json", "Print culprit.json")
    .action(async (oldPath: string, newPath: string, options) => {
      // Loaded here: the CLI starts without the runner, apt and the report code.
      const { ExpectationError } = await import("../expectations/loader.ts");
      const { writeFileAtomic } = await import("../artifacts/atomic-write.ts");
      const { artifactsRoot } = await import("../artifacts/run-dir.ts");
      const { RunReadError } = await import("../artifacts/read-run.ts");
      const { isBisectUsageError } = await import("./bisect-usage-error.ts");
      const { CulpritUsageError, findCulprit } = await import("./culprit.ts");
      const { culpritMarkdown, culpritText } = await import("./culprit-format.ts");
      try {
        const maxBoots = Number(options.maxBoots ?? DEFAULT_MAX_BOOTS);
        if (!Number.isInteger(maxBoots) || maxBoots < 1)
          throw new CulpritUsageError(`--max-boots: expected a positive integer, got "${options.maxBoots}"`);
        const out = resolve(options.out ?? join(artifactsRoot(), "culprit"));
        mkdirSync(out, { recursive: true });
        const [symptoms, lines] = [typed("bad-if", options.badIf), typed("bad-if-line", options.badIfLine)];
        const report = await findCulprit(String(oldPath), String(newPath), {
          maxBoots,
          confirm: options.confirm !== false,
          badIf: symptoms.length || lines.length ? { symptoms, lines } : undefined,
          expectationsDir: options.expectations,
          artifactsDir: join(out, "boots"),
          bootlog: "npx bootlog",
          log: (line) => console.error(line),
        });
        await writeFileAtomic(join(out, "culprit.json"), `${JSON.stringify(report, null, 2)}\n`);
        await writeFileAtomic(join(out, "culprit.md"), culpritMarkdown(report));
        console.log(
          options.json
            ? JSON.stringify(report, null, 2)
            : options.markdown
              ? culpritMarkdown(report)
              : culpritText(report),
        );
        console.error(`culprit: wrote ${join(out, "culprit.json")} and culprit.md`);
        process.exitCode = report.exitCode;
      } catch (error) {
        const usage =
          error instanceof CulpritUsageError ||
          error instanceof RunReadError ||
          isBisectUsageError(error) ||
          error instanceof ExpectationError;
        console.error(`bootlog culprit: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = usage ? EXIT_USAGE : EXIT_INFRA;
      }
    });

  cli
    .command(
      "verdict [...files]",
      "Any JUnit file(s) as a git-bisect answer: 0 no failures or errors, 1 failures, 125 only errors or an unreadable file",
    )
    .option(
      "--bad-if-testcase <name>",
      'Only failures of this testcase are bad (its name, or /regex/ on the name or "classname name"); others skip (125); repeatable',
    )
    .option(
      "--bad-if-message <text>",
      "Only failures whose message has this text (or matches /regex/) are bad; repeatable",
    )
    .action(async (files: string[], options) => {
      const { BisectUsageError } = await import("./bisect.ts");
      const { parseSelectors, verdict } = await import("./verdict.ts");
      try {
        if (!files.length) throw new BisectUsageError("name at least one JUnit file");
        const result = await verdict(
          files.map(String),
          parseSelectors(
            typed("bad-if-testcase", options.badIfTestcase),
            typed("bad-if-message", options.badIfMessage),
          ),
        );
        for (const line of result.lines) console.log(line);
        process.exitCode = result.exitCode;
      } catch (error) {
        // A mistake in the command is the same at every commit: git bisect should stop (> 127).
        console.error(`bootlog verdict: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = error instanceof BisectUsageError ? EXIT_ABORT : EXIT_INFRA;
      }
    });
}
