/**
 * One line per boot in $BOOTLOG_BOOT_TRACE (JSON lines), for the suite's time table
 * (bench/suite-table.ts): which test file booted what, how long, and how often the same
 * configuration booted. Off unless the variable is set; a trace that cannot be written is dropped,
 * never the boot.
 */
import { appendFileSync } from "node:fs";
import { createHash } from "node:crypto";
import type { BootResult } from "../result.ts";

export interface BootTraceLine {
  /** The test file that asked for the boot ($BOOTLOG_TRACE_LABEL, set per test file by the suite). */
  label: string;
  name: string;
  /** The expectation and the exact images it booted: equal keys are the same boot twice. */
  config: string;
  outcome: string;
  wallS: number;
  /** QEMU's CPU time (schedstat), when the runner could read it: what the boot cost the host. */
  cpuS?: number;
}

export function traceBoot(result: BootResult, env = process.env): void {
  const file = env.BOOTLOG_BOOT_TRACE;
  if (!file) return;
  const images = (result.images ?? []).map((i) => `${i.role}=${i.sha256}`).sort();
  const line: BootTraceLine = {
    label: env.BOOTLOG_TRACE_LABEL ?? "",
    name: result.name,
    config: createHash("sha256")
      .update(JSON.stringify([result.expectationHash, images]))
      .digest("hex")
      .slice(0, 12),
    outcome: result.outcome,
    wallS: result.host?.wallS ?? result.durationS,
    ...(result.host ? { cpuS: result.host.cpuS } : {}),
  };
  try {
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  } catch {
    // a measurement aid only
  }
}
