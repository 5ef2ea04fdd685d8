/** Plain data of a finished boot: what report/ and history/ read. */
import type { KnownBad } from "./expectations/schema.ts";
import type { MatcherVerdict, MilestoneRecord } from "./milestones/matcher.ts";
import type { KnownBadJudgement } from "./milestones/known-bad.ts";
import type { PostMortem } from "./postmortem/summary.ts";
import type { ResultOutcome } from "./vocabulary.ts";

export type { ResultOutcome };

export interface PackageVersion {
  package: string;
  version: string;
  arch: string;
}

export interface BootResult {
  name: string;
  file: string;
  outcome: ResultOutcome;
  /** One line a person reads first. */
  summary: string;
  /** Counts as success for CI and bisect: a pass, a reproduced known-bad, or a skip. */
  ok: boolean;
  verdict?: MatcherVerdict;
  knownBad?: KnownBad & { judgement?: KnownBadJudgement };
  milestones: MilestoneRecord[];
  /** Log text that led up to each milestone (capped), by milestone id; "end" after the last one. */
  slices: Record<string, string>;
  /** What guest RAM and the vCPUs said after a non-pass verdict (or any, with --postmortem always). */
  postmortem?: PostMortem;
  /** For infra and skip: what went wrong. */
  error?: string;
  startedAt: string;
  durationS: number;
  qemu: { binary: string; version?: string; argv: string[] };
  packages: PackageVersion[];
  reproduce: string;
  expectationHash: string;
  gitCommit?: string;
  dir: string;
  serialLog: string;
  attempt: number;
}
