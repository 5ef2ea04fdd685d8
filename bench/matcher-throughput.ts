/**
 * Matcher throughput on replayed logs: the recorded good boots (tests/fixtures), with their
 * recorded read boundaries, replayed over and over through a BootMatcher with 50 milestones
 * and 20 failure patterns. Goal: >= 200 MB/s.
 *
 * The headline figure is the matcher alone (BootMatcher.chunk on the LineSplitter's output,
 * split once up front). Also printed: the whole console path the harness runs per read
 * (the runner's ConsoleJudge: LineSplitter + BootMatcher + slices) with the recorded reads and with 64 KiB reads.
 * Throughput is bytes per CPU second of this process (other boots on the machine steal wall
 * time); wall figures are printed next to it.
 */
import { LineSplitter, type ConsoleChunk } from "../harness/console/lines.ts";
import { linuxPanics, ubootErrors, xenPanics, type FailurePattern } from "../harness/expectations/failure-patterns.ts";
import type { Milestone } from "../harness/expectations/schema.ts";
import { ConsoleJudge } from "../harness/milestones/judge.ts";
import { BootMatcher, type MatcherSpec } from "../harness/milestones/matcher.ts";
import { loadRecording } from "../tests/helpers/replay.ts";
import { fmt, MiB, runIfMain, timed, type BenchResult } from "./lib.ts";

const GOAL_MBS = 200;
const TARGET_BYTES = 256 * MiB;
const RECORDINGS = ["arm64-xen-dom0-good.chunks.jsonl.gz", "x86_64-xen-dom0-good.chunks.jsonl.gz"];
const END_LINE = "bootlog-bench: end of the replay";

/** 9 built-in patterns and 11 more of the kind people add; none occurs in a good boot. */
export const FAILURES: FailurePattern[] = [
  ...linuxPanics,
  ...xenPanics,
  ...ubootErrors,
  { id: "null-deref", match: "Unable to handle kernel NULL pointer dereference" },
  { id: "gpf", match: /general protection fault(?:, probably for)?/ },
  { id: "soft-lockup", match: /watchdog: BUG: soft lockup - CPU#\d+ stuck/ },
  { id: "rcu-stall", match: /rcu: INFO: rcu_(?:sched|preempt) (?:self-)?detected stalls?/ },
  { id: "oom", match: "Out of memory: Killed process" },
  { id: "segfault", match: /\bsegfault at [0-9a-f]+ ip\b/ },
  { id: "xen-assert", match: /\(XEN\) Assertion '.*' failed at/ },
  { id: "xen-bug", match: /\(XEN\) Xen BUG at \S+:\d+/ },
  { id: "serror", match: "SError Interrupt on CPU" },
  { id: "kill-init", match: /Attempted to kill init! exitcode=0x[0-9a-f]+/ },
  { id: "sync-abort", match: /Synchronous External Abort: .* \(0x[0-9a-f]+\)/ },
];

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** 49 milestones taken from lines spread over the log, in order (literals and regexes alternating), and a 50th at the very end. */
function milestonesFor(lines: string[]): Milestone[] {
  const usable = lines.filter((l) => l.length >= 24 && /[a-z]{4}/i.test(l));
  const picked = Array.from({ length: 49 }, (_, i) => usable[Math.floor(((i + 0.5) * usable.length) / 49)]!);
  const milestones: Milestone[] = picked.map((line, i) => {
    const piece = line.slice(Math.floor(line.length / 4), Math.floor(line.length / 4) + 20);
    const match = i % 2 ? new RegExp(escapeRe(piece).replace(/\d+/g, "\\d+")) : piece;
    return { id: `m${String(i).padStart(2, "0")}`, match };
  });
  milestones.push({ id: "m49", match: new RegExp(`^${escapeRe(END_LINE)} after \\d+ passes$`) });
  return milestones;
}

interface Log {
  reads: Buffer[];
  bytes: number;
}

function loadLog(): Log {
  const reads: Buffer[] = [];
  for (const name of RECORDINGS) {
    reads.push(...loadRecording(name).chunks.map((c) => c.bytes));
    reads.push(Buffer.from("\r\n"));
  }
  return { reads, bytes: reads.reduce((n, b) => n + b.length, 0) };
}

function coalesce(reads: Buffer[], size: number, passes: number): Buffer[] {
  const all = Buffer.concat(reads);
  const stream = Buffer.concat(
    Array.from({ length: Math.min(passes, Math.ceil((4 * size) / all.length) + 1) }, () => all),
  );
  const out: Buffer[] = [];
  for (let i = 0; i + size <= stream.length; i += size) out.push(stream.subarray(i, i + size));
  return out;
}

export async function matcherThroughput(): Promise<BenchResult[]> {
  const log = loadLog();
  const passes = Math.ceil(TARGET_BYTES / log.bytes);
  const split = new LineSplitter();
  const chunks: ConsoleChunk[] = log.reads.map((b) => split.push(b));
  const milestones = milestonesFor(chunks.flatMap((c) => c.lines));
  const spec: MatcherSpec = { milestones, failOn: FAILURES, silenceS: 1e9, budgetS: 1e9 };
  const endChunk = (n: number): ConsoleChunk => ({ lines: [`${END_LINE} after ${n} passes`], tail: "" });
  const total = passes * log.bytes;

  // 1. The matcher alone, on pre-split reads.
  const alone = timed(() => {
    const m = new BootMatcher(spec);
    let t = 0;
    for (let p = 0; p < passes; p++) for (const c of chunks) m.chunk((t += 1e-6), c);
    m.chunk(t + 1e-6, endChunk(passes));
    return m.verdict;
  });
  if (alone.value?.outcome !== "pass")
    throw new Error(`matcher bench: expected pass, got ${JSON.stringify(alone.value)}`);

  // 2. The console judge (LineSplitter + BootMatcher + slices), the recorded reads (Xen prints byte by byte: many 1-byte reads).
  const recorded = timed(() => {
    const j = new ConsoleJudge(spec);
    let t = 0;
    for (let p = 0; p < passes; p++) for (const b of log.reads) j.feed((t += 1e-6), b);
    j.feed(t + 1e-6, Buffer.from(`\n${endChunk(passes).lines[0]}\n`));
    return j.verdict;
  });
  if (recorded.value?.outcome !== "pass")
    throw new Error(`pipeline bench: expected pass, got ${recorded.value?.outcome}`);

  // 3. LineSplitter + BootMatcher, 64 KiB reads (what a pipe delivers when output is fast).
  const big = coalesce(log.reads, 64 * 1024, passes);
  const bigPasses = Math.ceil(TARGET_BYTES / (big.length * 64 * 1024));
  const reads64 = timed(() => {
    const j = new ConsoleJudge({
      ...spec,
      milestones: [...milestones.slice(0, 49), { id: "m49", match: "never printed: keeps the matcher busy" }],
    });
    let t = 0;
    for (let p = 0; p < bigPasses; p++) for (const b of big) j.feed((t += 1e-6), b);
    return j.verdict;
  });
  const total64 = bigPasses * big.length * 64 * 1024;

  // 4. The matcher alone on 64 KiB reads: the cost per line, without the cost per read.
  const split64 = new LineSplitter();
  const chunks64 = big.map((b) => split64.push(b));
  const alone64 = timed(() => {
    const m = new BootMatcher({
      ...spec,
      milestones: [...milestones.slice(0, 49), { id: "m49", match: "never printed: keeps the matcher busy" }],
    });
    let t = 0;
    for (let p = 0; p < bigPasses; p++) for (const c of chunks64) m.chunk((t += 1e-6), c);
    return m.verdict;
  });
  const lines64 = chunks64.reduce((n, c) => n + c.lines.length, 0) * bigPasses;

  const mbs = (bytes: number, s: number) => bytes / MiB / s;
  const headline = mbs(total, alone.cpuS);
  const lines = chunks.reduce((n, c) => n + c.lines.length, 0) * passes;
  return [
    {
      name: "matcher throughput (50 milestones, 20 failure patterns, replayed good boots)",
      figure: `${fmt(headline, 0)} MB/s`,
      goal: `>= ${GOAL_MBS} MB/s`,
      ok: headline >= GOAL_MBS,
      notes: [
        `matcher alone: ${fmt(total / MiB, 0)} MiB, ${lines} lines, ${log.reads.length * passes} reads in ${fmt(alone.cpuS)} CPU s (${fmt(mbs(total, alone.wallS), 0)} MB/s wall; ${fmt((alone.cpuS * 1e9) / lines, 0)} ns per line)`,
        `matcher alone, 64 KiB reads: ${fmt(mbs(total64, alone64.cpuS), 0)} MB/s (${fmt((alone64.cpuS * 1e9) / lines64, 0)} ns per line, ${fmt(mbs(total64, alone64.wallS), 0)} MB/s wall)`,
        `console judge (splitter + matcher + slices), recorded reads: ${fmt(mbs(total, recorded.cpuS), 0)} MB/s (${fmt(mbs(total, recorded.wallS), 0)} MB/s wall)`,
        `console judge (splitter + matcher + slices), 64 KiB reads: ${fmt(mbs(total64, reads64.cpuS), 0)} MB/s (${fmt(mbs(total64, reads64.wallS), 0)} MB/s wall)`,
      ],
    },
  ];
}

await runIfMain(import.meta.url, matcherThroughput);
