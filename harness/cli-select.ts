/** Which expectations a command acts on: names, paths or globs, tags, files; a selection of nothing is a usage error. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError } from "./cli-options.ts";
import {
  defaultExpectationsDir,
  loadExpectationFile,
  loadSelected,
  SelectionError,
  type Expectation,
} from "./expectations/loader.ts";

/** A name ending in .ts/.mts/.js/.mjs is a file; one that exists is loaded as an expectation file. */
export const looksLikeFile = (name: string): boolean => /\.(ts|mts|js|mjs)$/.test(name);

/**
 * Expectations by names/globs/paths (`known-bad/*`) under `dir` and expectation files, filtered
 * by tags. Nothing selected, a name that matches nothing, a missing file or directory: a
 * UsageError that says what was asked and where it looked.
 */
export async function pickExpectations(
  names: string[],
  tags: string[],
  dir?: string,
  opts: { allowNone?: boolean } = {},
): Promise<Expectation[]> {
  const root = dir === undefined ? defaultExpectationsDir() : resolve(dir);
  const missing = names.filter((n) => looksLikeFile(n) && !existsSync(n));
  if (missing.length) throw new UsageError(`no such file: ${missing.join(", ")}`);
  const files = await Promise.all(names.filter(looksLikeFile).map((n) => loadExpectationFile(n)));
  const selectors = names.filter((n) => !looksLikeFile(n));
  let named: Expectation[] = [];
  if (selectors.length || !files.length) {
    try {
      named = await loadSelected(root, selectors, tags);
    } catch (error) {
      // The project's own folder missing: a project bootlog has not been set up in yet.
      if (error instanceof SelectionError && dir === undefined && error.problem === "no such directory")
        throw new UsageError(
          `no expectations folder ${root} (\`bootlog init\` makes one; or pass --expectations DIR, or set expectations in bootlog.config.ts)`,
        );
      if (error instanceof SelectionError)
        throw new UsageError(
          error.file === defaultExpectationsDir()
            ? `${error.problem.replace(/ \(bootlog list shows them\)$/, "")} in ${root} (bootlog list shows them)`
            : error.message,
        );
      throw error;
    }
  }
  const picked = [...files.filter((e) => tags.every((t) => e.tags.includes(t))), ...named];
  if (!picked.length && !opts.allowNone) {
    const asked = [...names.map((n) => `"${n}"`), ...tags.map((t) => `--tag ${t}`)].join(" with ");
    throw new UsageError(
      `nothing selected: ${asked ? `${asked} matches no expectation` : "no expectation files"} in ${root} (bootlog list shows names and tags)`,
    );
  }
  return picked;
}

/** `--image ROLE=PATH` must name a role a selected expectation declares. */
export function checkImageRoles(
  expectations: Expectation[],
  overrides: Record<string, string>,
  invalid: (message: string) => Error,
): void {
  const declared = new Set(expectations.flatMap((e) => Object.keys(e.images)));
  const unknown = Object.keys(overrides).filter((role) => !declared.has(role));
  if (unknown.length)
    throw invalid(
      `--image ${unknown.map((r) => `${r}=…`).join(", ")}: no selected expectation has an image "${unknown.join('", "')}" (roles: ${[...declared].sort().join(", ") || "none"})`,
    );
}
