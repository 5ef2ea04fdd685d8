/**
 * artifacts/history.jsonl: one compact JSON line per boot per run, appended when a run ends,
 * so `bootlog history <boot>` can show a trend without keeping every run directory.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { BootResult } from "../result.ts";
import { recordFromResult, type BootRecord, type MilestonePoint, type RepeatFacts } from "./records.ts";

export const HISTORY_FILE = "history.jsonl";

export interface HistoryEntry {
  v: 1;
  runId: string;
  /** When the boot started (ISO). */
  time: string;
  boot: string;
  gitCommit: string | null;
  outcome: BootRecord["outcome"];
  ok: boolean;
  /** Last milestone reached; null when not judged. */
  after: string | null;
  pending: string | null;
  summary: string;
  knownBad: BootRecord["knownBad"];
  /** Attempts the boot took (retries for infra). */
  attempts: number;
  durationS: number | null;
  packages: Record<string, string>;
  qemu: string | null;
  expectationHash: string | null;
  milestones: MilestonePoint[];
  /** Present when the boot ran several times (`--runs`): the verdict over the runs. */
  repeat?: RepeatFacts;
}

export function historyPath(artifactsRoot: string): string {
  return join(artifactsRoot, HISTORY_FILE);
}

export function historyEntry(runId: string, r: BootResult, attempts: number): HistoryEntry {
  const b = recordFromResult(r);
  return {
    v: 1,
    runId,
    time: b.startedAt ?? new Date().toISOString(),
    boot: b.name,
    gitCommit: b.gitCommit,
    outcome: b.outcome,
    ok: b.ok,
    after: b.after,
    pending: b.pending,
    summary: b.summary,
    knownBad: b.knownBad,
    attempts,
    durationS: b.durationS,
    packages: b.packages,
    qemu: b.qemuVersion,
    expectationHash: b.expectationHash,
    milestones: b.milestones,
  };
}

/**
 * Append one line per boot of a finished run, in a single write to a file opened for
 * appending, so concurrent runs never interleave inside a line. A history that cannot be
 * written is a warning, never a failed run.
 */
export function appendHistory(
  artifactsRoot: string,
  runId: string,
  finals: BootResult[],
  allAttempts: BootResult[] = finals,
): void {
  appendHistoryLines(
    artifactsRoot,
    finals.map((r) => historyEntry(runId, r, allAttempts.filter((a) => a.name === r.name).length || 1)),
  );
}

/** Entries appended in one write (see appendHistory); a history that cannot be written is a warning. */
export function appendHistoryLines(artifactsRoot: string, entries: HistoryEntry[]): void {
  if (!entries.length) return;
  try {
    appendFileSync(historyPath(artifactsRoot), `${entries.map((e) => JSON.stringify(e)).join("\n")}\n`);
  } catch (error) {
    process.stderr.write(`bootlog: could not append to ${historyPath(artifactsRoot)}: ${(error as Error).message}\n`);
  }
}

/** Every entry, oldest first; lines that do not parse (a crashed writer, a newer format) are skipped. */
export function readHistory(artifactsRoot: string): HistoryEntry[] {
  let text: string;
  try {
    text = readFileSync(historyPath(artifactsRoot), "utf8");
  } catch {
    return [];
  }
  return text.split("\n").flatMap((line) => {
    if (!line.trim()) return [];
    try {
      const entry = JSON.parse(line) as HistoryEntry;
      return entry && entry.v === 1 && typeof entry.boot === "string" ? [entry] : [];
    } catch {
      return [];
    }
  });
}
