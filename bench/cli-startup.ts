/**
 * CLI start-up: wall seconds of `node bin/bootlog.mjs --help` and `list` (median of 9, rounds
 * interleaved with a bare `node -e 0`), from the bundle in dist/ (what `npm ci` builds; rebuilt
 * first if a source changed) and,
 * for comparison, through tsx (BOOTLOG_NO_DIST=1, what runs while a source differs from dist).
 * Goal: --help <= 0.25 s.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { freshBuild } from "../bin/fresh-build.mjs";
import { buildCli } from "../scripts/build-cli.mjs";
import { fmt, median, runIfMain, type BenchResult } from "./lib.ts";

const ROOT = join(import.meta.dirname, "..");
const ROUNDS = 9;
const GOAL_S = 0.25;

function seconds(args: string[], env: NodeJS.ProcessEnv = {}): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ...env },
  });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
  return s;
}

export async function cliStartup(): Promise<BenchResult[]> {
  const bin = join(ROOT, "bin/bootlog.mjs");
  // What `npm ci` leaves: a dist that matches the sources (a source edited since is rebuilt here).
  if (freshBuild(ROOT) === undefined) await buildCli();
  const dist = freshBuild(ROOT) !== undefined;
  const runs: Record<string, number[]> = { node: [], help: [], list: [], helpTsx: [], listTsx: [] };
  const tsx = { BOOTLOG_NO_DIST: "1" };
  for (let i = 0; i < ROUNDS; i++) {
    runs.node!.push(seconds(["-e", "0"]));
    runs.help!.push(seconds([bin, "--help"]));
    runs.list!.push(seconds([bin, "list"]));
    runs.helpTsx!.push(seconds([bin, "--help"], tsx));
    runs.listTsx!.push(seconds([bin, "list"], tsx));
  }
  const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)])) as Record<
    keyof typeof runs,
    number
  >;
  return [
    {
      name: `CLI start-up, bootlog --help (${dist ? "dist" : "no fresh dist: tsx"}, median of ${ROUNDS})`,
      figure: `${fmt(m.help)} s (node -e 0: ${fmt(m.node)} s)`,
      goal: `<= ${GOAL_S} s`,
      ok: m.help <= GOAL_S,
      notes: [
        `bootlog list: ${fmt(m.list)} s (loads every expectation: their modules compiled into the cache, zod)`,
        `through tsx (BOOTLOG_NO_DIST=1): --help ${fmt(m.helpTsx)} s, list ${fmt(m.listTsx)} s`,
        ...(dist ? [] : ["dist/ is missing or stale: `npm run build` (npm ci runs it)"]),
      ],
    },
  ];
}

await runIfMain(import.meta.url, cliStartup);
