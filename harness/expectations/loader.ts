import { readdir } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import picomatch from "picomatch";
import type { z } from "zod";
import { parseDuration } from "./duration.ts";
import { bootSchema, DEB_ARCH, type Milestone } from "./schema.ts";
import { flattenStreams } from "./streams.ts";

export type ParsedSpec = z.output<typeof bootSchema>;

/** A validated expectation with its durations in seconds and the file it came from. */
export interface Expectation extends ParsedSpec {
  /** The ordered list, or every stream's milestones with ids `stream/milestone` (what reports see). */
  milestones: Milestone[];
  file: string;
  silenceS: number;
  budgetS: number;
  failOn: NonNullable<ParsedSpec["failOn"]>;
  tags: string[];
}

/** A bad expectation: names the file and the field, before anything boots. */
export class ExpectationError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${file}: ${field ? `${field}: ` : ""}${problem}`);
    this.name = "ExpectationError";
  }
}

export const EXPECTATIONS_DIR = resolve(import.meta.dirname, "../../expectations");

function fieldPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`)).join("");
}

type Issue = z.core.$ZodIssue;

/** An unknown key is named in the field itself: `milestones[2].timeout`, not `milestones[2]`. */
function issuePath(issue: Issue): PropertyKey[] {
  return issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]!] : issue.path;
}

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  return path.reduce<unknown>((v, key) => (v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[key] : undefined), value);
}

/** zod's words, made specific where they are vague ("Invalid input" for a missing union field). */
function problemOf(issue: Issue, value: unknown): string {
  if (issue.code === "unrecognized_keys") return `unknown key "${issue.keys[0]}"${issue.keys.length > 1 ? ` (also ${issue.keys.slice(1).join(", ")})` : ""}`;
  if (issue.code !== "custom" && valueAt(value, issue.path) === undefined) return "is required";
  return issue.message;
}

/** Validate one expectation object; `file` is only used in errors. */
export function validateExpectation(file: string, value: unknown): Expectation {
  const parsed = bootSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const extra = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : "";
    throw new ExpectationError(file, fieldPath(issuePath(issue)), problemOf(issue, value) + extra);
  }
  const spec = parsed.data;
  return {
    ...spec,
    milestones: spec.milestones ?? flattenStreams(spec.streams!),
    file,
    silenceS: parseDuration(spec.silence)!,
    budgetS: parseDuration(spec.budget)!,
    failOn: spec.failOn ?? [],
    tags: [...new Set([spec.machine.arch, DEB_ARCH[spec.machine.arch], spec.machine.firmware, ...(spec.images.xen ? ["xen"] : []), ...(spec.tags ?? [])])],
  };
}

/** Import an expectation file (its default export) and validate it. */
export async function loadExpectationFile(path: string): Promise<Expectation> {
  const file = relative(process.cwd(), path) || path;
  let module: { default?: unknown };
  try {
    module = await import(pathToFileURL(resolve(path)).href);
  } catch (error) {
    throw new ExpectationError(file, "", `cannot be loaded: ${(error as Error).message}`);
  }
  if (module.default === undefined) throw new ExpectationError(file, "", "has no default export (export default defineBoot({...}))");
  return validateExpectation(file, module.default);
}

async function expectationFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.endsWith(".d.ts"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Every expectation under `dir`; duplicate names are an error of the second file. */
export async function loadAllExpectations(dir = EXPECTATIONS_DIR): Promise<Expectation[]> {
  const all: Expectation[] = [];
  for (const path of await expectationFiles(dir)) {
    const expectation = await loadExpectationFile(path);
    const twin = all.find((e) => e.name === expectation.name);
    if (twin) throw new ExpectationError(expectation.file, "name", `"${expectation.name}" is also the name of ${twin.file}`);
    all.push(expectation);
  }
  return all;
}

/** Pick expectations by names or globs (`arm64-*`) and tags; no selector picks all. */
export function selectExpectations(all: Expectation[], selectors: string[], tags: string[] = []): Expectation[] {
  const matchers = selectors.map((s) => picomatch(s));
  const picked = all.filter(
    (e) => (matchers.length === 0 || matchers.some((m) => m(e.name))) && tags.every((t) => e.tags.includes(t)),
  );
  const unmatched = selectors.filter((s) => !all.some((e) => picomatch(s)(e.name)));
  if (unmatched.length) throw new ExpectationError(EXPECTATIONS_DIR, "", `no expectation named ${unmatched.map((s) => `"${s}"`).join(", ")} (bootlog list shows them)`);
  return picked;
}
