/**
 * Run an exported job in LAVA's own dispatcher, as a lab's worker would: `bootlog export lava`
 * (through the image cache), the qemu device type rendered from lava-server's templates with the
 * job's context (harness/export/lava-device.py), then `lava-run`. Its log (standard output) is kept
 * as <out>/output.log next to job.yaml, which is what `bootlog import lava <out>` reads.
 */
import { execa } from "execa";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, expect } from "vitest";
import type { Expectation } from "../../harness/expectations/loader.ts";
import { parseLog, resultsFromLog, type LavaResult, type LogEntry } from "../../harness/import/lava-job.ts";
import { exportLava, type LavaExport } from "../../harness/export/lava.ts";
import { testRunDir } from "./boot.ts";

export const LAVA_DEVICE = resolve("harness/export/lava-device.py");
/** The Python of Debian's lava-dispatcher and lava-common (another python3 may come first on PATH). */
export const LAVA_PYTHON = "/usr/bin/python3";

export interface LavaRun {
  /** lava-run's output directory, with job.yaml and output.log. */
  dir: string;
  export: LavaExport;
  log: LogEntry[];
  results: LavaResult[];
  /** The step results: one per milestone that LAVA got to. */
  steps: LavaResult[];
  job: LavaResult | undefined;
  exitCode: number;
  seconds: number;
}

// lava-run keeps a job's files under /var/lib/lava/dispatcher/tmp/<job id>: ids unique across test processes.
let jobCounter = 0;
const jobId = () => `${process.pid}${String(++jobCounter).padStart(2, "0")}`;

export async function lavaRun(exp: Expectation): Promise<LavaRun> {
  const dir = testRunDir(`lava-${exp.name}`);
  const { export: out, yaml } = await exportLava(exp);
  const job = join(dir, "job.yaml");
  writeFileSync(job, yaml);
  const device = join(dir, "device.yaml");
  await execa(LAVA_DEVICE, [job, "--out", device]);
  const output = join(dir, "out");
  mkdirSync(output);
  const started = performance.now();
  const run = await execa("lava-run", ["--device", device, "--job-id", jobId(), "--output-dir", output, job], {
    reject: false,
    all: true,
  });
  const seconds = (performance.now() - started) / 1000;
  writeFileSync(join(dir, "output.log"), run.all ?? "");
  // lava-run logs to stderr when it is not on a terminal: read both.
  const log = parseLog(run.all ?? "", join(dir, "output.log"));
  const results = resultsFromLog(log);
  return {
    dir,
    export: out,
    log,
    results,
    steps: results.filter((r) => r.definition !== "lava"),
    job: results.find((r) => r.definition === "lava" && r.case === "job"),
    exitCode: run.exitCode ?? -1,
    seconds,
  };
}

/** lava-run once per describe, in beforeAll; tests read the run. */
export function lavaRunsOnce(exp: Expectation): () => LavaRun {
  let run: LavaRun | undefined;
  beforeAll(async () => {
    run = await lavaRun(exp);
    console.log(`lava-run ${exp.name}: ${run.seconds.toFixed(1)} s, job ${run.job?.result ?? "?"}`);
  }, 240_000);
  return () => {
    expect(run, "lava-run did not run (see beforeAll)").toBeDefined();
    return run!;
  };
}
