/**
 * `bootlog import lava PATH...`: a job that ran in LAVA (lava-run here, or a lab's server) as a
 * bootlog run: artifacts/<run-id>/<boot>/{junit.xml,timeline.json,serial.log}, the run's
 * junit.xml, artifacts/latest and a history line, so compare, history and report read it like a
 * boot of this machine.
 *
 * Mapping (LAVA → bootlog), for jobs made by `bootlog export lava` (one interactive step per
 * milestone, named by its id):
 *
 *   step results (definition N_<script>, case = milestone id)  → the milestones; a `pass` is reached
 *                                     at the time it was logged, counted from QEMU's start (execute-qemu)
 *   step failed, error "bootlog failOn ID"                       → fail (the failure pattern; line = the
 *                                     console line LAVA matched it on)
 *   step failed by a timeout ("timed out after N seconds")       → hang when the console was silent for at
 *                                     least the expectation's `silence` (metadata bootlog.silence) before the
 *                                     timeout, else timeout (within when the action's limit is not the budget)
 *   "Connection closed" with console output                      → exited (QEMU ended before the last milestone)
 *   any other job error (Infrastructure, Job, Bug, Configuration, Canceled), or no console at all → infra
 *   metadata bootlog.*                                            → name, file, hash, packages, known-bad
 *                                     (judged again against the imported verdict)
 *   the job log's console lines                                  → serial.log and the per-milestone slices
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { appendHistory } from "../artifacts/history.ts";
import { parseKnownBadProperty } from "../artifacts/junit.ts";
import {
  artifactsRoot,
  bootNameProblem,
  makeRunDir,
  markLatest,
  newRunId,
  runIdProblem,
  writeBootArtifacts,
  writeRunJunit,
} from "../artifacts/run-dir.ts";
import { bootDir, serialLogPath } from "../run-layout.ts";
import { parseDuration } from "../expectations/duration.ts";
import type { KnownBad } from "../expectations/schema.ts";
import { judgedVerdict } from "../milestones/known-bad.ts";
import type { BootOutcome, Cause, MatcherVerdict, MilestoneRecord } from "../milestones/matcher.ts";
import type { BootResult, PackageVersion } from "../result.ts";
import { exitCodeFor, isResultOutcome } from "../vocabulary.ts";
import { LavaImportError, readLavaJob, type LavaJobFiles, type LavaResult, type LogEntry } from "./lava-job.ts";

export { LavaImportError } from "./lava-job.ts";

type Doc = Record<string, unknown>;
const isDoc = (v: unknown): v is Doc => typeof v === "object" && v !== null && !Array.isArray(v);
const round = (s: number) => Math.round(s * 1000) / 1000;

interface Step {
  id: string;
  /** The test action's timeout, seconds. */
  timeoutS?: number;
}

function timeoutSeconds(value: unknown): number | undefined {
  if (!isDoc(value)) return undefined;
  const n = (k: string) => (typeof value[k] === "number" ? (value[k] as number) : 0);
  const s = n("days") * 86400 + n("hours") * 3600 + n("minutes") * 60 + n("seconds");
  return s || undefined;
}

/** The milestones in order, from the job definition's interactive steps. */
function stepsOfDefinition(def: Doc | undefined): Step[] | undefined {
  if (!def || !Array.isArray(def.actions)) return undefined;
  const steps: Step[] = [];
  for (const action of def.actions as unknown[]) {
    const test = isDoc(action) && isDoc(action.test) ? action.test : undefined;
    if (!test || !Array.isArray(test.interactive)) continue;
    const timeoutS = timeoutSeconds(test.timeout);
    for (const script of test.interactive as unknown[])
      if (isDoc(script) && Array.isArray(script.script))
        for (const step of script.script as unknown[])
          if (isDoc(step) && typeof step.name === "string")
            steps.push({ id: step.name, ...(timeoutS ? { timeoutS } : {}) });
  }
  return steps.length ? steps : undefined;
}

const metadataOf = (def: Doc | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(def && isDoc(def.metadata) ? def.metadata : {}).map(([k, v]) => [k, String(v)]));

/** The known-bad of the job's metadata (written with the JUnit property's format). */
function knownBadOf(meta: Record<string, string>): KnownBad | undefined {
  const kb = parseKnownBadProperty(meta["bootlog.known_bad"] ?? "");
  return kb && isResultOutcome(kb.outcome) ? ({ ...kb } as KnownBad) : undefined;
}

function packagesOf(meta: Record<string, string>): PackageVersion[] {
  return Object.entries(meta)
    .filter(([k]) => k.startsWith("bootlog.package."))
    .map(([k, v]) => {
      const m = /^(.*) \((\S+)\)$/.exec(v);
      return { package: k.slice("bootlog.package.".length), version: m ? m[1]! : v, arch: m ? m[2]! : "" };
    });
}

type ConsoleLine = LogEntry & { msg: string };
const consoleOf = (log: LogEntry[]) =>
  log.filter((e) => e.lvl === "target" && typeof e.msg === "string") as ConsoleLine[];

/** The job's own error: the `job` result in the lava suite. */
const jobResult = (results: LavaResult[]) => results.find((r) => r.definition === "lava" && r.case === "job");

/** Why a step ended its job: the extra.fail of the test action, else the job's error. */
function stepError(results: LavaResult[], failedAt: number | undefined): string | undefined {
  const after = results.filter((r) => r.definition === "lava" && (failedAt === undefined || (r.t ?? 0) >= failedAt));
  for (const r of after) if (r.result === "fail" && typeof r.extra?.fail === "string") return r.extra.fail;
  return jobResult(results)?.errorMsg;
}

/** A pattern of our export (a Python regex) as a JS RegExp, to find the line it matched; undefined if it does not translate. */
function jsPattern(py: string): RegExp | undefined {
  const scoped = /^\(\?i:([\s\S]*)\)$/.exec(py);
  const body = (scoped ? scoped[1]! : py).replace(/\(\?P</g, "(?<").replace(/\(\?P=(\w+)\)/g, "\\k<$1>");
  try {
    return new RegExp(body, scoped ? "i" : "");
  } catch {
    return undefined;
  }
}

/** The interactive step of milestone `stepId` in the job definition. */
function stepOf(def: Doc | undefined, stepId: string): Doc | undefined {
  for (const action of Array.isArray(def?.actions) ? (def.actions as unknown[]) : []) {
    const test = isDoc(action) && isDoc(action.test) ? action.test : undefined;
    for (const script of Array.isArray(test?.interactive) ? (test.interactive as unknown[]) : [])
      for (const step of isDoc(script) && Array.isArray(script.script) ? (script.script as unknown[]) : [])
        if (isDoc(step) && step.name === stepId) return step;
  }
  return undefined;
}

/** A step's pattern: its success, or the failure whose error is `error`. */
function stepPattern(def: Doc | undefined, stepId: string, error?: string): RegExp | undefined {
  const step = stepOf(def, stepId);
  const list = (error ? step?.failures : step?.successes) as unknown[] | undefined;
  const found = (Array.isArray(list) ? list : []).find(
    (x): x is Doc => isDoc(x) && typeof x.message === "string" && (!error || x.error === error),
  );
  return found ? jsPattern(found.message as string) : undefined;
}

/** The console line a pattern matched, the last one up to time t (LAVA logs a read's lines together). */
function matchedLine(lines: ConsoleLine[], t: number, pattern: RegExp | undefined): string | undefined {
  if (!pattern) return undefined;
  for (let i = lines.length - 1; i >= 0; i--)
    if (lines[i]!.t <= t && pattern.test(`${lines[i]!.msg}\n`)) return lines[i]!.msg;
  return undefined;
}

/** The last console line up to time t. */
function lineBefore(lines: ConsoleLine[], t: number): string {
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.t <= t && lines[i]!.msg.trim()) return lines[i]!.msg;
  return "";
}

export interface ImportedBoot {
  result: BootResult;
  serial?: string;
}

/** One LAVA job as a bootlog BootResult (not yet written). */
export function bootFromLava(job: LavaJobFiles, runDir: string): ImportedBoot {
  const meta = metadataOf(job.definition);
  const stepResults = job.results.filter((r) => r.definition !== "lava");
  const steps = stepsOfDefinition(job.definition) ?? stepResults.map((r) => ({ id: r.case }));
  const name = bootName(job, meta, stepResults);
  const lines = consoleOf(job.log);
  const clock = jobClock(job, lines, stepResults);
  if (!steps.length)
    throw new LavaImportError(
      `${job.source}: no test step in the job definition and no step results: nothing to judge`,
    );
  const byId = new Map(stepResults.map((r) => [r.case, r]));
  const milestones: MilestoneRecord[] = steps.map((s) => {
    const r = byId.get(s.id);
    return r?.result === "pass" ? { id: s.id, at: clock.since(r.t) ?? 0 } : { id: s.id };
  });
  const { verdict, infra } = judgeJob(job, meta, steps, milestones, byId, lines, clock);
  const dir = bootDir(runDir, name);
  const judged: Pick<BootResult, "outcome" | "ok" | "summary" | "knownBad" | "error"> = verdict
    ? judgedVerdict(verdict, knownBadOf(meta))
    : { outcome: "infra", ok: false, summary: `INFRA: ${infra}`, error: infra };
  const result: BootResult = {
    name,
    file: meta["bootlog.file"] ?? `lava:${job.source}`,
    ...judged,
    ...(verdict ? { verdict } : {}),
    milestones,
    slices: consoleSlices(job, milestones, byId, lines),
    startedAt: new Date(clock.qemuStart ?? clock.startT).toISOString(),
    durationS: round((clock.endT - clock.startT) / 1000),
    qemu: qemuOf(job),
    packages: packagesOf(meta),
    reproduce: `lava-run --device device.yaml --job-id 1 --output-dir out job.yaml   # ${job.source}`,
    expectationHash: meta["bootlog.expectation_hash"] ?? "",
    dir,
    serialLog: serialLogPath(dir),
    attempt: 1,
  };
  return { result, ...(lines.length ? { serial: `${lines.map((l) => l.msg).join("\n")}\n` } : {}) };
}

/** The boot's name: metadata bootlog.expectation, else the job's name, else the script's ("<stage>_<boot>.<first milestone>"). */
function bootName(job: LavaJobFiles, meta: Record<string, string>, stepResults: LavaResult[]): string {
  const defName =
    typeof job.definition?.job_name === "string" ? job.definition.job_name.replace(/^bootlog /, "") : undefined;
  const name =
    meta["bootlog.expectation"] ?? defName ?? /^\d+_(.+?)\.[^.]+$/.exec(stepResults[0]?.definition ?? "")?.[1];
  if (!name)
    throw new LavaImportError(
      `${job.source}: cannot tell which boot this is (no job definition with metadata bootlog.expectation, no step results)`,
    );
  // The lab's file names a directory bootlog writes: checked like a local expectation's name.
  const nameProblem = bootNameProblem(name);
  if (nameProblem)
    throw new LavaImportError(
      `${job.source}: ${meta["bootlog.expectation"] !== undefined ? "metadata bootlog.expectation" : defName !== undefined ? "job_name" : "the test definition's name"}: ${nameProblem}`,
    );
  return name;
}

interface JobClock {
  /** When QEMU started (ms since the epoch), when known: milestone times count from it. */
  qemuStart: number | undefined;
  startT: number;
  endT: number;
  /** Seconds since QEMU started. */
  since: (t: number | undefined) => number | undefined;
}

function jobClock(job: LavaJobFiles, lines: ConsoleLine[], stepResults: LavaResult[]): JobClock {
  const qemuStart =
    job.results.find((r) => r.definition === "lava" && r.case === "execute-qemu")?.t ??
    lines[0]?.t ??
    job.log[0]?.t ??
    stepResults[0]?.t;
  const startT = job.log[0]?.t ?? qemuStart ?? Date.now();
  const endT = job.log.at(-1)?.t ?? job.results.at(-1)?.t ?? startT;
  const since = (t: number | undefined) =>
    t === undefined || qemuStart === undefined ? undefined : round(Math.max(0, (t - qemuStart) / 1000));
  return { qemuStart, startT, endT, since };
}

/** The verdict the job's results and log show (the mapping in this file's comment), or why there is none (infra). */
function judgeJob(
  job: LavaJobFiles,
  meta: Record<string, string>,
  steps: Step[],
  milestones: MilestoneRecord[],
  byId: Map<string, LavaResult>,
  lines: ConsoleLine[],
  clock: JobClock,
): { verdict?: MatcherVerdict; infra?: string } {
  // Read first, whatever the outcome: a malformed duration is refused even for a boot that passed.
  const silenceS = meta["bootlog.silence"] ? parseDuration(meta["bootlog.silence"]) : undefined;
  const budgetS = meta["bootlog.budget"] ? parseDuration(meta["bootlog.budget"]) : undefined;
  const firstMissing = milestones.findIndex((m) => m.at === undefined);
  const after =
    firstMissing === 0 ? "start" : milestones[(firstMissing < 0 ? milestones.length : firstMissing) - 1]!.id;
  const pendingStep = firstMissing >= 0 ? steps[firstMissing] : undefined;
  const lastLine = lines.length ? lineBefore(lines, clock.endT) : "";
  if (!pendingStep) {
    const at = milestones.at(-1)?.at ?? 0;
    return { verdict: { outcome: "pass", at, cause: { kind: "all-milestones" }, after, lastLine } };
  }
  const failed = byId.get(pendingStep.id);
  const job_ = jobResult(job.results);
  const end = (outcome: BootOutcome, cause: Cause, at: number | undefined): MatcherVerdict => ({
    outcome,
    at: at ?? 0,
    cause,
    after,
    lastLine: failed?.t !== undefined ? lineBefore(lines, failed.t) : lastLine,
    pending: pendingStep.id,
  });
  const { endT } = clock;
  const error = stepError(job.results, failed?.t) ?? (failed ? `step ${failed.case} failed` : job_?.errorMsg);
  const failOn = error ? /^bootlog failOn (\S+)/.exec(error) : null;
  const timedOut = error ? /timed out after (\d+) seconds/.exec(error) : null;
  const at = clock.since(failed?.t ?? job_?.t ?? endT);
  if (failOn && failed) {
    const t = failed.t ?? endT;
    const line = matchedLine(lines, t, stepPattern(job.definition, failed.case, failOn[0])) ?? lineBefore(lines, t);
    return { verdict: end("fail", { kind: "failure-pattern", pattern: failOn[1]!, line }, at) };
  }
  if (timedOut && failed) {
    const limitS = Number(timedOut[1]);
    const lastOutput = [...lines].reverse().find((l) => l.t <= (failed.t ?? endT))?.t;
    const silentS = round(((failed.t ?? endT) - (lastOutput ?? clock.qemuStart ?? clock.startT)) / 1000);
    // Only a log can show silence; results alone say "timed out", nothing more.
    if (job.log.length && silenceS !== undefined && silentS >= silenceS)
      return { verdict: end("hang", { kind: "silence", silentS, limitS: silenceS }, at) };
    return {
      verdict: end(
        "timeout",
        budgetS !== undefined && limitS >= budgetS ? { kind: "budget", limitS } : { kind: "within", limitS },
        at,
      ),
    };
  }
  if (error === "Connection closed" && lines.length)
    return { verdict: end("exited", { kind: "exit", code: null, signal: null }, at) };
  if (failed && !job_?.errorType)
    // A step that failed without ending the job (e.g. "Matched a prompt" in an older export).
    return {
      verdict: end(
        "fail",
        { kind: "failure-pattern", pattern: `lava step ${failed.case}`, line: lineBefore(lines, failed.t ?? endT) },
        at,
      ),
    };
  return {
    infra: `LAVA: ${job_?.errorType ? `${job_.errorType} error: ` : ""}${error ?? "the job ended before the first milestone"}`,
  };
}

/** Slices: the console lines up to each milestone's result; what follows the last is the `end` slice. */
function consoleSlices(
  job: LavaJobFiles,
  milestones: MilestoneRecord[],
  byId: Map<string, LavaResult>,
  lines: ConsoleLine[],
): Record<string, string> {
  const slices: Record<string, string> = {};
  let from = 0;
  for (const m of milestones) {
    const r = byId.get(m.id);
    if (m.at === undefined || r?.t === undefined) continue;
    let to = from;
    while (to < lines.length && lines[to]!.t <= r.t) to++;
    // LAVA logs a line when it is complete, which can be just after the step matched it.
    const pattern = stepPattern(job.definition, m.id);
    if (pattern && !lines.slice(from, to).some((l) => pattern.test(`${l.msg}\n`))) {
      const next = lines.findIndex((l, i) => i >= to && pattern.test(`${l.msg}\n`));
      if (next >= 0 && lines[next]!.t - r.t < 1000) to = next + 1;
    }
    slices[m.id] = lines
      .slice(from, to)
      .map((l) => l.msg)
      .join("\n");
    from = to;
  }
  if (from < lines.length)
    slices.end = lines
      .slice(from)
      .map((l) => l.msg)
      .join("\n");
  return slices;
}

/** The QEMU LAVA ran: its logged boot command and the version execute-qemu reported. */
function qemuOf(job: LavaJobFiles): BootResult["qemu"] {
  const bootCommand = job.log.find(
    (e) => e.lvl === "info" && typeof e.msg === "string" && e.msg.startsWith("Boot command: "),
  )?.msg as string | undefined;
  const argv = bootCommand ? bootCommand.slice("Boot command: ".length).split(" ") : [];
  const qemuVersion = job.results.find((r) => r.definition === "lava" && r.case === "execute-qemu")?.extra
    ?.qemu_version;
  return {
    binary: argv[0] ?? "qemu (LAVA)",
    argv: argv.slice(1),
    ...(typeof qemuVersion === "string" ? { version: qemuVersion } : {}),
  };
}

export interface ImportOptions {
  artifactsDir?: string;
  runId?: string;
}

export interface ImportSummary {
  runId: string;
  runDir: string;
  results: BootResult[];
  exitCode: number;
}

/** Import LAVA jobs (one per path: a directory or a file) as one bootlog run. */
export async function importLava(paths: string[], opts: ImportOptions = {}): Promise<ImportSummary> {
  if (!paths.length) throw new LavaImportError("import lava: name at least one job directory or results file");
  const jobs = await Promise.all(paths.map((p) => readLavaJob([p])));
  const root = artifactsRoot(opts.artifactsDir);
  const idProblem = opts.runId === undefined ? undefined : runIdProblem(opts.runId);
  if (idProblem) throw new LavaImportError(`--run-id ${idProblem}`);
  const runId = opts.runId ?? newRunId();
  const runDir = join(root, runId);
  if (existsSync(runDir))
    throw new LavaImportError(`--run-id "${runId}": ${runDir} already exists (a run is never overwritten)`);
  // Every job is read and named before anything is written.
  const boots: ImportedBoot[] = [];
  for (const job of jobs) {
    const boot = bootFromLava(job, runDir);
    if (boots.some((b) => b.result.name === boot.result.name))
      throw new LavaImportError(`${job.source}: a second job of boot ${boot.result.name} in one import`);
    boots.push(boot);
  }
  makeRunDir(runDir);
  const results: BootResult[] = [];
  for (const { result, serial } of boots) {
    mkdirSync(result.dir, { recursive: true });
    writeFileSync(result.serialLog, serial ?? "");
    await writeBootArtifacts(result);
    results.push(result);
  }
  await writeRunJunit(runDir, results);
  markLatest(root, runId);
  appendHistory(root, runId, results);
  return { runId, runDir, results, exitCode: exitCodeFor(results) };
}
