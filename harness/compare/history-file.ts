/** `bootlog history`: the trend of a boot over runs, read from artifacts/history.jsonl (artifacts/history.ts). */
import picomatch from "picomatch";
import type { HistoryEntry } from "../artifacts/history.ts";
import { rateChange, rateOf, rateText } from "./rates.ts";

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
    const previous = entries
      .slice(0, i)
      .reverse()
      .find((p) => p.boot === e.boot);
    return [
      e.time.replace("T", " ").replace(/\.\d+Z$/, "Z"),
      ...(new Set(entries.map((x) => x.boot)).size > 1 ? [e.boot] : []),
      e.gitCommit ? e.gitCommit.slice(0, 10) : "-",
      e.repeat
        ? repeatOutcome(e, previous)
        : e.knownBad?.status === "reproduced"
          ? `${e.outcome} (known-bad)`
          : e.outcome,
      stoppedAt(e),
      `${reached.length}/${e.milestones.length}`,
      lastAt === undefined || lastAt === null ? "-" : `${lastAt.toFixed(2)} s`,
      String(e.attempts),
      changedPackages(e, previous) || "",
    ];
  });
  const multi = new Set(entries.map((x) => x.boot)).size > 1;
  const header = [
    "TIME",
    ...(multi ? ["BOOT"] : []),
    "COMMIT",
    "OUTCOME",
    "STOPPED AT",
    "REACHED",
    "LAST",
    "ATTEMPTS",
    "PACKAGES CHANGED",
  ];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((text, c) => (c === cells.length - 1 ? text : text.padEnd(widths[c]!)))
      .join("  ")
      .trimEnd();
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
