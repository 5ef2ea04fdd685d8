/**
 * `bootlog bisect-versions`: binary search over the versions of a guest package that apt
 * offers (Xen, or the kernel, whose ABI is in the package name: linux-image-6.1.0-*-arm64),
 * booting one expectation with each chosen version in place of one image, to find the first
 * bad version.
 */
import { DEB_ARCH } from "../expectations/schema.ts";
import type { Expectation } from "../expectations/loader.ts";
import { EXIT_FAIL, EXIT_INFRA, EXIT_OK } from "../vocabulary.ts";
import type { BootResult } from "../result.ts";
import { recordRun } from "../artifacts/record-run.ts";
import { throwIfInterrupted } from "../interrupt.ts";
import { judgeRuns, type RunsVerdict } from "./bisect-runs.ts";
import { verifyCulprit, type Verification } from "./bisect-versions-verify.ts";
import {
  BisectUsageError,
  checkSymptoms,
  judgeForBisect,
  type BadIf,
  type BisectKind,
  type BisectVerdict,
} from "./bisect.ts";
import {
  candidateName,
  findCandidate,
  listCandidates,
  roleFor,
  withPackage,
  type Candidate,
} from "../images/package-versions.ts";

export interface WalkStep {
  index: number;
  kind: BisectKind;
  reason: string;
  role: "good-endpoint" | "bad-endpoint" | "probe";
}

export type WalkResult =
  | { status: "found"; firstBad: number; lastGood: number; steps: WalkStep[] }
  | { status: "endpoints"; message: string; steps: WalkStep[] }
  | { status: "inconclusive"; firstBadAmong: number[]; lastGood: number; steps: WalkStep[] };

/**
 * Binary search between a good and a bad index (good < bad), like git bisect: a skipped
 * candidate is set aside and its nearest neighbour to the middle is tried instead. With
 * `verify`, both ends are booted first and must really be good and bad.
 */
export async function walkVersions(
  good: number,
  bad: number,
  judge: (index: number) => Promise<{ kind: BisectKind; reason: string }>,
  verify = true,
): Promise<WalkResult> {
  const steps: WalkStep[] = [];
  const probe = async (index: number, role: WalkStep["role"]) => {
    const v = await judge(index);
    steps.push({ index, role, ...v });
    return v.kind;
  };
  if (verify) {
    const g = await probe(good, "good-endpoint");
    if (g !== "good") return { status: "endpoints", message: `the good end is ${g}: ${steps.at(-1)!.reason}`, steps };
    const b = await probe(bad, "bad-endpoint");
    if (b !== "bad") return { status: "endpoints", message: `the bad end is ${b}: ${steps.at(-1)!.reason}`, steps };
  }
  let lo = good;
  let hi = bad;
  const skipped = new Set<number>();
  for (;;) {
    const open = Array.from({ length: hi - lo - 1 }, (_, k) => lo + 1 + k).filter((i) => !skipped.has(i));
    if (!open.length) break;
    const middle = (lo + hi) / 2;
    const next = open.reduce((best, i) => (Math.abs(i - middle) < Math.abs(best - middle) ? i : best));
    const kind = await probe(next, "probe");
    if (kind === "good") lo = next;
    else if (kind === "bad") hi = next;
    else skipped.add(next);
  }
  const between = Array.from({ length: hi - lo - 1 }, (_, k) => lo + 1 + k);
  if (!between.length) return { status: "found", firstBad: hi, lastGood: lo, steps };
  return { status: "inconclusive", firstBadAmong: [...between, hi], lastGood: lo, steps };
}

export interface VersionBisectOptions {
  /** A package name or glob (linux-image-6.1.0-*-arm64). */
  package: string;
  good: string;
  bad: string;
  role?: string;
  /** The file inside the package, when the declared image is not a deb. */
  path?: string;
  badIf: BadIf;
  verify?: boolean;
  retries?: number;
  artifactsDir?: string;
  log?: (line: string) => void;
  /** Boots per step (default 1, more for an intermittent knownBad); above 1 the culprit and its predecessor are booted again to confirm. */
  runs?: number;
}

export interface VersionBisectReport {
  boot: string;
  role: string;
  candidates: Candidate[];
  good: number;
  bad: number;
  result: WalkResult;
  /** One booted result per step, by candidate index. */
  boots: {
    candidate: Candidate;
    verdict: BisectVerdict;
    runDir: string;
    packages: BootResult["packages"];
    runs?: RunsVerdict;
    role?: WalkStep["role"] | "confirm-culprit" | "confirm-predecessor";
  }[];
  exitCode: number;
  /** With runs > 1: the verification (bisect-versions-verify.ts). */
  verification?: Verification;
}

/** 0: the first bad version was found; 1: the ends are not good and bad; 125: skipped versions hide the answer. */
export function versionBisectExitCode(result: WalkResult): number {
  return result.status === "found" ? EXIT_OK : result.status === "endpoints" ? EXIT_FAIL : EXIT_INFRA;
}

export async function bisectVersions(exp: Expectation, opts: VersionBisectOptions): Promise<VersionBisectReport> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const problem = checkSymptoms(opts.badIf, exp);
  if (problem) throw new BisectUsageError(problem);
  const role = roleFor(exp, opts.package, opts.role);
  const candidates = await listCandidates(opts.package, DEB_ARCH[exp.machine.arch]);
  const good = findCandidate(opts.good, candidates);
  const bad = findCandidate(opts.bad, candidates);
  if (good >= bad)
    throw new BisectUsageError(
      `the good version (${candidateName(candidates[good]!)}) must be older than the bad one (${candidateName(candidates[bad]!)})`,
    );
  log(
    `bisect-versions: ${exp.name}, images.${role} from ${bad - good + 1} versions: ${candidates
      .slice(good, bad + 1)
      .map(candidateName)
      .join(", ")}`,
  );
  const boots: VersionBisectReport["boots"] = [];
  const runs = opts.runs ?? 1;
  const judge = async (index: number, stepRole?: VersionBisectReport["boots"][number]["role"]) => {
    const candidate = candidates[index]!;
    const run = await recordRun([withPackage(exp, role, candidate, opts.path)], {
      artifactsDir: opts.artifactsDir,
      retries: opts.retries ?? 1,
      runs,
    });
    throwIfInterrupted();
    const r = run.results[0]!;
    const steps = runs > 1 ? judgeRuns(run.runResults![0]!, opts.badIf) : undefined;
    const verdict: BisectVerdict = steps
      ? { boot: exp.name, kind: steps.kind, reason: steps.reason }
      : judgeForBisect(r, opts.badIf);
    boots.push({
      candidate,
      verdict,
      runDir: run.runDir,
      packages: r.packages,
      ...(steps ? { runs: steps } : {}),
      ...(stepRole ? { role: stepRole } : {}),
    });
    log(
      `bisect-versions: ${verdict.kind.toUpperCase().padEnd(4)} ${candidateName(candidate)}${stepRole?.startsWith("confirm") ? ` (${stepRole})` : ""}: ${verdict.reason}`,
    );
    return verdict;
  };
  const result = await walkVersions(good, bad, (index) => judge(index), opts.verify ?? true);
  for (const step of result.steps) {
    const boot = boots.find((b) => b.candidate === candidates[step.index] && !b.role);
    if (boot) boot.role = step.role;
  }
  if (runs > 1) {
    const verification = await verifyCulprit({
      exp,
      role,
      path: opts.path,
      candidates,
      result,
      boots,
      runs,
      judge,
      log,
    });
    const exitCode = verification.conclusive ? EXIT_OK : result.status === "endpoints" ? EXIT_FAIL : EXIT_INFRA;
    return { boot: exp.name, role, candidates, good, bad, result, boots, exitCode, verification };
  }
  const exitCode = versionBisectExitCode(result);
  if (result.status === "found")
    log(
      `bisect-versions: first bad: ${candidateName(candidates[result.firstBad]!)} (last good: ${candidateName(candidates[result.lastGood]!)}); ${boots.length} boot(s)`,
    );
  else if (result.status === "endpoints") log(`bisect-versions: cannot bisect: ${result.message}`);
  else
    log(
      `bisect-versions: the first bad version is one of ${result.firstBadAmong.map((i) => candidateName(candidates[i]!)).join(", ")} (others were skipped)`,
    );
  return { boot: exp.name, role, candidates, good, bad, result, boots, exitCode };
}
