/**
 * A boot as history sees it: outcome, where it stopped, each milestone's time and status.
 * The same shape comes from a BootResult (a run in this process), a timeline.json or a JUnit
 * testsuite (a run on disk), so compare, history and bisect read one thing.
 */
import type { KnownBadStatus } from "../milestones/known-bad.ts";
import type { BootResult, ResultOutcome } from "../result.ts";

/** A milestone's own outcome: reached (pass), where the boot ended (its outcome), after that (not-reached); infra/skip for boots that were not judged. */
export type MilestoneStatus = "pass" | "fail" | "hang" | "timeout" | "exited" | "not-reached" | "infra" | "skip";

export interface MilestonePoint {
  id: string;
  /** Seconds from the start of QEMU; null when not reached. */
  at: number | null;
  status: MilestoneStatus;
}

export interface BootRecord {
  name: string;
  outcome: ResultOutcome;
  ok: boolean;
  summary: string;
  /** Last milestone reached ("start" when none); null for boots that were not judged (infra, skip). */
  after: string | null;
  /** The milestone that was awaited when the boot ended. */
  pending: string | null;
  knownBad: { outcome: string; after: string; reason: string; status: KnownBadStatus | null } | null;
  milestones: MilestonePoint[];
  /** Package name → version. */
  packages: Record<string, string>;
  gitCommit: string | null;
  qemuVersion: string | null;
  expectationHash: string | null;
  attempt: number;
  startedAt: string | null;
  durationS: number | null;
}

/** A boot that ran and was judged (not infra, not skipped): only those can be compared. */
export const judged = (b: BootRecord): boolean => b.outcome !== "infra" && b.outcome !== "skip";

/** `pass`, or `hang after "xen-banner"`, or `infra`: how a boot ended, in a few words. */
export function symptomOf(b: BootRecord): string {
  if (b.outcome === "pass" || !judged(b)) return b.outcome;
  return `${b.outcome} after ${b.after ?? "start"}`;
}

/** Statuses for milestones given which were reached and where the boot ended (`endIndex`, -1 when it passed). */
export function milestoneStatuses(outcome: ResultOutcome, reached: boolean[], endIndex: number): MilestoneStatus[] {
  if (outcome === "infra" || outcome === "skip") return reached.map(() => outcome);
  return reached.map((r, i) => {
    if (r) return "pass";
    if (outcome === "pass" || i < endIndex) return "not-reached";
    return i === endIndex ? outcome : "not-reached";
  });
}

/** Where the boot ended: the pending milestone if known, else the first unreached one; -1 when every milestone was reached. */
export function endIndexOf(ids: string[], reached: boolean[], pending: string | null): number {
  const byPending = pending === null ? -1 : ids.indexOf(pending);
  return byPending >= 0 ? byPending : reached.indexOf(false);
}

const round = (s: number) => Math.round(s * 1000) / 1000;

export function recordFromResult(r: BootResult): BootRecord {
  const ids = r.milestones.map((m) => m.id);
  const reached = r.milestones.map((m) => m.at !== undefined);
  const pending = r.verdict?.pending ?? null;
  const statuses = milestoneStatuses(r.outcome, reached, endIndexOf(ids, reached, pending));
  return {
    name: r.name,
    outcome: r.outcome,
    ok: r.ok,
    summary: r.summary,
    after: r.verdict?.after ?? null,
    pending,
    knownBad: r.knownBad
      ? { outcome: r.knownBad.outcome, after: r.knownBad.after, reason: r.knownBad.reason, status: r.knownBad.judgement?.status ?? null }
      : null,
    milestones: r.milestones.map((m, i) => ({ id: m.id, at: m.at === undefined ? null : round(m.at), status: statuses[i]! })),
    packages: Object.fromEntries(r.packages.map((p) => [p.package, p.version])),
    gitCommit: r.gitCommit ?? null,
    qemuVersion: r.qemu.version ?? null,
    expectationHash: r.expectationHash,
    attempt: r.attempt,
    startedAt: r.startedAt,
    durationS: round(r.durationS),
  };
}

/** Of several attempts of the same boot, the last one is the boot's result. */
export function finalAttempts(records: BootRecord[]): BootRecord[] {
  const byName = new Map<string, BootRecord>();
  for (const r of records) {
    const seen = byName.get(r.name);
    if (!seen || r.attempt >= seen.attempt) byName.set(r.name, r);
  }
  return [...byName.values()];
}
