/**
 * timeline.json: everything about a boot except the log itself, for people and for history/.
 * Written and read through one zod schema, so a reader never trusts a cast.
 */
import { readFile } from "node:fs/promises";
import * as z from "zod";
import type { BootResult, HostShare } from "../result.ts";
import { describePattern } from "../milestones/pattern.ts";
import { BOOT_OUTCOMES, RESULT_OUTCOMES, roundSeconds } from "../vocabulary.ts";
import { secondsSincePrevious } from "./junit.ts";
import { postMortemTimelineSchema } from "../postmortem/timeline-schema.ts";
import { postMortemSummary } from "../postmortem/summary.ts";
import { streamOf } from "../milestones/stream-matcher.ts";

const cause = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("all-milestones") }),
  z.object({ kind: z.literal("failure-pattern"), pattern: z.string(), line: z.string() }),
  z.object({ kind: z.literal("silence"), silentS: z.number(), limitS: z.number() }),
  z.object({ kind: z.literal("within"), limitS: z.number() }),
  z.object({ kind: z.literal("budget"), limitS: z.number() }),
  z.object({ kind: z.literal("exit"), code: z.number().nullable(), signal: z.string().nullable() }),
]);

const verdict = z.object({
  outcome: z.enum(BOOT_OUTCOMES),
  at: z.number(),
  cause,
  after: z.string(),
  pending: z.string().optional(),
  lastLine: z.string(),
  /** With milestones per stream: the stream that ended the boot. */
  stream: z.object({ name: z.string(), prefix: z.string(), lines: z.number() }).optional(),
});

const knownBad = z.object({
  outcome: z.enum(["fail", "hang", "timeout", "exited"]),
  after: z.string(),
  reason: z.string(),
  /** The text its post-mortem or console must show, as written (a RegExp as /source/flags). */
  shows: z.string().optional(),
  tracking: z.string().optional(),
  rate: z.number().optional(),
  judgement: z
    .object({ status: z.enum(["reproduced", "xpass", "different", "clean"]), message: z.string() })
    .optional(),
});

const milestone = z.object({
  id: z.string(),
  /** Seconds from the start of QEMU; null when not reached. */
  at: z.number().nullable(),
  /** Seconds since the previous milestone (the first: since QEMU started); null when not reached. */
  sincePrevious: z.number().nullable(),
  reached: z.boolean(),
  /** With milestones per stream: the stream (the part of the id before "/"). */
  stream: z.string().optional(),
});

const seconds = z.number();
/** The host's share of the boot (result.ts HostShare); absent in timelines written before the guest's clock existed. */
const host = z.object({
  source: z.enum(["schedstat", "wall"]),
  note: z.string(),
  wallS: seconds,
  countedS: seconds,
  cpuS: seconds,
  waitedS: seconds,
  pressureS: seconds.optional(),
  lastSilence: z.object({ wallS: seconds, countedS: seconds }),
  starved: z.array(z.object({ fromS: seconds, toS: seconds, wallS: seconds, deniedS: seconds })),
});

export const timelineSchema = z.object({
  name: z.string(),
  file: z.string(),
  outcome: z.enum(RESULT_OUTCOMES),
  summary: z.string(),
  ok: z.boolean(),
  error: z.string().nullable(),
  startedAt: z.string(),
  durationS: z.number(),
  milestones: z.array(milestone),
  verdict: verdict.nullable(),
  knownBad: knownBad.nullable(),
  /** QEMU's CPU time and waiting, the boot and its last silence on the wall clock and on the guest's (which every time here uses). */
  host: host.nullable().default(null),
  /** What guest RAM and the vCPUs said; absent in timelines written before the post-mortem existed. */
  postmortem: postMortemTimelineSchema.nullable().default(null),
  packages: z.array(z.object({ package: z.string(), version: z.string(), arch: z.string() })),
  /** Per image role: the file's sha256 and `name=version` of its package. Absent in timelines written before it existed. */
  images: z
    .array(
      z.object({
        role: z.string(),
        sha256: z.string(),
        package: z.string().optional(),
        /** A Xen built from source (absent for packaged and user files). */
        build: z.object({ source: z.string(), options: z.string(), compiler: z.string() }).optional(),
      }),
    )
    .default([]),
  qemu: z.object({ binary: z.string(), version: z.string().nullable(), argv: z.array(z.string()) }),
  reproduce: z.string(),
  expectationHash: z.string(),
  /** The expectation as JSON, as hashed; absent in timelines written before it was kept. */
  expectation: z.record(z.string(), z.unknown()).nullable().default(null),
  gitCommit: z.string().nullable(),
  /** Absent in timelines written before retries existed: the first attempt. */
  attempt: z.number().int().positive().default(1),
  serialLog: z.string(),
});

export type Timeline = z.output<typeof timelineSchema>;

/** The content of timeline.json for a finished boot. */
export function timelineJson(r: BootResult): Timeline {
  const sincePrevious = secondsSincePrevious(r);
  return timelineSchema.parse({
    name: r.name,
    file: r.file,
    outcome: r.outcome,
    summary: r.summary,
    ok: r.ok,
    error: r.error ?? null,
    startedAt: r.startedAt,
    durationS: r.durationS,
    milestones: r.milestones.map((m, i) => {
      const reached = m.at !== undefined;
      const stream = streamOf(m.id);
      return {
        id: m.id,
        at: m.at ?? null,
        sincePrevious: reached ? (sincePrevious[i] ?? null) : null,
        reached,
        ...(stream ? { stream } : {}),
      };
    }),
    verdict: r.verdict ?? null,
    knownBad: r.knownBad
      ? { ...r.knownBad, shows: r.knownBad.shows === undefined ? undefined : describePattern(r.knownBad.shows) }
      : null,
    postmortem: r.postmortem ? postMortemSummary(r.postmortem) : null,
    host: r.host ? roundHost(r.host) : null,
    packages: r.packages,
    images: r.images ?? [],
    qemu: { binary: r.qemu.binary, version: r.qemu.version ?? null, argv: r.qemu.argv },
    reproduce: r.reproduce,
    expectationHash: r.expectationHash,
    expectation: r.expectation ?? null,
    gitCommit: r.gitCommit ?? null,
    attempt: r.attempt,
    serialLog: r.serialLog,
  });
}

export class TimelineError extends Error {
  override name = "TimelineError";
}

/** A timeline.json's text, checked against the schema; the error names the field. */
export function parseTimeline(text: string): Timeline {
  const parsed = timelineSchema.safeParse(JSON.parse(text));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new TimelineError(`not a bootlog timeline: ${issue.path.join(".") || "(top)"}: ${issue.message}`);
}

/** timeline.json, or undefined when it is missing or not a bootlog timeline. */
export async function readTimeline(file: string): Promise<Timeline | undefined> {
  try {
    return parseTimeline(await readFile(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** Milliseconds, as every time in the run's files. */
function roundHost(h: HostShare): HostShare {
  const r = roundSeconds;
  return {
    ...h,
    wallS: r(h.wallS),
    countedS: r(h.countedS),
    cpuS: r(h.cpuS),
    waitedS: r(h.waitedS),
    ...(h.pressureS === undefined ? {} : { pressureS: r(h.pressureS) }),
    lastSilence: { wallS: r(h.lastSilence.wallS), countedS: r(h.lastSilence.countedS) },
    starved: h.starved.map((x) => ({ fromS: r(x.fromS), toS: r(x.toS), wallS: r(x.wallS), deniedS: r(x.deniedS) })),
  };
}
