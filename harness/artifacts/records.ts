/**
 * A boot as history sees it: outcome, where it stopped, each milestone's time and status.
 * The same shape comes from a BootResult (a run in this process), a timeline.json or a JUnit
 * testsuite (a run on disk), so compare, history and bisect read one thing.
 */
import type { KnownBadStatus } from "../milestones/known-bad.ts";
import type { BootResult } from "../result.ts";
import { endIndexOf, isJudged, outcomeAfter, roundSeconds as round, type ResultOutcome } from "../vocabulary.ts";
import { timelineJson, type Timeline } from "./timeline.ts";

/** What a boot run several times (`--runs`) keeps for history and compare: its counts and failure rate. */
export interface RepeatFacts {
  runs: number;
  /** Runs that were judged (not infra, not skipped). */
  judged: number;
  failures: number;
  rate: number | null;
  /** 95 % Wilson interval of the rate. */
  interval: { low: number; high: number } | null;
  class: "pass" | "fail" | "flaky" | "infra";
  counts: { symptom: string; count: number }[];
}

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
  /** The cause the post-mortem names (its telling lines), when there was one. */
  cause?: string | null;
  milestones: MilestonePoint[];
  /** Package name → version. */
  packages: Record<string, string>;
  /** Image role → its sha256 and `name=version` of its package (null: a user's file); empty when the run did not record them. */
  images: Record<string, { sha256: string; package: string | null }>;
  /** The expectation file as the run recorded it (relative to where it ran). */
  file: string | null;
  gitCommit: string | null;
  qemuVersion: string | null;
  expectationHash: string | null;
  attempt: number;
  startedAt: string | null;
  durationS: number | null;
  /** Set when the boot ran several times (`--runs`): the verdict over its runs. */
  repeat?: RepeatFacts | null;
}

/** A boot that ran and was judged (not infra, not skipped): only those can be compared. */
export const judged = (b: BootRecord): boolean => isJudged(b.outcome);

/** `pass`, or `hang after "xen-banner"`, or `infra`: how a boot ended, in a few words. */
export function symptomOf(b: BootRecord): string {
  if (b.outcome === "pass" || !judged(b)) return b.outcome;
  return outcomeAfter(b.outcome, b.after ?? "start");
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

/** The post-mortem's telling lines as one comparable text; null when it found none. */
export const causeOf = (telling: { line: string }[]): string | null =>
  telling.length ? telling.map((t) => t.line).join(" | ") : null;

/** A finished boot as history keeps it: the same record whether read live or back from its timeline.json. */
export function recordFromResult(r: BootResult): BootRecord {
  return recordFromTimeline(timelineJson(r));
}

export function recordFromTimeline(t: Timeline): BootRecord {
  const ids = t.milestones.map((m) => m.id);
  const reached = t.milestones.map((m) => m.reached);
  const pending = t.verdict?.pending ?? null;
  const statuses = milestoneStatuses(t.outcome, reached, endIndexOf(ids, reached, pending));
  return {
    name: t.name,
    outcome: t.outcome,
    ok: t.ok,
    summary: t.summary,
    after: t.verdict?.after ?? null,
    pending,
    knownBad: t.knownBad
      ? {
          outcome: t.knownBad.outcome,
          after: t.knownBad.after,
          reason: t.knownBad.reason,
          status: t.knownBad.judgement?.status ?? null,
        }
      : null,
    cause: t.postmortem ? causeOf(t.postmortem.telling) : null,
    milestones: t.milestones.map((m, i) => ({
      id: m.id,
      at: m.at === null ? null : round(m.at),
      status: statuses[i]!,
    })),
    packages: Object.fromEntries(t.packages.map((p) => [p.package, p.version])),
    images: Object.fromEntries(t.images.map((i) => [i.role, { sha256: i.sha256, package: i.package ?? null }])),
    file: t.file ?? null,
    gitCommit: t.gitCommit,
    qemuVersion: t.qemu.version,
    expectationHash: t.expectationHash,
    attempt: t.attempt,
    startedAt: t.startedAt,
    durationS: round(t.durationS),
  };
}
