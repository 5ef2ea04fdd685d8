import { describe, expect, test } from "vitest";
import { linuxPanics, xenPanics, type FailurePattern } from "../../harness/expectations/failure-patterns.ts";
import type { KnownBad, Milestone } from "../../harness/expectations/schema.ts";
import type { TimedMilestone } from "../../harness/expectations/loader.ts";
import { describeVerdict } from "../../harness/milestones/describe.ts";
import { judgeKnownBad } from "../../harness/milestones/known-bad.ts";
import { BootMatcher, type MatcherSpec } from "../../harness/milestones/matcher.ts";
import { LineSplitter } from "../../harness/console/lines.ts";
import {
  cutAfterLine,
  loadRecording,
  recordedText,
  replay,
  textChunks,
  timeOf,
  type Chunk,
  type Recording,
} from "../helpers/replay.ts";

// --- the expectation under test: what a real arm64 Xen + dom0 boot must show, in order ---

const arm64Milestones = (): TimedMilestone[] => [
  { id: "xen-banner", match: /Xen version 4\.17/, withinS: 10 },
  { id: "dom0-loading", match: "*** LOADING DOMAIN 0 ***" },
  { id: "linux-banner", match: /Linux version 6\.1/, withinS: 30 },
  { id: "run-init", match: "Run /init as init process" },
  { id: "dom0-init", match: /dom0 init: .* xen: xen/ },
  { id: "dom0-shell", match: "/ # ", send: "uname -r\n" },
  { id: "uname", match: /^6\.1\.0-\d+-arm64$/ },
];

const x86Milestones = (): TimedMilestone[] => [
  // Anchored: only passes when ESC c / ESC[?7l / ESC[2J / ESC[0m in front of it are stripped.
  { id: "seabios", match: /^SeaBIOS \(version / },
  // Not anchored: Xen's banner may follow "Booting from ROM.." on the same line (x86_64-xen-cpu-max).
  { id: "xen-banner", match: /\(XEN\) Xen version 4\.17/, withinS: 10 },
  { id: "linux-banner", match: /Linux version 6\.1/ },
  { id: "run-init", match: "Run /init as init process" },
  { id: "dom0-init", match: /dom0 init: .* xen: xen/ },
  { id: "dom0-shell", match: "/ # ", send: "uname -r\n" },
  { id: "uname", match: /^6\.1\.0-\d+-amd64$/ },
];

function spec(overrides: Partial<MatcherSpec> = {}): MatcherSpec {
  return {
    milestones: arm64Milestones(),
    failOn: [...linuxPanics, ...xenPanics],
    silenceS: 15,
    budgetS: 120,
    ...overrides,
  };
}

const good = loadRecording("arm64-xen-dom0-good.chunks.jsonl.gz");
const xenPanic = loadRecording("arm64-xen-no-dom0-kernel.chunks.jsonl.gz");
const linuxPanic = loadRecording("arm64-dom0-no-initrd.chunks.jsonl.gz");
const x86Good = loadRecording("x86_64-xen-dom0-good.chunks.jsonl.gz");
const x86CpuMax = loadRecording("x86_64-xen-cpu-max.chunks.jsonl.gz");

/** Every complete line of a recording, cleaned, as the splitter sees them with all bytes at once. */
function fullLines(text: string | Chunk[] | Recording): string[] {
  const s = new LineSplitter();
  const bytes = typeof text === "string" ? Buffer.from(text) : Buffer.from(recordedText(text), "utf8");
  const out = s.push(bytes);
  return [...out.lines, ...s.end().lines];
}

/**
 * The whole line a milestone's text belongs to. A milestone may be recorded with the part of
 * its line that had arrived when it matched (the unterminated tail), so compare whole lines.
 */
function lineOf(lines: string[], text: string | undefined): string | undefined {
  if (!text) return undefined;
  return lines.find((l) => l.startsWith(text)) ?? lines.find((l) => l.includes(text));
}

const lastChunkTime = (chunks: Chunk[]) => chunks[chunks.length - 1]!.t;
const ids = (s: MatcherSpec) => s.milestones.map((m) => m.id);

describe("fixtures are real recordings", () => {
  test("each fixture holds the console text it is named for, with increasing times", () => {
    for (const [rec, text] of [
      [good, "6.1.0-56-arm64\r"],
      [xenPanic, "(XEN) Missing kernel boot module?"],
      [linuxPanic, "Kernel panic - not syncing: VFS: Unable to mount root fs"],
      [x86CpuMax, "(XEN) d0v0 Unhandled: vec 14, #PF"],
      [x86Good, "6.1.0-56-amd64\r"],
    ] as const) {
      expect(recordedText(rec)).toContain(text);
      const times = rec.chunks.map((c) => c.t);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(rec.exit).toBeDefined();
      expect(rec.exit!.t).toBeGreaterThanOrEqual(lastChunkTime(rec.chunks));
    }
    expect(recordedText(x86Good).startsWith("\x1bc\x1b[?7l\x1b[2J")).toBe(true);
  });
});

describe("replayed arm64 Xen + dom0 boots", () => {
  test("good boot passes, every milestone later than the one before, uname sent once at the prompt", () => {
    const s = spec();
    const r = replay(s, good);
    expect(r.verdict.outcome).toBe("pass");
    expect(r.verdict.cause).toEqual({ kind: "all-milestones" });
    expect(r.records.map((m) => m.id)).toEqual(ids(s));
    const times = r.records.map((m) => m.at);
    for (const t of times) expect(t).toEqual(expect.any(Number));
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
    // Recorded times: each milestone is dated between the arrival of its text and the end of its line.
    expect(r.records[0]!.at).toBeGreaterThanOrEqual(timeOf(good, "Xen version 4.17"));
    expect(r.records[0]!.at).toBeLessThanOrEqual(timeOf(good, "Wed Nov  4 16:52:28 UTC 2026\r"));
    expect(r.records[1]!.at).toBe(timeOf(good, "*** LOADING DOMAIN 0 ***"));
    expect(r.records[2]!.at).toBeGreaterThan(timeOf(good, "(XEN) Freed "));
    expect(r.records[2]!.at).toBeLessThanOrEqual(timeOf(good, "Run /init as init process"));
    const lines = fullLines(good);
    expect(lineOf(lines, r.records[0]!.line)).toMatch(/^\(XEN\) Xen version 4\.17\.7 \(Debian /);
    expect(lineOf(lines, r.records[2]!.line)).toMatch(
      /^\[\s+0\.000000\] Linux version 6\.1\.0-56-arm64 \(debian-kernel@/,
    );
    expect(r.records[3]!.line).toBe("[    2.547436] Run /init as init process");
    expect(r.records[5]!.line).toBe("/ # ");
    expect(r.records[6]!.line).toBe("6.1.0-56-arm64");
    expect(r.sends).toEqual([{ at: r.records[5]!.at, text: "uname -r\n" }]);
    // The recorder typed at the same prompt, a moment after the matcher saw it.
    expect(good.sends).toHaveLength(1);
    expect(r.sends[0]!.at).toBeLessThanOrEqual(good.sends[0]!.t);
    expect(good.sends[0]!.t - r.sends[0]!.at).toBeLessThan(0.05);
    expect(r.verdict.at).toBe(r.records[6]!.at);
    expect(r.verdict.at).toBeLessThan(good.exit!.t);
    expect(describeVerdict(r.verdict)).toBe(`PASS: every milestone seen in ${r.verdict.at.toFixed(1)} s`);
  });

  test('log cut after Xen\'s "Freed ... init memory" hangs after dom0-loading once silence has passed', () => {
    const cut = cutAfterLine(good, "(XEN) Freed ");
    const lastByte = lastChunkTime(cut);
    const r = replay(spec(), cut);
    expect(r.verdict.outcome).toBe("hang");
    expect(r.verdict.after).toBe("dom0-loading");
    expect(r.verdict.pending).toBe("linux-banner");
    expect(r.verdict.lastLine).toMatch(/^\(XEN\) Freed \d+kB init memory\.$/);
    if (r.verdict.cause.kind !== "silence") throw new Error(`cause ${r.verdict.cause.kind}`);
    expect(r.verdict.cause.limitS).toBe(15);
    expect(r.verdict.cause.silentS).toBeGreaterThanOrEqual(15);
    expect(r.verdict.at).toBeGreaterThanOrEqual(lastByte + 15);
    expect(r.verdict.at).toBeLessThanOrEqual(lastByte + 15 + 0.1 + 1e-9);
    expect(r.records.filter((m) => m.at !== undefined).map((m) => m.id)).toEqual(["xen-banner", "dom0-loading"]);
    expect(r.sends).toEqual([]);
  });

  test("dom0 without initrd fails on Linux's panic line, long before the recording ends", () => {
    const r = replay(spec(), linuxPanic);
    expect(r.verdict.outcome).toBe("fail");
    expect(r.verdict.after).toBe("linux-banner");
    expect(r.verdict.pending).toBe("run-init");
    expect(r.verdict.cause).toEqual({
      kind: "failure-pattern",
      pattern: 'linux-panic "Kernel panic - not syncing"',
      line: expect.stringMatching(
        /^\[\s*\d+\.\d+\] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block\(0,0\)$/,
      ),
    });
    expect(r.verdict.at).toBe(timeOf(linuxPanic, "unknown-block(0,0)\r"));
    expect(r.verdict.at).toBeLessThan(10);
    expect(linuxPanic.exit!.t).toBeGreaterThan(59); // the recording itself only ended at `timeout 60`
  });

  test("Xen without a dom0 kernel fails on Xen's panic, not as an exit", () => {
    const r = replay(spec(), xenPanic);
    expect(r.verdict.outcome).toBe("fail");
    expect(r.verdict.outcome).not.toBe("exited");
    expect(r.verdict.cause).toEqual({
      kind: "failure-pattern",
      pattern: 'xen-panic "Panic on CPU"',
      line: "(XEN) Panic on CPU 0:",
    });
    expect(r.verdict.after).toBe("dom0-loading");
    expect(r.verdict.pending).toBe("linux-banner");
    expect(r.verdict.at).toBe(timeOf(xenPanic, "(XEN) Panic on CPU 0:\r"));
    expect(r.verdict.at).toBeLessThan(xenPanic.exit!.t);
    expect(describeVerdict(r.verdict)).toBe(
      'FAIL after "dom0-loading": failure pattern xen-panic "Panic on CPU" matched "(XEN) Panic on CPU 0:" while awaiting "linux-banner"',
    );
  });

  test("the same Xen panic without failure patterns is an exit before the last milestone", () => {
    const r = replay(spec({ failOn: [] }), xenPanic);
    expect(r.verdict.outcome).toBe("exited");
    expect(r.verdict.cause).toEqual({ kind: "exit", code: 0, signal: null });
    expect(r.verdict.at).toBe(xenPanic.exit!.t);
    expect(r.verdict.after).toBe("dom0-loading");
    expect(r.verdict.pending).toBe("linux-banner");
    expect(r.verdict.lastLine).toBe("(XEN) Reboot in five seconds...");
    expect(describeVerdict(r.verdict)).toBe(
      'EXITED after "dom0-loading": QEMU exited (code 0) while awaiting "linux-banner", last line "(XEN) Reboot in five seconds..."',
    );
  });

  test("exit by signal is named in the description", () => {
    const chunks = textChunks("(XEN) Xen version 4.17.7 (Debian)\r\n", Infinity, { start: 0.3 });
    const m = new BootMatcher(spec());
    const splitter = new LineSplitter();
    m.chunk(0.3, splitter.push(chunks[0]!.bytes));
    const step = m.exit(2.5, null, "SIGKILL");
    expect(step.verdict).toMatchObject({ outcome: "exited", at: 2.5, after: "xen-banner", pending: "dom0-loading" });
    expect(describeVerdict(step.verdict!)).toBe(
      'EXITED after "xen-banner": QEMU exited (signal SIGKILL) while awaiting "dom0-loading", last line "(XEN) Xen version 4.17.7 (Debian)"',
    );
    // The verdict is final: later output and clocks change nothing.
    expect(m.chunk(3, splitter.push(Buffer.from("(XEN) *** LOADING DOMAIN 0 ***\r\n"))).verdict).toBeUndefined();
    expect(m.tick(100).verdict).toBe(step.verdict);
    expect(m.reached[1]!.at).toBeUndefined();
  });

  test("a within deadline ends the boot as timeout naming the pending milestone", () => {
    const milestones = arm64Milestones();
    milestones[2] = { ...milestones[2]!, withinS: 2 }; // Linux comes ~4 s after LOADING DOMAIN 0 here
    const r = replay(spec({ milestones }), good);
    expect(r.verdict.outcome).toBe("timeout");
    expect(r.verdict.cause).toEqual({ kind: "within", limitS: 2 });
    expect(r.verdict.after).toBe("dom0-loading");
    expect(r.verdict.pending).toBe("linux-banner");
    const loading = r.records[1]!.at!;
    expect(r.verdict.at).toBeGreaterThanOrEqual(loading + 2);
    expect(r.verdict.at).toBeLessThanOrEqual(loading + 2.1 + 1e-9);
    expect(describeVerdict(r.verdict)).toMatch(
      /^TIMEOUT after "dom0-loading": "linux-banner" not seen within 2\.0 s, last line "\(XEN\) /,
    );
  });

  test("the budget ends a boot that keeps printing as timeout", () => {
    const r = replay(spec({ budgetS: 3 }), good);
    expect(r.verdict.outcome).toBe("timeout");
    expect(r.verdict.cause).toEqual({ kind: "budget", limitS: 3 });
    expect(r.verdict.at).toBeCloseTo(3, 6);
    expect(r.verdict.after).toBe("dom0-loading");
    expect(r.verdict.pending).toBe("linux-banner");
    expect(describeVerdict(r.verdict)).toMatch(
      /^TIMEOUT after "dom0-loading": budget of 3\.0 s ran out while awaiting "linux-banner", last line "/,
    );
  });

  test("a milestone listed out of order: the later one seen first does not count", () => {
    const m = arm64Milestones();
    // Linux before LOADING DOMAIN 0: the LOADING line goes by while Linux is awaited, and never comes again.
    const outOfOrder = [m[0]!, m[2]!, m[1]!, m[5]!];
    const hang = replay(spec({ milestones: outOfOrder }), good, { exit: false });
    expect(hang.verdict.outcome).toBe("hang");
    expect(hang.verdict.after).toBe("linux-banner");
    expect(hang.verdict.pending).toBe("dom0-loading");
    expect(hang.records.map((x) => x.at === undefined)).toEqual([false, false, true, true]);
    expect(hang.sends).toEqual([]); // the prompt went by, but it is not awaited yet
    expect(hang.verdict.at).toBeGreaterThanOrEqual(lastChunkTime(good.chunks) + 15);

    const withDeadline = [m[0]!, m[2]!, { ...m[1]!, withinS: 5 }, m[5]!];
    const timeout = replay(spec({ milestones: withDeadline }), good, { exit: false });
    expect(timeout.verdict).toMatchObject({
      outcome: "timeout",
      cause: { kind: "within", limitS: 5 },
      after: "linux-banner",
      pending: "dom0-loading",
    });

    const exited = replay(spec({ milestones: outOfOrder }), good);
    expect(exited.verdict).toMatchObject({ outcome: "exited", after: "linux-banner", pending: "dom0-loading" });
  });

  test("a log cut after Run /init reads as a hang after the last milestone reached", () => {
    // The default milestones of an arm64 Xen + dom0 boot (no run-init milestone).
    const m = arm64Milestones();
    const designSpec = spec({ milestones: [m[0]!, m[1]!, m[2]!, m[4]!, m[5]!] });
    const r = replay(designSpec, cutAfterLine(good, "Run /init as init process"));
    expect(describeVerdict(r.verdict)).toMatch(
      /^HANG after "linux-banner": silent 15\.\d s, last line "\[\s*\d+\.\d+\] Run \/init as init process"$/,
    );
  });
});

describe("replayed x86_64 boots", () => {
  const x86 = (overrides: Partial<MatcherSpec> = {}) => spec({ milestones: x86Milestones(), ...overrides });

  test("good boot passes through SeaBIOS's terminal resets (ESC c, ESC[?7l, ESC[2J)", () => {
    const r = replay(x86(), x86Good);
    expect(r.verdict.outcome).toBe("pass");
    const lines = fullLines(x86Good);
    expect(r.records[0]!.line).toMatch(/^SeaBIOS \(version /);
    expect(lineOf(lines, r.records[0]!.line)).toBe("SeaBIOS (version 1.16.2-debian-1.16.2-1)");
    expect(lineOf(lines, r.records[1]!.line)).toMatch(/\(XEN\) Xen version 4\.17\.7 \(Debian /);
    expect(r.records[6]!.line).toBe("6.1.0-56-amd64");
    expect(r.sends.map((s) => s.text)).toEqual(["uname -r\n"]);
  });

  test("-cpu max fails within seconds on Xen's unhandled page fault in dom0", () => {
    const r = replay(x86(), x86CpuMax);
    expect(r.verdict.outcome).toBe("fail");
    if (r.verdict.cause.kind !== "failure-pattern") throw new Error(`cause ${r.verdict.cause.kind}`);
    expect(r.verdict.cause.pattern).toMatch(/^xen-unhandled /);
    expect(r.verdict.cause.line).toMatch(/^\(XEN\) d0v0 Unhandled: vec 14, #PF/);
    expect(r.verdict.after).toBe("xen-banner");
    expect(r.verdict.pending).toBe("linux-banner");
    expect(r.verdict.at).toBe(timeOf(x86CpuMax, "(XEN) d0v0 Unhandled: vec 14, #PF[0001]\r"));
    expect(r.verdict.at - r.records[1]!.at!).toBeLessThan(10);
    expect(r.verdict.at).toBeLessThan(x86CpuMax.exit!.t);
  });

  test("the Dom0-crashed pattern alone also catches it, a few lines later", () => {
    const crashed = xenPanics.filter((p) => p.id === "xen-dom0-crashed");
    const r = replay(x86({ failOn: crashed }), x86CpuMax);
    expect(r.verdict.outcome).toBe("fail");
    expect(r.verdict.cause).toMatchObject({ line: "(XEN) Hardware Dom0 crashed: rebooting machine in 5 seconds." });
    expect(r.verdict.at).toBe(timeOf(x86CpuMax, "rebooting machine in 5 seconds."));
  });
});

describe("prompts and the unterminated tail", () => {
  const shell = (milestones: Milestone[]) => spec({ milestones, failOn: [] });

  test("a prompt without newline is matched on the tail, and the send happens then", () => {
    const chunks = textChunks("BusyBox v1.35.0 built-in shell (ash)\r\n\r\n/ # \x1b[6n", [40, 2, 2, 4], {
      start: 1,
      step: 0.5,
    });
    const r = replay(
      shell([
        { id: "shell", match: "/ # ", send: "uname -r\n" },
        { id: "answer", match: /^6\.1\.0/ },
      ]),
      chunks,
    );
    expect(r.records[0]).toEqual({ id: "shell", at: 2, line: "/ # " });
    expect(r.sends).toEqual([{ at: 2, text: "uname -r\n" }]);
    expect(r.verdict).toMatchObject({ outcome: "hang", after: "shell", pending: "answer", lastLine: "/ # " });
  });

  test("a RegExp waits for the whole line: a tail still arriving does not count", () => {
    // "Linux version 6.1" arrives first; the line turns out to say 6.10.
    const chunks = textChunks("Linux version 6.10.3-amd64 (gcc)\r\n", [17, 100], { start: 1, step: 1 });
    const r = replay(shell([{ id: "linux", match: /Linux version 6\.1\b/ }]), chunks);
    expect(r.verdict.outcome).toBe("hang");
    const prompt = replay(shell([{ id: "shell", match: /^~ \$ $/ }]), textChunks("login ok\r\n~ $ ", Infinity));
    expect(prompt.verdict.outcome, "a prompt is matched on the tail only by a literal").toBe("hang");
  });

  test("two prompts in a row need two prompts on screen", () => {
    const milestones: Milestone[] = [
      { id: "first", match: "/ # ", send: "uname -r\n" },
      { id: "second", match: "/ # ", send: "cat /proc/cmdline\n" },
    ];
    // One prompt, its cursor query, then the echo completing that same line: the second is still awaited.
    const one = textChunks(Buffer.from("/ # \x1b[6nuname -r\r\r\n6.1.0-56-arm64\r\r\n"), [4, 4, 10, 18], {
      start: 1,
      step: 0.1,
    });
    const r1 = replay(shell(milestones), one);
    expect(r1.verdict).toMatchObject({ outcome: "hang", after: "first", pending: "second" });
    expect(r1.sends.map((s) => s.text)).toEqual(["uname -r\n"]);

    const two = [...one, ...textChunks("/ # \x1b[6n", Infinity, { start: 2 })];
    const r2 = replay(shell(milestones), two);
    expect(r2.verdict.outcome).toBe("pass");
    expect(r2.records.map((m) => m.at)).toEqual([1, 2]);
    expect(r2.sends.map((s) => s.text)).toEqual(["uname -r\n", "cat /proc/cmdline\n"]);
  });

  test("two prompts on the same line, and on a line and the tail of one chunk, are two prompts", () => {
    const milestones: Milestone[] = [
      { id: "first", match: "/ # " },
      { id: "second", match: "/ # " },
    ];
    expect(replay(shell(milestones), textChunks("/ # ", Infinity, { start: 1 })).verdict.outcome).toBe("hang");
    const sameLine = [...textChunks("/ # ", Infinity, { start: 1 }), ...textChunks("/ # ", Infinity, { start: 2 })];
    expect(replay(shell(milestones), sameLine).verdict).toMatchObject({ outcome: "pass", at: 2 });
    expect(replay(shell(milestones), textChunks("/ # \r\n/ # ", Infinity, { start: 1 })).verdict).toMatchObject({
      outcome: "pass",
      at: 1,
    });
  });

  test("one line satisfies at most one milestone", () => {
    const milestones: Milestone[] = [
      { id: "xen", match: /Xen/ },
      { id: "xen-again", match: /Xen/ },
    ];
    const r = replay(shell(milestones), textChunks("(XEN) Xen version 4.17 on Xen\r\n", Infinity, { start: 1 }));
    expect(r.verdict).toMatchObject({ outcome: "hang", after: "xen", pending: "xen-again" });
  });
});

describe("console noise", () => {
  const clean = replay(spec(), good);
  const variants: [string, (text: string) => string][] = [
    ["CRLF everywhere", (t) => t.replace(/\r*\n/g, "\r\n")],
    ["lone CR", (t) => t.replace(/\r*\n/g, "\r")],
    ["LF only", (t) => t.replace(/\r*\n/g, "\n")],
    [
      "ANSI colours around and inside lines",
      (t) =>
        t
          .replace(/\n/g, "\n\x1b[0;32m")
          .replace(/\r/g, "\x1b[0m\r")
          .replaceAll("Linux version", "Linux\x1b[1m version\x1b[22m")
          .replaceAll("Run /init", "Run \x1b[33m/init\x1b[39m")
          .replaceAll("*** LOADING", "\x1b[5m*** LOADING\x1b[25m"),
    ],
    ["NUL and BEL noise", (t) => t.replace(/\n/g, "\n\x00\x00\x07").replaceAll("dom0 init:", "dom0\x00 init:")],
  ];

  test.each(variants)("%s: same milestones, same matched text", (_name, transform) => {
    const text = transform(recordedText(good));
    expect(text).not.toBe(recordedText(good));
    const r = replay(spec(), textChunks(text, [1, 7, 64, 3, 512], { start: 0.5, step: 0.001 }));
    expect(r.verdict.outcome).toBe("pass");
    const lines = fullLines(good);
    r.records.forEach((m, i) => {
      expect(m.line, m.id).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
      expect(lineOf(lines, m.line), m.id).toBeDefined();
      expect(lineOf(lines, m.line), m.id).toBe(lineOf(lines, clean.records[i]!.line));
    });
    expect(r.sends.map((s) => s.text)).toEqual(["uname -r\n"]);
  });

  test("a UTF-8 character split across chunks still matches, on a line and on the tail", () => {
    const text = "(XEN) Xen version 4.17 — “ünïcode” ✓\r\n🐧 # ";
    const milestones: Milestone[] = [
      { id: "banner", match: "4.17 — “ünïcode” ✓" },
      { id: "penguin-prompt", match: "🐧 # " },
    ];
    for (const size of [1, 2, 3, 5]) {
      const r = replay(spec({ milestones, failOn: [] }), textChunks(text, size));
      expect(r.verdict.outcome, `chunks of ${size} bytes`).toBe("pass");
      expect(r.records[0]!.line).toBe("(XEN) Xen version 4.17 — “ünïcode” ✓");
      expect(r.records[1]!.line).toBe("🐧 # ");
    }
  });

  test("a 10 MB line without newline: the tail stays capped and later lines still match", () => {
    const milestones: Milestone[] = [
      { id: "xen", match: "(XEN) Xen version" },
      { id: "buried", match: "NEEDLE-AFTER-THE-CAP" },
      { id: "linux", match: /^Linux version 6\.1/ },
    ];
    const flood = Buffer.alloc(10 * 1024 * 1024, "x");
    const chunks: Chunk[] = [
      ...textChunks("(XEN) Xen version 4.17\r\n", Infinity, { start: 0.1 }),
      ...textChunks(flood, 256 * 1024, { start: 0.2, step: 0.05 }),
      ...textChunks("NEEDLE-AFTER-THE-CAP\r\nLinux version 6.1.0-56-arm64\r\n", Infinity, { start: 2.5 }),
    ];
    let longestTail = 0;
    let longestLine = 0;
    const r = replay(spec({ milestones, failOn: [] }), chunks, {
      onChunk: (_t, c) => {
        longestTail = Math.max(longestTail, c.tail.length);
        for (const l of c.lines) longestLine = Math.max(longestLine, l.length);
      },
    });
    expect(longestTail).toBe(16 * 1024);
    expect(longestLine).toBe(16 * 1024);
    // The needle sat on the flooded line past the cap: cut for matching, so never seen;
    // the line after it matches normally.
    expect(r.verdict).toMatchObject({ outcome: "hang", after: "xen", pending: "buried" });

    const r2 = replay(spec({ milestones: [milestones[0]!, milestones[2]!], failOn: [] }), chunks);
    expect(r2.verdict.outcome).toBe("pass");
    expect(r2.records[1]).toEqual({ id: "linux", at: 2.5, line: "Linux version 6.1.0-56-arm64" });
  });
});

describe("clocks", () => {
  test("no silence while bytes keep coming, even bytes that clean to nothing", () => {
    const noise: Chunk[] = [];
    for (let t = 1; t <= 40; t += 1) noise.push({ t, bytes: Buffer.from("\x00\x1b[0m") });
    const r = replay(spec({ budgetS: 30, milestones: [{ id: "xen-banner", match: /Xen version/ }] }), noise);
    expect(r.verdict).toMatchObject({
      outcome: "timeout",
      cause: { kind: "budget", limitS: 30 },
      after: "start",
      pending: "xen-banner",
    });
  });

  test("the first milestone's within counts from the start", () => {
    const r = replay(spec(), textChunks("(XEN) Checking for initrd in /chosen\r\n".repeat(200), 40, { step: 0.1 }));
    expect(r.verdict).toMatchObject({
      outcome: "timeout",
      cause: { kind: "within", limitS: 10 },
      after: "start",
      pending: "xen-banner",
    });
    expect(r.verdict.at).toBeCloseTo(10, 6);
  });

  test("nextDeadline is the earliest of silence, within and budget", () => {
    const m = new BootMatcher(spec({ budgetS: 100 }), {}, 5);
    expect(m.nextDeadline()).toBe(15); // xen-banner within 10 s of the start at 5
    const s = new LineSplitter();
    m.chunk(6, s.push(Buffer.from("(XEN) Xen version 4.17.7\r\n")));
    expect(m.reached[0]).toEqual({ id: "xen-banner", at: 1, line: "(XEN) Xen version 4.17.7" });
    expect(m.nextDeadline()).toBe(21); // no within on dom0-loading: silence 15 s after 6
    expect(m.tick(20.9).verdict).toBeUndefined();
    expect(m.tick(21).verdict).toMatchObject({ outcome: "hang", at: 16, after: "xen-banner" });
  });

  test("windowDeadline is the budget or the awaited milestone's within, whatever the output (the host-starved bound's window)", () => {
    const m = new BootMatcher(spec({ budgetS: 100 }), {}, 5);
    expect(m.windowDeadline()).toBe(15); // xen-banner within 10 s of the start at 5
    const s = new LineSplitter();
    m.chunk(7, s.push(Buffer.from("noise\r\n")));
    m.chunk(9, s.push(Buffer.from("more noise\r\n")));
    expect(m.windowDeadline()).toBe(15); // lines move the silence, not the within
    m.chunk(10, s.push(Buffer.from("(XEN) Xen version 4.17.7\r\n")));
    expect(m.windowDeadline()).toBe(105); // no within on dom0-loading: the budget, 100 s after the start at 5
    expect(m.nextDeadline()).toBe(25); // while the silence is nearer
  });

  test("a send may be a function of the prepared images", () => {
    const milestones: Milestone[] = [
      {
        id: "uboot",
        match: "=> ",
        send: (ctx) => `fdt set /chosen/module@0 reg <0x0 0x50000000 0x0 ${ctx.kernel!.sizeHex}>\n`,
      },
    ];
    const r = replay(spec({ milestones, failOn: [] }), textChunks("=> ", Infinity, { start: 1 }), {
      context: { kernel: { path: "/x/vmlinuz", size: 32956352, sizeHex: "0x1f6dfc0" } },
    });
    expect(r.sends).toEqual([{ at: 1, text: "fdt set /chosen/module@0 reg <0x0 0x50000000 0x0 0x1f6dfc0>\n" }]);
  });

  test("a failure pattern with nth fails only on that occurrence", () => {
    const reset: FailurePattern = { id: "uboot-reset", match: /^U-Boot 20\d\d/, nth: 2 };
    const milestones: Milestone[] = [
      { id: "autoboot", match: "Hit any key to stop autoboot" },
      { id: "never", match: "never" },
    ];
    const text =
      "U-Boot 2023.01+dfsg-2+deb12u3\r\nHit any key to stop autoboot:  2\r\nU-Boot 2023.01+dfsg-2+deb12u3\r\n";
    const r = replay(spec({ milestones, failOn: [reset] }), textChunks(text, 20, { start: 1, step: 0.1 }));
    expect(r.verdict).toMatchObject({
      outcome: "fail",
      after: "autoboot",
      cause: { line: "U-Boot 2023.01+dfsg-2+deb12u3" },
    });
  });
});

describe("patterns", () => {
  test("a g or y flag does not make a pattern skip lines (no lastIndex carried over)", () => {
    const milestones: Milestone[] = [{ id: "never", match: "never" }];
    const failOn: FailurePattern[] = [{ id: "panic", match: /panic/gy, nth: 2 }];
    const r = replay(spec({ milestones, failOn }), textChunks("panic one\r\npanic two\r\n", 11, { start: 1, step: 1 }));
    expect(r.verdict).toMatchObject({
      outcome: "fail",
      at: 2,
      cause: { kind: "failure-pattern", pattern: "panic /panic/gy", line: "panic two" },
    });
  });

  test("milestone regex given as {regex, flags} matches case-insensitively", () => {
    const milestones: Milestone[] = [{ id: "xen", match: { regex: "xen version 4\\.17", flags: "i" } }];
    const r = replay(
      spec({ milestones, failOn: [] }),
      textChunks("(XEN) Xen version 4.17.7\r\n", Infinity, { start: 1 }),
    );
    expect(r.verdict).toMatchObject({ outcome: "pass", at: 1 });
  });
});

describe("known-bad judgements and descriptions", () => {
  const noKernel: KnownBad = {
    outcome: "fail",
    after: "dom0-loading",
    reason: "no dom0 kernel module in the DTB",
    tracking: "https://example.invalid/1",
  };

  test("reproduced: the same outcome after the same milestone", () => {
    const j = judgeKnownBad(noKernel, replay(spec(), xenPanic).verdict);
    expect(j).toEqual({
      status: "reproduced",
      message: "known-bad: fail after dom0-loading (no dom0 kernel module in the DTB)",
    });
  });

  test("xpass: the known-bad boot now passes", () => {
    const j = judgeKnownBad(noKernel, replay(spec(), good).verdict);
    expect(j.status).toBe("xpass");
    expect(j.message).toBe(
      'known-bad boot now passes; remove knownBad (expected fail after "dom0-loading": no dom0 kernel module in the DTB)',
    );
  });

  test("different: fails after another milestone", () => {
    const j = judgeKnownBad(noKernel, replay(spec(), linuxPanic).verdict);
    expect(j).toEqual({
      status: "different",
      message:
        'known-bad boot failed differently: expected fail after "dom0-loading" (no dom0 kernel module in the DTB), got fail after "linux-banner"',
    });
  });

  test("different: another outcome after the same milestone", () => {
    const hang = replay(spec(), cutAfterLine(good, "(XEN) Freed ")).verdict;
    expect(hang.after).toBe("dom0-loading");
    expect(judgeKnownBad(noKernel, hang).status).toBe("different");
    expect(judgeKnownBad({ ...noKernel, outcome: "hang" }, hang).status).toBe("reproduced");
  });

  test('describeVerdict: HANG after "linux-banner": silent 15.0 s, last line "Run /init as init process"', () => {
    const m = arm64Milestones();
    const designSpec = spec({ milestones: [m[0]!, m[1]!, m[2]!, m[4]!, m[5]!] });
    const chunks: Chunk[] = [
      { t: 0.5, bytes: Buffer.from("(XEN) Xen version 4.17.7 (Debian 4.17.7+13-g2445b30a44-0+deb12u1)\r\n") },
      { t: 1, bytes: Buffer.from("(XEN) *** LOADING DOMAIN 0 ***\r\n") },
      { t: 2, bytes: Buffer.from("Linux version 6.1.0-56-arm64\r\n") },
      { t: 3, bytes: Buffer.from("Run /init as init process\r\n") },
    ];
    const r = replay(designSpec, chunks);
    expect(r.verdict.at).toBeCloseTo(18, 6);
    expect(describeVerdict(r.verdict)).toBe(
      'HANG after "linux-banner": silent 15.0 s, last line "Run /init as init process"',
    );
  });

  test("describeVerdict cuts a very long last line", () => {
    const r = replay(
      spec({ milestones: [{ id: "never", match: "never" }] }),
      textChunks(`${"y".repeat(1000)}\r\n`, Infinity, { start: 1 }),
    );
    const text = describeVerdict(r.verdict);
    expect(text).toBe(`HANG after "start": silent 15.0 s, last line "${"y".repeat(160)}…"`);
  });
});
