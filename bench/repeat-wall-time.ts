/**
 * `run --runs 20` of arm64-xen-dom0 over the lanes: its wall time against 20 single boots spread
 * perfectly over the lanes. Goal: wall <= 1.1 × (20 × one boot ÷ lanes).
 *
 * - one boot: runBoot() of the same expectation alone (images already in the cache), median of 2.
 * - repeated: recordRun(..., { runs: 20, jobs: lanes }) from the call to its return (images prepared
 *   once, JUnit, repeat.json and history written).
 * - also: the same ratio against the runs' own mean boot time, which isolates the scheduling
 *   overhead from two QEMUs sharing the cores.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { loadAllExpectations, selectExpectations } from "../harness/expectations/loader.ts";
import { runBoot } from "../harness/runner/run-boot.ts";
import { bootFiles } from "../harness/artifacts/writers.ts";
import { recordRun } from "../harness/artifacts/record-run.ts";
import { fmt, median, runIfMain, type BenchResult } from "./lib.ts";

const BOOT = "arm64-xen-dom0";
const RUNS = 20;
const GOAL = 1.1;

export async function repeatWallTime(): Promise<BenchResult[]> {
  const [exp] = selectExpectations(await loadAllExpectations(), [BOOT]);
  const lanes = Math.min(2, availableParallelism());
  const work = mkdtempSync(join(tmpdir(), "bootlog-bench-repeat-"));
  try {
    const singles: number[] = [];
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now();
      const r = await runBoot(exp!, { listeners: [bootFiles], runDir: join(work, `single-${i}`) });
      if (r.outcome !== "pass") throw new Error(`single boot did not pass: ${r.summary}`);
      singles.push((performance.now() - t0) / 1000);
    }
    const one = median(singles);
    const t0 = performance.now();
    const run = await recordRun([exp!], { runs: RUNS, jobs: lanes, artifactsDir: join(work, "artifacts") });
    const wall = (performance.now() - t0) / 1000;
    const s = run.repeats![0]!;
    const meanBoot = run.runResults![0]!.reduce((sum, r) => sum + r.durationS, 0) / RUNS;
    const ideal = (RUNS * one) / lanes;
    const ratio = wall / ideal;
    return [
      {
        name: `run --runs ${RUNS} ${BOOT} (${lanes} lanes)`,
        figure: `${fmt(wall, 1)} s = ${fmt(ratio)} × (${RUNS} × ${fmt(one)} s ÷ ${lanes})`,
        goal: `<= ${GOAL}`,
        ok: s.class === "pass" && ratio <= GOAL,
        notes: [
          `class ${s.class}: ${s.summary}`,
          `one boot alone (median of 2): ${singles.map((x) => fmt(x)).join(", ")} s`,
          `mean boot inside the repeated run: ${fmt(meanBoot)} s; wall / (${RUNS} × mean ÷ ${lanes}) = ${fmt(wall / ((RUNS * meanBoot) / lanes))}`,
        ],
      },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await runIfMain(import.meta.url, repeatWallTime);
