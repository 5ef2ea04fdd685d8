/**
 * Second `prepare` of every expectation's images (warm cache). Goal (issue 25): <= 0.5 s as the
 * CLI, start-up included.
 * A first pass fills the cache (may download); the second is timed, in this process and as the
 * CLI (`bootlog prepare`, which adds node start-up and loading the compiled expectations; the
 * median of 5, as one start on a noisy host varies by a tenth of a second). Expectations whose user image is not
 * set are skipped, as `bootlog prepare` does. Also timed: one `apt-cache policy` call as this
 * host runs it, and with a persistent pkgcache (what apt.ts would gain from one).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadAllExpectations } from "../harness/expectations/loader.ts";
import { prepareImages } from "../harness/images/prepare.ts";
import { fmt, median, runIfMain, type BenchResult } from "./lib.ts";

const GOAL_S = 0.5;
const CLI_ROUNDS = 5;
const run = promisify(execFile);

async function seconds(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return (performance.now() - t0) / 1000;
}

export async function prepareWarm(): Promise<BenchResult[]> {
  const all = await loadAllExpectations();
  const usable: typeof all = [];
  for (const exp of all) {
    const first = await prepareImages(exp).catch((e: Error) => e);
    if (first instanceof Error && first.name === "UserImageMissing") continue;
    if (first instanceof Error) throw new Error(`${exp.name}: ${first.message}`);
    usable.push(exp);
  }
  const each: string[] = [];
  const total = await seconds(async () => {
    for (const exp of usable) each.push(`${exp.name} ${fmt(await seconds(() => prepareImages(exp)))} s`);
  });
  const cliRuns: number[] = [];
  for (let i = 0; i < CLI_ROUNDS; i++)
    cliRuns.push(
      await seconds(() =>
        run(process.execPath, [join(import.meta.dirname, "../bin/bootlog.mjs"), "prepare"], {
          cwd: join(import.meta.dirname, ".."),
        }),
      ),
    );
  const cli = median(cliRuns);

  const aptDir = mkdtempSync(join(tmpdir(), "bootlog-bench-apt-"));
  let aptAsIs = 0;
  let aptPersistent = 0;
  try {
    const policy = (extra: string[]) => run("apt-cache", [...extra, "policy", "busybox-static:arm64"]);
    aptAsIs = await seconds(() => policy([]));
    const persistent = [
      "-o",
      `Dir::Cache::pkgcache=${aptDir}/pkgcache.bin`,
      "-o",
      `Dir::Cache::srcpkgcache=${aptDir}/srcpkgcache.bin`,
    ];
    await policy(persistent); // builds the cache files once
    aptPersistent = await seconds(() => policy(persistent));
  } finally {
    rmSync(aptDir, { recursive: true, force: true });
  }
  return [
    {
      name: `second bootlog prepare of every expectation's images, warm cache (${usable.length} of ${all.length} expectations)`,
      figure: `${fmt(cli)} s (median of ${CLI_ROUNDS}: ${cliRuns.map((s) => fmt(s)).join(", ")})`,
      goal: `<= ${GOAL_S} s, start-up included`,
      ok: cli <= GOAL_S,
      notes: [
        `in this process (no start-up): ${fmt(total)} s; per expectation: ${each.join("; ")}`,
        `one apt-cache policy call: ${fmt(aptAsIs)} s on this host; ${fmt(aptPersistent)} s with a persistent pkgcache (-o Dir::Cache::pkgcache=…)`,
      ],
    },
  ];
}

await runIfMain(import.meta.url, prepareWarm);
