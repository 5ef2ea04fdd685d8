/**
 * The whole `npm test` once, warm cache: its wall time. Goal: <= 4 min on 2 cores.
 * Opt-in (BENCH_NPM_TEST=1): it boots every expectation and takes minutes.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fmt, runIfMain, type BenchResult } from "./lib.ts";

const GOAL_S = 240;

export async function npmTest(): Promise<BenchResult[]> {
  if (process.env.BENCH_NPM_TEST !== "1") {
    return [
      {
        name: "whole npm test, warm cache",
        figure: "not run (set BENCH_NPM_TEST=1; it takes minutes)",
        goal: `<= ${GOAL_S} s`,
        ok: undefined,
      },
    ];
  }
  const t0 = performance.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn("npm", ["test", "--silent"], {
      cwd: join(import.meta.dirname, ".."),
      stdio: ["ignore", "ignore", "inherit"],
    });
    child.on("exit", (c) => resolve(c));
  });
  const s = (performance.now() - t0) / 1000;
  return [
    {
      name: "whole npm test, warm cache",
      figure: `${fmt(s, 1)} s (exit ${code})`,
      goal: `<= ${GOAL_S} s`,
      ok: s <= GOAL_S,
      notes: [`${(await import("node:os")).availableParallelism()} cores`],
    },
  ];
}

await runIfMain(import.meta.url, npmTest);
