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

/** The file booted for one image role: its sha256 and the package it came from. */
export interface ImageRecord {
  role: string;
  sha256: string;
  /** `name=version` of its Debian package; absent for a user's file. */
  package?: string;
  /** A Xen built from source: where from (version or commit), its Kconfig options, the compiler. */
  build?: { source: string; options: string; compiler: string };
}

/** A stretch where the host held the guest back for at least half the wall time. */
export interface StarvedStretch {
  /** Where it starts and ends on the guest's clock (seconds from QEMU's start). */
  fromS: number;
  toS: number;
  /** The wall time it took, and how much of it the guest was denied. */
  wallS: number;
  deniedS: number;
}

/** The host's share of one boot (runner/counted-clock.ts says how it is counted). */
export interface HostShare {
  /** `schedstat`: wall time minus the time QEMU's vCPUs waited for a CPU; `wall`: schedstat could not be read (`note` says why). */
  source: "schedstat" | "wall";
  /** Which threads were counted, or why the clock is wall time. */
  note: string;
  /** The boot on the wall clock and on the guest's clock. */
  wallS: number;
  countedS: number;
  /** QEMU's CPU time, all threads. */
  cpuS: number;
  /** Time QEMU's threads waited for a CPU, summed over threads (may exceed wall time). */
  waitedS: number;
  /** Seconds of the boot in which some task on the host waited for a CPU (PSI), when the kernel has it. */
  pressureS?: number;
  /** The last silence (from the last console output to the verdict) on both clocks. */
  lastSilence: { wallS: number; countedS: number };
  /** Stretches the host held the guest back. */
  starved: StarvedStretch[];
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
  /**
   * The host's share of the boot: QEMU's CPU time and waiting, the boot and its last silence on the
   * guest's clock (which every milestone time, verdict and limit uses) and on the wall clock.
   * Absent when QEMU never started.
   */
  host?: HostShare;
  /** For infra and skip: what went wrong. */
  error?: string;
  startedAt: string;
  durationS: number;
  qemu: { binary: string; version?: string; argv: string[] };
  packages: PackageVersion[];
  /** Per image role, once the images were prepared. */
  images?: ImageRecord[];
  /** Build logs to keep beside serial.log: artifact file name → the log (a source-built Xen, also when its build failed). */
  buildLogs?: Record<string, string>;
  reproduce: string;
  expectationHash: string;
  /** The expectation as JSON (artifacts/provenance.ts expectationForm): compare diffs it field by field. */
  expectation?: Record<string, unknown>;
  gitCommit?: string;
  dir: string;
  serialLog: string;
  attempt: number;
}
