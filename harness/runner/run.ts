/**
 * The runner: one queue of boots over the lanes, in which `--runs` repeats and retries after
 * infra are two dimensions of the same loop. It returns what happened and writes nothing but
 * each boot's serial.log (and post-mortem files); writers and the terminal subscribe to its
 * events (run-events.ts). Every option reaches every boot, whatever the mode.
 */
import type { Expectation } from "../expectations/loader.ts";
import { prepareImages, type PreparedImages } from "../images/prepare.ts";
import { interruptedBy, onInterrupt } from "../interrupt.ts";
import { installExitHandlers } from "../machines/process.ts";
import type { PostMortemOptions } from "../postmortem/index.ts";
import { repeatExitCode, summarizeRuns } from "../repeat/summary.ts";
import type { BootResult } from "../result.ts";
import type { RunListener, RunResults } from "../run-events.ts";
import { attemptDir, repeatDir } from "../run-layout.ts";
import { exitCodeFor } from "../vocabulary.ts";
import { defaultLanes } from "./lanes.ts";
import { runBoot, type RunOptions as BootOptions } from "./run-boot.ts";

export interface RunOptions {
  /** The run directory (it exists): boots keep their serial.log below it (run-layout.ts). */
  runDir: string;
  /** Boots at once (default: cores / the machines' vCPUs, lanes.ts). */
  jobs?: number;
  /** Re-run a boot whose outcome was infra, up to this many more times. */
  retries?: number;
  /** Boot each expectation this many times (default 1); more than 1 gives a verdict over the runs (repeat/). */
  runs?: number;
  imageOverrides?: Record<string, string>;
  /** --postmortem and --keep-ram. */
  postmortem?: PostMortemOptions;
  listeners?: RunListener[];
}

/** One run of one expectation: its first attempt, then one more per infra, up to `retries`. */
async function bootWithRetries(exp: Expectation, opts: BootOptions, retries: number): Promise<BootResult[]> {
  const attempts: BootResult[] = [];
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    attempts.push(await runBoot(exp, { ...opts, runDir: attemptDir(opts.runDir, attempt), attempt }));
    if (attempts.at(-1)!.outcome !== "infra" || interruptedBy()) break;
  }
  return attempts;
}

/** Boot every expectation `runs` times, up to `jobs` at once, and say what happened to every listener. */
export async function runBoots(expectations: Expectation[], opts: RunOptions): Promise<RunResults> {
  const runs = opts.runs ?? 1;
  const listeners = opts.listeners ?? [];
  installExitHandlers(); // a stop signal from here on is recorded in each boot in progress
  const stopRecording = onInterrupt(() => {});
  for (const l of listeners) await l.runStarted?.({ runDir: opts.runDir, expectations, runs });
  // Repeated runs prepare each expectation's images once: every run then boots the same files
  // (an image that cannot be prepared is each run's infra).
  const prepared = new Map<Expectation, PreparedImages | undefined>();
  if (runs > 1)
    for (const exp of expectations) {
      for (const l of listeners)
        l.status?.({ name: exp.name, run: 0, runs, attempt: 0, dir: opts.runDir }, "preparing images");
      prepared.set(exp, await prepareImages(exp, opts.imageOverrides).catch(() => undefined));
    }
  const queue = expectations.flatMap((exp, e) => Array.from({ length: runs }, (_, k) => ({ exp, e, run: k + 1 })));
  const attempts: BootResult[][][] = expectations.map(() => []);
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const { exp, e, run } = item;
      // Once stopped, nothing new starts; an expectation that never started is still reported (as interrupted).
      if (interruptedBy() && attempts[e]!.length) continue;
      const boot: BootOptions = {
        runDir: repeatDir(opts.runDir, run, runs),
        run,
        runs,
        imageOverrides: opts.imageOverrides,
        postmortem: opts.postmortem,
        listeners,
        ...(prepared.get(exp) ? { prepared: prepared.get(exp) } : {}),
      };
      const slot = attempts[e]!.length;
      attempts[e]![slot] = []; // started: its place in run order is kept while it boots
      attempts[e]![slot] = await bootWithRetries(exp, boot, opts.retries ?? 0);
    }
  };
  const jobs = Math.max(1, Math.min(opts.jobs ?? defaultLanes(expectations.map((e) => e.machine.cpus)), queue.length));
  await Promise.all(Array.from({ length: jobs }, worker));
  stopRecording();

  const interrupted = interruptedBy();
  const results = attempts.map((byRun) => byRun.at(-1)!.at(-1)!);
  const repeats =
    runs > 1
      ? attempts.map((byRun) =>
          summarizeRuns(
            byRun.map((a) => a.at(-1)!),
            interrupted && { signal: interrupted, runs },
          ),
        )
      : undefined;
  const done: RunResults = {
    runDir: opts.runDir,
    expectations,
    runs,
    attempts,
    results,
    ...(repeats ? { repeats } : {}),
    ...(interrupted ? { interrupted } : {}),
    exitCode: repeats ? repeatExitCode(repeats) : exitCodeFor(results),
  };
  for (const l of listeners) await l.runEnded?.(done);
  return done;
}
