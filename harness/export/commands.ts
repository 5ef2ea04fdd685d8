/**
 * CLI commands that translate an expectation for other tools:
 *   bootlog export lava <boot>          → a LAVA job definition (YAML) for the same boot (--bundle: with its files)
 *   bootlog export packages <boot>      → the Debian package versions the boot would use (a CI cache key)
 */
import type { CAC } from "cac";
import type { Expectation } from "../expectations/loader.ts";
import { UsageError } from "../cli-options.ts";

/** One expectation by name, path or file (`--expectations DIR` for a user's own). */
async function oneExpectation(name: string, dir?: string): Promise<Expectation> {
  const { pickExpectations } = await import("../cli-select.ts");
  const picked = await pickExpectations([name], [], dir);
  if (picked.length !== 1)
    throw new UsageError(
      `"${name}" names ${picked.length} expectations (${picked.map((e) => e.name).join(", ")}); name exactly one`,
    );
  return picked[0]!;
}

async function emit(text: string, out: unknown): Promise<void> {
  if (out === undefined || out === "-") process.stdout.write(text);
  else {
    const { writeFileAtomic } = await import("../artifacts/atomic-write.ts");
    await writeFileAtomic(String(out), text).catch((error: Error) => {
      throw new Error(`cannot write ${String(out)}: ${error.message}`);
    });
    console.error(`wrote ${String(out)}`);
  }
}

export function registerExportCommands(cli: CAC): void {
  cli
    .command(
      "export <format> <boot>",
      "Export an expectation: `lava` (a LAVA job definition, YAML) or `packages` (the package versions it boots)",
    )
    .option("--out <file>", "Write to a file instead of stdout")
    .option("--url-base <url>", "lava: the URL the lab serves the image files from (default: file:// paths here)")
    .option("--bundle <dir>", "lava: write <dir>/job.yaml and copies of the image files it names, for a lab to pick up")
    .option(
      "--expectations <dir>",
      "Load expectation files from this directory (default: expectations/); <boot> may also be a .ts file",
    )
    .action(async (format: string, boot: string, options) => {
      if (format !== "lava" && format !== "packages")
        throw new UsageError(`export: unknown format "${format}" (lava, packages)`);
      const exp = await oneExpectation(String(boot), options.expectations);
      if (format === "lava" && options.bundle !== undefined) {
        const { writeLavaBundle } = await import("./lava-bundle.ts");
        const out = await writeLavaBundle(exp, String(options.bundle), options.urlBase);
        console.error(`wrote ${String(options.bundle)}/job.yaml and ${out.files.length} image files`);
        return;
      }
      if (format === "lava") {
        const { exportLava } = await import("./lava.ts");
        const { yaml } = await exportLava(exp, { urlBase: options.urlBase });
        return emit(yaml, options.out);
      }
      if (format === "packages") {
        const { exportPackages } = await import("./packages.ts");
        return emit(await exportPackages(exp), options.out);
      }
    });
}
