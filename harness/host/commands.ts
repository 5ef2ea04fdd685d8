/** The CLI of `bootlog setup-host`. */
import type { CAC } from "cac";
import { list, UsageError } from "../cli-options.ts";
import { EXIT_INFRA } from "../vocabulary.ts";

export function registerHostCommands(cli: CAC): void {
  cli
    .command(
      "setup-host",
      "Install the host packages the project's expectations need (Debian, as root): QEMU for their architectures, U-Boot if one uses it",
    )
    .option("--expectations <dir>", "Expectations to set up for (default: the project's expectations/)")
    .option("--chromium", "Also Chromium (a browser to look at report.html in tests)")
    .option("--lava", "Also lava-dispatcher (runs exported LAVA jobs with lava-run)")
    .option("--jdk", "Also a JDK")
    .option("--package <name>", "Also this Debian package; repeatable")
    .option("--dry-run", "Print what would be installed, install nothing")
    .action(async (options) => {
      const { pickExpectations } = await import("../cli-select.ts");
      const { currentProject } = await import("../project/current.ts");
      const { hostNeeds } = await import("./needs.ts");
      const { setupHost } = await import("./setup-host.mjs");
      const expectations = await pickExpectations([], [], options.expectations, { allowNone: true });
      const needs = hostNeeds(
        expectations,
        { chromium: options.chromium, lava: options.lava, jdk: options.jdk, packages: list(options.package) },
        currentProject(),
      );
      console.log(
        `setup-host: ${expectations.length} expectation(s): ${needs.arches.join(", ") || "no architecture"}${needs.uboot ? ", U-Boot" : ""}`,
      );
      try {
        setupHost(needs, { dryRun: !!options.dryRun });
      } catch (error) {
        if (/^(unknown architecture|run as root)/.test((error as Error).message))
          throw new UsageError((error as Error).message);
        console.error(`bootlog setup-host: ${(error as Error).message}`);
        process.exitCode = EXIT_INFRA;
      }
    });
}
