/**
 * The post-mortem's cost, measured on real boots of arm64-xen-dom0 (2 GiB guest), same run:
 *
 * - post-mortem time added to the verdict, file-backed RAM on /dev/shm (goal <= 1 s) and through
 *   the fallback, QMP pmemsave of all RAM into the artifacts directory (goal <= 3 s): a boot
 *   with `--postmortem always`, time from the verdict to the result (liveMs + ms);
 * - boot wall time with file-backed RAM / without (`--postmortem off`), QEMU start to the
 *   shell prompt, rounds interleaved, median of 3 each (goal <= 1.02);
 * - RSS growth while scanning a kept 2 GiB RAM file, sampled every 10 ms (goal <= 64 MB).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAllExpectations, selectExpectations } from "../harness/expectations/loader.ts";
import { scanRam } from "../harness/postmortem/ram-scan.ts";
import { XenRingPass } from "../harness/postmortem/xen-ring.ts";
import { PrintkPass } from "../harness/postmortem/printk-ring.ts";
import type { PostMortemOptions } from "../harness/postmortem/capture.ts";
import { runBoot } from "../harness/runner/run-boot.ts";
import { bootFiles } from "../harness/artifacts/writers.ts";
import type { BootResult } from "../harness/result.ts";
import { fmt, median, MiB, runIfMain, type BenchResult } from "./lib.ts";

const BOOT = "arm64-xen-dom0";
const ROUNDS = 3;

async function boot(runDir: string, postmortem: PostMortemOptions): Promise<BootResult> {
  const exp = selectExpectations(await loadAllExpectations(), [BOOT])[0]!;
  const r = await runBoot(exp, { listeners: [bootFiles], runDir, postmortem });
  if (r.outcome !== "pass") throw new Error(`${BOOT} did not pass: ${r.summary}`);
  return r;
}

const promptAt = (r: BootResult) => r.milestones.find((m) => m.id === "shell")!.at!;
const added = (r: BootResult) => (r.postmortem!.liveMs ?? 0) + r.postmortem!.ms;

export async function postMortemBench(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "bootlog-bench-pm-"));
  try {
    const withFile: number[] = [];
    const without: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      without.push(promptAt(await boot(join(dir, `off-${i}`), { mode: "off" })));
      withFile.push(promptAt(await boot(join(dir, `on-${i}`), { mode: "on" })));
    }
    const kept = await boot(join(dir, "always-file"), { mode: "always", keepRam: true });
    const fallback = await boot(join(dir, "always-pmemsave"), { mode: "always", shmDir: join(dir, "no-shm") });
    const keptPath = kept.postmortem!.ram!.keptAt!;

    // RSS while scanning the kept file, against the RSS just before.
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const scan = await scanRam(keptPath, [new XenRingPass(), new PrintkPass()], performance.now() + 60_000);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    rmSync(keptPath, { force: true });

    const ratio = median(withFile) / median(without);
    const fileS = added(kept) / 1000;
    const fallbackS = added(fallback) / 1000;
    const growth = (peak - before) / MiB;
    return [
      {
        name: "post-mortem, 2 GiB guest, file-backed RAM",
        figure: `${fmt(fileS)} s`,
        goal: "<= 1 s",
        ok: fileS <= 1,
        notes: [
          `QMP ${kept.postmortem!.liveMs} ms, RAM scan ${kept.postmortem!.ram!.scanMs} ms (${Math.round(kept.postmortem!.ram!.dataBytes / MiB)} MiB not zero of 2048)`,
        ],
      },
      {
        name: "post-mortem, 2 GiB guest, pmemsave fallback",
        figure: `${fmt(fallbackS)} s`,
        goal: "<= 3 s",
        ok: fallbackS <= 3,
        notes: [`pmemsave ${fallback.postmortem!.ram?.pmemsaveMs} ms, RAM scan ${fallback.postmortem!.ram?.scanMs} ms`],
      },
      {
        name: "boot wall time, file-backed RAM / without",
        figure: fmt(ratio, 3),
        goal: "<= 1.02",
        ok: ratio <= 1.02,
        notes: [
          `to the shell prompt: with ${withFile.map((s) => fmt(s)).join(", ")} s; without ${without.map((s) => fmt(s)).join(", ")} s`,
        ],
      },
      {
        name: "RSS growth while scanning 2 GiB of guest RAM",
        figure: `${fmt(growth, 1)} MB`,
        goal: "<= 64 MB",
        ok: growth <= 64,
        notes: [`scan ${fmt(scan.readMs, 0)} ms for ${Math.round(scan.fileBytes / MiB)} MiB`],
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await runIfMain(import.meta.url, postMortemBench);
