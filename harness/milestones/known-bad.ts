import type { KnownBad } from "../expectations/schema.ts";
import { outcomeAfter } from "../vocabulary.ts";
import { describeVerdict } from "./describe.ts";
import type { BootOutcome, MatcherVerdict } from "./matcher.ts";
import { compilePattern, describePattern } from "./pattern.ts";

/** clean: an intermittent known-bad (with a rate) that did not show in this one run; only many runs can tell XPASS. */
export type KnownBadStatus = "reproduced" | "xpass" | "different" | "clean";

export interface KnownBadJudgement {
  status: KnownBadStatus;
  message: string;
}

const symptom = (outcome: BootOutcome | "infra", after: string) => outcomeAfter(outcome, after, true);

/**
 * A known-bad boot that goes wrong exactly as recorded (same outcome, after the same milestone)
 * is reproduced; one that passes is XPASS; anything else is a different failure.
 */
/** What the boot showed besides its verdict: the console and the recovered lines, and the cause they name. */
export interface KnownBadEvidence {
  lines: string[];
  /** The cause as the summary states it (the telling lines), for the message when it differs. */
  cause: string;
}

/**
 * A known-bad boot that goes wrong exactly as recorded (same outcome, after the same milestone,
 * and showing its `shows` text when it names one) is reproduced; one that passes is XPASS;
 * anything else is a different failure, and a different cause says both causes.
 */
export function judgeKnownBad(
  knownBad: KnownBad,
  verdict: MatcherVerdict,
  evidence?: KnownBadEvidence,
): KnownBadJudgement {
  const expected = symptom(knownBad.outcome, knownBad.after);
  if (verdict.outcome === "pass" && knownBad.rate !== undefined)
    return {
      status: "clean",
      message: `intermittent known-bad (${expected} in ${Math.round(knownBad.rate * 100)} % of runs) did not show in this run: one run cannot tell (${knownBad.reason})`,
    };
  if (verdict.outcome === "pass")
    return {
      status: "xpass",
      message: `known-bad boot now passes; remove knownBad (expected ${expected}: ${knownBad.reason})`,
    };
  // Without evidence (a boot judged elsewhere, e.g. imported from LAVA) \`shows\` cannot be checked.
  if (
    verdict.outcome === knownBad.outcome &&
    verdict.after === knownBad.after &&
    knownBad.shows !== undefined &&
    evidence
  ) {
    const test = compilePattern(knownBad.shows);
    if (!evidence.lines.some(test))
      return {
        status: "different",
        message: `known-bad boot failed with another cause: expected it to show ${describePattern(knownBad.shows)} (${knownBad.reason}), but ${evidence.cause || "neither the console nor the post-mortem shows it"}`,
      };
  }
  if (verdict.outcome === knownBad.outcome && verdict.after === knownBad.after)
    return {
      status: "reproduced",
      message: `known-bad: ${outcomeAfter(knownBad.outcome, knownBad.after)} (${knownBad.reason})`,
    };
  return {
    status: "different",
    message: `known-bad boot failed differently: expected ${expected} (${knownBad.reason}), got ${symptom(verdict.outcome, verdict.after)}`,
  };
}

/** A verdict's outcome, ok and one-line summary, with the known-bad judgement when there is one (a local boot, an imported one). */
export function judgedVerdict(
  verdict: MatcherVerdict,
  knownBad?: KnownBad,
  /** What the post-mortem adds to the summary (` — memory shows ...`), and the lines \`shows\` is checked against. */
  memory: { said?: string; evidence?: KnownBadEvidence } = {},
): {
  outcome: MatcherVerdict["outcome"];
  ok: boolean;
  summary: string;
  knownBad?: KnownBad & { judgement: KnownBadJudgement };
} {
  const summary = describeVerdict(verdict) + (memory.said ?? "");
  if (!knownBad) return { outcome: verdict.outcome, ok: verdict.outcome === "pass", summary };
  const judgement = judgeKnownBad(knownBad, verdict, memory.evidence);
  return {
    outcome: verdict.outcome,
    ok: judgement.status === "reproduced" || judgement.status === "clean",
    summary:
      judgement.status === "reproduced"
        ? `KNOWN-BAD ${summary}`
        : judgement.status === "clean"
          ? `${summary} (intermittent known-bad not seen this run)`
          : `${judgement.status === "xpass" ? "XPASS" : "CHANGED"} ${summary} — ${judgement.message}`,
    knownBad: { ...knownBad, judgement },
  };
}
