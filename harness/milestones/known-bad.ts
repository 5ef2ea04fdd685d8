import type { KnownBad } from "../expectations/schema.ts";
import { outcomeAfter } from "../vocabulary.ts";
import { describeVerdict } from "./describe.ts";
import type { BootOutcome, MatcherVerdict } from "./matcher.ts";

export type KnownBadStatus = "reproduced" | "xpass" | "different";

export interface KnownBadJudgement {
  status: KnownBadStatus;
  message: string;
}

const symptom = (outcome: BootOutcome | "infra", after: string) => outcomeAfter(outcome, after, true);

/**
 * A known-bad boot that goes wrong exactly as recorded (same outcome, after the same milestone)
 * is reproduced; one that passes is XPASS; anything else is a different failure.
 */
export function judgeKnownBad(knownBad: KnownBad, verdict: MatcherVerdict): KnownBadJudgement {
  const expected = symptom(knownBad.outcome, knownBad.after);
  if (verdict.outcome === "pass")
    return { status: "xpass", message: `known-bad boot now passes; remove knownBad (expected ${expected}: ${knownBad.reason})` };
  if (verdict.outcome === knownBad.outcome && verdict.after === knownBad.after)
    return { status: "reproduced", message: `known-bad: ${outcomeAfter(knownBad.outcome, knownBad.after)} (${knownBad.reason})` };
  return {
    status: "different",
    message: `known-bad boot failed differently: expected ${expected} (${knownBad.reason}), got ${symptom(verdict.outcome, verdict.after)}`,
  };
}

/** A verdict's outcome, ok and one-line summary, with the known-bad judgement when there is one (a local boot, an imported one). */
export function judgedVerdict(
  verdict: MatcherVerdict,
  knownBad?: KnownBad,
): { outcome: MatcherVerdict["outcome"]; ok: boolean; summary: string; knownBad?: KnownBad & { judgement: KnownBadJudgement } } {
  const summary = describeVerdict(verdict);
  if (!knownBad) return { outcome: verdict.outcome, ok: verdict.outcome === "pass", summary };
  const judgement = judgeKnownBad(knownBad, verdict);
  return {
    outcome: verdict.outcome,
    ok: judgement.status === "reproduced",
    summary: judgement.status === "reproduced" ? `KNOWN-BAD ${summary}` : `${judgement.status === "xpass" ? "XPASS" : "CHANGED"} ${summary} — ${judgement.message}`,
    knownBad: { ...knownBad, judgement },
  };
}
