/**
 * `bootlog culprit OLD NEW`: from two runs to the change that broke a boot. For every boot
 * that regressed: boot NEW's package versions (the regression must reproduce), revert each
 * changed package to OLD's version alone (or half of them, when many changed) and keep the one
 * whose revert cures it, then bisect that package's versions between OLD and NEW with
 * bisect-versions' walk. A regression that no package revert cures is handed on to what else
 * changed: the expectation or bootlog's commit (with the `git bisect` command to run), or QEMU.
 *
 * Every judgement is one boot today; `probe` is the one place that boots, so repeated runs per
 * step (flaky boots) fit in there.
 */
import { existsSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { DEB_ARCH } from "../expectations/schema.ts";
import { EXIT_FAIL, EXIT_INFRA, EXIT_OK, outcomeAfter } from "../vocabulary.ts";
import {
  defaultExpectationsDir,
  loadAllExpectations,
  loadExpectationFile,
  type Expectation,
} from "../expectations/loader.ts";
import { recordRun } from "../artifacts/record-run.ts";
import { throwIfInterrupted } from "../interrupt.ts";
import { expectationHash } from "../provenance.ts";
import { judgeForBisect, parseBadIf, type BadIf, type BisectKind } from "./bisect.ts";
import { walkVersions } from "./bisect-versions.ts";
import { candidateName, listCandidates, madison, type Candidate } from "../images/package-versions.ts";
import {
  bootDifferences,
  describeDifferences,
  describePackageChange,
  type BootDifferences,
  type PackageChange,
} from "../compare/changes.ts";
import { compareRuns } from "../compare/compare.ts";
import { readRun, type RunRecord } from "../artifacts/read-run.ts";
import type { BootRecord } from "../artifacts/records.ts";
import { pinArgs, pinRole, pinRoles } from "../images/pins.ts";

/** 0: a culprit named; 1: not reproducible or not named; 2: usage; 125: infra. */
export const EXIT_NAMED = EXIT_OK;
export const EXIT_NOT_NAMED = EXIT_FAIL;

/** A mistake in the command or its input files (the same however often it runs): exit 2. */
export class CulpritUsageError extends Error {
  override name = "CulpritUsageError";
}

class OutOfBoots extends Error {}

export interface CulpritOptions {
  /** Boots allowed in all (every step of every boot): bounds the time in CI. */
  maxBoots: number;
  /** Boot the first bad and the last good version once more. */
  confirm: boolean;
  /** Judge with these instead of the symptom NEW showed. */
  badIf?: { symptoms: string[]; lines: string[] };
  /** Where to find an expectation by name when the file NEW recorded is not there. */
  expectationsDir?: string;
  /** Where the step boots go (their own artifacts root: artifacts/latest is left alone). */
  artifactsDir: string;
  /** How the printed commands call bootlog. */
  bootlog: string;
  log: (line: string) => void;
}

export interface StepRun {
  runDir: string;
  outcome: string;
  summary: string;
  packages: string[];
}

export interface CulpritStep {
  step: "reproduce" | "revert" | "bisect" | "confirm";
  /** What this boot differs in from NEW. */
  what: string;
  pins: Candidate[];
  verdict: BisectKind;
  reason: string;
  /** The boots behind the verdict (one per step today). */
  runs: StepRun[];
}

export type CulpritStatus = "culprit" | "not-reproducible" | "not-a-package" | "inconclusive" | "infra";

export interface BootCulprit {
  boot: string;
  expectation: string;
  /** NEW's symptom, as compare reports it. */
  regression: string;
  /** The --bad-if/--bad-if-line flags every step was judged with. */
  badIf: string[];
  differences: BootDifferences;
  status: CulpritStatus;
  message: string;
  culprit: {
    package: string;
    role: string;
    firstBad: Candidate;
    lastGood: Candidate;
    direction: PackageChange["direction"];
  } | null;
  /** When no package is to blame: the other changes between OLD and NEW. */
  suspects: string[];
  /** The next command when the expectation or bootlog's commit changed. */
  gitBisect: string | null;
  steps: CulpritStep[];
  confidence: { level: "confirmed" | "single-runs" | "contradicted" | "none"; text: string };
  reproduce: string[];
  notes: string[];
  exitCode: number;
}

export interface CulpritReport {
  old: string;
  new: string;
  boots: BootCulprit[];
  bootsUsed: number;
  maxBoots: number;
  message: string;
  exitCode: number;
}

const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
const command = (parts: string[]) => parts.map(quote).join(" ");

/** The expectation NEW booted: the file it recorded, else its name in --expectations or the project's expectations/. */
async function expectationFor(record: BootRecord, source: string, dir?: string): Promise<Expectation> {
  if (record.file && existsSync(record.file) && !dir) return loadExpectationFile(record.file);
  const all = await loadAllExpectations(dir ? resolve(dir) : defaultExpectationsDir());
  const found = all.find((e) => e.name === record.name);
  if (found) return found;
  throw new CulpritUsageError(
    `${source}: boot "${record.name}": ${record.file ? `its expectation file ${record.file} is not here` : "no expectation.file property"}, and ${dir ?? defaultExpectationsDir()} has no expectation of that name (pass --expectations DIR)`,
  );
}

/** An expectation of the project's expectations folder is found by name; others need --expectations. */
const isBootlogExpectation = (exp: Expectation) =>
  !relative(defaultExpectationsDir(), resolve(exp.file)).startsWith("..");

/** The symptom NEW showed, as --bad-if takes it. */
function symptomOf(record: BootRecord): string {
  return outcomeAfter(record.outcome, record.after ?? "start");
}

/** NEW's package versions as pins by image role: from image.<role>.package, else each package to the image it feeds. */
function newPins(exp: Expectation, record: BootRecord, notes: string[]): Map<string, Candidate> {
  const pins = new Map<string, Candidate>();
  for (const [role, image] of Object.entries(record.images)) {
    if (!image.package || !exp.images[role]) continue;
    const at = image.package.lastIndexOf("=");
    pins.set(role, { package: image.package.slice(0, at), version: image.package.slice(at + 1) });
  }
  const pinned = new Set([...pins.values()].map((c) => c.package));
  for (const [pkg, version] of Object.entries(record.packages)) {
    if (pinned.has(pkg)) continue;
    try {
      const role = pinRole(exp, pkg);
      if (!pins.has(role)) pins.set(role, { package: pkg, version });
    } catch {
      notes.push(`${pkg} ${version} was in NEW's boot but feeds no image of ${exp.file} now: not pinned`);
    }
  }
  return pins;
}

export async function findCulprit(oldPath: string, newPath: string, opts: CulpritOptions): Promise<CulpritReport> {
  const [old, now] = [await readRun(oldPath), await readRun(newPath)];
  const common = now.boots.filter((b) => old.boots.some((o) => o.name === b.name));
  if (!common.length)
    throw new CulpritUsageError(
      `${oldPath} and ${newPath} share no boot (OLD: ${old.boots.map((b) => b.name).join(", ") || "none"}; NEW: ${now.boots.map((b) => b.name).join(", ") || "none"}): compare two runs of the same boots`,
    );
  const comparison = compareRuns(old, now);
  const regressed = comparison.changes.filter((c) => c.regressed);
  const report: CulpritReport = {
    old: oldPath,
    new: newPath,
    boots: [],
    bootsUsed: 0,
    maxBoots: opts.maxBoots,
    message: "",
    exitCode: EXIT_NAMED,
  };
  if (!regressed.length) {
    report.message = `nothing regressed between ${oldPath} and ${newPath}: no culprit to look for`;
    report.exitCode = EXIT_NOT_NAMED;
    return report;
  }
  // Check every input before the first boot: a bad file is a usage error, not a half-done hunt.
  const inputs: { before: BootRecord; after: BootRecord; exp: Expectation; message: string }[] = [];
  const userImageBoots: BootCulprit[] = [];
  for (const change of regressed) {
    const before = old.boots.find((b) => b.name === change.boot)!;
    const after = now.boots.find((b) => b.name === change.boot)!;
    // Only the user's own files: no version to revert, so say what changed and how to bisect the repository.
    if (bootsUserImages(before) && bootsUserImages(after)) {
      const exp = await expectationFor(after, now.source, opts.expectationsDir);
      userImageBoots.push(userImageCulprit(before, after, exp, change.message, opts));
      continue;
    }
    for (const [record, run] of [
      [before, old],
      [after, now],
    ] as [BootRecord, RunRecord][])
      if (!Object.keys(record.packages).length)
        throw new CulpritUsageError(
          `${run.source}: boot "${record.name}" has no package.* properties (package.NAME = VERSION): cannot tell which versions it booted`,
        );
    inputs.push({
      before,
      after,
      exp: await expectationFor(after, now.source, opts.expectationsDir),
      message: change.message,
    });
  }
  const budget = { used: 0 };
  report.boots.push(...userImageBoots);
  for (const input of inputs)
    report.boots.push(await hunt(input.before, input.after, input.exp, input.message, opts, budget));
  report.bootsUsed = budget.used;
  report.exitCode = report.boots.some((b) => b.exitCode === EXIT_INFRA)
    ? EXIT_INFRA
    : report.boots.some((b) => b.exitCode !== EXIT_NAMED)
      ? EXIT_NOT_NAMED
      : EXIT_NAMED;
  const named = report.boots.filter((b) => b.status === "culprit").length;
  report.message = `${named} of ${report.boots.length} regressed boot(s) with a culprit; ${budget.used} boot(s) of at most ${opts.maxBoots}`;
  return report;
}

/** What every step of one boot's hunt shares: the boots, the pins NEW booted, the report being filled in. */
interface Hunt {
  before: BootRecord;
  after: BootRecord;
  exp: Expectation;
  opts: CulpritOptions;
  budget: { used: number };
  badIf: BadIf;
  /** NEW's versions, by image role: every step boots these with some changed. */
  base: Map<string, Candidate>;
  /** The package changes a revert can undo (each feeds an image). */
  revertable: PackageChange[];
  debArch: string;
  result: BootCulprit;
  log: (line: string) => void;
}

/** A step either hands its finding to the next or ends the hunt with the boot's report. */
type Step<T> = { next: T } | { ended: BootCulprit };

/** The hunt for one regressed boot: reproduce, narrow to one package, bisect its versions, confirm. */
async function hunt(
  before: BootRecord,
  after: BootRecord,
  exp: Expectation,
  regression: string,
  opts: CulpritOptions,
  budget: { used: number },
): Promise<BootCulprit> {
  const h = startHunt(before, after, exp, regression, opts, budget);
  const gone = await versionsAptNoLongerOffers(h);
  if (gone) return finish(h, "infra", gone);
  try {
    const notReproduced = await reproduce(h);
    if (notReproduced) return notReproduced;
    const narrowed = await narrowToOnePackage(h);
    if ("ended" in narrowed) return narrowed.ended;
    const bisected = await bisectVersions(h, narrowed.next);
    if ("ended" in bisected) return bisected.ended;
    const { firstBad, lastGood, span, guilty } = bisected.next;
    const contradicted = await confirm(h, firstBad, lastGood);
    if (contradicted) return contradicted;
    return finish(
      h,
      "culprit",
      `first bad: ${candidateName(firstBad)} (last good: ${candidateName(lastGood)}), among ${span.length} versions of ${guilty.pattern} from OLD's to NEW's; ${h.result.steps.length} boot(s)`,
    );
  } catch (error) {
    if (!(error instanceof OutOfBoots)) throw error;
    return finish(h, "inconclusive", `${error.message} before a culprit was named (raise --max-boots)`);
  }
}

/** The hunt's shared state and its report, before any boot; notes what will not be reverted. */
function startHunt(
  before: BootRecord,
  after: BootRecord,
  exp: Expectation,
  regression: string,
  opts: CulpritOptions,
  budget: { used: number },
): Hunt {
  const notes: string[] = [];
  const differences = bootDifferences(before, after);
  const badIfFlags = opts.badIf
    ? [...opts.badIf.symptoms.flatMap((s) => ["--bad-if", s]), ...opts.badIf.lines.flatMap((l) => ["--bad-if-line", l])]
    : ["--bad-if", symptomOf(after)];
  const badIf: BadIf = opts.badIf
    ? parseBadIf(opts.badIf.symptoms, opts.badIf.lines)
    : parseBadIf([symptomOf(after)], []);
  const result: BootCulprit = {
    boot: after.name,
    expectation: exp.file,
    regression,
    badIf: badIfFlags,
    differences,
    status: "inconclusive",
    message: "",
    culprit: null,
    suspects: [],
    gitBisect: null,
    steps: [],
    confidence: { level: "none", text: "no culprit named" },
    reproduce: [],
    notes,
    exitCode: EXIT_NOT_NAMED,
  };
  const hashNow = expectationHash(exp);
  if (after.expectationHash && after.expectationHash !== hashNow)
    notes.push(
      `${exp.file} is not the expectation NEW booted (hash ${after.expectationHash.slice(0, 12)} then, ${hashNow.slice(0, 12)} now): the steps boot it as it is now`,
    );
  const base = newPins(exp, after, notes);
  const h: Hunt = {
    before,
    after,
    exp,
    opts,
    budget,
    badIf,
    base,
    revertable: [],
    debArch: DEB_ARCH[exp.machine.arch],
    result,
    log: (line) => opts.log(`culprit: ${after.name}: ${line}`),
  };
  const changes = differences.packages.filter((c) => c.old && c.new);
  for (const c of changes)
    if (!roleOf(h, c)) notes.push(`${describePackageChange(c)}: feeds no image of ${exp.file}: not reverted`);
  h.revertable = changes.filter((c) => roleOf(h, c));
  return h;
}

/** The report with its verdict, logged. */
function finish(
  h: Hunt,
  status: CulpritStatus,
  message: string,
  exitCode = status === "culprit" ? EXIT_NAMED : status === "infra" ? EXIT_INFRA : EXIT_NOT_NAMED,
): BootCulprit {
  h.log(message);
  return Object.assign(h.result, { status, message, exitCode });
}

/** The image role a package change feeds (the role whose NEW pin is that package). */
const roleOf = (h: Hunt, c: PackageChange) => [...h.base].find(([, pin]) => pin.package === c.new!.package)?.[0];

/** NEW's pins with some roles changed. */
function pinsWith(h: Hunt, changed: [string, Candidate][]): Map<string, Candidate> {
  const pins = new Map(h.base);
  for (const [role, c] of changed) pins.set(role, c);
  return pins;
}

/** The `bootlog run` command that boots these pins: bootlog's own expectations by name, others by their directory. */
function runCommand(h: Hunt, pins: Map<string, Candidate>): string {
  const where = isBootlogExpectation(h.exp) ? [] : ["--expectations", dirname(h.exp.file)];
  return command([...h.opts.bootlog.split(" "), "run", ...where, h.exp.name, ...pinArgs(pins.values())]);
}

/** Versions apt no longer offers cannot be booted: say which before booting anything (null when all are there). */
async function versionsAptNoLongerOffers(h: Hunt): Promise<string | null> {
  const wanted = [
    ...[...h.base.values()].map((c) => ({ c, side: "NEW" })),
    ...h.revertable.map((c) => ({ c: c.old!, side: "OLD" })),
  ];
  const offered = new Set((await madison([...new Set(wanted.map((w) => w.c.package))], h.debArch)).map(candidateName));
  const gone = wanted.filter((w) => !offered.has(candidateName(w.c)));
  if (!gone.length) return null;
  return `apt no longer offers ${gone.map((w) => `${candidateName(w.c)} (${w.side})`).join(", ")}: cannot boot ${gone.some((w) => w.side === "NEW") ? "NEW's versions" : "OLD's versions"} (a snapshot.debian.org source in apt would bring them back)`;
}

/** One boot of these pins, judged with --bad-if and recorded as a step: the one place the hunt boots. */
async function probe(
  h: Hunt,
  step: CulpritStep["step"],
  what: string,
  pins: Map<string, Candidate>,
): Promise<BisectKind> {
  if (h.budget.used >= h.opts.maxBoots) throw new OutOfBoots(`--max-boots ${h.opts.maxBoots} reached`);
  h.budget.used++;
  const run = await recordRun([pinRoles(h.exp, pins)], { artifactsDir: h.opts.artifactsDir, retries: 1 });
  throwIfInterrupted();
  const r = run.results[0]!;
  const verdict = judgeForBisect(r, h.badIf);
  h.result.steps.push({
    step,
    what,
    pins: [...pins.values()],
    verdict: verdict.kind,
    reason: verdict.reason,
    runs: [
      {
        runDir: run.runDir,
        outcome: r.outcome,
        summary: r.summary,
        packages: r.packages.map((p) => `${p.package}=${p.version}`),
      },
    ],
  });
  h.log(`${step.padEnd(9)} ${verdict.kind.toUpperCase().padEnd(4)} ${what}: ${verdict.reason}`);
  return verdict.kind;
}

/** Step 1: boot NEW's versions; the hunt ends here unless the symptom shows (null: reproduced). */
async function reproduce(h: Hunt): Promise<BootCulprit | null> {
  const reproduced = await probe(h, "reproduce", "NEW's versions", h.base);
  h.result.reproduce.push(runCommand(h, h.base));
  if (reproduced === "good")
    return finish(
      h,
      "not-reproducible",
      `not reproducible: NEW's versions booted fine (${h.result.steps[0]!.reason}); ${h.result.steps.length} run(s)`,
    );
  if (reproduced === "skip") {
    const infra = h.result.steps[0]!.runs[0]!.outcome === "infra";
    return finish(h, infra ? "infra" : "inconclusive", `could not reproduce the symptom: ${h.result.steps[0]!.reason}`);
  }
  return null;
}

/** Boot NEW's versions with these changes reverted to OLD's. */
const revert = (h: Hunt, set: PackageChange[]) =>
  probe(
    h,
    "revert",
    `revert ${set.map((c) => `${c.pattern} to ${c.old!.version}`).join(", ")}`,
    pinsWith(
      h,
      set.map((c) => [roleOf(h, c)!, c.old!]),
    ),
  );

/** Step 2: the one package whose revert cures it: each alone, or halves of many. */
async function narrowToOnePackage(h: Hunt): Promise<Step<PackageChange>> {
  const { revertable } = h;
  const notAPackageEnd = () => ({
    ended: notAPackage(h.result, h.before, h.after, h.exp, revertable, h.opts, (status, message) =>
      finish(h, status, message),
    ),
  });
  const inconclusive = (message: string) => ({ ended: finish(h, "inconclusive", message) });
  let guilty: PackageChange | undefined;
  if (revertable.length === 1) {
    if ((await revert(h, revertable)) === "good") guilty = revertable[0];
  } else if (revertable.length > 1) {
    // Many changes: first whether OLD's versions of all of them cure it at all, then halves.
    let set = revertable;
    if (set.length > 3 && (await revert(h, set)) !== "good") return notAPackageEnd();
    while (set.length > 3) {
      const half = set.slice(0, Math.ceil(set.length / 2));
      const rest = set.slice(half.length);
      if ((await revert(h, half)) === "good") set = half;
      else if ((await revert(h, rest)) === "good") set = rest;
      else
        return inconclusive(
          `reverting all of ${set.map((c) => c.pattern).join(", ")} cures it, neither half alone: no single package is to blame`,
        );
    }
    const cured: PackageChange[] = [];
    for (const c of set) if ((await revert(h, [c])) === "good") cured.push(c);
    if (cured.length > 1)
      return inconclusive(
        `reverting any one of ${cured.map((c) => c.pattern).join(", ")} cures it: they break it only together`,
      );
    guilty = cured[0];
    if (!guilty && set !== revertable)
      return inconclusive(
        `reverting ${set.map((c) => c.pattern).join(", ")} together cures it, none alone: no single package is to blame`,
      );
    if (!guilty && (await revert(h, set)) === "good")
      return inconclusive(
        `only reverting ${set.map((c) => c.pattern).join(", ")} together cures it: no single package is to blame`,
      );
  }
  return guilty ? { next: guilty } : notAPackageEnd();
}

/** The versions apt lists between OLD's and NEW's of the guilty package, walked from OLD's side. */
async function versionSpan(h: Hunt, guilty: PackageChange): Promise<Step<Candidate[]>> {
  // A glob made of a changed ABI number means digits only: linux-image-6.1.0-*-arm64 is not the -rt-arm64 flavour.
  const shape = new RegExp(
    `^${guilty.pattern
      .split("*")
      .map((part) => part.replace(/[.+^$()|[\]{}?\\]/g, "\\$&"))
      .join("\\d+")}$`,
  );
  const candidates = (await listCandidates(guilty.pattern, h.debArch)).filter((c) => shape.test(c.package));
  const at = (c: Candidate) => candidates.findIndex((x) => x.package === c.package && x.version === c.version);
  const [goodAt, badAt] = [at(guilty.old!), at(guilty.new!)];
  if (goodAt < 0 || badAt < 0)
    return {
      ended: finish(
        h,
        "infra",
        `apt does not list ${goodAt < 0 ? candidateName(guilty.old!) : candidateName(guilty.new!)} among ${guilty.pattern}`,
      ),
    };
  const span = candidates.slice(Math.min(goodAt, badAt), Math.max(goodAt, badAt) + 1);
  if (goodAt > badAt) span.reverse(); // a downgrade broke it: walk from OLD's (newer) version down
  return { next: span };
}

interface Bisected {
  guilty: PackageChange;
  span: Candidate[];
  firstBad: Candidate;
  lastGood: Candidate;
}

/** Step 3: bisect the guilty package's versions between OLD's and NEW's; the culprit and how to reproduce it. */
async function bisectVersions(h: Hunt, guilty: PackageChange): Promise<Step<Bisected>> {
  const role = roleOf(h, guilty)!;
  const spanned = await versionSpan(h, guilty);
  if ("ended" in spanned) return spanned;
  const span = spanned.next;
  h.log(`bisecting ${guilty.pattern} over ${span.length} version(s): ${span.map(candidateName).join(", ")}`);
  // The ends were booted already: OLD's version in the revert, NEW's in the reproduction.
  const walk = await walkVersions(
    0,
    span.length - 1,
    (i) =>
      probe(h, "bisect", candidateName(span[i]!), pinsWith(h, [[role, span[i]!]])).then((kind) => ({
        kind,
        reason: h.result.steps.at(-1)!.reason,
      })),
    false,
  );
  if (walk.status !== "found") {
    const among =
      walk.status === "inconclusive" ? walk.firstBadAmong.map((i) => candidateName(span[i]!)).join(", ") : "?";
    return {
      ended: finish(
        h,
        "inconclusive",
        `${guilty.pattern} is to blame, but skipped versions hide which version: one of ${among}`,
      ),
    };
  }
  const firstBad = span[walk.firstBad]!;
  const lastGood = span[walk.lastGood]!;
  h.result.culprit = { package: guilty.pattern, role, firstBad, lastGood, direction: guilty.direction };
  h.result.reproduce = reproduceCommands(h, guilty, firstBad, lastGood);
  return { next: { guilty, span, firstBad, lastGood } };
}

/** How to see it again: the first bad and the last good booted, and the bisect-versions that found them. */
function reproduceCommands(h: Hunt, guilty: PackageChange, firstBad: Candidate, lastGood: Candidate): string[] {
  const role = roleOf(h, guilty)!;
  const otherPins = [...h.base].filter(([r]) => r !== role).map(([, c]) => c);
  return [
    `${runCommand(h, pinsWith(h, [[role, firstBad]]))}   # first bad: shows the symptom`,
    `${runCommand(h, pinsWith(h, [[role, lastGood]]))}   # last good`,
    command([
      ...h.opts.bootlog.split(" "),
      "bisect-versions",
      h.exp.file,
      "--package",
      guilty.pattern,
      "--good",
      `${guilty.old!.package}=${guilty.old!.version}`,
      "--bad",
      `${guilty.new!.package}=${guilty.new!.version}`,
      ...h.result.badIf,
      ...pinArgs(otherPins),
    ]),
  ];
}

/** Step 4: the first bad and the last good once more (unless --no-confirm); ends the hunt when they disagree (null: confirmed or not asked). */
async function confirm(h: Hunt, firstBad: Candidate, lastGood: Candidate): Promise<BootCulprit | null> {
  const judgedOnce = `every version booted once (${h.result.steps.length} boots, each step one run)`;
  if (!h.opts.confirm) {
    h.result.confidence = { level: "single-runs", text: `${judgedOnce}; not confirmed (--no-confirm)` };
    return null;
  }
  const role = h.result.culprit!.role;
  const bad = await probe(h, "confirm", candidateName(firstBad), pinsWith(h, [[role, firstBad]]));
  const good = await probe(h, "confirm", candidateName(lastGood), pinsWith(h, [[role, lastGood]]));
  if (bad !== "bad" || good !== "good") {
    h.result.confidence = {
      level: "contradicted",
      text: `booted again, the first bad was ${bad} and the last good ${good}: the failure may be intermittent`,
    };
    return finish(
      h,
      "inconclusive",
      `${candidateName(firstBad)} looked first bad, but a second boot disagreed (${bad}/${good}): intermittent?`,
    );
  }
  h.result.confidence = {
    level: "confirmed",
    text: `first bad ${candidateName(firstBad)} bad in 2 of 2 boots, last good ${candidateName(lastGood)} good in 2 of 2; every other step one boot`,
  };
  return null;
}

/** A boot of user images only: no Debian package recorded, every image the user's own file (no package behind it). */
const bootsUserImages = (b: BootRecord): boolean =>
  !Object.keys(b.packages).length &&
  Object.values(b.images).some((i) => i.package === null) &&
  Object.values(b.images).every((i) => i.package === null);

/**
 * A regressed boot of the user's own images: nothing to revert or bisect by version. What changed
 * (each image's sha256 by role, the expectation's fields, QEMU, the commit) and the `git bisect
 * run` command that walks the user's repository, where the images and the expectation live.
 * Exit 1: no culprit named yet.
 */
function userImageCulprit(
  before: BootRecord,
  after: BootRecord,
  exp: Expectation,
  regression: string,
  opts: CulpritOptions,
): BootCulprit {
  const differences = bootDifferences(before, after);
  const badIf = opts.badIf
    ? [...opts.badIf.symptoms.flatMap((s) => ["--bad-if", s]), ...opts.badIf.lines.flatMap((l) => ["--bad-if-line", l])]
    : ["--bad-if", symptomOf(after)];
  const target = isBootlogExpectation(exp) ? exp.name : exp.file;
  const good = before.gitCommit ?? "OLD_COMMIT";
  const bad = after.gitCommit ?? "NEW_COMMIT";
  const bisect = command([...opts.bootlog.split(" "), "bisect", target, ...badIf]);
  const gitBisect = `git bisect start ${bad} ${good} && git bisect run ${bisect}; git bisect reset`;
  const suspects = describeDifferences(differences);
  const notes = [
    ...(differences.gitCommit
      ? []
      : [
          `both runs were at ${after.gitCommit ?? "an unrecorded commit"}: git bisect needs the commits the images were built at (build them in the bisect step)`,
        ]),
    ...(differences.unrecorded.length ? [`not recorded by both runs: ${differences.unrecorded.join(", ")}`] : []),
  ];
  const message = `user images (no package to revert): what changed: ${suspects.join("; ") || "nothing recorded"}; next: ${gitBisect}`;
  opts.log(`culprit: ${after.name}: ${message}`);
  return {
    boot: after.name,
    expectation: exp.file,
    regression,
    badIf,
    differences,
    status: "not-a-package",
    message,
    culprit: null,
    suspects,
    gitBisect,
    steps: [],
    confidence: { level: "none", text: "no boot run: user images cannot be reverted by version" },
    reproduce: [command([...opts.bootlog.split(" "), "run", target])],
    notes,
    exitCode: EXIT_NOT_NAMED,
  };
}

/** No package revert cured it: the remaining changes are the suspects; for the expectation or bootlog's commit, the git bisect command. */
function notAPackage(
  result: BootCulprit,
  before: BootRecord,
  after: BootRecord,
  exp: Expectation,
  reverted: PackageChange[],
  opts: CulpritOptions,
  done: (status: CulpritStatus, message: string) => BootCulprit,
): BootCulprit {
  const d = result.differences;
  const others = describeDifferences({ ...d, packages: d.packages.filter((c) => !reverted.includes(c)) });
  result.suspects = others;
  const why = reverted.length
    ? `reverting ${reverted.map((c) => c.pattern).join(", ")} to OLD's versions does not cure it`
    : "no package version changed";
  const { gitCommit, expectationHash: hash, qemuVersion } = d;
  if (gitCommit || hash) {
    const good = before.gitCommit ?? "OLD_COMMIT";
    const bad = after.gitCommit ?? "NEW_COMMIT";
    const inside = isBootlogExpectation(exp);
    const target = inside ? exp.name : exp.file;
    const bootlog = inside ? opts.bootlog.split(" ") : ["node", resolve(import.meta.dirname, "../../bin/bootlog.mjs")];
    result.gitBisect = `git bisect start ${bad} ${good} && git bisect run ${command([...bootlog, "bisect", target, ...result.badIf])}; git bisect reset`;
    if (!gitCommit)
      result.notes.push(
        `both runs were at ${after.gitCommit ?? "an unrecorded commit"} although the expectation changed (uncommitted?): git bisect cannot walk that`,
      );
  }
  const next = result.gitBisect
    ? `bisect the commits: ${result.gitBisect}`
    : qemuVersion
      ? `QEMU changed ${qemuVersion.old} → ${qemuVersion.new}: boot NEW's versions with QEMU ${qemuVersion.old} to confirm`
      : "nothing else recorded changed";
  if (qemuVersion && result.gitBisect) result.notes.push(`QEMU changed too: ${qemuVersion.old} → ${qemuVersion.new}`);
  return done("not-a-package", `${why}; what else changed: ${others.join("; ") || "nothing recorded"}; next: ${next}`);
}
