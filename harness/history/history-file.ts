/**
 * artifacts/history.jsonl: one compact JSON line per boot per run, appended when a run ends,
 * so `bootlog history <boot>` can show a trend without keeping every run directory.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import picomatch from "picomatch";
import type { BootResult } from "../result.ts";
import type { RepeatFacts } from "../repeat/run-repeated.ts";
import { rateChange, rateOf, rateText } from "../repeat/rates.ts";
import { recordFromResult, type BootRecord, type MilestonePoint } from "./records.ts";

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
export function appendHistory(artifactsRoot: string, runId: string, finals: BootResult[], allAttempts: BootResult[] = finals): void {
  const lines = finals.map((r) => JSON.stringify(historyEntry(runId, r, allAttempts.filter((a) => a.name === r.name).length || 1)));
  if (!lines.length) return;
  try {
    appendFileSync(historyPath(artifactsRoot), `${lines.join("\n")}\n`);
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

/** The last `last` entries of boots matching `boot` (a name or a glob), oldest first. */
export function historyOf(entries: HistoryEntry[], boot: string, last: number): HistoryEntry[] {
  const match = picomatch(boot);
  return entries.filter((e) => e.boot === boot || match(e.boot)).slice(-last);
}

/** Where a boot stopped, for the table: `-` for a pass, else the milestone it was waiting for. */
export function stoppedAt(e: HistoryEntry): string {
  if (e.outcome === "pass") return "-";
  if (e.after === null) return e.outcome;
  return e.pending ? `${e.pending} (after ${e.after})` : `after ${e.after}`;
}

function changedPackages(e: HistoryEntry, previous: HistoryEntry | undefined): string {
  if (!previous) return "";
  const changed = Object.entries(e.packages).filter(([name, version]) => previous.packages[name] !== version);
  const gone = Object.keys(previous.packages).filter((name) => !(name in e.packages));
  return [...changed.map(([name, version]) => `${name} ${version}`), ...gone.map((name) => `-${name}`)].join(", ");
}

/** A repeated boot's cell: class and rate with its interval; ▲ when it rose significantly since the previous entry. */
function repeatOutcome(e: HistoryEntry, previous: HistoryEntry | undefined): string {
  const now = rateOf(e);
  const before = previous ? rateOf(previous) : undefined;
  const rose = now && before && rateChange(before, now) === "rose" ? " ▲ rate rose significantly" : "";
  return `${e.repeat!.class} ${now ? rateText(now) : "not judged"}${rose}`;
}

/** The history table: one row per run of a boot, oldest first, with the milestone where each stopped. */
export function formatHistory(entries: HistoryEntry[]): string {
  if (!entries.length) return "no history (runs append to artifacts/history.jsonl)";
  const rows = entries.map((e, i) => {
    const reached = e.milestones.filter((m) => m.status === "pass");
    const lastAt = reached.at(-1)?.at;
    const previous = entries.slice(0, i).reverse().find((p) => p.boot === e.boot);
    return [
      e.time.replace("T", " ").replace(/\.\d+Z$/, "Z"),
      ...(new Set(entries.map((x) => x.boot)).size > 1 ? [e.boot] : []),
      e.gitCommit ? e.gitCommit.slice(0, 10) : "-",
      e.repeat ? repeatOutcome(e, previous) : e.knownBad?.status === "reproduced" ? `${e.outcome} (known-bad)` : e.outcome,
      stoppedAt(e),
      `${reached.length}/${e.milestones.length}`,
      lastAt === undefined || lastAt === null ? "-" : `${lastAt.toFixed(2)} s`,
      String(e.attempts),
      changedPackages(e, previous) || "",
    ];
  });
  const multi = new Set(entries.map((x) => x.boot)).size > 1;
  const header = ["TIME", ...(multi ? ["BOOT"] : []), "COMMIT", "OUTCOME", "STOPPED AT", "REACHED", "LAST", "ATTEMPTS", "PACKAGES CHANGED"];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((text, c) => (c === cells.length - 1 ? text : text.padEnd(widths[c]!))).join("  ").trimEnd();
  const newest = entries.at(-1)!;
  const versions = Object.entries(newest.packages).map(([name, version]) => `${name} ${version}`);
  return [
    line(header),
    ...rows.map(line),
    "",
    `newest run ${newest.runId}: ${newest.summary}`,
    ...(versions.length ? [`packages: ${versions.join(", ")}`] : []),
  ].join("\n");
}
