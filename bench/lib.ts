/** Shared bits of the benchmarks: one result line each, `name: figure (goal …) OK|MISSED|NOT MEASURED`. */
import { pathToFileURL } from "node:url";

export interface BenchResult {
  name: string;
  figure: string;
  goal: string;
  /** undefined: not measured in this run. */
  ok: boolean | undefined;
  /** Extra figures measured alongside (printed indented). */
  notes?: string[];
}

export function line(r: BenchResult): string {
  return `${r.name}: ${r.figure} (goal ${r.goal}) ${r.ok === undefined ? "NOT MEASURED" : r.ok ? "OK" : "MISSED"}`;
}

export function print(r: BenchResult): void {
  console.log(line(r));
  for (const note of r.notes ?? []) console.log(`    ${note}`);
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export const MiB = 1024 * 1024;

/** CPU seconds (user + system) this process spent in `f`, and its wall seconds. */
export function timed<T>(f: () => T): { value: T; cpuS: number; wallS: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = f();
  const cpu = process.cpuUsage(cpu0);
  return { value, cpuS: (cpu.user + cpu.system) / 1e6, wallS: (performance.now() - t0) / 1000 };
}

/** Run `main` when the file is executed directly (`tsx bench/x.ts`), not when bench/index.ts imports it. */
export async function runIfMain(url: string, main: () => Promise<BenchResult[]>): Promise<void> {
  if (process.argv[1] && pathToFileURL(process.argv[1]).href === url) {
    for (const r of await main()) print(r);
  }
}

export const fmt = (n: number, digits = 2) => n.toFixed(digits);
