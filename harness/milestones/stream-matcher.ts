import type { ConsoleChunk } from "../console/lines.ts";
import { StreamRouter, type Routed } from "../console/stream-router.ts";
import { parseDuration } from "../expectations/duration.ts";
import { timed } from "../expectations/loader.ts";
import type { FailurePattern } from "../expectations/failure-patterns.ts";
import type { SendContext, StreamSpec } from "../expectations/schema.ts";
import { defaultPrefix, qualified, splitQualified, type StreamPrefix } from "../expectations/streams.ts";
import {
  BootMatcher,
  type BootOutcome,
  type Cause,
  type MatcherVerdict,
  type MilestoneRecord,
  type Step,
} from "./matcher.ts";
import { compileAny, compilePattern, describePattern, type TextTest } from "./pattern.ts";

const NOTHING: Step = Object.freeze({ sends: Object.freeze([]) as unknown as string[] });
const NON_BLANK = /\S/;

export interface StreamMatcherSpec {
  streams: Record<string, StreamSpec>;
  /** Global failure patterns: tried on every whole line, prefix and all. */
  failOn: FailurePattern[];
  silenceS: number;
  budgetS: number;
}

interface Failures {
  any: TextTest;
  each: { pattern: FailurePattern; test: TextTest; seen: number }[];
}

interface Stream {
  name: string;
  spec: StreamSpec;
  prefix: StreamPrefix;
  /** Where its milestones sit in the flattened list. */
  offset: number;
  failures: Failures;
  withinS?: number;
  /** Waits for this flattened index to be reached. */
  gate?: number;
  /** The stream's ordered matcher, made when the stream starts (its `after` reached): its clocks start then. */
  matcher?: BootMatcher;
  openedAt?: number;
  copied: number;
  lines: number;
  lastLine: string;
}

function compileFailures(patterns: FailurePattern[]): Failures {
  return {
    any: compileAny(patterns.map((p) => p.match)),
    each: patterns.map((pattern) => ({ pattern, test: compilePattern(pattern.match), seen: 0 })),
  };
}

/** The failure pattern this line completes, if any (counting occurrences for `nth`). */
function failureOn(failures: Failures, line: string): string | undefined {
  if (!failures.any(line)) return undefined;
  for (const f of failures.each) {
    if (!f.test(line)) continue;
    f.seen += 1;
    if (f.seen >= (f.pattern.nth ?? 1)) return `${f.pattern.id} ${describePattern(f.pattern.match)}`;
  }
  return undefined;
}

const prefixText = (prefix: StreamPrefix) => (typeof prefix === "string" ? prefix : describePattern(prefix));

/**
 * Milestones per stream: one ordered BootMatcher per stream, fed the stream's own lines (its
 * prefix taken off), started when the milestone its `after` names is reached. Like BootMatcher,
 * a pure state machine over (chunks, clock) with the same interface.
 *
 * Clocks: the boot's `silence` watches the whole line; a stream's `silence` watches its own lines
 * only, so a domU that stops while dom0 keeps printing is still a hang. A stream's `within` bounds
 * its last milestone from its start. Failure patterns: the boot's on every whole line, a stream's
 * on its own lines.
 */
export class StreamMatcher {
  private readonly streams: Stream[];
  private readonly router: StreamRouter;
  private readonly records: MilestoneRecord[];
  private readonly global: Failures;
  private lastOutputAt: number;
  private lastLine = "";
  /** The stream the unterminated tail went to (-1: none). */
  private tailOwner = -1;
  private final?: MatcherVerdict;

  constructor(
    private readonly spec: StreamMatcherSpec,
    private readonly context: SendContext = {},
    private readonly startAt = 0,
  ) {
    let offset = 0;
    const index = new Map<string, number>();
    this.streams = Object.entries(spec.streams).map(([name, s]) => {
      s.milestones.forEach((m, i) => index.set(qualified(name, m.id), offset + i));
      const stream: Stream = {
        name,
        spec: s,
        prefix: s.prefix ?? defaultPrefix(name) ?? "",
        offset,
        failures: compileFailures(s.failOn ?? []),
        withinS: s.within ? parseDuration(s.within) : undefined,
        copied: 0,
        lines: 0,
        lastLine: "",
      };
      offset += s.milestones.length;
      return stream;
    });
    for (const s of this.streams) if (s.spec.after) s.gate = index.get(s.spec.after);
    this.records = this.streams.flatMap((s) => s.spec.milestones.map((m) => ({ id: qualified(s.name, m.id) })));
    this.router = new StreamRouter(this.streams.map((s) => s.prefix));
    this.global = compileFailures(spec.failOn);
    this.lastOutputAt = startAt;
    for (const s of this.streams) if (s.gate === undefined) this.open(s, startAt);
  }

  get verdict(): MatcherVerdict | undefined {
    return this.final;
  }

  /** Every stream's milestones, in the expectation's flattened order (not the order they were reached). */
  get reached(): readonly MilestoneRecord[] {
    return this.records;
  }

  chunk(at: number, chunk: ConsoleChunk): Step {
    if (this.final) return NOTHING;
    this.lastOutputAt = at;
    let sends: string[] | undefined;
    for (let i = 0; i < chunk.lines.length && !this.final; i++) {
      const line = chunk.lines[i]!;
      this.lastLine = line;
      const globalFailure = failureOn(this.global, line);
      const parts = this.router.line(line);
      if (globalFailure) {
        this.fail(at, globalFailure, line, this.streams[parts[0]!.stream]);
        break;
      }
      parts.forEach((part, p) => {
        // Only the first piece of the first line completes the tail read before.
        if (i === 0 && p === 0 && this.tailOwner >= 0 && this.tailOwner !== part.stream)
          this.streams[this.tailOwner]!.matcher?.dropTail();
        if (!this.final) sends = this.feed(at, part, { lines: [part.text], tail: "" }, sends);
      });
      if (i === 0) this.tailOwner = -1;
    }
    if (!this.final && chunk.tail) {
      if (NON_BLANK.test(chunk.tail)) this.lastLine = chunk.tail;
      const part = this.router.line(chunk.tail).at(-1)!;
      if (this.tailOwner >= 0 && this.tailOwner !== part.stream) this.streams[this.tailOwner]!.matcher?.dropTail();
      this.tailOwner = part.stream;
      sends = this.feed(at, part, { lines: [], tail: part.text }, sends);
    }
    const verdict = this.final ?? this.checkClocks(at);
    return sends || verdict ? { sends: sends ?? [], verdict } : NOTHING;
  }

  tick(at: number): Step {
    const verdict = this.final ?? this.checkClocks(at);
    return verdict ? { sends: [], verdict } : NOTHING;
  }

  exit(at: number, code: number | null, signal: string | null): Step {
    return { sends: [], verdict: this.final ?? this.end(at, "exited", { kind: "exit", code, signal }) };
  }

  nextDeadline(): number {
    return Math.min(
      this.lastOutputAt + this.spec.silenceS,
      this.deadlineOfStreams((m) => m.nextDeadline()),
    );
  }

  /** The earliest deadline that output does not move: the budget, each stream's `within` and its own windows. */
  windowDeadline(): number {
    return this.deadlineOfStreams((m) => m.windowDeadline());
  }

  private deadlineOfStreams(each: (m: BootMatcher) => number): number {
    const deadlines = [this.startAt + this.spec.budgetS];
    for (const s of this.streams) {
      if (!s.matcher || s.matcher.verdict) continue;
      deadlines.push(each(s.matcher));
      if (s.withinS !== undefined) deadlines.push(s.openedAt! + s.withinS);
    }
    return Math.min(...deadlines);
  }

  /** One stream's piece of the console: its failure patterns, then its milestones (once it has started). */
  private feed(at: number, part: Routed, chunk: ConsoleChunk, sends: string[] | undefined): string[] | undefined {
    const s = this.streams[part.stream];
    if (!s) return sends;
    if (chunk.lines.length) {
      s.lines += 1;
      s.lastLine = part.text;
      const failure = failureOn(s.failures, part.text);
      if (failure) {
        this.fail(at, failure, part.text, s);
        return sends;
      }
    } else if (NON_BLANK.test(chunk.tail)) s.lastLine = chunk.tail;
    if (!s.matcher) return sends;
    const step = s.matcher.chunk(at, chunk);
    if (step.sends.length) (sends ??= []).push(...step.sends);
    this.collect(s, at);
    if (step.verdict && step.verdict.outcome !== "pass") this.endByStream(at, s, step.verdict);
    return sends;
  }

  /** Copy what the stream's matcher reached; start the streams waiting for it; pass when every stream is done. */
  private collect(s: Stream, at: number): void {
    const reached = s.matcher!.reached;
    let progressed = false;
    for (; s.copied < reached.length && reached[s.copied]!.at !== undefined; s.copied++) {
      const r = reached[s.copied]!;
      this.records[s.offset + s.copied] = {
        id: qualified(s.name, r.id),
        at: r.at! + s.openedAt! - this.startAt,
        line: r.line,
      };
      progressed = true;
    }
    if (!progressed) return;
    for (const waiting of this.streams)
      if (!waiting.matcher && waiting.gate !== undefined && this.records[waiting.gate]!.at !== undefined)
        this.open(waiting, at);
    if (this.streams.every((x) => x.matcher?.verdict?.outcome === "pass"))
      this.end(at, "pass", { kind: "all-milestones" });
  }

  private open(s: Stream, at: number): void {
    s.openedAt = at;
    const silenceS = s.spec.silence ? parseDuration(s.spec.silence)! : Infinity;
    s.matcher = new BootMatcher(
      { milestones: timed(s.spec.milestones), failOn: [], silenceS, budgetS: Infinity },
      this.context,
      at,
    );
  }

  private checkClocks(at: number): MatcherVerdict | undefined {
    const silentS = at - this.lastOutputAt;
    if (silentS >= this.spec.silenceS)
      return this.end(at, "hang", { kind: "silence", silentS, limitS: this.spec.silenceS });
    for (const s of this.streams) {
      if (!s.matcher || s.matcher.verdict) continue;
      const step = s.matcher.tick(at);
      if (step.verdict) return this.endByStream(at, s, step.verdict);
      if (s.withinS !== undefined && at - s.openedAt! >= s.withinS)
        return this.endWith(at, s, "timeout", { kind: "within", limitS: s.withinS });
    }
    if (at - this.startAt >= this.spec.budgetS)
      return this.end(at, "timeout", { kind: "budget", limitS: this.spec.budgetS });
    return undefined;
  }

  private fail(at: number, pattern: string, line: string, s: Stream | undefined): void {
    const cause: Cause = { kind: "failure-pattern", pattern, line };
    if (s?.matcher) this.endWith(at, s, "fail", cause);
    else this.end(at, "fail", cause);
  }

  /** The stream's own matcher ended it (its silence or a milestone's within). */
  private endByStream(at: number, s: Stream, v: MatcherVerdict): MatcherVerdict {
    return this.endWith(at, s, v.outcome, v.cause);
  }

  /** Ended by one stream: `after` and `pending` are that stream's, its last line is the one shown. */
  private endWith(at: number, s: Stream, outcome: BootOutcome, cause: Cause): MatcherVerdict {
    const reached = this.records.slice(s.offset, s.offset + s.spec.milestones.length).filter((r) => r.at !== undefined);
    const pending = this.records[s.offset + reached.length]?.id;
    this.final = {
      outcome,
      at: at - this.startAt,
      cause,
      after: reached.at(-1)?.id ?? qualified(s.name, "start"),
      ...(pending ? { pending } : {}),
      lastLine: s.lastLine,
      stream: { name: s.name, prefix: prefixText(s.prefix), lines: s.lines },
    };
    return this.final;
  }

  /** Ended for the whole boot: `after` is the milestone reached last (any stream), `pending` the first stream's awaited one. */
  private end(at: number, outcome: BootOutcome, cause: Cause): MatcherVerdict {
    const last = this.records.reduce<MilestoneRecord | undefined>(
      (best, r) => (r.at !== undefined && (!best || r.at >= best.at!) ? r : best),
      undefined,
    );
    const pending = this.records.find((r) => r.at === undefined)?.id;
    this.final = {
      outcome,
      at: at - this.startAt,
      cause,
      after: last?.id ?? "start",
      ...(pending ? { pending } : {}),
      lastLine: this.lastLine,
    };
    return this.final;
  }
}

/** Which stream a qualified id belongs to (for reports); undefined for the single ordered list. */
export const streamOf = (id: string) => splitQualified(id)?.stream;
