/**
 * Replays recorded serial consoles through the runner's own ConsoleJudge (LineSplitter +
 * BootMatcher + slices), with the recorded timing, so unit tests see what a live boot would have produced.
 *
 * A fixture (`tests/fixtures/*.chunks.jsonl[.gz]`) is one JSON object per line:
 *   {"t": seconds since QEMU was spawned, "b": base64 of one stdout read}
 *   {"t": ..., "send": "uname -r\n"}          text the recorder typed (informational)
 *   {"t": ..., "exit": code, "signal": name}  QEMU ended (last line)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { ConsoleChunk } from "../../harness/console/lines.ts";
import { ConsoleJudge } from "../../harness/milestones/judge.ts";
import type { MatcherSpec, MatcherVerdict, MilestoneRecord } from "../../harness/milestones/matcher.ts";
import type { SendContext } from "../../harness/expectations/schema.ts";
import type { ConsoleMatcher } from "../../harness/milestones/matcher-for.ts";

export const FIXTURES_DIR = join(import.meta.dirname, "../fixtures");

/** One read of QEMU's stdout, at `t` seconds from the start. */
export interface Chunk {
  t: number;
  bytes: Buffer;
}

export interface RecordedExit {
  t: number;
  code: number | null;
  signal: string | null;
}

/** A recorded boot: its stdout reads, what the recorder typed, and how QEMU ended. */
export interface Recording {
  chunks: Chunk[];
  sends: { t: number; text: string }[];
  exit?: RecordedExit;
}

/** Load `tests/fixtures/<name>` (plain or gzipped JSON lines). */
export function loadRecording(name: string): Recording {
  const raw = readFileSync(join(FIXTURES_DIR, name));
  const text = (name.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
  const recording: Recording = { chunks: [], sends: [] };
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as {
      t: number;
      b?: string;
      send?: string;
      exit?: number | null;
      signal?: string | null;
    };
    if (o.b !== undefined) recording.chunks.push({ t: o.t, bytes: Buffer.from(o.b, "base64") });
    else if (o.send !== undefined) recording.sends.push({ t: o.t, text: o.send });
    else if ("exit" in o) recording.exit = { t: o.t, code: o.exit ?? null, signal: o.signal ?? null };
    else throw new Error(`${name}: unknown record ${line}`);
  }
  return recording;
}

/** Everything the recording printed, as one string (UTF-8). */
export function recordedText(chunks: Chunk[] | Recording): string {
  const list = Array.isArray(chunks) ? chunks : chunks.chunks;
  return Buffer.concat(list.map((c) => c.bytes)).toString("utf8");
}

/** The time of the chunk that completes the first occurrence of `text` (bytes, so split UTF-8 is fine). */
export function timeOf(chunks: Chunk[] | Recording, text: string): number {
  const list = Array.isArray(chunks) ? chunks : chunks.chunks;
  const needle = Buffer.from(text, "utf8");
  let seen = Buffer.alloc(0);
  for (const c of list) {
    seen = Buffer.concat([seen, c.bytes]);
    if (seen.includes(needle)) return c.t;
  }
  throw new Error(`not in the recording: ${JSON.stringify(text)}`);
}

/**
 * The recording cut right after the line containing `text` (through its line ending): the
 * chunks before it, and the chunk holding that end truncated. No exit: the log just stops.
 */
export function cutAfterLine(recording: Recording, text: string): Chunk[] {
  const all = Buffer.concat(recording.chunks.map((c) => c.bytes));
  const at = all.indexOf(Buffer.from(text, "utf8"));
  if (at < 0) throw new Error(`not in the recording: ${JSON.stringify(text)}`);
  let end = all.indexOf(0x0a, at);
  if (end < 0) throw new Error(`no newline after ${JSON.stringify(text)}`);
  end += 1;
  const out: Chunk[] = [];
  let offset = 0;
  for (const c of recording.chunks) {
    if (offset >= end) break;
    const keep = Math.min(c.bytes.length, end - offset);
    out.push({ t: c.t, bytes: c.bytes.subarray(0, keep) });
    offset += c.bytes.length;
  }
  return out;
}

/**
 * Chunks from a plain string: its UTF-8 bytes cut into pieces of `sizes` bytes (cycled; a
 * character may be split), the first at `start` seconds and each next one `step` later.
 */
export function textChunks(
  text: string | Buffer,
  sizes: number | number[] = Infinity,
  opts: { start?: number; step?: number } = {},
): Chunk[] {
  const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  const cycle = Array.isArray(sizes) ? sizes : [sizes];
  if (cycle.length === 0 || cycle.some((s) => !(s > 0))) throw new Error("chunk sizes must be positive");
  const start = opts.start ?? 0;
  const step = opts.step ?? 0.01;
  const chunks: Chunk[] = [];
  for (let offset = 0, i = 0; offset < bytes.length; i++) {
    const size = Math.min(cycle[i % cycle.length]!, bytes.length - offset);
    chunks.push({ t: round(start + i * step), bytes: bytes.subarray(offset, offset + size) });
    offset += size;
  }
  return chunks;
}

export interface ReplayOptions {
  /** Clock granularity between chunks and after the last one (default 0.1 s of recorded time). */
  tickS?: number;
  /** Replay the recorded QEMU exit (default true, when the recording has one). */
  exit?: boolean;
  /** LineSplitter's line cap (its default when unset). */
  maxLineChars?: number;
  context?: SendContext;
  /** Stop ticking after this much recorded time without a verdict (throws; default budget + silence + 1). */
  giveUpS?: number;
  /** The matcher to feed (default a BootMatcher of `spec`): milestones per stream use a StreamMatcher. */
  matcher?: ConsoleMatcher;
  /** Called with what the splitter produced for each chunk, for assertions on the console layer. */
  onChunk?: (t: number, chunk: ConsoleChunk) => void;
}

export interface ReplayResult {
  verdict: MatcherVerdict;
  records: MilestoneRecord[];
  /** What the matcher asked to type, and when. */
  sends: { at: number; text: string }[];
  /** How many times tick() was called (the clock moved without output). */
  ticks: number;
}

const round = (t: number) => Math.round(t * 1e6) / 1e6;

/**
 * Feed a recording through a ConsoleJudge with the recorded times. Between
 * chunks the clock ticks every `tickS` of recorded time; after the last chunk it keeps ticking
 * (until the recorded exit, if any and `exit` is not false) until there is a verdict, so a log
 * cut short ends as a hang once `silence` has passed.
 */
export function replay(spec: MatcherSpec, input: Chunk[] | Recording, opts: ReplayOptions = {}): ReplayResult {
  const chunks = Array.isArray(input) ? input : input.chunks;
  const exit = Array.isArray(input) || opts.exit === false ? undefined : input.exit;
  const tickS = opts.tickS ?? 0.1;
  const giveUpS = opts.giveUpS ?? spec.budgetS + spec.silenceS + 1;
  const judge = new ConsoleJudge(spec, opts.context ?? {}, {
    maxLineChars: opts.maxLineChars,
    ...(opts.matcher ? { matcher: opts.matcher } : {}),
  });
  const sends: ReplayResult["sends"] = [];
  let ticks = 0;
  let k = 1;
  const nextTick = () => round(k * tickS);
  const tickUntil = (t: number) => {
    while (!judge.verdict && nextTick() < t) {
      judge.tick(nextTick());
      ticks += 1;
      k += 1;
    }
  };

  let last = 0;
  for (const c of chunks) {
    if (c.t < last) throw new Error(`chunk times go backwards: ${c.t} after ${last}`);
    last = c.t;
    tickUntil(c.t);
    if (judge.verdict) break;
    const step = judge.feed(c.t, c.bytes);
    opts.onChunk?.(c.t, judge.lastChunk!);
    for (const text of step.sends) sends.push({ at: c.t, text });
    if (judge.verdict) break;
  }
  if (!judge.verdict && exit) {
    tickUntil(exit.t);
    if (!judge.verdict) {
      const step = judge.exit(exit.t, exit.code, exit.signal);
      for (const text of step.sends) sends.push({ at: exit.t, text });
    }
  }
  while (!judge.verdict) {
    if (nextTick() > last + giveUpS) throw new Error(`no verdict ${giveUpS} s after the last chunk`);
    judge.tick(nextTick());
    ticks += 1;
    k += 1;
  }
  return { verdict: judge.verdict, records: [...judge.milestones], sends, ticks };
}
