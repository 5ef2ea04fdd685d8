/**
 * `run --runs 20 arm64-xen-dom0` on a busy host beside the same on an idle one (ratios in one
 * run). Goal: 20 of 20 pass under the load (before the guest's clock: 19 of 20 at load ~7, a
 * `hang after xen-dom0-loading`); the wall-time ratio busy / idle is printed, no goal (it is the
 * load's, not bootlog's).
 *
 * The load is tests/boot/busy-host.test.ts's (two busy loops in sessions of their own at group
 * nice -5 on host CPU 1), started for the busy half only and always stopped. BUSY_RUNS=N runs
 * fewer (the lock is shared: `flock /work/qemu.lock npm run bench`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAllExpectations, selectExpectations } from "../harness/expectations/loader.ts";
import { recordRun } from "../harness/artifacts/record-run.ts";
import { startBusyHost } from "../tests/helpers/busy-host.ts";
import { fmt, runIfMain, type BenchResult } from "./lib.ts";

const BOOT = "arm64-xen-dom0";
const RUNS = Number(process.env.BUSY_RUNS ?? 20);

export async function busyHost(): Promise<BenchResult[]> {
  const [exp] = selectExpectations(await loadAllExpectations(), [BOOT]);
  const work = mkdtempSync(join(tmpdir(), "bootlog-bench-busy-"));
  try {
    const half = async (busy: boolean) => {
      const load = busy ? startBusyHost({ spinners: 2, groupNice: -5, cpus: "1", maxSeconds: 60 * RUNS }) : undefined;
      const t0 = performance.now();
      try {
        const run = await recordRun([exp!], { runs: RUNS, artifactsDir: join(work, busy ? "busy" : "idle") });
        const results = run.runResults![0]!;
        return {
          wall: (performance.now() - t0) / 1000,
          summary: run.repeats![0]!,
          waited: results.reduce((sum, r) => sum + (r.host ? r.host.wallS - r.host.countedS : 0), 0),
          counted: results.reduce((sum, r) => sum + (r.host?.countedS ?? 0), 0),
          pressure: load?.pressureS(),
        };
      } finally {
        await load?.stop();
      }
    };
    const idle = await half(false);
    const busy = await half(true);
    const passes = busy.summary.counts.find((c) => c.symptom === "pass")?.count ?? 0;
    return [
      {
        name: `run --runs ${RUNS} ${BOOT} on a busy host`,
        figure: `${passes} of ${RUNS} pass (${busy.summary.summary}); wall ${fmt(busy.wall, 1)} s = ${fmt(busy.wall / idle.wall)} × idle's ${fmt(idle.wall, 1)} s`,
        goal: `${RUNS} of ${RUNS} pass`,
        ok: passes === RUNS,
        notes: [
          `idle: ${idle.summary.summary}; the guests waited ${fmt(idle.waited, 1)} s in all, guest's clock ${fmt(idle.counted, 1)} s`,
          `busy: the guests waited ${fmt(busy.waited, 1)} s in all, guest's clock ${fmt(busy.counted, 1)} s (${fmt(busy.counted / idle.counted)} × idle's); PSI some ${fmt(busy.pressure ?? 0, 1)} s of ${fmt(busy.wall, 1)} s`,
        ],
      },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await runIfMain(import.meta.url, busyHost);
