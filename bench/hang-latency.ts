/**
 * Time from the last console byte to the `hang` verdict, against the configured silence
 * timeout. Goal: <= 1.0 × silence + 0.5 s. A fake QEMU prints a milestone and a line, notes the
 * wall-clock time of its last write, then stays silent; the verdict time is when runBoot()
 * returns (QEMU stopped and artifacts written: what a user waits for). Median of 3.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBoot } from "../harness/runner/run-boot.ts";
import { bootFiles } from "../harness/artifacts/writers.ts";
import { fakeExpectation, fakeQemu } from "../tests/hardening/fake-qemu.ts";
import { fmt, median, runIfMain, type BenchResult } from "./lib.ts";

const SILENCE_S = 3;
const ROUNDS = 3;
const SLACK_S = 0.5;

export async function hangLatency(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "bootlog-bench-hang-"));
  const saved = process.env.BOOTLOG_QEMU_AARCH64;
  const latencies: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const stamp = join(dir, `last-byte-${round}`);
      const script = fakeQemu(
        dir,
        `silent-${round}`,
        `await out("FAKE-BOOT-1\\r\\n"); await sleep(300); await out("last words before the hang\\r\\n");
appendFileSync(${JSON.stringify(stamp)}, String(Date.now()));
await forever();`,
      );
      process.env.BOOTLOG_QEMU_AARCH64 = script;
      const r = await runBoot(fakeExpectation(script, { name: `hang-${round}`, silence: `${SILENCE_S}s` }), {
        listeners: [bootFiles],
        runDir: join(dir, "runs"),
      });
      const verdictAt = Date.now();
      if (r.outcome !== "hang") throw new Error(`expected hang, got ${r.summary}`);
      latencies.push((verdictAt - Number(readFileSync(stamp, "utf8"))) / 1000);
    }
  } finally {
    if (saved === undefined) delete process.env.BOOTLOG_QEMU_AARCH64;
    else process.env.BOOTLOG_QEMU_AARCH64 = saved;
    rmSync(dir, { recursive: true, force: true });
  }
  const m = median(latencies);
  return [
    {
      name: `last console byte to hang verdict (silence ${SILENCE_S} s, median of ${ROUNDS})`,
      figure: `${fmt(m)} s = ${fmt(m / SILENCE_S)} × silence (+${fmt(m - SILENCE_S)} s)`,
      goal: `<= 1.0 × silence + ${SLACK_S} s = ${fmt(SILENCE_S + SLACK_S)} s`,
      ok: m <= SILENCE_S + SLACK_S,
      notes: [`runs: ${latencies.map((l) => fmt(l)).join(", ")} s`],
    },
  ];
}

await runIfMain(import.meta.url, hangLatency);
