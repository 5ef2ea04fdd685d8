import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { expectationForm, expectationHash, gitCommit, reproduceCommand } from "../provenance.ts";
import type { Expectation } from "../expectations/loader.ts";
import type { PreparedImages } from "../images/prepare.ts";
import { UserImageMissing } from "../images/prepare.ts";
import { XenBuildError } from "../images/xen-build.ts";
import { tryPlanBoot, type BootPlan } from "../machines/plan-boot.ts";
import type { MachinePlan } from "../machines/plan.ts";
import { startMachine, type MachineExit } from "../machines/process.ts";
import { THREAD_NAMES_ARGV } from "../machines/threads.ts";
import { traceBoot } from "./boot-trace.ts";
import { HostClock } from "./host-clock.ts";
import { hostBusyNote, hostStarved } from "./host-starved.ts";
import type { ClockMark } from "./counted-clock.ts";
import { ConsoleJudge, type JudgeStep } from "../milestones/judge.ts";
import { interruptedBy, interruptionReason, onInterrupt } from "../interrupt.ts";
import { judgedVerdict } from "../milestones/known-bad.ts";
import type { MatcherVerdict, MilestoneRecord } from "../milestones/matcher.ts";
import {
  adoptRamFileSoon,
  liveKeysWatch,
  captureAlive,
  concludePostMortem,
  memoryShows,
  planPostMortem,
  recoveredLines,
  releasePostMortem,
  wantsPostMortem,
  type PostMortem,
  type PostMortemOptions,
  type PostMortemSetup,
} from "../postmortem/index.ts";
import type { LiveCapture } from "../postmortem/capture.ts";
import { missingPostMortem } from "../postmortem/summary.ts";
import type { BootResult, HostShare, ImageRecord, PackageVersion, ResultOutcome } from "../result.ts";
import { bootDir, serialLogPath } from "../run-layout.ts";
import type { BootRef, RunListener } from "../run-events.ts";

export interface RunOptions {
  /** artifacts/<run-id> (or its retry-N/): this boot keeps serial.log in <runDir>/<name>/. */
  runDir: string;
  /** Files that replace declared images by role (`--image image=path`). */
  imageOverrides?: Record<string, string>;
  /** Who hears of this boot (milestones, status, its result): writers and the terminal. */
  listeners?: RunListener[];
  attempt?: number;
  /** Run K of N (`--runs`); 1 of 1 by default. */
  run?: number;
  runs?: number;
  /** Images already prepared for this expectation (repeated runs prepare them once). */
  prepared?: PreparedImages;
  /** --postmortem and --keep-ram. */
  postmortem?: PostMortemOptions;
}

/** What the console did, with its verdict: the live part of a boot. */
interface ConsoleRun {
  /** Undefined when the boot was stopped before a verdict because serial.log could not be written. */
  verdict?: MatcherVerdict;
  /** serial.log could not be written (disk full, artifacts gone): the boot was stopped, nothing judged. */
  logError?: string;
  milestones: MilestoneRecord[];
  slices: Record<string, string>;
  exit: MachineExit;
  startedAt: Date;
  /** What the post-mortem learnt while QEMU still ran. */
  live?: LiveCapture;
  /** The host's share: QEMU's CPU and waiting, the boot on both clocks. */
  host: HostShare;
  /** The host starved the guest past the bound (runner/host-starved.ts): infra, said plainly. */
  starved?: string;
}

/** setTimeout's limit (about 24.8 days); a later deadline just wakes the judge once in between. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Every byte or an error: a short write (disk filling up) is retried until it fails outright. */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * Start QEMU and let the console judge decide; serial.log gets every byte as it arrives. The
 * runner owns only the process, the log and the clock: a timer wakes the judge at its next
 * deadline (silence, `within`, budget), re-armed when it fires early or a milestone moves it.
 */
async function watchConsole(
  exp: Expectation,
  plan: MachinePlan,
  serialLog: string,
  announce: Announce,
  pm?: PostMortemSetup,
): Promise<ConsoleRun> {
  const log = openSync(serialLog, "w");
  const judge = new ConsoleJudge(exp, plan.sendContext);
  const startedAt = new Date();
  const machine = startMachine(plan.binary, [...plan.argv, ...(pm?.argv ?? []), ...THREAD_NAMES_ARGV]);
  // Every deadline is on the guest's clock: wall time minus the time QEMU's vCPUs waited for a host CPU.
  const clock = new HostClock(machine.pid);
  const now = () => clock.now();
  let lastOutput: ClockMark = clock.mark();
  // The window the next deadline closes, from when the runner first saw it (silence is measured from lastOutput).
  let pending = { deadline: NaN, since: lastOutput };
  const stopAdopting = pm ? adoptRamFileSoon(pm) : () => {};
  // After the verdict the console belongs to the post-mortem's live keys.
  let tap: ((bytes: Buffer) => void) | undefined;
  const keys = liveKeysWatch(exp.boot?.linux);

  return new Promise<ConsoleRun>((resolveRun) => {
    let finished = false;
    let logOpen = true;
    let logError: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let starved: string | undefined;
    // Readings between deadlines: where the host held the guest back, for the timeline.
    const sampler = setInterval(() => clock.read(), 250);
    const finish = async (verdict?: MatcherVerdict) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearInterval(sampler);
      clock.read();
      const host = clock.share(lastOutput);
      stopAdopting();
      let live: LiveCapture | undefined;
      if (verdict && verdict.outcome !== "exited" && wantsPostMortem(pm, verdict.outcome)) {
        const console = {
          write: (text: string) => machine.write(text),
          listen: (l: (b: Buffer) => void) => ((tap = l), () => (tap = undefined)),
        };
        live = await captureAlive(pm, console, keys.keysAfter(verdict.outcome));
      }
      stopWatchingSignals();
      const exit = await machine.stop().catch((error: Error): MachineExit => {
        logError ??= error.message; // a QEMU that will not die: infra, said plainly
        return { code: null, signal: null, killedByUs: true, stderr: "" };
      });
      logOpen = false;
      try {
        closeSync(log);
      } catch {
        // the write error already says what is wrong with the disk
      }
      const slices = judge.finish();
      resolveRun({
        ...(verdict ? { verdict } : {}),
        ...(logError ? { logError } : {}),
        milestones: [...judge.milestones],
        slices,
        exit,
        startedAt,
        ...(live ? { live } : {}),
        host,
        ...(starved ? { starved } : {}),
      });
    };
    // +1 ms: the deadline has passed when the timer fires, whatever the two clocks' rounding.
    const arm = () => {
      clearTimeout(timer);
      const ms = Math.min(MAX_TIMER_MS, Math.max(0, (judge.nextDeadline() - now()) * 1000) + 1);
      timer = setTimeout(wake, ms);
    };
    const apply = (step: JudgeStep) => {
      for (const r of step.reached) announce.milestone(r.id, r.at!);
      for (const text of step.sends) machine.write(text);
      if (step.verdict) void finish(step.verdict);
      else if (step.reached.length) arm(); // the next milestone may have a nearer `within`
    };
    // The silence clock counts bytes arriving, not the judge's progress: when the event loop was
    // held up (a slow pattern, a loaded machine), bytes may be waiting unread however late this
    // timer is, so reads always get their turn first (setImmediate runs after the poll phase).
    const wake = (afterReads = false) => {
      if (finished) return;
      if (!afterReads) return void setImmediate(() => wake(true));
      const at = clock.read();
      starved = starvedNow(at);
      if (starved) return void finish();
      apply(judge.tick(at));
      if (!finished) arm();
    };
    // The bound (runner/host-starved.ts): the silence since the last output, and the budget or a
    // `within` from when it became the nearest (at least a silence long, so a moment's stall is not
    // blamed). Not the silence's deadline, which every line moves: a console that keeps talking
    // while its guest starves would restart that window forever.
    const starvedNow = (at: number): string | undefined => {
      const mark = clock.mark();
      const deadline = judge.windowDeadline();
      if (deadline !== pending.deadline) pending = { deadline, since: mark };
      const window = Math.max(deadline - pending.since.countedS, exp.silenceS);
      if (at >= judge.nextDeadline()) return undefined;
      return (
        hostStarved(lastOutput, mark, exp.silenceS, "silence") ??
        hostStarved(pending.since, mark, window, "waiting for the next deadline")
      );
    };
    const stopWatchingSignals = onInterrupt((signal) => {
      logError ??= interruptionReason(signal);
      void finish();
    });
    machine.onData((bytes) => {
      if (!logOpen || logError) return;
      keys.heard(bytes);
      try {
        // Every byte QEMU wrote until it is gone, even after the verdict: serial.log is the record.
        writeAll(log, bytes);
      } catch (error) {
        // A log we cannot keep is a boot we cannot judge: stop QEMU now rather than read on blind.
        logError = `cannot write ${serialLog}: ${(error as Error).message}`;
        void finish();
        return;
      }
      if (finished) return tap?.(bytes);
      const at = now();
      lastOutput = clock.mark();
      apply(judge.feed(at, bytes));
    });
    arm();
    void machine.exited.then((exit) => {
      if (!exit.killedByUs && !finished) apply(judge.exit(now(), exit.code, exit.signal));
    });
  });
}

/** QEMU that died on its own without a word, or by a signal we did not send, is infra (retryable), not a boot result. */
function infraExit(run: ConsoleRun): string | undefined {
  const { exit, verdict } = run;
  if (run.starved) return run.starved;
  if (run.logError || !verdict) return run.logError ?? "stopped without a verdict";
  if (verdict.outcome !== "exited" || exit.killedByUs) return undefined;
  if (exit.signal) return `QEMU was killed by ${exit.signal}${exit.stderr ? `: ${exit.stderr}` : ""}`;
  const silent = run.milestones.every((r) => r.at === undefined) && !verdict.lastLine;
  if (exit.code !== 0 && silent) return `QEMU failed to start (exit ${exit.code}): ${exit.stderr || "no message"}`;
  return undefined;
}

function outcomeOf(
  exp: Expectation,
  verdict: MatcherVerdict,
  postmortem?: PostMortem,
  consoleLines: string[] = [],
): Pick<BootResult, "outcome" | "ok" | "summary" | "knownBad"> {
  const said = postmortem ? memoryShows(postmortem, !!exp.images.xen) : "";
  const evidence = { lines: [...consoleLines, ...recoveredLines(postmortem)], cause: said.replace(/^ — /, "") };
  return judgedVerdict(verdict, exp.knownBad, { said, evidence });
}

interface Context {
  exp: Expectation;
  dir: string;
  serialLog: string;
  startedAt: Date;
  found: Partial<BootPlan>;
  attempt: number;
}

async function baseResult(c: Context): Promise<Omit<BootResult, "outcome" | "ok" | "summary">> {
  const { plan, qemu, prepared } = c.found;
  const binary = plan?.binary ?? qemu?.binary ?? "qemu-system-" + c.exp.machine.arch;
  const argv = plan?.argv ?? [];
  const packages: PackageVersion[] = prepared?.packages ?? [];
  const commit = await gitCommit();
  return {
    name: c.exp.name,
    file: c.exp.file,
    milestones: c.exp.milestones.map((m) => ({ id: m.id })),
    slices: {},
    startedAt: c.startedAt.toISOString(),
    durationS: (Date.now() - c.startedAt.getTime()) / 1000,
    qemu: { binary, argv, ...(qemu ? { version: qemu.version } : {}) },
    packages,
    ...(prepared ? { images: imageRecords(prepared), buildLogs: buildLogs(prepared) } : {}),
    reproduce: reproduceCommand(binary, argv),
    expectationHash: expectationHash(c.exp),
    expectation: expectationForm(c.exp),
    ...(commit ? { gitCommit: commit } : {}),
    dir: c.dir,
    serialLog: c.serialLog,
    attempt: c.attempt,
  };
}

/** Per image role: the file's sha256 and the package it came from (or the build that made it). */
function imageRecords(prepared: PreparedImages): ImageRecord[] {
  return Object.entries(prepared.images).map(([role, i]) => ({
    role,
    sha256: i.sha256,
    ...(i.package ? { package: `${i.package.package}=${i.package.version}` } : {}),
    ...(i.build ? { build: { source: i.build.source, options: i.build.options, compiler: i.build.compiler } } : {}),
  }));
}

/** `<role>-build.log` for each image built from source. */
function buildLogs(prepared: PreparedImages): Record<string, string> {
  return Object.fromEntries(
    Object.entries(prepared.images)
      .filter(([, i]) => i.build)
      .map(([role, i]) => [`${role}-build.log`, i.build!.log]),
  );
}

function notBooted(outcome: ResultOutcome, error: string): Pick<BootResult, "outcome" | "ok" | "summary" | "error"> {
  return { outcome, ok: outcome === "skip", summary: `${outcome.toUpperCase()}: ${error}`, error };
}

/** What a boot tells its listeners while it runs. */
interface Announce {
  status(text: string): void;
  milestone(id: string, atS: number): void;
}

function announcer(ref: BootRef, listeners: RunListener[]): Announce {
  return {
    status: (text) => listeners.forEach((l) => l.status?.(ref, text)),
    milestone: (id, atS) => listeners.forEach((l) => l.milestone?.(ref, id, atS)),
  };
}

/**
 * One boot, start to verdict. It writes serial.log (every byte as it arrives) and the
 * post-mortem's files; the rest is the listeners' (bootEnded). Never throws for a boot problem:
 * infra is a result too, and so is a listener that cannot write the boot's report.
 */
export async function runBoot(exp: Expectation, opts: RunOptions): Promise<BootResult> {
  const dir = bootDir(opts.runDir, exp.name);
  const listeners = opts.listeners ?? [];
  const ref: BootRef = { name: exp.name, run: opts.run ?? 1, runs: opts.runs ?? 1, attempt: opts.attempt ?? 1, dir };
  for (const l of listeners) l.bootStarted?.(ref);
  const announce = announcer(ref, listeners);
  const c: Context = {
    exp,
    dir,
    serialLog: serialLogPath(dir),
    startedAt: new Date(),
    found: {},
    attempt: opts.attempt ?? 1,
  };
  let result: BootResult;
  let pmSetup: PostMortemSetup | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    const stopped = interruptedBy();
    if (stopped) throw new Error(interruptionReason(stopped));
    announce.status("preparing images");
    const planned = await tryPlanBoot(exp, opts.imageOverrides, opts.prepared);
    c.found = planned.ok ? planned.plan : planned.found;
    if (!planned.ok) throw planned.error;
    const { plan } = planned.plan;
    const stoppedWhilePreparing = interruptedBy();
    if (stoppedWhilePreparing) throw new Error(interruptionReason(stoppedWhilePreparing));
    const pm = planPostMortem(exp, plan, dir, opts.postmortem);
    pmSetup = pm.setup;
    announce.status("booting");
    const run = await watchConsole(exp, plan, c.serialLog, announce, pm.setup);
    c.startedAt = run.startedAt;
    const infra = infraExit(run);
    const wanted =
      !infra &&
      run.verdict &&
      (pm.problem
        ? opts.postmortem?.mode !== "off" && run.verdict.outcome !== "pass"
        : wantsPostMortem(pm.setup, run.verdict.outcome));
    if (wanted) announce.status("post-mortem");
    const postmortem = !wanted
      ? undefined
      : pm.setup
        ? await concludePostMortem(exp, pm.setup, run.live, dir)
        : missingPostMortem(pm.problem!);
    const judged =
      infra || !run.verdict
        ? notBooted("infra", infra ?? "no verdict")
        : outcomeOf(
            exp,
            run.verdict,
            postmortem,
            Object.values(run.slices).flatMap((t) => t.split("\n")),
          );
    result = {
      ...(await baseResult(c)),
      milestones: run.milestones,
      slices: run.slices,
      ...(run.verdict ? { verdict: run.verdict } : {}),
      ...(postmortem ? { postmortem } : {}),
      ...judged,
      summary: judged.summary + hostBusyNote(run.host),
      host: run.host,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    result = {
      ...(await baseResult(c)),
      ...notBooted(error instanceof UserImageMissing ? "skip" : "infra", message),
      // A failed build's log goes with the boot that needed it.
      ...(error instanceof XenBuildError ? { buildLogs: { [`${error.role}-build.log`]: error.build.log } } : {}),
    };
  } finally {
    releasePostMortem(pmSetup);
  }
  for (const l of listeners) {
    try {
      await l.bootEnded?.(ref, result);
    } catch (error) {
      // Disk full or unwritable: the boot's report is lost, so it cannot count as judged.
      const message = `cannot write artifacts to ${dir}: ${error instanceof Error ? error.message : String(error)}`;
      result = { ...result, ...notBooted("infra", result.error ? `${result.error}; ${message}` : message) };
    }
  }
  traceBoot(result);
  return result;
}
