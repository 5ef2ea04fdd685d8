/** The CLI of `bootlog init`. */
import type { CAC } from "cac";
import { EXIT_USAGE } from "../vocabulary.ts";

export function registerInitCommands(cli: CAC): void {
  cli
    .command(
      "init [dir]",
      "Make a project that boots with bootlog (default: here): expectations/, a vitest test, tsconfig.json, package.json scripts, .gitignore, a GitHub Actions workflow; never overwrites a file",
    )
    .action(async (dir: string | undefined) => {
      const { scaffold, scaffoldText, ScaffoldError } = await import("./scaffold.ts");
      try {
        const report = scaffold(dir === undefined ? "." : String(dir));
        console.log(`bootlog init: ${report.dir}`);
        for (const line of scaffoldText(report)) console.log(line);
      } catch (error) {
        if (!(error instanceof ScaffoldError)) throw error;
        console.error(`bootlog init: ${error.message}`);
        process.exitCode = EXIT_USAGE;
      }
    });
}
