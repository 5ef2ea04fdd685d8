import type { SendContext, StreamSpec } from "../expectations/schema.ts";
import { BootMatcher, type MatcherSpec, type MilestoneRecord } from "./matcher.ts";
import { StreamMatcher } from "./stream-matcher.ts";

/** What the runner needs of a matcher: the single ordered list and milestones per stream both are one. */
export type ConsoleMatcher = Pick<
  BootMatcher,
  "chunk" | "tick" | "exit" | "verdict" | "reached" | "nextDeadline" | "windowDeadline"
>;

/** An expectation as the judge sees it: the ordered list, and `streams` when it declares them. */
export type JudgeSpec = MatcherSpec & { streams?: Record<string, StreamSpec> };

/** The matcher an expectation asks for: milestones per stream when it declares streams, else the ordered list. */
export function matcherFor(spec: JudgeSpec, context: SendContext = {}, startAt = 0): ConsoleMatcher {
  return spec.streams
    ? new StreamMatcher({ ...spec, streams: spec.streams }, context, startAt)
    : new BootMatcher(spec, context, startAt);
}

/**
 * Milestones reached since the last call, in the order they were reached. With streams the
 * flattened list is not in console order; with one list this is the list's next entries.
 */
export function newlyReached(reached: readonly MilestoneRecord[], announced: Set<string>): MilestoneRecord[] {
  const fresh = reached.filter((r) => r.at !== undefined && !announced.has(r.id));
  for (const r of fresh) announced.add(r.id);
  return fresh.length > 1 ? fresh.sort((a, b) => a.at! - b.at!) : fresh;
}
