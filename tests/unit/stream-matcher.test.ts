import { describe, expect, test } from "vitest";
import {
  dom0Milestones,
  guestMilestones,
  linuxPanics,
  xenPanics,
  xenStreamMilestones,
} from "../../harness/expectations/index.ts";
import { validateExpectation } from "../../harness/expectations/loader.ts";
import type { BootSpec, StreamSpec } from "../../harness/expectations/schema.ts";
import { describeVerdict } from "../../harness/milestones/describe.ts";
import { judgeKnownBad } from "../../harness/milestones/known-bad.ts";
import { BootMatcher } from "../../harness/milestones/matcher.ts";
import { StreamMatcher } from "../../harness/milestones/stream-matcher.ts";
import { StreamRouter } from "../../harness/console/stream-router.ts";
import { loadRecording, recordedText, replay, textChunks, type Chunk } from "../helpers/replay.ts";

// A real arm64 boot: Xen starts dom0 and a dom0less domU; d1's lines (prefixed "(XEN) DOM1: ")
// land between dom0's unprefixed ones all the way to both shells.
const dom0less = loadRecording("arm64-xen-dom0less.chunks.jsonl.gz");

const streams = (): Record<string, StreamSpec> => ({
  xen: { milestones: xenStreamMilestones({ dom0: true, domUs: 1 }) },
  dom0: { after: "xen/xen-dom0-loading", milestones: dom0Milestones("arm64") },
  d1: { after: "xen/xen-domu1-loading", silence: "20s", milestones: guestMilestones("arm64"), failOn: linuxPanics },
});

const spec = (s = streams(), overrides: { silenceS?: number; budgetS?: number } = {}) => ({
  streams: s,
  failOn: [...linuxPanics, ...xenPanics],
  silenceS: 15,
  budgetS: 120,
  ...overrides,
});
/** replay() wants a MatcherSpec for its give-up clock; the StreamMatcher does the judging. */
const clockOnly = (s: { silenceS: number; budgetS: number }) => ({
  milestones: [],
  failOn: [],
  silenceS: s.silenceS,
  budgetS: s.budgetS,
});
const run = (chunks: Chunk[] | typeof dom0less, s = spec()) =>
  replay(clockOnly(s), chunks, { matcher: new StreamMatcher(s) });
const at = (records: { id: string; at?: number }[], id: string) => records.find((r) => r.id === id)?.at;

describe("milestones per stream on a recorded dom0less console", () => {
  test("the recording interleaves: d1 lines sit between dom0 lines", () => {
    const lines = recordedText(dom0less).split(/\r?\n/);
    const dom0Init = lines.findIndex((l) => l.startsWith("dom0 init: "));
    const d1Banner = lines.findIndex((l) => l.startsWith("(XEN) DOM1: BusyBox"));
    const dom0Linux = lines.findIndex((l) => /^\[\s*\d+\.\d+\] Linux version 6\.1/.test(l));
    expect(dom0Linux).toBeGreaterThan(0);
    expect(d1Banner).toBeGreaterThan(dom0Linux);
    expect(d1Banner).toBeLessThan(dom0Init);
  });

  test("every stream passes in its own order, the milestones of d1 and dom0 interleaved in time", () => {
    const { verdict, records, sends } = run(dom0less);
    expect(describeVerdict(verdict)).toMatch(/^PASS/);
    expect(records.every((r) => r.at !== undefined)).toBe(true);
    expect(records.map((r) => r.id)).toEqual([
      ...["xen-banner", "xen-dom0-loading", "xen-domu1-loading", "xen-freed-init"].map((id) => `xen/${id}`),
      ...["linux-banner", "run-init", "dom0-init", "shell", "uname"].map((id) => `dom0/${id}`),
      ...["linux-banner", "run-init", "guest-up", "shell-banner"].map((id) => `d1/${id}`),
    ]);
    // d1 reached its shell before dom0 printed its marker: one ordered list could not say both.
    expect(at(records, "d1/shell-banner")!).toBeLessThan(at(records, "dom0/dom0-init")!);
    expect(at(records, "d1/linux-banner")!).toBeLessThan(at(records, "dom0/run-init")!);
    // The prefix is taken off: an anchored pattern sees the domU's own text.
    expect(records.find((r) => r.id === "d1/guest-up")!.line).toMatch(/^guest up: 6\.1\.0-\d+-arm64$/);
    expect(sends.map((s) => s.text)).toEqual(["uname -r\n"]);
  });

  test("the same milestones as one ordered list fail on this console: d1's shell came before dom0's marker", () => {
    const single = [
      ...dom0Milestones("arm64").slice(0, 3),
      { id: "d1-shell-banner", match: /^\(XEN\) DOM1: .*built-in shell \(ash\)/ },
      ...dom0Milestones("arm64").slice(3),
    ];
    const { verdict } = replay({ milestones: single, failOn: [], silenceS: 15, budgetS: 120 }, dom0less);
    expect(verdict.outcome).not.toBe("pass");
    expect(verdict.pending).toBe("d1-shell-banner");
  });

  test("a stream starts at its `after`: its lines before that do not count, and its `within` runs from there", () => {
    const text =
      [
        "(XEN) DOM1: Linux version 6.1.0-56-arm64 (too early)",
        "(XEN) Xen version 4.17.7 (Debian)",
        "(XEN) *** LOADING DOMAIN 0 ***",
        "(XEN) *** LOADING DOMU cpus=1 memory=20000KB ***",
        "(XEN) Freed 123kB init memory",
      ].join("\r\n") + "\r\n";
    const s = spec();
    const m = new StreamMatcher(s);
    const chunks = textChunks(text, Infinity, { start: 1 });
    for (const c of chunks) m.chunk(c.t, { lines: text.split("\r\n").filter(Boolean), tail: "" });
    expect(at([...m.reached], "d1/linux-banner")).toBeUndefined();
    expect(at([...m.reached], "xen/xen-domu1-loading")).toBe(1);
    m.chunk(2, { lines: ["(XEN) DOM1: [    0.000000] Linux version 6.1.0-56-arm64"], tail: "" });
    expect(at([...m.reached], "d1/linux-banner")).toBe(2);
  });
});

describe("a stream that stops while another keeps the line busy", () => {
  /** Xen starts both, d1 prints its banner and stops; dom0 prints a line every second for a minute. */
  function busyDom0StalledD1(): Chunk[] {
    const head = [
      "(XEN) Xen version 4.17.7",
      "(XEN) *** LOADING DOMAIN 0 ***",
      "(XEN) *** LOADING DOMU cpus=1 memory=20000KB ***",
      "(XEN) DOM1: [    0.000000] Linux version 6.1.0-56-arm64",
    ];
    const chunks: Chunk[] = head.map((line, i) => ({ t: 1 + i * 0.1, bytes: Buffer.from(`${line}\r\n`) }));
    for (let s = 2; s <= 60; s++) chunks.push({ t: s, bytes: Buffer.from(`[   ${s}.000000] dom0 still busy\r\n`) });
    return chunks;
  }

  test("is caught by the stream's own silence although the boot's silence never expires", () => {
    const { verdict } = run(busyDom0StalledD1(), spec(streams(), { budgetS: 300 }));
    expect(verdict.outcome).toBe("hang");
    expect(verdict.cause).toMatchObject({ kind: "silence", limitS: 20 });
    expect(verdict.stream?.name).toBe("d1");
    expect(verdict.after).toBe("d1/linux-banner");
    expect(verdict.pending).toBe("d1/run-init");
    // d1's last line, not the busy dom0's.
    expect(verdict.lastLine).toContain("Linux version 6.1.0-56-arm64");
    expect(verdict.at).toBeCloseTo(1.3 + 20, 0);
    expect(describeVerdict(verdict)).toMatch(/^HANG after "d1\/linux-banner": stream d1: silent 20\.\d s, last line/);
  });

  test("without a stream silence only the budget would end it, much later", () => {
    const s = streams();
    delete s.d1!.silence;
    const { verdict } = run(busyDom0StalledD1(), spec(s, { budgetS: 50 }));
    expect(verdict.outcome).toBe("timeout");
    expect(verdict.cause.kind).toBe("budget");
  });

  test("a milestone's within inside a stream counts from the stream's previous milestone", () => {
    const s = streams();
    delete s.d1!.silence;
    s.d1!.milestones = [s.d1!.milestones[0]!, { ...s.d1!.milestones[1]!, within: "8s" }, ...s.d1!.milestones.slice(2)];
    const { verdict } = run(busyDom0StalledD1(), spec(s, { budgetS: 300 }));
    expect(verdict).toMatchObject({
      outcome: "timeout",
      cause: { kind: "within", limitS: 8 },
      after: "d1/linux-banner",
      pending: "d1/run-init",
      stream: { name: "d1" },
    });
    expect(verdict.at).toBeCloseTo(1.3 + 8, 0);
  });

  test("a stream's within bounds its last milestone from its start", () => {
    const s = streams();
    delete s.d1!.silence;
    s.d1!.within = "10s";
    const { verdict } = run(busyDom0StalledD1(), spec(s, { budgetS: 300 }));
    expect(verdict).toMatchObject({
      outcome: "timeout",
      cause: { kind: "within", limitS: 10 },
      after: "d1/linux-banner",
      stream: { name: "d1" },
    });
    expect(verdict.at).toBeCloseTo(1.2 + 10, 0);
  });
});

describe("failure patterns per stream and global", () => {
  const boot =
    [
      "(XEN) Xen version 4.17.7",
      "(XEN) *** LOADING DOMAIN 0 ***",
      "(XEN) *** LOADING DOMU cpus=1 memory=20000KB ***",
    ].join("\r\n") + "\r\n";

  test("a stream's failure pattern fires on its own lines and names the stream", () => {
    const s = spec(streams(), {});
    const text = `${boot}(XEN) DOM1: [    0.000000] Linux version 6.1.0-56-arm64\r\n(XEN) DOM1: [    1.0] Kernel panic - not syncing: VFS: Unable to mount root fs\r\n`;
    const { verdict } = run(textChunks(text, 7), { ...s, failOn: [] });
    expect(verdict).toMatchObject({
      outcome: "fail",
      after: "d1/linux-banner",
      pending: "d1/run-init",
      stream: { name: "d1" },
    });
    expect(verdict.cause).toMatchObject({
      kind: "failure-pattern",
      line: "[    1.0] Kernel panic - not syncing: VFS: Unable to mount root fs",
    });
  });

  test("another stream's failure patterns do not apply: dom0 printing the text is not d1 failing", () => {
    const s = spec(streams(), { silenceS: 5, budgetS: 30 });
    const text = `${boot}[    1.0] Kernel panic - not syncing: (dom0 quoting it)\r\n`;
    const { verdict } = run(textChunks(text, 7), { ...s, failOn: [] });
    expect(verdict.outcome).toBe("hang");
  });

  test("a global failure pattern on a stream's line is charged to that stream", () => {
    const text = `${boot}(XEN) DOM1: [    0.000000] Linux version 6.1.0-56-arm64\r\n(XEN) Panic on CPU 0:\r\n`;
    const { verdict } = run(textChunks(text, 13));
    expect(verdict).toMatchObject({ outcome: "fail", after: "xen/xen-domu1-loading", stream: { name: "xen" } });
  });

  test("known-bad names a stream's milestone", () => {
    const text = `${boot}(XEN) DOM1: [    0.000000] Linux version 6.1.0-56-arm64\r\n(XEN) DOM1: Kernel panic - not syncing: boom\r\n`;
    const { verdict } = run(textChunks(text, 11));
    expect(judgeKnownBad({ outcome: "fail", after: "d1/linux-banner", reason: "r" }, verdict).status).toBe(
      "reproduced",
    );
    expect(judgeKnownBad({ outcome: "fail", after: "dom0/linux-banner", reason: "r" }, verdict).status).toBe(
      "different",
    );
  });
});

describe("the router", () => {
  const router = new StreamRouter(["(XEN) ", "", "(XEN) DOM1: ", /\[d(\d)\] /]);

  test('longest literal prefix wins; RegExps next; the rest goes to the "" stream', () => {
    expect(router.line("(XEN) DOM1: hello")).toEqual([{ stream: 2, text: "hello" }]);
    expect(router.line("(XEN) Xen version")).toEqual([{ stream: 0, text: "Xen version" }]);
    expect(router.line("[d2] guest")).toEqual([{ stream: 3, text: "guest" }]);
    expect(router.line("Linux version")).toEqual([{ stream: 1, text: "Linux version" }]);
  });

  test("a dom0 line cut by two domU lines (recorded on a real dom0less boot) is also seen whole once it ends", () => {
    const fresh = new StreamRouter(["(XEN) ", "", "(XEN) DOM1: "]);
    const routed = [
      "[    4.212552] R(XEN) DOM1: busybox: /usr/bin/groups: No such file or directory",
      "un /init as init(XEN) DOM1: busybox: /usr/bin/head: No such file or directory",
      " process",
    ].flatMap((line) => fresh.line(line));
    expect(routed.filter((r) => r.stream === 2).map((r) => r.text)).toEqual([
      "busybox: /usr/bin/groups: No such file or directory",
      "busybox: /usr/bin/head: No such file or directory",
    ]);
    expect(routed.filter((r) => r.stream === 1).map((r) => r.text)).toEqual([
      "[    4.212552] R",
      "un /init as init",
      " process",
      "[    4.212552] Run /init as init process",
    ]);
    // Carried only until its line ends: the next dom0 line stands alone.
    expect(fresh.line("next")).toEqual([{ stream: 1, text: "next" }]);
  });

  test("a line another console broke into is cut where the prefix starts", () => {
    expect(router.line("/ # (XEN) DOM1: guest up: 6.1.0-56-arm64")).toEqual([
      { stream: 1, text: "/ # " },
      { stream: 2, text: "guest up: 6.1.0-56-arm64" },
    ]);
  });

  test("a prompt (the unterminated tail) reached in dom0 is not offered again when its line completes with d1's text", () => {
    const s = spec();
    const m = new StreamMatcher(s);
    const lines = [
      "(XEN) Xen version 4.17.7",
      "(XEN) *** LOADING DOMAIN 0 ***",
      "(XEN) *** LOADING DOMU cpus=1 memory=20000KB ***",
      "[    1.0] Linux version 6.1.0-56-arm64",
      "Run /init as init process",
      "dom0 init: 6.1.0-56-arm64 xen: xen",
    ];
    m.chunk(1, { lines, tail: "/ # " });
    expect(at([...m.reached], "dom0/shell")).toBe(1);
    m.chunk(2, { lines: ["/ # (XEN) DOM1: [    0.0] Linux version 6.1.0-56-arm64"], tail: "" });
    expect(at([...m.reached], "d1/linux-banner")).toBe(2);
    m.chunk(3, { lines: ["6.1.0-56-arm64"], tail: "" });
    expect(at([...m.reached], "dom0/uname")).toBe(3);
  });
});

describe("the single ordered list is untouched", () => {
  test("an expectation without streams gets a BootMatcher with the same verdict as before", () => {
    const good = loadRecording("arm64-xen-dom0-good.chunks.jsonl.gz");
    const milestones = dom0Milestones("arm64");
    const a = replay({ milestones, failOn: linuxPanics, silenceS: 15, budgetS: 120 }, good);
    const b = replay({ milestones, failOn: linuxPanics, silenceS: 15, budgetS: 120 }, good, {
      matcher: new BootMatcher({ milestones, failOn: linuxPanics, silenceS: 15, budgetS: 120 }),
    });
    expect(a.verdict).toEqual(b.verdict);
    expect(a.verdict.stream).toBeUndefined();
  });
});

// ---- bad input: clear errors naming the field, before anything boots ----

const base = (): BootSpec => ({
  name: "streams",
  machine: { arch: "aarch64", memory: "1G", cpus: 2, firmware: "direct" },
  images: { xen: { kind: "file", path: "/x" }, kernel: { kind: "file", path: "/k" } },
  streams: {
    xen: { milestones: [{ id: "banner", match: "Xen" }] },
    dom0: { after: "xen/banner", milestones: [{ id: "linux", match: "Linux" }] },
  },
  silence: "10s",
  budget: "60s",
});

describe("bad stream expectations", () => {
  const cases: [string, (b: BootSpec & { streams: Record<string, StreamSpec> }) => void, string, RegExp][] = [
    [
      "an after naming an unknown stream",
      (b) => (b.streams.dom0!.after = "d7/banner"),
      "streams.dom0.after",
      /names no stream "d7" \(known: xen, dom0\)/,
    ],
    [
      "an after naming an unknown milestone",
      (b) => (b.streams.dom0!.after = "xen/nope"),
      "streams.dom0.after",
      /stream "xen" has no milestone "nope" \(known: banner\)/,
    ],
    [
      "an after without a stream",
      (b) => (b.streams.dom0!.after = "banner"),
      "streams.dom0.after",
      /write "stream\/milestone"/,
    ],
    [
      "a cycle of afters",
      (b) => {
        b.streams.xen!.after = "d1/up";
        b.streams.d1 = { after: "dom0/linux", milestones: [{ id: "up", match: "up" }] };
      },
      "streams.xen.after",
      /cycle: xen → d1 → dom0 → xen/,
    ],
    [
      "a stream waiting for itself",
      (b) => (b.streams.dom0!.after = "dom0/linux"),
      "streams.dom0.after",
      /cycle: dom0 → dom0/,
    ],
    [
      "a stream name without a default prefix",
      (b) => (b.streams.guest = { milestones: [{ id: "up", match: "up" }] }),
      "streams.guest.prefix",
      /is required: only "xen", "dom0" and "d1"/,
    ],
    [
      "a prefix holding a line break can never match",
      (b) => (b.streams.d1 = { prefix: "(XEN) DOM1:\n", milestones: [{ id: "up", match: "up" }] }),
      "streams.d1.prefix",
      /can never match/,
    ],
    [
      "a RegExp prefix that matches every line",
      (b) => (b.streams.d1 = { prefix: /(XEN DOM1: )?/, milestones: [{ id: "up", match: "up" }] }),
      "streams.d1.prefix",
      /matches an empty prefix/,
    ],
    [
      "two streams with one prefix",
      (b) => (b.streams.guest = { prefix: "(XEN) ", milestones: [{ id: "up", match: "up" }] }),
      "streams.guest.prefix",
      /also the prefix of stream "xen"/,
    ],
    [
      "milestones and streams both",
      (b) => (b.milestones = [{ id: "a", match: "a" }]),
      "streams",
      /either milestones or streams/,
    ],
    [
      "a known-bad after naming no stream milestone",
      (b) => (b.knownBad = { outcome: "hang", after: "dom0/nope", reason: "r" }),
      "knownBad.after",
      /names no milestone: "dom0\/nope"/,
    ],
    [
      "duplicate ids inside a stream",
      (b) => b.streams.xen!.milestones.push({ id: "banner", match: "again" }),
      "streams.xen.milestones[1].id",
      /duplicate milestone id "banner"/,
    ],
  ];
  test.each(cases)("%s", (_name, mutate, field, problem) => {
    const b = base() as BootSpec & { streams: Record<string, StreamSpec> };
    mutate(b);
    expect(() => validateExpectation("expectations/bad.ts", b)).toThrow(
      expect.objectContaining({ field, message: expect.stringMatching(problem) }),
    );
  });

  test("a valid one flattens to stream/milestone ids and accepts known-bad after a stream's start", () => {
    const e = validateExpectation("expectations/good.ts", {
      ...base(),
      knownBad: { outcome: "hang", after: "dom0/start", reason: "r" },
    });
    expect(e.milestones.map((m) => m.id)).toEqual(["xen/banner", "dom0/linux"]);
  });

  test("a dom0less domU naming an image the boot does not have", () => {
    const b = { ...base(), boot: { domUs: [{ kernel: "guest-kernel", memory: "128M" }] } };
    expect(() => validateExpectation("expectations/bad.ts", b)).toThrow(
      expect.objectContaining({
        field: "boot.domUs[0].kernel",
        message: expect.stringMatching(/names no image "guest-kernel"/),
      }),
    );
  });

  test("a toolstack initramfs copying an image the boot does not have", () => {
    const b = {
      ...base(),
      images: {
        ...base().images,
        kernel: { kind: "deb", package: "linux-image-arm64", path: "boot/vmlinuz-*", follow: true },
        initrd: {
          kind: "xen-toolstack-initrd",
          files: { "/guest/kernel": { image: "guest-kernel" } },
          commands: ["xl list"],
        },
      },
    };
    expect(() => validateExpectation("expectations/bad.ts", b)).toThrow(
      expect.objectContaining({
        field: "images.initrd.files./guest/kernel.image",
        message: expect.stringMatching(/names no image "guest-kernel"/),
      }),
    );
  });
});

describe("the router: which lines Xen wrote (issue 26: domU prefix forgery; issue 23: console_timestamps)", () => {
  test("a domU prefix in a command typed at dom0's prompt is dom0's text, not DOM1's line", () => {
    const router = new StreamRouter(["(XEN) ", "", "(XEN) DOM1: "]);
    expect(router.line("/ # echo (XEN) DOM1: guest up")).toEqual([
      { stream: 1, text: "/ # echo (XEN) DOM1: guest up" },
    ]);
    expect(router.line("~ $ printf '(XEN) x'")).toEqual([{ stream: 1, text: "~ $ printf '(XEN) x'" }]);
    // Right after the prompt, nothing typed: Xen's line cut in (recorded on real dom0less boots).
    expect(router.line("/ # (XEN) DOM1: guest up")).toEqual([
      { stream: 1, text: "/ # " },
      { stream: 2, text: "guest up" },
    ]);
  });

  test("the forged line does not reach DOM1's milestone; DOM1's own line does", () => {
    const s = spec({
      dom0: { milestones: [{ id: "shell", match: "/ # " }] },
      d1: { milestones: [{ id: "up", match: /^guest up/ }] },
    });
    const m = new StreamMatcher(s);
    m.chunk(1, { lines: ["/ # echo (XEN) DOM1: guest up"], tail: "" });
    expect(at([...m.reached], "d1/up")).toBeUndefined();
    m.chunk(2, { lines: ["(XEN) DOM1: guest up"], tail: "" });
    expect(at([...m.reached], "d1/up")).toBe(2);
  });

  test.each([
    ["boot", "(XEN) [    1.234567] "],
    ["datems", "(XEN) [2026-12-07 09:00:00.123] "],
    ["raw", "(XEN) [000000001234] "],
  ])("console_timestamps=%s: Xen's and DOM1's lines keep their streams, the time taken off", (_kind, head) => {
    const router = new StreamRouter(["(XEN) ", "", "(XEN) DOM1: "]);
    expect(router.line(`${head}DOM1: [    0.000000] Linux version 6.1.0-56-arm64`)).toEqual([
      { stream: 2, text: "[    0.000000] Linux version 6.1.0-56-arm64" },
    ]);
    expect(router.line(`${head}Xen version 4.17.7`)).toEqual([{ stream: 0, text: "Xen version 4.17.7" }]);
    // Cutting into dom0's text, as without timestamps.
    expect(router.line(`[    0.291048] c${head}DOM1: arch_timer: cp15 timer(s) running`)).toEqual([
      { stream: 1, text: "[    0.291048] c" },
      { stream: 2, text: "arch_timer: cp15 timer(s) running" },
    ]);
  });

  test("a timestamped dom0less boot is judged per stream (recorded console, timestamps added as Xen prints them)", () => {
    let t = 0;
    const stamped = dom0less.chunks.map((c) => ({
      ...c,
      bytes: Buffer.from(
        c.bytes.toString("latin1").replace(/\(XEN\) /g, () => `(XEN) [${(t += 0.001).toFixed(6).padStart(12)}] `),
        "latin1",
      ),
    }));
    expect(describeVerdict(run(dom0less).verdict)).toMatch(/^PASS/);
    expect(describeVerdict(run({ ...dom0less, chunks: stamped }).verdict)).toMatch(/^PASS/);
  });
});
