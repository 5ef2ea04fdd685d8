import { LineSplitter, type ConsoleChunk } from "../console/lines.ts";
import { SliceRecorder } from "../console/slices.ts";
import type { SendContext } from "../expectations/schema.ts";
import type { MatcherSpec, MatcherVerdict, MilestoneRecord } from "./matcher.ts";
import { matcherFor, newlyReached, type ConsoleMatcher, type JudgeSpec } from "./matcher-for.ts";

/** What the caller must do after one event: text to type, milestones to announce, and the verdict once there is one. */
export interface JudgeStep {
  sends: string[];
  /** Milestones reached by this event, in order. */
  reached: MilestoneRecord[];
  verdict?: MatcherVerdict;
}

const NOTHING: JudgeStep = Object.freeze({
  sends: Object.freeze([]) as unknown as string[],
  reached: Object.freeze([]) as unknown as MilestoneRecord[],
});

/**
 * The console judge: console bytes and the clock in, sends, announcements and a verdict out.
 * It owns the line splitter, the milestone matcher and the log slices, and reads no clock and
 * no process, so the runner, the replay tests and the benchmark all run exactly this.
 */
export class ConsoleJudge {
  private readonly splitter: LineSplitter;
  private readonly matcher: ConsoleMatcher;
  private readonly slices = new SliceRecorder();
  private readonly announced = new Set<string>();
  private finished?: Record<string, string>;
  /** What the splitter made of the last read (for tests that look at the console layer). */
  lastChunk?: ConsoleChunk;

  /** `spec` with `streams`: milestones per stream (StreamMatcher); else the ordered list (BootMatcher). */
  constructor(
    spec: MatcherSpec | JudgeSpec,
    context: SendContext = {},
    opts: { maxLineChars?: number; matcher?: ConsoleMatcher } = {},
  ) {
    this.splitter = opts.maxLineChars === undefined ? new LineSplitter() : new LineSplitter(opts.maxLineChars);
    this.matcher = opts.matcher ?? matcherFor(spec, context);
  }

  get verdict(): MatcherVerdict | undefined {
    return this.matcher.verdict;
  }

  /** Every milestone, with `at` and `line` once reached. */
  get milestones(): readonly MilestoneRecord[] {
    return this.matcher.reached;
  }

  /** One read of the console at `at` seconds from the start. Nothing allocated unless something happens. */
  feed(at: number, bytes: Uint8Array): JudgeStep {
    const chunk = this.splitter.push(bytes);
    this.lastChunk = chunk;
    const step = this.matcher.chunk(at, chunk, this.splitter.appended);
    if (chunk.lines.length) this.slices.add(chunk.lines);
    const reached = this.announce(chunk.tail);
    return step.sends.length || step.verdict || reached
      ? { sends: step.sends, reached: reached ?? [], ...(step.verdict ? { verdict: step.verdict } : {}) }
      : NOTHING;
  }

  /** The clock moved without output: silence, `within` and budget deadlines. */
  tick(at: number): JudgeStep {
    const step = this.matcher.tick(at);
    return step.verdict ? { sends: [], reached: [], verdict: step.verdict } : NOTHING;
  }

  /** QEMU ended on its own: its last unterminated line is a line now, then the exit decides (unless a verdict came first). */
  exit(at: number, code: number | null, signal: string | null): JudgeStep {
    let sends: string[] = [];
    let reached: MilestoneRecord[] = [];
    if (!this.matcher.verdict) {
      const rest = this.splitter.end();
      if (rest.lines.length) {
        sends = [...this.matcher.chunk(at, rest).sends];
        this.slices.add(rest.lines);
        reached = this.announce("") ?? [];
      }
    }
    const verdict = this.matcher.exit(at, code, signal).verdict!;
    return { sends, reached, verdict };
  }

  /** The earliest moment a clock can expire: a caller with a timer need not wake before it. */
  nextDeadline(): number {
    return this.matcher.nextDeadline();
  }

  /** The earliest deadline that output does not move (budget, `within`): runner/host-starved.ts bounds its window. */
  windowDeadline(): number {
    return this.matcher.windowDeadline();
  }

  /** The boot is over: the log slices by milestone id, "end" for what came after the last one. Idempotent. */
  finish(): Record<string, string> {
    if (!this.finished) {
      this.slices.add(this.splitter.end().lines);
      this.finished = this.slices.finish();
    }
    return this.finished;
  }

  /** Newly reached milestones, in the order they were reached (with streams not the list's order); each closes its slice. */
  private announce(tail: string): MilestoneRecord[] | undefined {
    const fresh = newlyReached(this.matcher.reached, this.announced);
    for (const r of fresh) this.slices.close(r.id, tail);
    return fresh.length ? fresh : undefined;
  }
}
