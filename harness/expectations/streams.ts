import * as z from "zod";
import type { Milestone, Pattern } from "./schema.ts";

/**
 * Milestones per stream: several consoles share Xen's serial line (Xen's own `(XEN) ` lines,
 * dom0 through hvc without a prefix, domUs that Xen prefixes `(XEN) DOM1: `). Each stream is an
 * ordered list of its own; streams are independent except for `after`, which holds a stream
 * back until a milestone of another stream is reached.
 */

/** A prefix every line of the stream starts with (stripped before matching), or "" for the lines no other stream claims. */
export type StreamPrefix = Pattern | "";

/** Where a stream's lines come from when the expectation does not say. */
export function defaultPrefix(name: string): StreamPrefix | undefined {
  if (name === "xen") return "(XEN) ";
  if (name === "dom0") return "";
  const domU = /^d(\d+)$/.exec(name);
  return domU ? `(XEN) DOM${domU[1]}: ` : undefined;
}

export const STREAM_SEPARATOR = "/";

/** The id a stream's milestone has everywhere outside the stream (JUnit, timeline, knownBad.after). */
export const qualified = (stream: string, id: string) => `${stream}${STREAM_SEPARATOR}${id}`;

/** `stream/milestone` → its parts; undefined without a separator. */
export function splitQualified(id: string): { stream: string; id: string } | undefined {
  const at = id.indexOf(STREAM_SEPARATOR);
  return at < 0 ? undefined : { stream: id.slice(0, at), id: id.slice(at + 1) };
}

interface StreamLike {
  prefix?: StreamPrefix;
  after?: string;
  milestones: Milestone[];
}

/** Every stream's milestones as one list, ids qualified, in declaration order: what reports and history see. */
export function flattenStreams(streams: Record<string, StreamLike>): Milestone[] {
  return Object.entries(streams).flatMap(([name, s]) => s.milestones.map((m) => ({ ...m, id: qualified(name, m.id) })));
}

/** Control characters never survive the line splitter, so a prefix holding one can never match. */
const NEVER_IN_A_LINE = /[\x00-\x08\x0a-\x1f\x7f]/;

type Issue = { path: (string | number)[]; message: string };

/** Why a prefix cannot work: it would swallow every line or never see one. */
function prefixProblem(prefix: StreamPrefix): string | undefined {
  if (typeof prefix === "string")
    return NEVER_IN_A_LINE.test(prefix)
      ? `${JSON.stringify(prefix)} can never match: console lines hold no line breaks or control characters`
      : undefined;
  const re = prefix instanceof RegExp ? prefix : new RegExp(prefix.regex, prefix.flags);
  if (re.test(""))
    return `${String(re)} matches an empty prefix, i.e. every line: write "" for the stream that takes unprefixed lines`;
  if (NEVER_IN_A_LINE.test(re.source.replace(/\\[\\nrt]/g, "")) || /\\[nr]/.test(re.source))
    return `${String(re)} can never match: console lines hold no line breaks or control characters`;
  return undefined;
}

/** The checks that span streams: prefixes, `after` targets, cycles, and the known ids. */
export function streamIssues(streams: Record<string, StreamLike>): Issue[] {
  const issues: Issue[] = [];
  const names = Object.keys(streams);
  const literalOwner = new Map<string, string>();
  for (const [name, s] of Object.entries(streams)) {
    const prefix = s.prefix ?? defaultPrefix(name);
    if (prefix === undefined) {
      issues.push({
        path: ["streams", name, "prefix"],
        message: 'is required: only "xen", "dom0" and "d1", "d2"… have a default prefix',
      });
      continue;
    }
    const problem = prefixProblem(prefix);
    if (problem) issues.push({ path: ["streams", name, "prefix"], message: problem });
    if (typeof prefix === "string") {
      const twin = literalOwner.get(prefix);
      if (twin !== undefined)
        issues.push({
          path: ["streams", name, "prefix"],
          message: `${JSON.stringify(prefix)} is also the prefix of stream "${twin}": a line can belong to one stream only`,
        });
      else literalOwner.set(prefix, name);
    }
    const seen = new Map<string, number>();
    s.milestones.forEach((m, i) => {
      if (seen.has(m.id))
        issues.push({
          path: ["streams", name, "milestones", i, "id"],
          message: `duplicate milestone id "${m.id}" (also streams.${name}.milestones[${seen.get(m.id)}])`,
        });
      else seen.set(m.id, i);
    });
    if (s.after === undefined) continue;
    const target = splitQualified(s.after);
    if (!target)
      issues.push({
        path: ["streams", name, "after"],
        message: `write "stream/milestone" (e.g. "xen/xen-dom0-loading"), got "${s.after}"`,
      });
    else if (!streams[target.stream])
      issues.push({
        path: ["streams", name, "after"],
        message: `names no stream "${target.stream}" (known: ${names.join(", ")})`,
      });
    else if (!streams[target.stream]!.milestones.some((m) => m.id === target.id))
      issues.push({
        path: ["streams", name, "after"],
        message: `stream "${target.stream}" has no milestone "${target.id}" (known: ${streams[target.stream]!.milestones.map((m) => m.id).join(", ")})`,
      });
  }
  if (issues.length) return issues;
  const cycle = afterCycle(streams);
  if (cycle)
    issues.push({
      path: ["streams", cycle[0]!, "after"],
      message: `the streams wait for each other in a cycle: ${cycle.join(" → ")}; none could ever start`,
    });
  return issues;
}

/** A cycle in "stream waits for stream", as the names around it (first repeated at the end). */
function afterCycle(streams: Record<string, StreamLike>): string[] | undefined {
  const waitsFor = (name: string) => (streams[name]?.after ? splitQualified(streams[name]!.after!)!.stream : undefined);
  for (const start of Object.keys(streams)) {
    const path = [start];
    for (let next = waitsFor(start); next !== undefined; next = waitsFor(next)) {
      if (next === start) return [...path, start];
      if (path.includes(next)) break; // a cycle that does not pass through `start`: found from one of its own members
      path.push(next);
    }
  }
  return undefined;
}

/** Ids `knownBad.after` may name in a streamed expectation besides "start": "<stream>/start" and every `stream/milestone`. */
export function knownAfterIds(streams: Record<string, StreamLike>): string[] {
  return [
    ...Object.entries(streams).flatMap(([name, s]) => [
      qualified(name, "start"),
      ...s.milestones.map((m) => qualified(name, m.id)),
    ]),
  ];
}

/** One stream of an expectation; built from the schema's own parts so a milestone is validated the same everywhere. */
export function streamSchema<
  M extends z.ZodType,
  P extends z.ZodType,
  F extends z.ZodType,
  D extends z.ZodType,
>(parts: { milestone: M; pattern: P; failurePattern: F; duration: D }) {
  return z.strictObject({
    description: z.string().optional(),
    /** Lines starting with this belong to the stream (a RegExp is tried at the start of the line); "" takes the lines no other stream claims. */
    prefix: z.union([z.literal(""), parts.pattern]).optional(),
    /** `stream/milestone` that must be reached before this stream's milestones count (and its clocks start). */
    after: z.string().min(1).optional(),
    milestones: z.array(parts.milestone).min(1, "a stream needs at least one milestone"),
    /** The stream's last milestone must come this long after the stream started (its `after`, or the boot's start). */
    within: parts.duration.optional(),
    /** The stream must print at least this often once started, even while other streams keep the line busy. */
    silence: parts.duration.optional(),
    /** Failure patterns tried on this stream's lines only (prefix stripped). */
    failOn: z.array(parts.failurePattern).optional(),
  });
}
