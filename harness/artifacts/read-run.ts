/**
 * Read a finished run back from disk: a JUnit file (ours, or any JUnit with one testsuite per
 * boot and one testcase per milestone), a timeline.json, or a run directory (its timeline.json
 * files, else its junit.xml).
 */
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { lastAttempts } from "../vocabulary.ts";
import { recordsFromJunit, RunReadError } from "./junit-read.ts";
import { recordFromTimeline, type BootRecord } from "./records.ts";
import { parseTimeline } from "./timeline.ts";
import { subdirs } from "./run-dir.ts";
import { REPEAT_FILE, repeatFacts, type RepeatFile } from "./repeat-file.ts";

export { RunReadError };

export interface RunRecord {
  /** What was read: a path. */
  source: string;
  /** The run id when the path names one (artifacts/<run-id>/...). */
  runId: string | null;
  /** One record per boot: the last attempt. */
  boots: BootRecord[];
}

async function timelineFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name === "timeline.json")
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** <run>/<boot>/repeat.json of a run with `--runs`, by boot name. */
async function repeatFiles(dir: string): Promise<Map<string, RepeatFile>> {
  const found = new Map<string, RepeatFile>();
  for (const sub of await subdirs(dir)) {
    const text = await readFile(join(sub, REPEAT_FILE), "utf8").catch(() => undefined);
    if (!text) continue;
    try {
      const r = JSON.parse(text) as RepeatFile;
      if (r.v === 1 && typeof r.name === "string") found.set(r.name, r);
    } catch {
      // not a repeat verdict of ours
    }
  }
  return found;
}

/** A repeated boot: its last run's record, judged over all its runs. */
function withRepeat(b: BootRecord, r: RepeatFile | undefined): BootRecord {
  return r ? { ...b, ok: r.ok, summary: r.summary, repeat: repeatFacts(r) } : b;
}

const RUN_ID = /^\d{4}-\d\d-\d\dT[\d-]+Z-\d+$/;

/** The run id in a path (artifacts/<run-id>/<boot>/timeline.json, or latest → <run-id>). */
function runIdOf(path: string): string | null {
  return (
    path
      .split(sep)
      .reverse()
      .find((part) => RUN_ID.test(part)) ?? null
  );
}

/**
 * Read OLD or NEW of a comparison and refuse what it cannot stand for: a JUnit bootlog did not
 * write (a testsuite without our expectation.hash property: vitest's, say), or a run with no boot.
 */
export async function readRun(path: string): Promise<RunRecord> {
  const run = await readAnyRun(path);
  if (!run.boots.length) throw new RunReadError(`${path}: no boot in it (an empty run): nothing to compare`);
  const foreign = run.boots.find((b) => b.expectationHash === null);
  if (foreign)
    throw new RunReadError(
      `${path}: testsuite "${foreign.name}" was not written by bootlog (no expectation.hash property): compare reads bootlog's junit.xml, timeline.json or run directories`,
    );
  return run;
}

/** A JUnit file, a timeline.json, or a run directory, as records. */
async function readAnyRun(path: string): Promise<RunRecord> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new RunReadError(`${path}: no such file or directory`);
  const parse = async (file: string): Promise<BootRecord[]> => {
    const text = await readFile(file, "utf8");
    try {
      if (file.endsWith(".json")) return [recordFromTimeline(parseTimeline(text))];
      return recordsFromJunit(text);
    } catch (error) {
      throw new RunReadError(`${file}: ${(error as Error).message}`);
    }
  };
  const runId = runIdOf(await realpath(path));
  if (info.isFile()) return { source: path, runId, boots: await parse(path) };
  const timelines = await timelineFiles(path);
  const runs = new Set(timelines.map((t) => runIdOf(t)).filter((id) => id !== null && id !== runId));
  if (runs.size > 1)
    throw new RunReadError(
      `${path} holds ${runs.size} runs (${[...runs].slice(0, 3).join(", ")}…): name one run directory`,
    );
  if (timelines.length) {
    const repeats = await repeatFiles(path);
    const boots = lastAttempts((await Promise.all(timelines.map(parse))).flat()).map((b) =>
      withRepeat(b, repeats.get(b.name)),
    );
    return { source: path, runId: runId ?? [...runs][0] ?? null, boots };
  }
  const junit = join(path, "junit.xml");
  if (await stat(junit).catch(() => undefined)) return { source: path, runId, boots: await parse(junit) };
  throw new RunReadError(`${path}: neither timeline.json files nor a junit.xml in this directory`);
}
