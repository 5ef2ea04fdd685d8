/**
 * `npm run bench`: every benchmark in turn, each printing `name: figure (goal …) OK|MISSED`
 * (ratios are measured within this one run), then a summary. Never an assertion: exit 0.
 * BENCH_ONLY=matcher,memory runs a subset; BENCH_NPM_TEST=1 adds the (slow) whole `npm test`.
 */
import { cliStartup } from "./cli-startup.ts";
import { hangLatency } from "./hang-latency.ts";
import { line, print, type BenchResult } from "./lib.ts";
import { matcherThroughput } from "./matcher-throughput.ts";
import { memory } from "./memory.ts";
import { npmTest } from "./npm-test.ts";
import { postMortemBench } from "./postmortem.ts";
import { prepareWarm } from "./prepare-warm.ts";
import { wallTime } from "./wall-time.ts";
import { repeatWallTime } from "./repeat-wall-time.ts";
import { xenBuildBench } from "./xen-build.ts";
import { busyHost } from "./busy-host.ts";
import { suiteTableBench } from "./suite-table.ts";

const BENCHES: [string, () => Promise<BenchResult[]>][] = [
  ["matcher", matcherThroughput],
  ["cli", cliStartup],
  ["hang", hangLatency],
  ["memory", memory],
  ["prepare", prepareWarm],
  ["wall", wallTime],
  ["repeat", repeatWallTime],
  ["busy", busyHost],
  ["postmortem", postMortemBench],
  ["xen-build", xenBuildBench],
  ["npm-test", npmTest],
  ["suite", suiteTableBench],
];

const only = process.env.BENCH_ONLY?.split(",").map((s) => s.trim());
const all: BenchResult[] = [];
for (const [key, bench] of BENCHES) {
  if (only && !only.includes(key)) continue;
  try {
    for (const r of await bench()) {
      print(r);
      all.push(r);
    }
  } catch (error) {
    const r: BenchResult = { name: key, figure: `could not run: ${(error as Error).message}`, goal: "-", ok: false };
    print(r);
    all.push(r);
  }
}
console.log("\nsummary:");
for (const r of all) console.log(`  ${line(r)}`);
