import type { ConsoleChunk } from "../console/lines.ts";
import type { FailurePattern } from "../expectations/failure-patterns.ts";
import type { TimedMilestone } from "../expectations/loader.ts";
import type { SendContext } from "../expectations/schema.ts";
import type { BootOutcome } from "../vocabulary.ts";
import { compileAny, compilePattern, describePattern, type TextTest } from "./pattern.ts";

const NOTHING: Step = Object.freeze({ sends: Object.freeze([]) as unknown as string[] });
const NON_BLANK = /\S/;

/** NON_BLANK.test(text), without running the regex when the last character is printable ASCII. */
function hasText(text: string): boolean {
  const last = text.charCodeAt(text.length - 1);
  return (last > 0x20 && last < 0x7f) || NON_BLANK.test(text);
}

export type { BootOutcome };

/** Why the boot ended; every variant carries what a person needs to see in one line. */
export type Cause =
  | { kind: "all-milestones" }
  | { kind: "failure-pattern"; pattern: string; line: string }
  | { kind: "silence"; silentS: number; limitS: number }
  | { kind: "within"; limitS: number }
  | { kind: "budget"; limitS: number }
  | { kind: "exit"; code: number | null; signal: string | null };

export interface MilestoneRecord {
  id: string;
  /** Seconds from the start of QEMU, when it was reached. */
  at?: number;
  /** The text that matched. */
  line?: string;
}

export interface MatcherVerdict {
  outcome: BootOutcome;
  at: number;
  cause: Cause;
  /** Last milestone reached ("start" when none). */
  after: string;
  /** The milestone that was awaited when the boot ended. */
  pending?: string;
  lastLine: string;
  /** With milestones per stream: the stream whose clock, failure pattern or line ended the boot (`lastLine` is then its own). */
  stream?: { name: string; prefix: string; lines: number };
}

/** What the runner must do after feeding the matcher: text to type, and the verdict once there is one. */
export interface Step {
  sends: string[];
  verdict?: MatcherVerdict;
}

export interface MatcherSpec {
  milestones: TimedMilestone[];
  failOn: FailurePattern[];
  silenceS: number;
  budgetS: number;
}

interface CompiledMilestone {
  milestone: TimedMilestone;
  test: TextTest;
  withinS?: number;
}

interface CompiledFailure {
  pattern: FailurePattern;
  test: TextTest;
  seen: number;
}

/**
 * The milestone matcher: a pure state machine over (chunks of lines, the clock). It never
 * reads a clock itself, so a recorded log replays to the same verdict.
 *
 * Milestones are awaited in order; a line that matches a later milestone does not count.
 * Each line (or unterminated tail) satisfies at most one milestone, and text that already
 * satisfied one is not offered again, so two prompts in a row need two prompts on screen.
 */
export class BootMatcher {
  private readonly milestones: CompiledMilestone[];
  private readonly failures: CompiledFailure[];
  private next = 0;
  private readonly records: MilestoneRecord[];
  private lastOutputAt: number;
  private lastMilestoneAt: number;
  private lastLine = "";
  /** Characters of the current unterminated line already used by a milestone. */
  private consumed = 0;
  /** Length of the tail at the previous read: the part already searched. */
  private tailSeen = 0;
  /** The previous read's tail: its length, whether it has a non-blank character. */
  private tailLength = 0;
  private tailHasText = false;
  /** The last characters of the tail (as many as the awaited literal has, minus one), for `tailWindowFor`, ending at `tailWindowEnd`. */
  private tailWindow = "";
  private tailWindowFor: string | undefined;
  private tailWindowEnd = -1;
  private readonly anyFailure: TextTest;
  private final?: MatcherVerdict;

  constructor(
    private readonly spec: MatcherSpec,
    private readonly context: SendContext = {},
    private readonly startAt = 0,
  ) {
    this.milestones = spec.milestones.map((milestone) => ({
      milestone,
      test: compilePattern(milestone.match),
      withinS: milestone.withinS,
    }));
    this.failures = spec.failOn.map((pattern) => ({ pattern, test: compilePattern(pattern.match), seen: 0 }));
    this.anyFailure = compileAny(spec.failOn.map((f) => f.match));
    this.records = spec.milestones.map((m) => ({ id: m.id }));
    this.lastOutputAt = startAt;
    this.lastMilestoneAt = startAt;
  }

  get verdict(): MatcherVerdict | undefined {
    return this.final;
  }

  get reached(): readonly MilestoneRecord[] {
    return this.records;
  }

  /**
   * Feed what one read of the console produced. Called for every read (Xen writes byte by byte): no allocation unless something happens.
   * `appended` (LineSplitter.appended): the tail is the previous tail plus this text, so only the new text needs a look.
   */
  chunk(at: number, chunk: ConsoleChunk, appended?: string): Step {
    if (this.final) return NOTHING;
    this.lastOutputAt = at;
    const { lines, tail } = chunk;
    let sends: string[] | undefined;
    for (let i = 0; i < lines.length && !this.final; i++) {
      const line = lines[i]!;
      // The first line completes the tail we already looked at: what a milestone used is not offered again.
      const offered = i === 0 && this.consumed ? line.slice(this.consumed) : line;
      if (i === 0) this.consumed = this.tailSeen = 0;
      this.lastLine = line;
      if (!this.checkFailures(line, at)) sends = this.checkMilestone(offered, at, sends);
    }
    if (!this.final) {
      // Looking at a whole tail (a string built by appending, one read at a time) costs a copy of it on every read.
      const grew = appended !== undefined && lines.length === 0 && tail.length === this.tailLength + appended.length;
      const previousLength = this.tailLength;
      this.tailLength = tail.length;
      if (tail) {
        if (lines.length) this.consumed = this.tailSeen = 0;
        this.tailHasText = grew ? this.tailHasText || hasText(appended!) : hasText(tail);
        if (this.tailHasText) this.lastLine = tail;
        sends = this.checkTail(tail, at, sends, grew && previousLength === this.tailSeen ? appended : undefined);
      } else this.tailHasText = false;
    }
    const verdict = this.final ?? this.checkClocks(at);
    return sends || verdict ? { sends: sends ?? [], verdict } : NOTHING;
  }

  /** The clock moved without output: silence, `within` and budget deadlines. */
  tick(at: number): Step {
    const verdict = this.final ?? this.checkClocks(at);
    return verdict ? { sends: [], verdict } : NOTHING;
  }

  /** QEMU is gone. Before the last milestone this is `exited` (a failure pattern seen earlier already decided). */
  exit(at: number, code: number | null, signal: string | null): Step {
    return { sends: [], verdict: this.final ?? this.end(at, "exited", { kind: "exit", code, signal }) };
  }

  /** The unterminated tail already read belongs to another stream after all: forget what was used of it. */
  dropTail(): void {
    this.consumed = this.tailSeen = 0;
  }

  /** The earliest moment a clock can expire: the runner need not wake before it. */
  nextDeadline(): number {
    return Math.min(this.lastOutputAt + this.spec.silenceS, this.windowDeadline());
  }

  /** The earliest deadline that output does not move (budget, the awaited milestone's `within`). */
  windowDeadline(): number {
    const deadlines = [this.startAt + this.spec.budgetS];
    const within = this.milestones[this.next]?.withinS;
    if (within !== undefined) deadlines.push(this.lastMilestoneAt + within);
    return Math.min(...deadlines);
  }

  private checkFailures(line: string, at: number): MatcherVerdict | undefined {
    if (!this.anyFailure(line)) return undefined;
    for (const f of this.failures) {
      if (!f.test(line)) continue;
      f.seen += 1;
      if (f.seen >= (f.pattern.nth ?? 1))
        return this.end(at, "fail", {
          kind: "failure-pattern",
          pattern: `${f.pattern.id} ${describePattern(f.pattern.match)}`,
          line,
        });
    }
    return undefined;
  }

  /** A whole line against the awaited milestone. */
  private checkMilestone(text: string, at: number, sends: string[] | undefined): string[] | undefined {
    const awaited = this.milestones[this.next];
    return awaited && awaited.test(text) ? this.reach(awaited, text, at, sends) : sends;
  }

  /**
   * The unterminated tail (a prompt) against the awaited milestone, if it is a literal: a RegExp
   * waits for the whole line, so /Linux version 6\.1\b/ is not fooled by a line still arriving.
   * The tail only grows between reads, so only its new end is searched.
   */
  private checkTail(
    tail: string,
    at: number,
    sends: string[] | undefined,
    appended: string | undefined,
  ): string[] | undefined {
    const awaited = this.milestones[this.next];
    const literal = awaited?.milestone.match;
    const from = Math.max(this.consumed, this.tailSeen - (typeof literal === "string" ? literal.length - 1 : 0));
    const seen = this.tailSeen;
    this.tailSeen = tail.length;
    if (typeof literal !== "string") return sends;
    if (!this.tailHas(literal, tail, from, seen, appended)) return sends;
    const offered = tail.slice(this.consumed);
    this.consumed = tail.length;
    return this.reach(awaited!, offered, at, sends);
  }

  /**
   * Whether `literal` starts in `tail` at `from` or later. With `appended` (the tail grew by it
   * since `seen`), the window of the tail's last characters plus the new text is searched: short
   * strings, where searching the tail itself would copy all of it.
   */
  private tailHas(literal: string, tail: string, from: number, seen: number, appended: string | undefined): boolean {
    const keep = literal.length - 1;
    const windowStart = seen - this.tailWindow.length;
    let found: boolean;
    let window: string;
    if (
      appended !== undefined &&
      this.tailWindowFor === literal &&
      this.tailWindowEnd === seen &&
      from >= windowStart
    ) {
      const text = this.tailWindow + appended;
      found = text.indexOf(literal, from - windowStart) >= 0;
      window = text.length > keep ? text.slice(text.length - keep) : text;
    } else {
      found = tail.indexOf(literal, from) >= 0;
      // Worth keeping only while reads keep appending (slicing a tail copies it).
      if (appended === undefined) {
        this.tailWindowFor = undefined;
        return found;
      }
      window = tail.slice(Math.max(0, tail.length - keep));
    }
    this.tailWindow = window;
    this.tailWindowFor = literal;
    this.tailWindowEnd = tail.length;
    return found;
  }

  private reach(
    awaited: CompiledMilestone,
    text: string,
    at: number,
    sends: string[] | undefined,
  ): string[] | undefined {
    this.records[this.next] = { id: awaited.milestone.id, at: at - this.startAt, line: text };
    this.lastMilestoneAt = at;
    this.next += 1;
    const send = awaited.milestone.send;
    if (send) (sends ??= []).push(typeof send === "function" ? send(this.context) : send);
    if (this.next === this.milestones.length) this.end(at, "pass", { kind: "all-milestones" });
    return sends;
  }

  private checkClocks(at: number): MatcherVerdict | undefined {
    const silentS = at - this.lastOutputAt;
    if (silentS >= this.spec.silenceS)
      return this.end(at, "hang", { kind: "silence", silentS, limitS: this.spec.silenceS });
    const within = this.milestones[this.next]?.withinS;
    if (within !== undefined && at - this.lastMilestoneAt >= within)
      return this.end(at, "timeout", { kind: "within", limitS: within });
    if (at - this.startAt >= this.spec.budgetS)
      return this.end(at, "timeout", { kind: "budget", limitS: this.spec.budgetS });
    return undefined;
  }

  private end(at: number, outcome: BootOutcome, cause: Cause): MatcherVerdict {
    const after = this.next === 0 ? "start" : this.records[this.next - 1]!.id;
    const pending = this.milestones[this.next]?.milestone.id;
    this.final = {
      outcome,
      at: at - this.startAt,
      cause,
      after,
      lastLine: this.lastLine,
      ...(pending ? { pending } : {}),
    };
    return this.final;
  }
}
