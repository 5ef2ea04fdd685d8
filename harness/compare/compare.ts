/**
 * Compare two runs boot by boot and milestone by milestone: what regressed, what got fixed,
 * how known-bad boots changed, which boots came or went, and which milestones drifted later.
 */
import { EXIT_FAIL, EXIT_OK, outcomeAfter } from "../vocabulary.ts";
import { judged, symptomOf, type BootRecord, type MilestoneStatus } from "../artifacts/records.ts";
import type { RunRecord } from "../artifacts/read-run.ts";
import { bootDifferences, type BootDifferences } from "./changes.ts";
import { rateChange, rateOf, rateText } from "./rates.ts";

import { DEFAULT_DRIFT, type DriftThresholds } from "./drift.ts";

export { DEFAULT_DRIFT, type DriftThresholds };

export type ChangeKind = "regression" | "fix" | "known-bad" | "changed" | "new" | "removed" | "not-comparable";

export interface MilestoneChange {
  id: string;
  /** "absent": the milestone is not in that run's expectation. */
  old: MilestoneStatus | "absent";
  new: MilestoneStatus | "absent";
  oldAt: number | null;
  newAt: number | null;
}

export interface BootChange {
  boot: string;
  kind: ChangeKind;
  /** One line: what changed. */
  message: string;
  old: string | null;
  new: string | null;
  /** Milestones whose status changed. */
  milestones: MilestoneChange[];
  /** Counts toward the exit code: milestones that were reached before are not any more. */
  regressed: boolean;
  /** What else changed between the two runs of this boot (packages, images, QEMU, expectation, commit); absent for new and removed boots. */
  differences?: BootDifferences;
}

export interface Drift {
  boot: string;
  milestone: string;
  oldAt: number;
  newAt: number;
  deltaS: number;
  percent: number;
}

export interface Comparison {
  old: { source: string; runId: string | null; boots: number };
  new: { source: string; runId: string | null; boots: number };
  thresholds: DriftThresholds;
  changes: BootChange[];
  drift: Drift[];
  /** Boots present in both runs with the same result. */
  unchanged: string[];
  regressed: boolean;
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

function milestoneChanges(old: BootRecord, now: BootRecord): MilestoneChange[] {
  const oldById = new Map(old.milestones.map((m) => [m.id, m]));
  const newById = new Map(now.milestones.map((m) => [m.id, m]));
  const ids = [...now.milestones.map((m) => m.id), ...old.milestones.map((m) => m.id).filter((id) => !newById.has(id))];
  return ids
    .map((id) => {
      const o = oldById.get(id);
      const n = newById.get(id);
      return {
        id,
        old: o?.status ?? "absent",
        new: n?.status ?? "absent",
        oldAt: o?.at ?? null,
        newAt: n?.at ?? null,
      } as MilestoneChange;
    })
    .filter((c) => c.old !== c.new);
}

/** Milestones reached in both runs that came more than `percent` % and `seconds` s later. */
export function driftOf(old: BootRecord, now: BootRecord, t: DriftThresholds): Drift[] {
  const oldAt = new Map(old.milestones.filter((m) => m.status === "pass" && m.at !== null).map((m) => [m.id, m.at!]));
  return now.milestones.flatMap((m) => {
    const before = oldAt.get(m.id);
    if (m.status !== "pass" || m.at === null || before === undefined) return [];
    const deltaS = m.at - before;
    const percent = before > 0 ? (deltaS / before) * 100 : Number.POSITIVE_INFINITY;
    if (deltaS <= t.seconds || percent <= t.percent) return [];
    return [
      {
        boot: now.name,
        milestone: m.id,
        oldAt: before,
        newAt: m.at,
        deltaS: round(deltaS),
        percent: Number.isFinite(percent) ? round(percent, 1) : percent,
      },
    ];
  });
}

const knownBadSymptom = (b: BootRecord) => (b.knownBad ? outcomeAfter(b.knownBad.outcome, b.knownBad.after) : "");

/** How one boot present in both runs changed; undefined when it did not. */
export function compareBoot(old: BootRecord, now: BootRecord): BootChange | undefined {
  const from = symptomOf(old);
  const to = symptomOf(now);
  const base = { boot: now.name, old: from, new: to };
  if (!judged(old) || !judged(now)) {
    if (old.outcome === now.outcome) return undefined;
    return {
      ...base,
      kind: "not-comparable",
      message: `${from} → ${to}: ${!judged(now) ? now.summary : "the old run was not judged"}`,
      milestones: [],
      regressed: false,
    };
  }
  if (old.repeat || now.repeat) return compareRepeated(old, now, base);
  const milestones = milestoneChanges(old, now);
  const lost = milestones.filter((m) => m.old === "pass" && m.new !== "pass" && m.new !== "absent");
  const gained = milestones.filter((m) => m.new === "pass" && m.old !== "pass" && m.old !== "absent");
  const sameKnownBad = knownBadSymptom(old) === knownBadSymptom(now) && old.knownBad?.status === now.knownBad?.status;
  // The same symptom from another cause (what memory shows changed) is a known-bad change too.
  const causeChanged = from === to && now.outcome !== "pass" && !!old.cause && !!now.cause && old.cause !== now.cause;
  if (causeChanged && sameKnownBad)
    return {
      ...base,
      kind: "known-bad",
      message: `${to}, cause changed: ${old.cause} → ${now.cause}`,
      milestones,
      regressed: false,
    };

  if (now.knownBad || old.knownBad) {
    if (from === to && sameKnownBad) return undefined;
    const status = now.knownBad?.status;
    const moved =
      old.outcome !== "pass" && now.outcome !== "pass" && old.after !== now.after
        ? `${now.outcome} moved ${gained.length ? "later" : "earlier"}: after ${old.after} → after ${now.after}`
        : `${from} → ${to}`;
    const message = !now.knownBad
      ? `knownBad removed: ${from} → ${to}`
      : status === "xpass"
        ? `XPASS: known-bad boot now passes (expected ${knownBadSymptom(now)}: ${now.knownBad.reason})`
        : status === "different"
          ? `different failure: expected ${knownBadSymptom(now)}, got ${to} (${moved})`
          : old.knownBad
            ? `${moved}; known-bad reproduced (${now.knownBad.reason})`
            : `now known-bad: ${to} (${now.knownBad.reason}); was ${from}`;
    return { ...base, kind: "known-bad", message, milestones, regressed: lost.length > 0 && !now.ok };
  }
  if (lost.length) {
    const first = lost[0]!;
    return {
      ...base,
      kind: "regression",
      message: `${from} → ${to} (${first.id}: ${first.old} → ${first.new})`,
      milestones,
      regressed: true,
    };
  }
  if (gained.length) {
    const message = now.outcome === "pass" ? `${from} → pass` : `${from} → ${to}: gets further, still failing`;
    return { ...base, kind: "fix", message, milestones, regressed: false };
  }
  if (from !== to || old.outcome !== now.outcome)
    return { ...base, kind: "changed", message: `${from} → ${to}: ${now.summary}`, milestones, regressed: false };
  return undefined;
}

/**
 * Boots run several times compare by failure rate: a rate whose 95 % interval now lies wholly
 * above the old one rose significantly (a regression), wholly below fell (a fix); overlapping
 * intervals are a change within chance, or nothing when the counts and verdict are the same.
 */
function compareRepeated(
  old: BootRecord,
  now: BootRecord,
  base: { boot: string; old: string; new: string },
): BootChange | undefined {
  const before = rateOf(old);
  const after = rateOf(now);
  if (!before || !after) return undefined;
  const change = rateChange(before, after);
  const text = `failure rate ${rateText(before)} → ${rateText(after)}`;
  const b = { ...base, old: rateText(before), new: rateText(after), milestones: [] };
  if (change === "rose")
    return {
      ...b,
      kind: now.knownBad ? "known-bad" : "regression",
      message: `${text}: rose significantly (the intervals do not overlap)`,
      regressed: !now.ok || !now.knownBad,
    };
  if (change === "fell") return { ...b, kind: "fix", message: `${text}: fell significantly`, regressed: false };
  if (before.failures / before.judged === after.failures / after.judged && old.ok === now.ok) return undefined;
  if (old.ok && !now.ok)
    return {
      ...b,
      kind: now.knownBad ? "known-bad" : "changed",
      message: `${text}: within chance (the intervals overlap), but now ${now.summary}`,
      regressed: false,
    };
  return { ...b, kind: "changed", message: `${text}: within chance (the intervals overlap)`, regressed: false };
}

export function compareRuns(old: RunRecord, now: RunRecord, thresholds: DriftThresholds = DEFAULT_DRIFT): Comparison {
  const oldByName = new Map(old.boots.map((b) => [b.name, b]));
  const newByName = new Map(now.boots.map((b) => [b.name, b]));
  const changes: BootChange[] = [];
  const drift: Drift[] = [];
  const unchanged: string[] = [];
  for (const b of now.boots) {
    const before = oldByName.get(b.name);
    if (!before) {
      changes.push({
        boot: b.name,
        kind: "new",
        message: `new boot: ${symptomOf(b)}`,
        old: null,
        new: symptomOf(b),
        milestones: [],
        regressed: false,
      });
      continue;
    }
    const change = compareBoot(before, b);
    if (change) changes.push({ ...change, differences: bootDifferences(before, b) });
    else unchanged.push(b.name);
    if (judged(before) && judged(b)) drift.push(...driftOf(before, b, thresholds));
  }
  for (const b of old.boots)
    if (!newByName.has(b.name))
      changes.push({
        boot: b.name,
        kind: "removed",
        message: `removed boot (was ${symptomOf(b)})`,
        old: symptomOf(b),
        new: null,
        milestones: [],
        regressed: false,
      });
  return {
    old: { source: old.source, runId: old.runId, boots: old.boots.length },
    new: { source: now.source, runId: now.runId, boots: now.boots.length },
    thresholds,
    changes,
    drift,
    unchanged,
    regressed: changes.some((c) => c.regressed),
  };
}

/** 1 when anything regressed (or drifted, with failOnDrift), else 0. */
export function compareExitCode(c: Comparison, options: { failOnDrift?: boolean } = {}): number {
  return c.regressed || (options.failOnDrift && c.drift.length > 0) ? EXIT_FAIL : EXIT_OK;
}
