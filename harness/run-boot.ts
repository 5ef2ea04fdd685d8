import { execa } from "execa";
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { LineSplitter } from "./console/lines.ts";
import { SliceRecorder } from "./console/slices.ts";
import type { Expectation } from "./expectations/loader.ts";
import { keyHash } from "./images/cache.ts";
import { prepareImages, UserImageMissing, type PreparedImages } from "./images/prepare.ts";
import { planMachine, type MachinePlan } from "./machines/plan.ts";
import { startMachine, type MachineExit } from "./machines/process.ts";
import { qemuFor, type QemuInfo } from "./machines/qemu.ts";
import { describeVerdict } from "./milestones/describe.ts";
import { judgeKnownBad } from "./milestones/known-bad.ts";
import type { MatcherVerdict, Step } from "./milestones/matcher.ts";
import { matcherFor, newlyReached, type ConsoleMatcher } from "./milestones/matcher-for.ts";
import { writeBootArtifacts } from "./report/timeline.ts";
import type { BootResult, PackageVersion, ResultOutcome } from "./result.ts";

export interface RunOptions {
  /** artifacts/<run-id>: this boot writes to <runDir>/<name>/. */
  runDir: string;
  /** Files that replace declared images by role (`--image image=path`). */
  imageOverrides?: Record<string, string>;
  onMilestone?: (id: string, atS: number) => void;
  onStatus?: (text: string) => void;
  attempt?: number;
}

const TICK_MS = 100;

/** The expectation's identity for reports: functions and RegExps included as their source. */
export function expectationHash(exp: Expectation): string {
  return keyHash(JSON.parse(JSON.stringify(exp, (_k, v) => (v instanceof RegExp || typeof v === "function" ? String(v) : v))));
}

let commit: Promise<string | undefined> | undefined;
export function gitCommit(): Promise<string | undefined> {
  commit ??= execa("git", ["rev-parse", "HEAD"], { reject: false }).then((r) => (r.exitCode === 0 ? r.stdout.trim() : undefined));
  return commit;
}

const shellQuote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** What the console did, with its verdict: the live part of a boot. */
interface ConsoleRun {
  /** Undefined when the boot was stopped before a verdict because serial.log could not be written. */
  verdict?: MatcherVerdict;
  /** serial.log could not be written (disk full, artifacts gone): the boot was stopped, nothing judged. */
  logError?: string;
  matcher: ConsoleMatcher;
  slices: Record<string, string>;
  exit: MachineExit;
  startedAt: Date;
}

/** Every byte or an error: a short write (disk filling up) is retried until it fails outright. */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** Start QEMU and judge its console until a verdict; serial.log gets every byte as it arrives. */
async function watchConsole(exp: Expectation, plan: MachinePlan, serialLog: string, opts: RunOptions): Promise<ConsoleRun> {
  const log = openSync(serialLog, "w");
  const splitter = new LineSplitter();
  const slices = new SliceRecorder();
  const startedAt = new Date();
  const t0 = performance.now();
  const now = () => (performance.now() - t0) / 1000;
  const matcher = matcherFor(exp, plan.sendContext);
  const machine = startMachine(plan.binary, plan.argv);

  return new Promise<ConsoleRun>((resolveRun) => {
    let finished = false;
    let logError: string | undefined;
    const announced = new Set<string>();
    const finish = async (verdict?: MatcherVerdict) => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      const exit = await machine.stop().catch((error: Error): MachineExit => {
        logError ??= error.message; // a QEMU that will not die: infra, said plainly
        return { code: null, signal: null, killedByUs: true, stderr: "" };
      });
      try {
        closeSync(log);
      } catch {
        // the write error already says what is wrong with the disk
      }
      const tail = splitter.end();
      slices.add(tail.lines);
      resolveRun({ ...(verdict ? { verdict } : {}), ...(logError ? { logError } : {}), matcher, slices: slices.finish(), exit, startedAt });
    };
    const apply = (step: Step) => {
      for (const text of step.sends) machine.write(text);
      if (step.verdict) void finish(step.verdict);
    };
    machine.onData((bytes) => {
      if (finished) return;
      try {
        writeAll(log, bytes);
      } catch (error) {
        // A log we cannot keep is a boot we cannot judge: stop QEMU now rather than read on blind.
        logError = `cannot write ${serialLog}: ${(error as Error).message}`;
        void finish();
        return;
      }
      const chunk = splitter.push(bytes);
      const step = matcher.chunk(now(), chunk);
      slices.add(chunk.lines);
      for (const r of newlyReached(matcher.reached, announced)) {
        slices.close(r.id, chunk.tail);
        opts.onMilestone?.(r.id, r.at!);
      }
      apply(step);
    });
    const timer = setInterval(() => apply(matcher.tick(now())), TICK_MS);
    void machine.exited.then((exit) => {
      if (!exit.killedByUs) apply(matcher.exit(now(), exit.code, exit.signal));
    });
  });
}

/** QEMU that died on its own without a word, or by a signal we did not send, is infra (retryable), not a boot result. */
function infraExit(run: ConsoleRun): string | undefined {
  const { exit, verdict } = run;
  if (run.logError || !verdict) return run.logError ?? "stopped without a verdict";
  if (verdict.outcome !== "exited" || exit.killedByUs) return undefined;
  if (exit.signal) return `QEMU was killed by ${exit.signal}${exit.stderr ? `: ${exit.stderr}` : ""}`;
  const silent = run.matcher.reached.every((r) => r.at === undefined) && !verdict.lastLine;
  if (exit.code !== 0 && silent) return `QEMU failed to start (exit ${exit.code}): ${exit.stderr || "no message"}`;
  return undefined;
}

function outcomeOf(exp: Expectation, verdict: MatcherVerdict): Pick<BootResult, "outcome" | "ok" | "summary" | "knownBad"> {
  const summary = describeVerdict(verdict);
  if (!exp.knownBad) return { outcome: verdict.outcome, ok: verdict.outcome === "pass", summary };
  const judgement = judgeKnownBad(exp.knownBad, verdict);
  return {
    outcome: verdict.outcome,
    ok: judgement.status === "reproduced",
    summary: judgement.status === "reproduced" ? `KNOWN-BAD ${summary}` : `${judgement.status === "xpass" ? "XPASS" : "CHANGED"} ${summary} — ${judgement.message}`,
    knownBad: { ...exp.knownBad, judgement },
  };
}

interface Context {
  exp: Expectation;
  dir: string;
  serialLog: string;
  startedAt: Date;
  qemu?: QemuInfo;
  plan?: MachinePlan;
  packages: PackageVersion[];
  attempt: number;
}

async function baseResult(c: Context): Promise<Omit<BootResult, "outcome" | "ok" | "summary">> {
  const binary = c.plan?.binary ?? c.qemu?.binary ?? "qemu-system-" + c.exp.machine.arch;
  const argv = c.plan?.argv ?? [];
  return {
    name: c.exp.name,
    file: c.exp.file,
    milestones: c.exp.milestones.map((m) => ({ id: m.id })),
    slices: {},
    startedAt: c.startedAt.toISOString(),
    durationS: (Date.now() - c.startedAt.getTime()) / 1000,
    qemu: { binary, argv, ...(c.qemu ? { version: c.qemu.version } : {}) },
    packages: c.packages,
    reproduce: [binary, ...argv].map(shellQuote).join(" "),
    expectationHash: expectationHash(c.exp),
    ...((await gitCommit()) ? { gitCommit: await gitCommit() } : {}),
    dir: c.dir,
    serialLog: c.serialLog,
    attempt: c.attempt,
  };
}

function notBooted(outcome: ResultOutcome, error: string): Pick<BootResult, "outcome" | "ok" | "summary" | "error"> {
  return { outcome, ok: outcome === "skip", summary: `${outcome.toUpperCase()}: ${error}`, error };
}

/** One boot, start to verdict, artifacts written. Never throws for a boot problem: infra is a result too. */
export async function runBoot(exp: Expectation, opts: RunOptions): Promise<BootResult> {
  const dir = join(opts.runDir, exp.name);
  const c: Context = { exp, dir, serialLog: join(dir, "serial.log"), startedAt: new Date(), packages: [], attempt: opts.attempt ?? 1 };
  let result: BootResult;
  try {
    mkdirSync(dir, { recursive: true });
    opts.onStatus?.("preparing images");
    c.qemu = await qemuFor(exp.machine.arch);
    const prepared: PreparedImages = await prepareImages(exp, opts.imageOverrides);
    c.packages = prepared.packages;
    c.plan = await planMachine(exp, prepared, c.qemu);
    opts.onStatus?.("booting");
    const run = await watchConsole(exp, c.plan, c.serialLog, opts);
    c.startedAt = run.startedAt;
    const infra = infraExit(run);
    result = {
      ...(await baseResult(c)),
      milestones: [...run.matcher.reached],
      slices: run.slices,
      ...(run.verdict ? { verdict: run.verdict } : {}),
      ...(infra || !run.verdict ? notBooted("infra", infra ?? "no verdict") : outcomeOf(exp, run.verdict)),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    result = { ...(await baseResult(c)), ...notBooted(error instanceof UserImageMissing ? "skip" : "infra", message) };
  }
  try {
    await writeBootArtifacts(result);
  } catch (error) {
    // Disk full or unwritable: the boot's report is lost, so it cannot count as judged.
    const message = `cannot write artifacts to ${dir}: ${error instanceof Error ? error.message : String(error)}`;
    result = { ...result, ...notBooted("infra", result.error ? `${result.error}; ${message}` : message) };
  }
  return result;
}
