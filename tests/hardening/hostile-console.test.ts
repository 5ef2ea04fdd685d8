/**
 * Hostile console output, replayed (the ConsoleJudge: LineSplitter + BootMatcher + SliceRecorder; JUnit; no
 * processes) and live (a fake QEMU printing it through the whole harness): binary garbage,
 * NUL and ESC floods, CR-only lines, UTF-8 split across reads, a 100 MB line, hundreds of MB.
 * The verdict must be what the milestones say, serial.log must hold every byte, and the JUnit
 * must stay valid XML.
 *
 * Sizes: the 1 GB case runs in `npm run bench` (bench/memory.ts, ~30 s here, more than a test
 * should take); tests use 200 MB live and 64 MiB replayed, which exercise the same paths.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLValidator } from "fast-xml-parser";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import type { Expectation } from "../../harness/expectations/loader.ts";
import { ConsoleJudge } from "../../harness/milestones/judge.ts";
import { junitForBoots } from "../../harness/artifacts/junit.ts";
import type { BootResult } from "../../harness/result.ts";
import { runBoot } from "../../harness/runner/run-boot.ts";
import { bootFiles } from "../../harness/artifacts/writers.ts";
import {
  expectedOutput,
  fakeExpectation,
  fakePids,
  fileDigest,
  garbage,
  LINE,
  playingQemu,
  running,
  type Step,
} from "./fake-qemu.ts";

const dir = mkdtempSync(join(tmpdir(), "bootlog-hostile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.BOOTLOG_QEMU_AARCH64;
});

const MiB = 1024 * 1024;
const GARBAGE = join(dir, "garbage.bin");
writeFileSync(GARBAGE, garbage(2 * MiB));
const GARBAGE_2 = join(dir, "garbage-2.bin");
writeFileSync(GARBAGE_2, garbage(2 * MiB, 12345));

/** XML 1.0 forbids these anywhere in a document (the validator does not check characters). */
const XML_FORBIDDEN =
  /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function expectValidJunit(xml: string): void {
  expect(XMLValidator.validate(xml)).toBe(true);
  expect(xml, "the console forged a testcase").not.toMatch(/<testcase[^>]*name="(forged|x|y)"/);
  expect(XML_FORBIDDEN.test(xml), "junit.xml holds a character XML forbids").toBe(false);
}

const CR_ONLY = Array.from({ length: 2000 }, (_, i) => `progress ${i % 100}%\r`).join("");
const XML_HOSTILE =
  ']]> <testcase name="x"/> &amp; & < > " \' \uFFFE \uFFFF \u0085 \u2028\r\n' +
  // Repeated ]]> and a crafted attempt to close the CDATA and add a testcase of the guest's choosing.
  ']]>]]> ]]></system-out></testcase><testcase classname="x" name="forged"><failure message="forged"/></testcase><testcase name="y"><system-out><![CDATA[\r\n';

/** Every kind of hostile output in one console, between and around the two milestones. */
const HOSTILE: Step[] = [
  { file: GARBAGE },
  { text: "\r\nFAKE-BOOT-1\r\n" },
  { flood: 0x00, bytes: 4 * MiB },
  { flood: 0x1b, bytes: 4 * MiB },
  { text: `\r\n\x1b[${"1;".repeat(10_000)}` }, // an escape sequence that never ends
  { text: `\r\n${CR_ONLY}` },
  { text: XML_HOSTILE },
  { hex: "eda080edbfbf" }, // CESU-8 surrogates: invalid UTF-8
  { hex: "fffe00c0af" },
  { file: GARBAGE_2 },
  { text: "\r\nFAKE-PROMPT # " },
];

/** The hostile console, then a kernel panic: the failure pattern must still be seen. */
const HOSTILE_PANIC: Step[] = [
  ...HOSTILE.slice(0, -1),
  { text: "\r\n[   12.345678] Kernel panic - not syncing: hostile test\r\n" },
  { file: GARBAGE },
];

/** The hostile console, then nothing: a hang after the first milestone. */
const HOSTILE_SILENT: Step[] = HOSTILE.slice(0, -1);

/** A UTF-8 milestone whose characters arrive split across reads, on a line and in the tail. */
const UTF8_SPLIT: Step[] = [
  { text: "FAKE-BOOT-1\r\nd" },
  { hex: "c3" }, // é, first byte
  { sleepMs: 150 },
  { hex: "a9" },
  { text: "marré " },
  { hex: "e29c" }, // ✓, two of three bytes
  { sleepMs: 150 },
  { hex: "93" },
  { text: " " },
  { hex: "f09f" }, // 🐧, two of four bytes
  { sleepMs: 150 },
  { hex: "90a7" },
  { text: "\r\nFAKE-PROMPT λ" },
  { hex: "ce" }, // λ, first byte
  { sleepMs: 150 },
  { hex: "bb" },
  { text: " # " },
];
const UTF8_MILESTONES = [
  { id: "first", match: "FAKE-BOOT-1" },
  { id: "utf8", match: "démarré ✓ 🐧" },
  { id: "prompt", match: "FAKE-PROMPT λλ # " },
];

const LONG_LINE: Step[] = [
  { text: "FAKE-BOOT-1\r\n" },
  { flood: 0x78, bytes: 100 * 1000 * 1000 },
  { text: "\r\nFAKE-PROMPT # " },
];

/** Bytes of `steps`, for replaying (only small steps: floods and lines are generated lazily). */
function* stepBytes(steps: Step[]): Generator<Buffer> {
  for (const s of steps) {
    if ("sleepMs" in s) continue;
    if ("lines" in s) {
      const block = Buffer.from(LINE.repeat(Math.floor(MiB / LINE.length)));
      for (let left = s.lines; left > 0; left -= block.length)
        yield left >= block.length ? block : block.subarray(0, left);
    } else if ("flood" in s) {
      const block = Buffer.alloc(MiB, s.flood);
      for (let left = s.bytes; left > 0; left -= block.length)
        yield left >= block.length ? block : block.subarray(0, left);
    } else
      yield "file" in s ? readFileSync(s.file) : "hex" in s ? Buffer.from(s.hex, "hex") : Buffer.from(s.text, "utf8");
  }
}

/** Reads of pseudo-random sizes (1 byte to 70 KB), cut from the bytes of `steps`: every boundary lands somewhere. */
function* hostileReads(steps: Step[], seed = 7): Generator<Buffer> {
  let x = seed;
  const nextSize = () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % 5 === 0 ? 1 + (x % 7) : 1 + (x % 70_000);
  };
  for (const bytes of stepBytes(steps))
    for (let i = 0; i < bytes.length;) {
      const size = nextSize();
      yield bytes.subarray(i, i + size);
      i += size;
    }
}

/** What the runner does with reads, without QEMU: the same ConsoleJudge; then a JUnit of the result. */
function judgeReplay(exp: Expectation, reads: Iterable<Buffer>): { result: BootResult; xml: string } {
  const judge = new ConsoleJudge(exp);
  let t = 0;
  for (const bytes of reads) {
    judge.feed((t += 1e-4), bytes);
    if (judge.verdict) break;
  }
  while (!judge.verdict) judge.tick((t += 0.5));
  const slices = judge.finish();
  const verdict = judge.verdict!;
  const result: BootResult = {
    name: exp.name,
    file: exp.file,
    outcome: verdict.outcome,
    summary: `${verdict.outcome} after ${verdict.after}: ${verdict.lastLine}`,
    ok: verdict.outcome === "pass",
    verdict,
    milestones: [...judge.milestones],
    slices,
    startedAt: new Date(0).toISOString(),
    durationS: t,
    qemu: { binary: "qemu-system-aarch64", argv: [] },
    packages: [],
    reproduce: "",
    expectationHash: "0",
    dir,
    serialLog: join(dir, "none"),
    attempt: 1,
  };
  return { result, xml: junitForBoots([result]) };
}

describe("replayed hostile output (no processes)", () => {
  const exp = fakeExpectation(GARBAGE);

  test("garbage, NUL/ESC floods, CR-only lines, XML-hostile text, invalid UTF-8: pass, valid JUnit", () => {
    const { result, xml } = judgeReplay(exp, hostileReads(HOSTILE));
    expect(result.outcome, result.summary).toBe("pass");
    expect(result.milestones.map((m) => m.line)).toEqual(["FAKE-BOOT-1", "FAKE-PROMPT # "]);
    expectValidJunit(xml);
  });

  test("the same, then a kernel panic: fail on the panic line", () => {
    const { result, xml } = judgeReplay(exp, hostileReads(HOSTILE_PANIC));
    expect(result.verdict).toMatchObject({
      outcome: "fail",
      after: "first",
      cause: { kind: "failure-pattern", line: "[   12.345678] Kernel panic - not syncing: hostile test" },
    });
    expectValidJunit(xml);
  });

  test("the same, then silence: hang after the first milestone", () => {
    const { result, xml } = judgeReplay(exp, hostileReads(HOSTILE_SILENT));
    expect(result.verdict).toMatchObject({ outcome: "hang", after: "first", pending: "prompt" });
    expectValidJunit(xml);
  });

  test("UTF-8 split at every byte: the milestones match on a line and on the tail", () => {
    const splitExp = fakeExpectation(GARBAGE, { milestones: UTF8_MILESTONES });
    const bytes = Buffer.concat([...stepBytes(UTF8_SPLIT)]);
    const oneByOne = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
    const { result, xml } = judgeReplay(splitExp, oneByOne);
    expect(result.outcome, result.summary).toBe("pass");
    expect(result.milestones[1]!.line).toBe("démarré ✓ 🐧");
    expectValidJunit(xml);
  });

  test("a 100 MB line without newline: pass, slices stay bounded", () => {
    const { result, xml } = judgeReplay(exp, hostileReads(LONG_LINE));
    expect(result.outcome, result.summary).toBe("pass");
    expect(xml.length).toBeLessThan(256 * 1024);
    expectValidJunit(xml);
  });

  test("64 MiB of console lines between the milestones: pass", () => {
    const steps: Step[] = [{ text: "FAKE-BOOT-1\r\n" }, { lines: 64 * MiB }, { text: "FAKE-PROMPT # " }];
    const { result, xml } = judgeReplay(exp, stepBytes(steps));
    expect(result.outcome, result.summary).toBe("pass");
    expect(result.slices.prompt).toMatch(/^\[… \d+ earlier lines in serial\.log\]/);
    expectValidJunit(xml);
  });
});

describe("live hostile output (fake QEMU through the harness)", () => {
  /** Boot a fake that plays `steps`; check serial.log holds exactly what it printed, and the JUnit. */
  async function live(
    name: string,
    steps: Step[],
    overrides: Parameters<typeof fakeExpectation>[1] = {},
  ): Promise<BootResult> {
    const script = playingQemu(dir, name, steps);
    process.env.BOOTLOG_QEMU_AARCH64 = script;
    const r = await runBoot(fakeExpectation(script, { name, ...overrides }), {
      listeners: [bootFiles],
      runDir: join(dir, "live"),
    });
    for (const pid of fakePids(script)) expect(running(pid), `fake QEMU ${pid} still running`).toBe(false);
    expectValidJunit(readFileSync(join(r.dir, "junit.xml"), "utf8"));
    expect(JSON.parse(readFileSync(join(r.dir, "timeline.json"), "utf8")).outcome).toBe(r.outcome);
    return r;
  }

  test("garbage, NUL/ESC floods, CR-only lines, XML-hostile text: pass, serial.log complete", async () => {
    const r = await live("hostile-pass", HOSTILE);
    expect(r.outcome, r.summary).toBe("pass");
    expect(await fileDigest(r.serialLog)).toEqual(expectedOutput(HOSTILE));
  });

  test("the same, then a kernel panic: fail", async () => {
    const r = await live("hostile-panic", HOSTILE_PANIC);
    expect(r.verdict).toMatchObject({ outcome: "fail", after: "first" });
  });

  test("the same, then silence: hang, serial.log complete", async () => {
    const r = await live("hostile-hang", HOSTILE_SILENT, { silence: "1s" });
    expect(r.verdict).toMatchObject({ outcome: "hang", after: "first", pending: "prompt" });
    expect(await fileDigest(r.serialLog)).toEqual(expectedOutput(HOSTILE_SILENT));
  });

  test("UTF-8 characters split across reads: pass", async () => {
    const r = await live("utf8-split", UTF8_SPLIT, { milestones: UTF8_MILESTONES });
    expect(r.outcome, r.summary).toBe("pass");
    expect(r.milestones.map((m) => m.line)).toEqual(["FAKE-BOOT-1", "démarré ✓ 🐧", "FAKE-PROMPT λλ # "]);
  });

  test("a 100 MB line without newline: pass, serial.log has the whole line", async () => {
    const r = await live("long-line", LONG_LINE);
    expect(r.outcome, r.summary).toBe("pass");
    expect(statSync(r.serialLog).size).toBe(expectedOutput(LONG_LINE).bytes);
    expect(statSync(join(r.dir, "junit.xml")).size).toBeLessThan(256 * 1024);
  });

  test("200 MB of console output: pass, serial.log complete", async () => {
    const steps: Step[] = [{ text: "FAKE-BOOT-1\r\n" }, { lines: 200 * 1000 * 1000 }, { text: "FAKE-PROMPT # " }];
    const r = await live("flood-200mb", steps);
    expect(r.outcome, r.summary).toBe("pass");
    expect(await fileDigest(r.serialLog)).toEqual(expectedOutput(steps));
  });
});
