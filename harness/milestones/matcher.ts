import type { ConsoleChunk } from "../console/lines.ts";
import type { FailurePattern } from "../expectations/failure-patterns.ts";
import type { Milestone, SendContext } from "../expectations/schema.ts";
import { parseDuration } from "../expectations/duration.ts";
import { compilePattern, describePattern, type TextTest } from "./pattern.ts";

export type BootOutcome = "pass" | "fail" | "hang" | "timeout" | "exited";

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
}

/** What the runner must do after feeding the matcher: text to type, and the verdict once there is one. */
export interface Step {
  sends: string[];
  verdict?: MatcherVerdict;
}

export interface MatcherSpec {
  milestones: Milestone[];
  failOn: FailurePattern[];
  silenceS: number;
  budgetS: number;
}

interface CompiledMilestone {
  milestone: Milestone;
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
  private final?: MatcherVerdict;

  constructor(
    private readonly spec: MatcherSpec,
    private readonly context: SendContext = {},
    private readonly startAt = 0,
  ) {
    this.milestones = spec.milestones.map((milestone) => ({
      milestone,
      test: compilePattern(milestone.match),
      withinS: milestone.within ? parseDuration(milestone.within) : undefined,
    }));
    this.failures = spec.failOn.map((pattern) => ({ pattern, test: compilePattern(pattern.match), seen: 0 }));
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

  /** Feed what one read of the console produced. */
  chunk(at: number, chunk: ConsoleChunk): Step {
    const step: Step = { sends: [] };
    if (this.final) return step;
    this.lastOutputAt = at;
    chunk.lines.forEach((line, i) => {
      if (this.final) return;
      const offered = i === 0 ? line.slice(this.consumed) : line;
      if (i === 0) this.consumed = 0;
      this.lastLine = line;
      this.checkFailures(line, at) ?? this.checkMilestone(offered, at, step);
    });
    if (!this.final && chunk.tail) {
      if (chunk.lines.length) this.consumed = 0;
      if (chunk.tail.trim()) this.lastLine = chunk.tail;
      // Only literals see the unterminated tail (a prompt); a RegExp waits for the whole line,
      // so /Linux version 6\.1\b/ is not fooled by a line still arriving byte by byte.
      const offered = chunk.tail.slice(this.consumed);
      if (offered && this.checkMilestone(offered, at, step, { tail: true })) this.consumed = chunk.tail.length;
    }
    step.verdict = this.final ?? this.checkClocks(at);
    return step;
  }

  /** The clock moved without output: silence, `within` and budget deadlines. */
  tick(at: number): Step {
    return { sends: [], verdict: this.final ?? this.checkClocks(at) };
  }

  /** QEMU is gone. Before the last milestone this is `exited` (a failure pattern seen earlier already decided). */
  exit(at: number, code: number | null, signal: string | null): Step {
    return { sends: [], verdict: this.final ?? this.end(at, "exited", { kind: "exit", code, signal }) };
  }

  /** The earliest moment a clock can expire: the runner need not wake before it. */
  nextDeadline(): number {
    const deadlines = [this.lastOutputAt + this.spec.silenceS, this.startAt + this.spec.budgetS];
    const within = this.milestones[this.next]?.withinS;
    if (within !== undefined) deadlines.push(this.lastMilestoneAt + within);
    return Math.min(...deadlines);
  }

  private checkFailures(line: string, at: number): MatcherVerdict | undefined {
    for (const f of this.failures) {
      if (!f.test(line)) continue;
      f.seen += 1;
      if (f.seen >= (f.pattern.nth ?? 1))
        return this.end(at, "fail", { kind: "failure-pattern", pattern: `${f.pattern.id} ${describePattern(f.pattern.match)}`, line });
    }
    return undefined;
  }

  private checkMilestone(text: string, at: number, step: Step, where = { tail: false }): boolean {
    const awaited = this.milestones[this.next];
    if (!awaited || (where.tail && typeof awaited.milestone.match !== "string") || !awaited.test(text)) return false;
    this.records[this.next] = { id: awaited.milestone.id, at: at - this.startAt, line: text };
    this.lastMilestoneAt = at;
    this.next += 1;
    const send = awaited.milestone.send;
    if (send) step.sends.push(typeof send === "function" ? send(this.context) : send);
    if (this.next === this.milestones.length) this.end(at, "pass", { kind: "all-milestones" });
    return true;
  }

  private checkClocks(at: number): MatcherVerdict | undefined {
    const silentS = at - this.lastOutputAt;
    if (silentS >= this.spec.silenceS) return this.end(at, "hang", { kind: "silence", silentS, limitS: this.spec.silenceS });
    const within = this.milestones[this.next]?.withinS;
    if (within !== undefined && at - this.lastMilestoneAt >= within) return this.end(at, "timeout", { kind: "within", limitS: within });
    if (at - this.startAt >= this.spec.budgetS) return this.end(at, "timeout", { kind: "budget", limitS: this.spec.budgetS });
    return undefined;
  }

  private end(at: number, outcome: BootOutcome, cause: Cause): MatcherVerdict {
    const after = this.next === 0 ? "start" : this.records[this.next - 1]!.id;
    const pending = this.milestones[this.next]?.milestone.id;
    this.final = { outcome, at: at - this.startAt, cause, after, lastLine: this.lastLine, ...(pending ? { pending } : {}) };
    return this.final;
  }
}
