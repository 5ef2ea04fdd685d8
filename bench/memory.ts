/**
 * RSS growth of the harness while it consumes 1 GB of console output (lines), and a 100 MB
 * line without newline. Goal: <= 64 MB each. Each case runs in a fresh child process (so
 * other benchmarks' heaps do not count): warm up with a small boot, note RSS, then boot a fake
 * QEMU printing the output and sample RSS every 20 ms; growth = peak - before.
 * The 1 GB run also gives the live throughput of the whole harness (pipe, serial.log, lines, matcher).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { runBoot } from "../harness/runner/run-boot.ts";
import { bootFiles } from "../harness/artifacts/writers.ts";
import { fakeExpectation, playingQemu, type Step } from "../tests/hardening/fake-qemu.ts";
import { fmt, MiB, runIfMain, type BenchResult } from "./lib.ts";

const GOAL_MB = 64;
const CASES: Record<string, { label: string; steps: Step[] }> = {
  "1gb": {
    label: "1 GB of console lines",
    steps: [{ text: "FAKE-BOOT-1\r\n" }, { lines: 1000 * 1000 * 1000 }, { text: "FAKE-PROMPT # " }],
  },
  "long-line": {
    label: "a 100 MB line without newline",
    steps: [{ text: "FAKE-BOOT-1\r\n" }, { flood: 0x78, bytes: 100 * 1000 * 1000 }, { text: "\r\nFAKE-PROMPT # " }],
  },
};

interface ChildReport {
  growthMB: number;
  beforeMB: number;
  peakMB: number;
  seconds: number;
  bytes: number;
  outcome: string;
}

/** In the child: warm up, then measure one case. */
async function child(kind: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bootlog-bench-mem-"));
  try {
    const warm = playingQemu(dir, "warm", [
      { text: "FAKE-BOOT-1\r\n" },
      { lines: 4 * MiB },
      { text: "FAKE-PROMPT # " },
    ]);
    process.env.BOOTLOG_QEMU_AARCH64 = warm;
    await runBoot(fakeExpectation(warm, { name: "warm" }), { listeners: [bootFiles], runDir: join(dir, "runs") });
    const script = playingQemu(dir, kind, CASES[kind]!.steps);
    process.env.BOOTLOG_QEMU_AARCH64 = script;
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage.rss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
    const t0 = performance.now();
    const r = await runBoot(fakeExpectation(script, { name: kind }), {
      listeners: [bootFiles],
      runDir: join(dir, "runs"),
    });
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage.rss());
    const report: ChildReport = {
      growthMB: (peak - before) / MiB,
      beforeMB: before / MiB,
      peakMB: peak / MiB,
      seconds,
      bytes: statSync(r.serialLog).size,
      outcome: r.outcome,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function memory(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const [kind, { label }] of Object.entries(CASES)) {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--expose-gc", "--import", "tsx", import.meta.filename, "--child", kind],
      {
        cwd: join(import.meta.dirname, ".."),
        maxBuffer: 1 << 20,
        timeout: 900_000,
      },
    );
    const r = JSON.parse(stdout.trim().split("\n").at(-1)!) as ChildReport;
    if (r.outcome !== "pass") throw new Error(`${label}: expected pass, got ${r.outcome}`);
    results.push({
      name: `RSS growth consuming ${label}`,
      figure: `${fmt(r.growthMB, 1)} MB`,
      goal: `<= ${GOAL_MB} MB`,
      ok: r.growthMB <= GOAL_MB,
      notes: [
        `RSS ${fmt(r.beforeMB, 0)} MB before, ${fmt(r.peakMB, 0)} MB peak; ${fmt(r.bytes / 1e6, 0)} MB through the harness in ${fmt(r.seconds, 1)} s (${fmt(r.bytes / 1e6 / r.seconds, 0)} MB/s live, serial.log ${r.bytes} bytes)`,
      ],
    });
  }
  return results;
}

if (process.argv[2] === "--child") await child(process.argv[3]!);
else await runIfMain(import.meta.url, memory);
