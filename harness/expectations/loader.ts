import { readdir } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import picomatch from "picomatch";
import type { z } from "zod";
import { parseDuration } from "./duration.ts";
import { bootSchema, DEB_ARCH, type Milestone, type Pattern } from "./schema.ts";
import { regexRisk } from "./redos.ts";
import { esModuleInterop, moduleUrl } from "./ts-loader.ts";
import { indexedNames, rememberNames, type IndexedName } from "./name-index.ts";
import { flattenStreams } from "./streams.ts";
import { currentProject } from "../project/current.ts";

export type ParsedSpec = z.output<typeof bootSchema>;

/** A milestone with its `within` in seconds (the text stays for reports). */
export interface TimedMilestone extends Milestone {
  withinS?: number;
}

/** A validated expectation with its durations in seconds and the file it came from. */
export interface Expectation extends ParsedSpec {
  file: string;
  /** The ordered list, or every stream's milestones with ids `stream/milestone` (what reports see). */
  milestones: TimedMilestone[];
  silenceS: number;
  budgetS: number;
  failOn: NonNullable<ParsedSpec["failOn"]>;
  tags: string[];
  /** Set when images were pinned to other package versions: the hash of the expectation as declared, which reports keep. */
  declaredHash?: string;
  /** ...and its canonical form (artifacts/provenance.ts expectationForm), which timeline.json keeps. */
  declaredForm?: Record<string, unknown>;
}

/** Each loaded expectation's path under its expectations directory, without extension (`known-bad/arm64-xen-virt-off`). */
const pathUnderDir = new WeakMap<Expectation, string>();

/** What `bootlog list` shows as an expectation's path, and selectors may name. */
export const expectationPath = (e: Expectation): string | undefined => pathUnderDir.get(e);

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

/** The project's expectations folder once the CLI found the project; bootlog's own otherwise (a library import, a unit test). */
export const defaultExpectationsDir = (): string => currentProject()?.expectationsDir ?? EXPECTATIONS_DIR;

function fieldPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`)).join("");
}

type Issue = z.core.$ZodIssue;

/** An unknown key is named in the field itself: `milestones[2].timeout`, not `milestones[2]`. */
function issuePath(issue: Issue): PropertyKey[] {
  return issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]!] : issue.path;
}

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (v, key) => (v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[key] : undefined),
    value,
  );
}

/** zod's words, made specific where they are vague ("Invalid input" for a missing union field). */
function problemOf(issue: Issue, value: unknown): string {
  if (issue.code === "unrecognized_keys")
    return `unknown key "${issue.keys[0]}"${issue.keys.length > 1 ? ` (also ${issue.keys.slice(1).join(", ")})` : ""}`;
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
  checkPatterns(file, spec);
  return {
    ...spec,
    file,
    silenceS: parseDuration(spec.silence)!,
    budgetS: parseDuration(spec.budget)!,
    milestones: timed(spec.milestones ?? flattenStreams(spec.streams!)),
    failOn: spec.failOn ?? [],
    tags: [
      ...new Set([
        spec.machine.arch,
        DEB_ARCH[spec.machine.arch],
        spec.machine.firmware,
        ...(spec.images.xen ? ["xen"] : []),
        ...(spec.tags ?? []),
      ]),
    ],
  };
}

/** Milestones with their `within` in seconds, as the matcher wants them. */
export function timed(milestones: Milestone[]): TimedMilestone[] {
  return milestones.map((m) => (m.within === undefined ? m : { ...m, withinS: parseDuration(m.within)! }));
}

/** Every RegExp of an expectation, refused when it can backtrack catastrophically. */
function checkPatterns(file: string, spec: ParsedSpec): void {
  const patterns: [string, Pattern][] = [
    ...(spec.milestones ?? []).map((m, i): [string, Pattern] => [`milestones[${i}].match`, m.match]),
    ...(spec.failOn ?? []).map((f, i): [string, Pattern] => [`failOn[${i}].match`, f.match]),
    ...(spec.knownBad?.shows ? [["knownBad.shows", spec.knownBad.shows] as [string, Pattern]] : []),
    ...Object.entries(spec.streams ?? {}).flatMap(([name, s]) => [
      ...(s.prefix ? [[`streams.${name}.prefix`, s.prefix] as [string, Pattern]] : []),
      ...s.milestones.map((m, i): [string, Pattern] => [`streams.${name}.milestones[${i}].match`, m.match]),
      ...(s.failOn ?? []).map((f, i): [string, Pattern] => [`streams.${name}.failOn[${i}].match`, f.match]),
    ]),
  ];
  for (const [field, pattern] of patterns) {
    if (typeof pattern === "string") continue;
    const re = pattern instanceof RegExp ? pattern : new RegExp(pattern.regex, pattern.flags);
    const risk = regexRisk(re.source, re.flags);
    if (risk) throw new ExpectationError(file, field, `/${re.source}/${re.flags}: ${risk}`);
  }
}

/** How long an expectation file may take to load (its top-level code, imports included). */
const LOAD_TIMEOUT_MS = Number(process.env.BOOTLOG_LOAD_TIMEOUT_MS) || 30_000;

/**
 * import() that always settles: a top-level await that never settles would otherwise end the
 * process with exit 13 and no word (once nothing else is pending), or hang it.
 */
async function importBounded(file: string, url: string): Promise<{ default?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  let onIdle: (() => void) | undefined;
  const stuck = new Promise<never>((_, reject) => {
    const fail = (why: string) => reject(new ExpectationError(file, "", `did not finish loading: ${why}`));
    timer = setTimeout(
      () => fail(`still loading after ${LOAD_TIMEOUT_MS / 1000} s (a top-level await that never settles?)`),
      LOAD_TIMEOUT_MS,
    );
    timer.unref();
    // Nothing left to run and the import still pending: its top-level await can never settle.
    onIdle = () => fail("its top-level await never settles (nothing left that could settle it)");
    process.once("beforeExit", onIdle);
  });
  try {
    return await Promise.race([import(url) as Promise<{ default?: unknown }>, stuck]);
  } finally {
    clearTimeout(timer);
    process.off("beforeExit", onIdle!);
  }
}

/** A module that exports nothing: no default, or (loaded as CommonJS) an empty exports object. */
function noDefault(module: { default?: unknown }): boolean {
  const value = module.default;
  if (value === undefined) return true;
  return (
    typeof value === "object" &&
    value !== null &&
    Object.getPrototypeOf(value) === Object.prototype &&
    Object.keys(value).length === 0 &&
    Object.keys(module).length <= 2
  );
}

/** Import an expectation file (its default export) and validate it. */
export async function loadExpectationFile(path: string): Promise<Expectation> {
  return loadFrom(path, await moduleUrl(path));
}

async function loadFrom(path: string, url: string): Promise<Expectation> {
  const file = relative(process.cwd(), path) || path;
  let module: { default?: unknown };
  try {
    module = esModuleInterop(await importBounded(file, url));
  } catch (error) {
    if (error instanceof ExpectationError) throw error;
    throw new ExpectationError(file, "", `cannot be loaded: ${(error as Error).message}`);
  }
  if (noDefault(module))
    throw new ExpectationError(file, "", "has no default export (export default defineBoot({...}))");
  return validateExpectation(file, module.default);
}

async function expectationFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new SelectionError(
      dir,
      "",
      error.code === "ENOENT" ? "no such directory" : error.code === "ENOTDIR" ? "is not a directory" : error.message,
    );
  });
  return entries
    .filter((e) => e.isFile() && /\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.endsWith(".d.ts"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const underDir = (dir: string, path: string) => relative(dir, path).replace(/\.(ts|mts|js|mjs)$/, "");

/** Every expectation under `dir`; duplicate names are an error of the second file. */
export async function loadAllExpectations(dir = defaultExpectationsDir()): Promise<Expectation[]> {
  const all: Expectation[] = [];
  const loaded: { url: string; found: IndexedName }[] = [];
  for (const path of await expectationFiles(dir)) {
    const url = await moduleUrl(path);
    const expectation = await loadFrom(path, url);
    pathUnderDir.set(expectation, underDir(dir, path));
    const twin = all.find((e) => e.name === expectation.name);
    if (twin)
      throw new ExpectationError(expectation.file, "name", `"${expectation.name}" is also the name of ${twin.file}`);
    all.push(expectation);
    loaded.push({ url, found: { name: expectation.name, path: underDir(dir, path) } });
  }
  await rememberNames(dir, loaded);
  return all;
}

/**
 * selectExpectations over loadAllExpectations(dir), loading only the files that hold what is
 * asked for when the selectors are plain names or paths and the name index knows every file of
 * the folder as it is now. Otherwise (a glob, a tag, a new or changed file, a file that no
 * longer holds what the index says) every file is loaded, with every error that brings.
 */
export async function loadSelected(dir: string, selectors: string[], tags: string[] = []): Promise<Expectation[]> {
  const plain = selectors.length > 0 && !tags.length && selectors.every((s) => !picomatch.scan(s).isGlob);
  const fast = plain ? await loadIndexed(dir, selectors).catch(() => undefined) : undefined;
  return fast ?? selectExpectations(await loadAllExpectations(dir), selectors, tags);
}

async function loadIndexed(dir: string, selectors: string[]): Promise<Expectation[] | undefined> {
  const files = await expectationFiles(dir);
  const urls: string[] = [];
  for (const path of files) urls.push(await moduleUrl(path));
  const known = indexedNames(dir, urls);
  if (!known) return undefined;
  const holds = (found: IndexedName) => selectors.some((s) => found.name === s || found.path === s);
  if (!selectors.every((s) => known.some((k) => k.name === s || k.path === s))) return undefined;
  const picked: Expectation[] = [];
  for (const [i, path] of files.entries()) {
    if (!holds(known[i]!)) continue;
    const expectation = await loadFrom(path, urls[i]!);
    if (!holds({ name: expectation.name, path: underDir(dir, path) })) return undefined;
    pathUnderDir.set(expectation, underDir(dir, path));
    picked.push(expectation);
  }
  return picked;
}

/** A selection that picks nothing or names what does not exist: a mistake of the command line, not of a file. */
export class SelectionError extends ExpectationError {
  override name = "SelectionError";
}

/** A selector matches an expectation's name or its path under the expectations directory (`known-bad/*`, `examples/boot-wrapper-xen`). */
const selects = (selector: string) => {
  const match = picomatch(selector);
  return (e: Expectation) => match(e.name) || match(pathUnderDir.get(e) ?? e.name);
};

/** Pick expectations by names, paths or globs (`arm64-*`) and tags; no selector picks all. */
export function selectExpectations(all: Expectation[], selectors: string[], tags: string[] = []): Expectation[] {
  const matchers = selectors.map(selects);
  const picked = all.filter(
    (e) => (matchers.length === 0 || matchers.some((m) => m(e))) && tags.every((t) => e.tags.includes(t)),
  );
  const unmatched = selectors.filter((s) => !all.some(selects(s)));
  if (unmatched.length)
    throw new SelectionError(
      defaultExpectationsDir(),
      "",
      `no expectation named ${unmatched.map((s) => `"${s}"`).join(", ")} (bootlog list shows them)`,
    );
  return picked;
}
