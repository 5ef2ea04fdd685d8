/**
 * The artifacts directory: artifacts/<run-id>/ per run, a directory per boot inside it
 * (run-layout.ts), each with serial.log, junit.xml and timeline.json; the run's own junit.xml;
 * artifacts/latest → the newest run; artifacts/history.jsonl.
 */
import { lstatSync, readlinkSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { makeDirProblem } from "../make-dir.ts";
import { readdir, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import type { BootResult } from "../result.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import { junitForBoots } from "./junit.ts";
import { readTimeline, timelineJson, type Timeline } from "./timeline.ts";

export function artifactsRoot(dir?: string): string {
  return resolve(dir ?? process.env.BOOTLOG_ARTIFACTS ?? "artifacts");
}

export function newRunId(): string {
  return `${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}`;
}

/** mkdir -p with the real reason on failure: a recursive mkdir says ENOENT where a read-only or full disk is the cause. */
export function makeRunDir(runDir: string): void {
  const reason = makeDirProblem(runDir);
  if (reason) throw new Error(`cannot create the run directory ${runDir}: ${reason}`);
}

/**
 * Point artifacts/latest at this run (replaced atomically), unless a run that started later
 * already took it: with concurrent runs, latest is the newest started (run ids sort by start
 * time). Returns a warning when latest cannot be set; the run's verdict never depends on it.
 */
export function markLatest(root: string, runId: string): string | undefined {
  const latest = join(root, "latest");
  const current = (() => {
    try {
      return lstatSync(latest).isSymbolicLink() ? readlinkSync(latest) : null;
    } catch {
      return undefined; // no latest yet
    }
  })();
  if (current === null)
    return `${latest} is not a symbolic link (a directory or file put there by hand?): left as it is, not pointed at ${runId}`;
  if (current !== undefined && current > runId) return undefined;
  const tmp = join(root, `.latest-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    symlinkSync(runId, tmp);
    renameSync(tmp, latest);
    return undefined;
  } catch (error) {
    rmSync(tmp, { force: true });
    return `cannot point ${latest} at ${runId}: ${(error as Error).message}`;
  }
}

/** A boot's own artifacts next to its serial.log: r.dir/junit.xml and r.dir/timeline.json. */
export async function writeBootArtifacts(r: BootResult): Promise<void> {
  await writeFileAtomic(join(r.dir, "junit.xml"), junitForBoots([r]));
  await writeFileAtomic(join(r.dir, "timeline.json"), `${JSON.stringify(timelineJson(r), null, 2)}\n`);
}

/** The combined artifacts/<run-id>/junit.xml that CI reads: every boot of the run. */
export async function writeRunJunit(runDir: string, results: BootResult[]): Promise<void> {
  await writeFileAtomic(join(runDir, "junit.xml"), junitForBoots(results));
}

/** The directories in `dir` (links to directories included; dot-entries skipped), sorted. */
export async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const dirs: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const path = join(dir, e.name);
    if (
      e.isDirectory() ||
      (e.isSymbolicLink() &&
        (await stat(path).then(
          (s) => s.isDirectory(),
          () => false,
        )))
    )
      dirs.push(path);
  }
  return dirs.sort();
}

export interface FoundBoot {
  dir: string;
  timeline: Timeline;
  /** How many attempts of this boot the run holds. */
  attempts: number;
}

/** The boots of one run directory; a boot retried after infra (retry-N/<boot>/) is represented by its last attempt. */
export async function runBoots(runDir: string): Promise<FoundBoot[]> {
  const found: { dir: string; timeline: Timeline }[] = [];
  // Runs of `--runs N` (run-K/<boot>/): each boot is represented by its last run.
  const repeated: (FoundBoot & { run: number })[] = [];
  for (const dir of await subdirs(runDir)) {
    const timeline = await readTimeline(join(dir, "timeline.json"));
    if (timeline) found.push({ dir, timeline });
    else if (/^run-\d+$/.test(basename(dir)))
      repeated.push(...(await runBoots(dir)).map((f) => ({ ...f, run: Number(basename(dir).slice(4)) })));
    else if (/^retry-\d+$/.test(basename(dir)))
      for (const inner of await subdirs(dir)) {
        const retried = await readTimeline(join(inner, "timeline.json"));
        if (retried) found.push({ dir: inner, timeline: retried });
      }
  }
  const byName = new Map<string, FoundBoot>();
  for (const f of found) {
    const seen = byName.get(f.timeline.name);
    if (!seen) byName.set(f.timeline.name, { ...f, attempts: 1 });
    else if (f.timeline.attempt > seen.timeline.attempt)
      byName.set(f.timeline.name, { ...f, attempts: seen.attempts + 1 });
    else seen.attempts += 1;
  }
  for (const r of repeated.sort((x, y) => x.run - y.run))
    byName.set(r.timeline.name, { dir: r.dir, timeline: r.timeline, attempts: r.attempts });
  return [...byName.values()];
}
