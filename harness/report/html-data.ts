/**
 * What the HTML report reads: a run directory's boots (their timeline.json and the tail of
 * serial.log) and, for the trend view, the same boot in earlier runs.
 *
 * History comes from the run directories themselves (<root>/<run>/<boot>/timeline.json,
 * newest N by startedAt), so the report depends on nothing but the artifacts a run writes.
 */
import { open, realpath, stat } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import { readFile } from "node:fs/promises";
import { runBoots, subdirs, type FoundBoot } from "../artifacts/run-dir.ts";
import type { Timeline } from "../artifacts/timeline.ts";
import { cleanLine } from "../console/lines.ts";
import { REPEAT_FILE, type RepeatFile } from "../artifacts/repeat-file.ts";
import { isInterruption } from "../interrupt.ts";

export interface BootView {
  timeline: Timeline;
  /** Absolute directory of the boot (holds serial.log). */
  dir: string;
  /** serial.log relative to the report file, or null when there is none. */
  serialHref: string | null;
  /** The last lines of serial.log (ANSI stripped), for boots that did not pass. */
  logTail: string[];
  /** How many attempts the run made (retries of infra outcomes). */
  attempts: number;
  /** With `--runs`: the verdict over the runs (this view's timeline is the last run). */
  repeat?: RepeatFile;
  /** The last lines of the post-mortem's recovered logs (empty without a post-mortem). */
  recovered?: { xen: string[]; linux: string[] };
}

export interface HistoryPoint {
  runId: string;
  timeline: Timeline;
  /** This point is the run being reported. */
  current: boolean;
}

export interface RunView {
  runId: string;
  runDir: string;
  boots: BootView[];
  /** Per boot name: the newest runs, oldest first, the current one included. */
  history: Map<string, HistoryPoint[]>;
  historyLimit: number;
  generatedAt: string;
}

export interface LoadRunOptions {
  /** Where the report will be written (links are relative to it). */
  outFile: string;
  /** Directories holding earlier run directories; default: the run directory's parent. */
  historyRoots?: string[];
  /** Runs per boot in the trend view, the current one included. */
  historyLimit?: number;
  /** Lines of serial.log shown before a failure. */
  tailLines?: number;
}

const TAIL_BYTES = 64 * 1024;

/** <run>/<boot>/repeat.json, when the boot ran several times. */
async function readRepeat(runDir: string, boot: string): Promise<RepeatFile | undefined> {
  try {
    const r = JSON.parse(await readFile(join(runDir, boot, REPEAT_FILE), "utf8")) as RepeatFile;
    return r.v === 1 && r.name === boot ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The last `lines` lines of a log, read from its end, ANSI and control characters removed. */
export async function logTail(file: string, lines: number): Promise<string[]> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch {
    return [];
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const all = buffer
      .toString("utf8")
      .split(/\r\n|\n|\r/)
      .map(cleanLine);
    if (length < size) all.shift(); // the first line is cut
    while (all.length && !all.at(-1)!.trim()) all.pop();
    return all.slice(-lines);
  } finally {
    await handle.close();
  }
}

/** A path as a relative URL (forward slashes, each segment encoded). */
export function relativeHref(from: string, to: string): string {
  return relative(from, to).split(sep).map(encodeURIComponent).join("/");
}

async function fileExists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Every run directory under the roots with a timeline.json per boot, deduplicated (artifacts/latest is a link). */
async function historyRuns(roots: string[]): Promise<Map<string, { runId: string; boots: FoundBoot[] }>> {
  const runs = new Map<string, { runId: string; boots: FoundBoot[] }>();
  for (const root of roots) {
    for (const dir of await subdirs(root)) {
      const real = await realpath(dir).catch(() => dir);
      if (runs.has(real)) continue;
      const boots = await runBoots(real);
      if (boots.length) runs.set(real, { runId: basename(real), boots });
    }
  }
  return runs;
}

export async function loadRun(runDir: string, opts: LoadRunOptions): Promise<RunView> {
  const real = await realpath(runDir).catch(() => {
    throw new Error(`no run directory ${runDir} (run "bootlog run" first, or name a directory under artifacts/)`);
  });
  const found = await runBoots(real);
  if (!found.length) throw new Error(`${runDir} holds no boot (no <boot>/timeline.json)`);
  const outDir = dirname(opts.outFile);
  const tailLines = opts.tailLines ?? 40;
  const boots: BootView[] = [];
  for (const { dir, timeline, attempts } of found) {
    const serial = join(dir, "serial.log");
    const hasSerial = await fileExists(serial);
    const failed = timeline.outcome !== "pass" && timeline.outcome !== "skip";
    const repeat = await readRepeat(real, timeline.name);
    boots.push({
      timeline,
      dir,
      serialHref: hasSerial ? relativeHref(outDir, serial) : null,
      logTail: failed && hasSerial ? await logTail(serial, tailLines) : [],
      attempts,
      ...(repeat ? { repeat } : {}),
      recovered: timeline.postmortem
        ? {
            xen: await logTail(join(dir, "xen-ring.log"), 2 * tailLines),
            linux: await logTail(join(dir, "guest-kernel.log"), 2 * tailLines),
          }
        : { xen: [], linux: [] },
    });
  }

  const historyLimit = Math.max(1, opts.historyLimit ?? 10);
  const runs = await historyRuns(opts.historyRoots?.length ? opts.historyRoots : [dirname(real)]);
  runs.set(real, { runId: basename(real), boots: found });
  const history = new Map<string, HistoryPoint[]>();
  for (const b of boots) {
    const points: HistoryPoint[] = [];
    for (const [dir, run] of runs) {
      const same = run.boots.find((x) => x.timeline.name === b.timeline.name);
      // Another run's interrupted boot is no point of the trend: it says nothing about the guest.
      if (same && (dir === real || !isInterruption(same.timeline.error)))
        points.push({ runId: run.runId, timeline: same.timeline, current: dir === real });
    }
    points.sort(
      (x, y) => x.timeline.startedAt.localeCompare(y.timeline.startedAt) || Number(x.current) - Number(y.current),
    );
    // The newest N, always ending at (and including) the current run.
    const upto = points.findIndex((p) => p.current);
    history.set(b.timeline.name, points.slice(0, upto + 1).slice(-historyLimit));
  }
  boots.sort((x, y) => x.timeline.name.localeCompare(y.timeline.name));
  return { runId: basename(real), runDir: real, boots, history, historyLimit, generatedAt: new Date().toISOString() };
}
