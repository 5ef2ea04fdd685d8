/**
 * `bootlog bisect`: boot, then answer `git bisect run` with 0 (good), 1 (bad) or 125 (skip).
 * Infra (QEMU missing or killed, an image that cannot be fetched, a bad expectation) is always
 * 125, never 1. With `--bad-if`, only the named symptom is bad and other failures are skipped.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { LineSplitter } from "../console/lines.ts";
import {
  EXPECTATIONS_DIR,
  ExpectationError,
  loadAllExpectations,
  loadExpectationFile,
  selectExpectations,
  type Expectation,
} from "../expectations/loader.ts";
import type { BootResult } from "../result.ts";
import { gitCommit } from "../provenance.ts";
import { EXIT_FAIL, EXIT_INFRA, EXIT_OK } from "../vocabulary.ts";
import { BisectUsageError } from "./bisect-usage-error.ts";
import { recordRun, type RecordedRun } from "../artifacts/record-run.ts";
import type { RunListener } from "../run-events.ts";
import { throwIfInterrupted } from "../interrupt.ts";
import { repeatedVerdicts } from "./bisect-runs.ts";

// git bisect run's words for the shared exit codes.
export const EXIT_GOOD = EXIT_OK;
export const EXIT_BAD = EXIT_FAIL;
export const EXIT_SKIP = EXIT_INFRA;

const OUTCOME_WORDS = ["fail", "hang", "timeout", "exited", "failure"] as const;
type OutcomeWord = (typeof OUTCOME_WORDS)[number];

/** `hang after xen-banner`, `hang before linux-banner`, `fail`, `failure after start`. */
export interface Symptom {
  text: string;
  /** "failure": any of fail, hang, timeout, exited. */
  outcome: OutcomeWord;
  /** after: the last milestone reached was exactly this one; before: this milestone was not reached. */
  relation?: "after" | "before";
  milestone?: string;
}

export interface LinePredicate {
  text: string;
  test: (line: string) => boolean;
}

export interface BadIf {
  symptoms: Symptom[];
  lines: LinePredicate[];
}

export { BisectUsageError };

export function parseSymptom(text: string): Symptom {
  const m = /^\s*(\w+)(?:\s+(after|before)\s+(\S+))?\s*$/.exec(text);
  if (!m || !(OUTCOME_WORDS as readonly string[]).includes(m[1]!))
    throw new BisectUsageError(
      `--bad-if "${text}": write OUTCOME [after|before MILESTONE], OUTCOME one of ${OUTCOME_WORDS.join(", ")} (e.g. "hang after xen-banner")`,
    );
  return {
    text: text.trim(),
    outcome: m[1] as OutcomeWord,
    ...(m[2] ? { relation: m[2] as "after" | "before", milestone: m[3]! } : {}),
  };
}

/** `/regex/flags` is a regular expression; anything else a literal to find in a console line. */
export function parseLinePredicate(text: string): LinePredicate {
  const m = /^\/(.+)\/([a-z]*)$/s.exec(text);
  if (!m) return { text, test: (line) => line.includes(text) };
  let re: RegExp;
  try {
    re = new RegExp(m[1]!, m[2]!.replace(/[gy]/g, ""));
  } catch (error) {
    throw new BisectUsageError(`--bad-if-line ${text}: ${(error as Error).message}`);
  }
  return { text, test: (line) => re.test(line) };
}

export function parseBadIf(symptoms: string[], lines: string[]): BadIf {
  return { symptoms: symptoms.map(parseSymptom), lines: lines.map(parseLinePredicate) };
}

/** A milestone a symptom names must exist in the expectation (it may differ from commit to commit: then skip). */
export function checkSymptoms(badIf: BadIf, exp: Expectation): string | undefined {
  const ids = new Set(["start", ...exp.milestones.map((m) => m.id)]);
  const unknown = badIf.symptoms.find((s) => s.milestone && !ids.has(s.milestone));
  return unknown
    ? `--bad-if "${unknown.text}": ${exp.name} has no milestone "${unknown.milestone}" (it has: ${[...ids].join(", ")})`
    : undefined;
}

export function symptomMatches(s: Symptom, r: BootResult): boolean {
  const v = r.verdict;
  if (!v || r.outcome === "infra" || r.outcome === "skip" || r.outcome === "pass") return false;
  if (s.outcome !== "failure" && s.outcome !== r.outcome) return false;
  if (s.relation === "after") return v.after === s.milestone;
  if (s.relation === "before")
    return s.milestone !== "start" && !r.milestones.some((m) => m.id === s.milestone && m.at !== undefined);
  return true;
}

export type BisectKind = "good" | "bad" | "skip";

export interface BisectVerdict {
  boot: string;
  kind: BisectKind;
  reason: string;
}

const shorten = (text: string, max = 120) => (text.length > max ? `${text.slice(0, max)}…` : text);

/** The console of a boot, as the lines the matcher saw. */
function consoleLines(r: BootResult): string[] {
  try {
    const splitter = new LineSplitter();
    return [...splitter.push(readFileSync(r.serialLog)).lines, ...splitter.end().lines];
  } catch {
    return [];
  }
}

/**
 * Good, bad or skip for one boot. Without predicates: a real failure is bad, a pass (or a
 * reproduced known-bad) good. With predicates: a boot that shows one is bad, a boot that is ok
 * is good, and any other failure is skipped: it says nothing about the symptom sought.
 */
export function judgeForBisect(
  r: BootResult,
  badIf: BadIf,
  lines: () => string[] = () => consoleLines(r),
): BisectVerdict {
  const at = (kind: BisectKind, reason: string): BisectVerdict => ({ boot: r.name, kind, reason });
  if (r.outcome === "infra") return at("skip", `infra, not judged: ${r.error ?? r.summary}`);
  if (r.outcome === "skip") return at("skip", `boot skipped: ${r.error ?? r.summary}`);
  const predicates = badIf.symptoms.length + badIf.lines.length;
  if (!predicates) return r.ok ? at("good", r.summary) : at("bad", r.summary);
  const symptom = badIf.symptoms.find((s) => symptomMatches(s, r));
  if (symptom) return at("bad", `${r.summary} [--bad-if "${symptom.text}"]`);
  if (badIf.lines.length) {
    const all = lines();
    for (const p of badIf.lines) {
      const line = all.find((l) => p.test(l));
      if (line !== undefined)
        return at("bad", `console line ${JSON.stringify(shorten(line.trim()))} [--bad-if-line ${p.text}]`);
    }
  }
  if (r.ok) return at("good", r.summary);
  return at("skip", `other failure, not the symptom sought: ${r.summary}`);
}

/** Bad if any boot is bad; else skip if any boot was skipped; else good. */
export function bisectExitCode(verdicts: BisectVerdict[]): number {
  if (verdicts.some((v) => v.kind === "bad")) return EXIT_BAD;
  if (!verdicts.length || verdicts.some((v) => v.kind === "skip")) return EXIT_SKIP;
  return EXIT_GOOD;
}

/** Names that end in .ts/.mts/.js/.mjs and exist are expectation files; others are names or globs under `dir`. */
export async function loadForBisect(names: string[], dir?: string): Promise<Expectation[]> {
  const missing = names.find((n) => /\.(ts|mts|js|mjs)$/.test(n) && !existsSync(n));
  if (missing) throw new ExpectationError(missing, "", `no such file (in ${process.cwd()})`);
  const isFile = (n: string) => /\.(ts|mts|js|mjs)$/.test(n) && existsSync(n);
  const files = await Promise.all(names.filter(isFile).map((n) => loadExpectationFile(n)));
  const selectors = names.filter((n) => !isFile(n));
  const named =
    selectors.length || !files.length
      ? selectExpectations(await loadAllExpectations(dir ? resolve(dir) : EXPECTATIONS_DIR), selectors)
      : [];
  return [...files, ...named];
}

export interface BisectOptions {
  badIf: BadIf;
  artifactsDir?: string;
  retries?: number;
  imageOverrides?: Record<string, string>;
  log?: (line: string) => void;
  /** Boots per expectation per step; above 1 the step is judged over the runs (bisect-runs.ts). */
  runs?: number;
}

export interface BisectOutcome {
  exitCode: number;
  verdicts: BisectVerdict[];
  run?: RecordedRun;
}

/** Boot the expectations and turn the results into one git-bisect exit code. */
export async function bisectBoots(expectations: Expectation[], opts: BisectOptions): Promise<BisectOutcome> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const unfit = expectations.map((e) => checkSymptoms(opts.badIf, e)).filter((p): p is string => !!p);
  if (unfit.length) {
    const verdicts = unfit.map((reason) => ({ boot: "-", kind: "skip" as const, reason }));
    for (const v of verdicts) log(`bisect: SKIP ${v.reason}`);
    const commit = await gitCommit();
    log(`bisect: skip (exit ${EXIT_SKIP})${commit ? ` at ${commit}` : ""}`);
    return { exitCode: EXIT_SKIP, verdicts };
  }
  const runs = opts.runs ?? 1;
  const run = await recordRun(expectations, {
    artifactsDir: opts.artifactsDir,
    retries: opts.retries ?? 1,
    imageOverrides: opts.imageOverrides,
    runs,
    listeners: [infraAttempts(log)],
  });
  throwIfInterrupted(); // a stop signal is no verdict on this commit
  const verdicts = runs > 1 ? repeatedVerdicts(run, opts, log) : run.results.map((r) => judgeForBisect(r, opts.badIf));
  if (runs === 1) for (const v of verdicts) log(`bisect: ${v.kind.toUpperCase().padEnd(4)} ${v.boot}: ${v.reason}`);
  const exitCode = bisectExitCode(verdicts);
  const commit = run.results.find((r) => r.gitCommit)?.gitCommit;
  log(
    `bisect: ${exitCode === EXIT_GOOD ? "good" : exitCode === EXIT_BAD ? "bad" : "skip"} (exit ${exitCode})${commit ? ` at ${commit}` : ""}; ${runs > 1 ? `${runs} runs per boot; ` : ""}artifacts ${run.runDir}`,
  );
  return { exitCode, verdicts, run };
}

/** Each attempt that was infra, as it ends: the retry that follows is why bisect took longer. */
export const infraAttempts = (log: (line: string) => void): RunListener => ({
  bootEnded: (_boot, r) => {
    if (r.outcome === "infra") log(`bisect: attempt ${r.attempt} of ${r.name} was infra: ${r.error ?? r.summary}`);
  },
});
