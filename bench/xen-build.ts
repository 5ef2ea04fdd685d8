/**
 * Xen built from source (images/xen-build.ts), in a private cache: a cold build of Debian's
 * source tree (as a git checkout, defconfig, arm64), the next commit changing one file (the
 * incremental build a bisection step pays), and a cached lookup of a built commit. Goals: the
 * incremental build at most a quarter of the cold one; a cached lookup under 1 s. Prints wall
 * and CPU seconds (make's children included) and the load average it ran under.
 */
import { execa } from "execa";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { BOOKWORM_XEN_SOURCE, debianSource, tree, xenFromSource } from "../harness/expectations/xen-source.ts";
import { buildXen } from "../harness/images/xen-build.ts";
import { resolveXenSource } from "../harness/images/xen-source-tree.ts";
import { fmt, runIfMain, type BenchResult } from "./lib.ts";

const env = {
  GIT_AUTHOR_NAME: "b",
  GIT_AUTHOR_EMAIL: "b@example.org",
  GIT_COMMITTER_NAME: "b",
  GIT_COMMITTER_EMAIL: "b@example.org",
};

/** CPU seconds of this process and its waited-for children (make, gcc), from /proc/self/stat. */
function cpuSeconds(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  // utime stime cutime cstime are fields 14-17 of stat, 12-15 after the name.
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / 100;
}

async function measured(f: () => Promise<unknown>): Promise<{ wallS: number; cpuS: number }> {
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  await f();
  return { wallS: (performance.now() - t0) / 1000, cpuS: cpuSeconds() - cpu0 };
}

export async function xenBuildBench(): Promise<BenchResult[]> {
  const work = mkdtempSync(join(tmpdir(), "bootlog-bench-xen-"));
  const saved = process.env.BOOTLOG_CACHE;
  try {
    const source = await resolveXenSource(debianSource("xen", { version: BOOKWORM_XEN_SOURCE }), "bench");
    const repo = await source.unpack(work);
    const git = (...args: string[]) => execa("git", args, { cwd: repo, env });
    await git("init", "-q");
    await git("add", "-A");
    await git("commit", "-qm", "import");
    process.env.BOOTLOG_CACHE = join(work, "cache");
    const xen = xenFromSource({ source: tree(repo) });
    const load0 = loadavg()[0]!;
    const cold = await measured(() => buildXen(xen, "aarch64", "bench"));
    const kernel = join(repo, "xen/arch/arm/kernel.c");
    writeFileSync(kernel, `${readFileSync(kernel, "utf8")}\n/* bench: one changed file */\n`);
    await git("commit", "-qam", "one file");
    const incremental = await measured(() => buildXen(xen, "aarch64", "bench"));
    const cached = await measured(() => buildXen(xen, "aarch64", "bench"));
    const load1 = loadavg()[0]!;
    const ratio = incremental.wallS / cold.wallS;
    const load = `load average ${fmt(load0, 1)} → ${fmt(load1, 1)}`;
    return [
      {
        name: "xen-build incremental/cold",
        figure: `${fmt(ratio)} (incremental ${fmt(incremental.wallS, 1)} s wall, ${fmt(incremental.cpuS, 1)} s CPU; cold ${fmt(cold.wallS, 1)} s wall, ${fmt(cold.cpuS, 1)} s CPU)`,
        goal: "<= 0.25",
        ok: ratio <= 0.25,
        notes: [load, `source: tree of Debian's ${BOOKWORM_XEN_SOURCE}, defconfig, arm64`],
      },
      {
        name: "xen-build cached lookup",
        figure: `${fmt(cached.wallS)} s (hashes the tree's working files with git, verifies the entry)`,
        goal: "<= 1 s",
        ok: cached.wallS <= 1,
      },
    ];
  } finally {
    if (saved === undefined) delete process.env.BOOTLOG_CACHE;
    else process.env.BOOTLOG_CACHE = saved;
    rmSync(work, { recursive: true, force: true });
  }
}

await runIfMain(import.meta.url, xenBuildBench);
