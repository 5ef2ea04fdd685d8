/**
 * `bootlog bisect-versions`: binary search over the versions of a guest package that apt
 * offers (Xen, or the kernel, whose ABI is in the package name: linux-image-6.1.0-*-arm64),
 * booting one expectation with each chosen version in place of one image, to find the first
 * bad version.
 */
import picomatch from "picomatch";
import { DEB_ARCH, type ImageSource } from "../expectations/schema.ts";
import type { Expectation } from "../expectations/loader.ts";
import { aptCache } from "../images/apt.ts";
import { EXIT_FAIL, EXIT_INFRA, EXIT_OK } from "../vocabulary.ts";
import type { BootResult } from "../result.ts";
import { runMany } from "../run.ts";
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
import { compareDebianVersions } from "./debian-version.ts";

export interface Candidate {
  package: string;
  version: string;
}

export const candidateName = (c: Candidate) => `${c.package} ${c.version}`;

const GLOB = /[*?[{]/;

/** The glob as the regex apt-cache search takes: `*`, `?`, `[0-9]` and `{53,54}`. */
function aptRegex(glob: string): string {
  const escaped = glob.replace(/[.+^$()|\\]/g, "\\$&");
  const braces = escaped.replace(
    /\{([^{}]*)\}/g,
    (_all, alternatives: string) => `(${alternatives.split(",").join("|")})`,
  );
  return `^${braces.replace(/\*/g, ".*").replace(/\?/g, ".")}$`;
}

/** Package names apt knows that match a glob (`linux-image-6.1.0-*-arm64`, `linux-image-6.1.0-{55,56}-arm64`). */
async function packagesMatching(pattern: string): Promise<string[]> {
  const regex = aptRegex(pattern);
  const stdout = await aptCache(["search", "--names-only", regex], { check: true });
  const match = picomatch(pattern);
  return [...new Set(stdout.split("\n").map((line) => line.split(" - ")[0]!.trim()))].filter(
    (name) => name && match(name),
  );
}

/** The versions apt can download of several packages, in one `apt-cache madison` (each apt-cache call parses every package list: seconds). */
export async function madison(names: string[], debArch: string): Promise<Candidate[]> {
  if (!names.length) return [];
  const stdout = await aptCache(["madison", ...names.map((n) => `${n}:${debArch}`)]);
  const rows = stdout.split("\n").map((line) => line.split("|").map((field) => field.trim()));
  const seen = new Set<string>();
  return rows.flatMap(([name, version]) => {
    const pkg = name?.replace(new RegExp(`:${debArch}$`), "");
    if (!pkg || !version || !names.includes(pkg) || seen.has(`${pkg}=${version}`)) return [];
    seen.add(`${pkg}=${version}`);
    return [{ package: pkg, version }];
  });
}

/** A Debian kernel image package: linux-image-<version>-<abi>-<flavour> (arm64, cloud-arm64, rt-arm64, arm64-unsigned...). */
const KERNEL_PACKAGE = /^linux-image-\d[^-]*-\d+-(.+)$/;

/**
 * Kernel packages of one flavour only: `linux-image-6.1.0-*-arm64` also matches
 * `…-44-cloud-arm64` and `…-44-rt-arm64`, other kernels that must not be bisection steps. The
 * text after the glob's last wildcard (`-arm64`) must end with the whole flavour; a glob that
 * still matches several flavours is refused, naming them.
 */
export function oneKernelFlavour(pattern: string, names: string[]): string[] {
  const tail = pattern.slice(Math.max(...["*", "?", "]", "}"].map((c) => pattern.lastIndexOf(c))) + 1);
  const kept = names.filter((name) => {
    const flavour = KERNEL_PACKAGE.exec(name)?.[1];
    return flavour === undefined || !tail.includes("-") || tail.endsWith(`-${flavour}`);
  });
  const flavours = [...new Set(kept.map((n) => KERNEL_PACKAGE.exec(n)?.[1]).filter((f): f is string => !!f))];
  if (flavours.length > 1)
    throw new BisectUsageError(
      `${pattern} matches kernels of ${flavours.length} flavours (${flavours.join(", ")}): end the glob with one flavour (e.g. "-${flavours[0]}")`,
    );
  return kept;
}

/** Every (package, version) apt can download for a package name or glob, oldest first. */
export async function listCandidates(pattern: string, debArch: string): Promise<Candidate[]> {
  const names = GLOB.test(pattern) ? oneKernelFlavour(pattern, await packagesMatching(pattern)) : [pattern];
  const candidates = await madison(names, debArch);
  return candidates.sort((a, b) => compareDebianVersions(a.version, b.version) || a.package.localeCompare(b.package));
}

/**
 * The versions from `good` to `bad` (each end optional: the oldest, the newest), refused when
 * there is none to walk: a package apt does not know, or a good end that is not older.
 */
export function versionRange(pattern: string, candidates: Candidate[], good?: string, bad?: string): Candidate[] {
  if (!candidates.length) throw new BisectUsageError(`--package ${pattern}: apt offers no version of it`);
  const from = good === undefined ? 0 : findCandidate(good, candidates);
  const to = bad === undefined ? candidates.length - 1 : findCandidate(bad, candidates);
  if (good !== undefined && bad !== undefined && from >= to)
    throw new BisectUsageError(
      `the good version (${candidateName(candidates[from]!)}) must be older than the bad one (${candidateName(candidates[to]!)})`,
    );
  if (from > to)
    throw new BisectUsageError(
      `no version between ${candidateName(candidates[from]!)} and ${candidateName(candidates[to]!)}: --good must be older than --bad`,
    );
  return candidates.slice(from, to + 1);
}

/** `--good`/`--bad`: a version, a package name (with one version), or PACKAGE=VERSION. */
export function findCandidate(spec: string, candidates: Candidate[]): number {
  const eq = spec.indexOf("=");
  const matches = candidates
    .map((c, i) => ({ c, i }))
    .filter(({ c }) =>
      eq > 0
        ? c.package === spec.slice(0, eq) && c.version === spec.slice(eq + 1)
        : c.version === spec || c.package === spec,
    );
  if (matches.length === 1) return matches[0]!.i;
  const listing = candidates.map(candidateName).join(", ") || "none";
  if (!matches.length) throw new BisectUsageError(`"${spec}" is not among the versions apt offers: ${listing}`);
  throw new BisectUsageError(
    `"${spec}" is ambiguous (${matches.map(({ c }) => candidateName(c)).join(", ")}); write PACKAGE=VERSION`,
  );
}

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

/** Which image role a package replaces: the deb image of that package, else kernel for linux-image-*, xen for xen-hypervisor-*. */
export function roleFor(exp: Expectation, pattern: string, role?: string): string {
  if (role) {
    if (!exp.images[role])
      throw new BisectUsageError(`${exp.name} has no image "${role}" (it has: ${Object.keys(exp.images).join(", ")})`);
    return role;
  }
  const match = picomatch(pattern);
  const byPackage = Object.entries(exp.images).filter(
    ([, s]) => s.kind === "deb" && (s.package === pattern || match(s.package)),
  );
  if (byPackage.length === 1) return byPackage[0]![0];
  const guess = pattern.startsWith("linux-image-")
    ? "kernel"
    : pattern.startsWith("xen-hypervisor-")
      ? "xen"
      : undefined;
  if (guess && exp.images[guess]) return guess;
  throw new BisectUsageError(
    `cannot tell which image of ${exp.name} ${pattern} replaces: pass --role (one of ${Object.keys(exp.images).join(", ")})`,
  );
}

const DEFAULT_PATHS: Record<string, string> = { kernel: "boot/vmlinuz-*", xen: "boot/xen-*" };

/** The expectation with one image taken from a pinned package version (the rest unchanged). */
export function withPackage(exp: Expectation, role: string, c: Candidate, path?: string): Expectation {
  const declared = exp.images[role];
  const inside = path ?? (declared?.kind === "deb" ? declared.path : DEFAULT_PATHS[role]);
  if (!inside)
    throw new BisectUsageError(
      `images.${role} of ${exp.name} is not a Debian package: pass --path (the file inside the package)`,
    );
  const image: ImageSource = { kind: "deb", package: c.package, path: inside, version: c.version };
  return { ...exp, images: { ...exp.images, [role]: image } };
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
  versionRange(opts.package, candidates, opts.good, opts.bad);
  const good = findCandidate(opts.good, candidates);
  const bad = findCandidate(opts.bad, candidates);
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
    const run = await runMany([withPackage(exp, role, candidate, opts.path)], {
      artifactsDir: opts.artifactsDir,
      retries: opts.retries ?? 1,
      runs,
    });
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
