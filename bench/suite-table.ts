/**
 * The suite's time table, from the last `npm test`: per test file its time (vitest's JUnit) and
 * the boots it started (artifacts/boot-trace.jsonl, written by every boot the suite starts), then
 * every configuration booted more than once (same expectation, same images) with the files that
 * booted it: where sharing one boot would save time. `tsx bench/suite-table.ts [ARTIFACTS_DIR]`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import type { BootTraceLine } from "../harness/runner/boot-trace.ts";
import { fmt, runIfMain, type BenchResult } from "./lib.ts";

interface FileRow {
  file: string;
  seconds: number;
  tests: number;
  boots: number;
  bootS: number;
  /** QEMU's CPU time over the file's boots (those whose schedstat the runner read). */
  qemuCpuS: number;
}

function fileTimes(junitPath: string): Map<string, { seconds: number; tests: number }> {
  const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(
    readFileSync(junitPath, "utf8"),
  );
  const suites = [xml.testsuites?.testsuite ?? []].flat() as { name: string; time: string; tests: string }[];
  return new Map(suites.map((s) => [s.name, { seconds: Number(s.time), tests: Number(s.tests) }]));
}

export function suiteTable(dir = "artifacts"): string[] {
  const junit = join(dir, "vitest-junit.xml");
  const tracePath = join(dir, "boot-trace.jsonl");
  if (!existsSync(junit)) throw new Error(`${junit}: run npm test first`);
  const trace: BootTraceLine[] = existsSync(tracePath)
    ? readFileSync(tracePath, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as BootTraceLine)
    : [];
  const rows: FileRow[] = [...fileTimes(junit)].map(([file, t]) => {
    const boots = trace.filter((b) => b.label === file);
    const sum = (f: (b: BootTraceLine) => number) => boots.reduce((total, b) => total + f(b), 0);
    return { file, ...t, boots: boots.length, bootS: sum((b) => b.wallS), qemuCpuS: sum((b) => b.cpuS ?? 0) };
  });
  rows.sort((a, b) => b.seconds - a.seconds);
  const total = rows.reduce((sum, r) => sum + r.seconds, 0);
  const out = [
    `per file (vitest's own time; files run side by side, so the sum ${fmt(total, 0)} s exceeds the wall time):`,
    `  ${"seconds".padStart(8)} ${"tests".padStart(5)} ${"boots".padStart(5)} ${"boot s".padStart(7)} ${"QEMU cpu s".padStart(10)}  file`,
    ...rows.map(
      (r) =>
        `  ${fmt(r.seconds, 1).padStart(8)} ${String(r.tests).padStart(5)} ${String(r.boots).padStart(5)} ${fmt(r.bootS, 1).padStart(7)} ${fmt(r.qemuCpuS, 1).padStart(10)}  ${r.file}`,
    ),
    `QEMU's CPU over every traced boot: ${fmt(
      rows.reduce((sum, r) => sum + r.qemuCpuS, 0),
      0,
    )} s (lava-run's boots are LAVA's, not traced)`,
  ];
  const byConfig = new Map<string, BootTraceLine[]>();
  for (const b of trace) byConfig.set(b.config, [...(byConfig.get(b.config) ?? []), b]);
  const repeated = [...byConfig.values()].filter((bs) => bs.length > 1).sort((a, b) => b.length - a.length);
  out.push(
    `boots: ${trace.length}, ${byConfig.size} distinct configurations; booted more than once (same expectation and images):`,
  );
  for (const bs of repeated) {
    const files = [...new Set(bs.map((b) => b.label || "(no test file)"))];
    const s = bs.reduce((sum, b) => sum + b.wallS, 0);
    out.push(`  ${String(bs.length).padStart(3)}× ${bs[0]!.name} (${fmt(s, 1)} s in all): ${files.join(", ")}`);
  }
  return out;
}

/** `npm run bench` prints the table of the last `npm test` when there is one. */
export async function suiteTableBench(): Promise<BenchResult[]> {
  const dir = process.argv[2] && !process.argv[2].startsWith("-") ? process.argv[2] : "artifacts";
  if (!existsSync(join(dir, "vitest-junit.xml")))
    return [{ name: "suite time table", figure: "no npm test run to read", goal: "-", ok: undefined }];
  for (const line of suiteTable(dir)) console.log(line);
  return [{ name: "suite time table", figure: `printed above, from ${dir}`, goal: "-", ok: undefined }];
}

await runIfMain(import.meta.url, suiteTableBench);
