import { join } from "node:path";
import type { BootResult } from "../result.ts";
import { streamOf } from "../milestones/stream-matcher.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import { junitForBoots, secondsSincePrevious } from "./junit.ts";

export interface TimelineMilestone {
  id: string;
  /** Seconds from the start of QEMU; null when not reached. */
  at: number | null;
  /** Seconds since the previous milestone (the first: since QEMU started); null when not reached. */
  sincePrevious: number | null;
  reached: boolean;
  /** With milestones per stream: the stream (the part of the id before "/"). */
  stream?: string;
}

/** The content of timeline.json: everything about a boot except the log itself, for people and for history/. */
export function timelineJson(r: BootResult) {
  return {
    name: r.name,
    file: r.file,
    outcome: r.outcome,
    summary: r.summary,
    ok: r.ok,
    error: r.error ?? null,
    startedAt: r.startedAt,
    durationS: r.durationS,
    milestones: timelineMilestones(r),
    verdict: r.verdict ?? null,
    knownBad: r.knownBad ?? null,
    packages: r.packages,
    qemu: { binary: r.qemu.binary, version: r.qemu.version ?? null, argv: r.qemu.argv },
    reproduce: r.reproduce,
    expectationHash: r.expectationHash,
    gitCommit: r.gitCommit ?? null,
    attempt: r.attempt,
    serialLog: r.serialLog,
  };
}

export type Timeline = ReturnType<typeof timelineJson>;

function timelineMilestones(r: BootResult): TimelineMilestone[] {
  const since = secondsSincePrevious(r);
  return r.milestones.map((m, i) => {
    const reached = m.at !== undefined;
    const stream = streamOf(m.id);
    return { id: m.id, at: m.at ?? null, sincePrevious: reached ? (since[i] ?? null) : null, reached, ...(stream ? { stream } : {}) };
  });
}

/** A boot's own artifacts next to its serial.log: r.dir/junit.xml and r.dir/timeline.json. */
export async function writeBootArtifacts(r: BootResult): Promise<void> {
  await writeFileAtomic(join(r.dir, "junit.xml"), junitForBoots([r]));
  await writeFileAtomic(join(r.dir, "timeline.json"), `${JSON.stringify(timelineJson(r), null, 2)}\n`);
}

/** The combined artifacts/<run-id>/junit.xml that CI reads: every boot of the run. */
export async function writeRunJunit(runDir: string, results: BootResult[]): Promise<void> {
  await writeFileAtomic(join(runDir, "junit.xml"), junitForBoots(results));
}
