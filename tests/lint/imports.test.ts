/**
 * The import directions of docs/architecture.md, checked on every source file of harness/
 * (static, type-only and dynamic imports alike): data flows down the pipeline, the runner writes
 * nothing through artifacts/, and readers never load the runner.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, test } from "vitest";

const HARNESS = join(import.meta.dirname, "../../harness");

/** Every relative import of every .ts file under harness/, as [importer, imported], both relative to harness/. */
function edges(): [string, string][] {
  const files = (readdirSync(HARNESS, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts"));
  return files.flatMap((file) => {
    const text = readFileSync(join(HARNESS, file), "utf8");
    const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.\.?\/[^"]+)"/g)].map((m) => m[1]!);
    return specs.map((spec): [string, string] => [file, relative(HARNESS, resolve(HARNESS, dirname(file), spec))]);
  });
}

/** The folder of a harness file ("top" for harness/*.ts). */
const folder = (file: string) => (file.includes("/") ? file.split("/")[0]! : "top");

/** The pipeline below the runner, and the plain modules every layer may read. */
const BELOW_RUNNER = ["expectations", "images", "machines", "console", "milestones", "postmortem", "repeat", "stats"];
const LEAVES = [
  "vocabulary.ts",
  "result.ts",
  "interrupt.ts",
  "make-dir.ts",
  "provenance.ts",
  "run-layout.ts",
  "run-events.ts",
];
/** The commands on top: only the CLI loads them (and culprit, a bisection, compares runs). */
const ON_TOP = ["report", "compare", "bisection", "export", "import"];

const all = edges();
const violations = (rule: (from: string, to: string) => boolean) =>
  all.filter(([from, to]) => rule(from, to)).map(([from, to]) => `${from} → ${to}`);

describe("import directions (docs/architecture.md)", () => {
  test("the check sees the code (a few hundred imports)", () => {
    expect(all.length).toBeGreaterThan(300);
    expect(all).toContainEqual(["artifacts/record-run.ts", "runner/run.ts"]);
  });

  test("the runner imports nothing from artifacts/, the readers or the commands", () => {
    const banned = ["artifacts", ...ON_TOP];
    expect(violations((from, to) => folder(from) === "runner" && banned.includes(folder(to)))).toEqual([]);
  });

  test("nothing below the runner (nor a leaf module) imports the runner or anything above it", () => {
    const above = ["runner", "artifacts", ...ON_TOP];
    const low = (f: string) => BELOW_RUNNER.includes(folder(f)) || LEAVES.includes(f);
    expect(violations((from, to) => low(from) && above.includes(folder(to)))).toEqual([]);
  });

  test("readers never load the runner: only artifacts/record-run.ts (a run recorded) imports it", () => {
    expect(
      violations(
        (from, to) => folder(to) === "runner" && folder(from) !== "runner" && from !== "artifacts/record-run.ts",
      ),
    ).toEqual([]);
  });

  test("the commands on top are loaded by the CLI only (culprit may compare)", () => {
    const allowed = (from: string, to: string) =>
      folder(from) === folder(to) || from === "cli.ts" || (folder(from) === "bisection" && folder(to) === "compare");
    expect(violations((from, to) => ON_TOP.includes(folder(to)) && !allowed(from, to))).toEqual([]);
  });
});
