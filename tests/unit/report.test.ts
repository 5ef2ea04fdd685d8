import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { KnownBad } from "../../harness/expectations/schema.ts";
import { describeVerdict } from "../../harness/milestones/describe.ts";
import { judgeKnownBad } from "../../harness/milestones/known-bad.ts";
import type { BootOutcome, Cause, MatcherVerdict } from "../../harness/milestones/matcher.ts";
import { writeFileAtomic } from "../../harness/artifacts/atomic-write.ts";
import { junitForBoots } from "../../harness/artifacts/junit.ts";
import { timelineJson } from "../../harness/artifacts/timeline.ts";
import { timelineSvg } from "../../harness/report/html-timeline.ts";
import { writeBootArtifacts, writeRunJunit } from "../../harness/artifacts/run-dir.ts";
import type { BootResult } from "../../harness/result.ts";

const IDS = ["xen-banner", "linux-banner", "init", "shell"];
const TIMES = [2.5, 6, 9.25, 10];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "bootlog-report-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A boot that reached the first `reached` milestones and then ended with `outcome`. */
function boot(outcome: BootOutcome, reached: number, cause: Cause, extra: Partial<BootResult> = {}): BootResult {
  const milestones = IDS.map((id, i) => (i < reached ? { id, at: TIMES[i], line: `${id} line` } : { id }));
  const verdict: MatcherVerdict = {
    outcome,
    at: outcome === "pass" ? TIMES[3]! : (TIMES[reached - 1] ?? 0) + 15,
    cause,
    after: reached ? IDS[reached - 1]! : "start",
    lastLine: "Run /init as init process",
    ...(reached < IDS.length ? { pending: IDS[reached] } : {}),
  };
  const slices: Record<string, string> = {};
  IDS.slice(0, reached).forEach((id) => (slices[id] = `log before ${id}`));
  if (outcome !== "pass") slices.end = "log after the last milestone";
  return {
    name: "xen-arm64",
    file: "expectations/xen-arm64.ts",
    outcome,
    summary: describeVerdict(verdict),
    ok: outcome === "pass",
    verdict,
    milestones,
    slices,
    startedAt: "2025-01-02T03:04:05.000Z",
    durationS: verdict.at + 0.5,
    qemu: { binary: "qemu-system-aarch64", version: "9.2.0", argv: ["-M", "virt,gic-version=3", "-nographic"] },
    packages: [
      { package: "xen-hypervisor-4.20-arm64", version: "4.20.0+68-1", arch: "arm64" },
      { package: "linux-image-6.12.22-arm64", version: "6.12.22-1", arch: "arm64" },
    ],
    reproduce: "bootlog run xen-arm64",
    expectationHash: "sha256:abc123",
    gitCommit: "0123456789abcdef",
    dir: join(dir, "xen-arm64"),
    serialLog: join(dir, "xen-arm64", "serial.log"),
    attempt: 1,
    ...extra,
  };
}

const pass = () => boot("pass", 4, { kind: "all-milestones" });
const hang = () => boot("hang", 1, { kind: "silence", silentS: 15, limitS: 15 });
const fail = () =>
  boot("fail", 2, {
    kind: "failure-pattern",
    pattern: "panic Kernel panic - not syncing",
    line: "Kernel panic - not syncing: VFS",
  });
const timeout = () => boot("timeout", 3, { kind: "within", limitS: 30 });
const exited = () => boot("exited", 0, { kind: "exit", code: 1, signal: null });

function infra(): BootResult {
  const r = boot("fail", 0, { kind: "exit", code: null, signal: null });
  const { verdict: _verdict, ...rest } = r;
  return {
    ...rest,
    outcome: "infra",
    ok: false,
    slices: {},
    summary: "INFRA: qemu-system-aarch64 not found",
    error: "spawn qemu-system-aarch64 ENOENT",
  };
}

function skip(): BootResult {
  const { verdict: _verdict, ...rest } = boot("fail", 0, { kind: "exit", code: null, signal: null });
  return {
    ...rest,
    outcome: "skip",
    ok: true,
    slices: {},
    summary: "SKIP: $BOOTLOG_IMAGE is not set",
    error: "$BOOTLOG_IMAGE is not set",
  };
}

function knownBad(r: BootResult, kb: KnownBad): BootResult {
  const judgement = judgeKnownBad(kb, r.verdict!);
  return { ...r, knownBad: { ...kb, judgement }, ok: judgement.status === "reproduced" };
}
const HANG_AFTER_XEN: KnownBad = {
  outcome: "hang",
  after: "xen-banner",
  reason: "dom0 never starts on GICv2",
  tracking: "#12",
};

// ---- reading the XML back -------------------------------------------------

type Node = Record<string, any>;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name) => ["testsuite", "testcase", "property"].includes(name),
});

function parseJunit(xml: string): Node {
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml).testsuites as Node;
}

async function writeAndRead(r: BootResult): Promise<{ suites: Node; suite: Node; cases: Node[]; xml: string }> {
  await writeBootArtifacts(r);
  const xml = await readFile(join(r.dir, "junit.xml"), "utf8");
  const suites = parseJunit(xml);
  const suite = suites.testsuite[0] as Node;
  return { suites, suite, cases: suite.testcase as Node[], xml };
}

const props = (suite: Node): Record<string, string> =>
  Object.fromEntries((suite.properties.property as Node[]).map((p) => [p.name, p.value]));

const counts = (suite: Node) => ({
  tests: Number(suite.tests),
  failures: Number(suite.failures),
  errors: Number(suite.errors),
  skipped: Number(suite.skipped),
});

const isPassing = (c: Node) => !("failure" in c) && !("error" in c) && !("skipped" in c);

// ---- outcomes ---------------------------------------------------------------

describe("junit.xml per outcome", () => {
  test("pass: every milestone passes, times are seconds since the previous milestone", async () => {
    const { suite, cases } = await writeAndRead(pass());
    expect(suite.name).toBe("xen-arm64");
    expect(counts(suite)).toEqual({ tests: 4, failures: 0, errors: 0, skipped: 0 });
    expect(cases.map((c) => c.name)).toEqual(IDS);
    expect(cases.every((c) => c.classname === "xen-arm64")).toBe(true);
    expect(cases.every(isPassing)).toBe(true);
    expect(cases.map((c) => Number(c.time))).toEqual([2.5, 3.5, 3.25, 0.75]);
    expect(cases[1]!["system-out"]).toBe("log before linux-banner");
  });

  test("properties: qemu, expectation, git, outcome, summary, reproduce, packages", async () => {
    const r = hang();
    const { suite } = await writeAndRead(r);
    expect(props(suite)).toMatchObject({
      "qemu.version": "9.2.0",
      "qemu.argv": "-M virt,gic-version=3 -nographic",
      expectation: "xen-arm64",
      "expectation.file": "expectations/xen-arm64.ts",
      "expectation.hash": "sha256:abc123",
      "git.commit": "0123456789abcdef",
      outcome: "hang",
      summary: r.summary,
      reproduce: "bootlog run xen-arm64",
      "package.xen-hypervisor-4.20-arm64": "4.20.0+68-1 (arm64)",
      "package.linux-image-6.12.22-arm64": "6.12.22-1 (arm64)",
    });
  });

  test("no git.commit property when the commit is unknown", async () => {
    const { suite } = await writeAndRead(pass());
    const { suite: without } = await writeAndRead({ ...pass(), gitCommit: undefined });
    expect(props(suite)).toHaveProperty("git.commit");
    expect(props(without)).not.toHaveProperty("git.commit");
  });

  test("hang: failure on the pending milestone, later ones skipped", async () => {
    const r = hang();
    expect(r.summary).toBe('HANG after "xen-banner": silent 15.0 s, last line "Run /init as init process"');
    const { suite, cases } = await writeAndRead(r);
    expect(counts(suite)).toEqual({ tests: 4, failures: 1, errors: 0, skipped: 2 });
    expect(isPassing(cases[0]!)).toBe(true);
    expect(cases[1]!.failure).toEqual({ message: r.summary, type: "hang" });
    expect(cases[2]!.skipped).toEqual({ message: "not reached: boot ended at linux-banner" });
    expect(cases[3]!.skipped).toEqual({ message: "not reached: boot ended at linux-banner" });
    expect(cases.map((c) => Number(c.time))).toEqual([2.5, 0, 0, 0]);
  });

  test("the pending testcase's system-out ends with the log after the last milestone", async () => {
    const { cases } = await writeAndRead(hang());
    expect(cases[0]!["system-out"]).toBe("log before xen-banner");
    expect(cases[1]!["system-out"]).toBe("log after the last milestone");
    expect(cases[2]).not.toHaveProperty("system-out");

    const r = fail();
    r.slices["init"] = "partial log before init";
    const { cases: failed } = await writeAndRead(r);
    expect(failed[2]!["system-out"]).toBe("partial log before init\nlog after the last milestone");
  });

  test.each([
    ["fail", fail, 2],
    ["timeout", timeout, 3],
    ["exited", exited, 0],
  ] as const)("%s: failure typed by outcome on the pending milestone", async (outcome, make, pending) => {
    const r = make();
    const { suite, cases } = await writeAndRead(r);
    expect(counts(suite)).toEqual({ tests: 4, failures: 1, errors: 0, skipped: 3 - pending });
    expect(cases.slice(0, pending).every(isPassing)).toBe(true);
    expect(cases[pending]!.failure).toEqual({ message: r.summary, type: outcome });
    for (const c of cases.slice(pending + 1))
      expect(c.skipped.message).toBe(`not reached: boot ended at ${IDS[pending]}`);
  });

  test("fail: the summary names the matching line", async () => {
    const { cases } = await writeAndRead(fail());
    expect(cases[2]!.failure.message).toContain("Kernel panic - not syncing: VFS");
  });

  test("infra: every testcase is an error, not a failure", async () => {
    const r = infra();
    const { suite, cases } = await writeAndRead(r);
    expect(counts(suite)).toEqual({ tests: 4, failures: 0, errors: 4, skipped: 0 });
    for (const c of cases) {
      expect(c).not.toHaveProperty("failure");
      expect(c.error.message).toBe("spawn qemu-system-aarch64 ENOENT");
      expect(c.error.type).toBe("infra");
    }
  });

  test("infra before any milestone is known still reports an error", async () => {
    const r = { ...infra(), milestones: [] };
    const { suite, cases } = await writeAndRead(r);
    expect(counts(suite)).toEqual({ tests: 1, failures: 0, errors: 1, skipped: 0 });
    expect(cases[0]!.name).toBe("boot");
  });

  test("skip: every testcase skipped with the reason", async () => {
    const { suite, cases } = await writeAndRead(skip());
    expect(counts(suite)).toEqual({ tests: 4, failures: 0, errors: 0, skipped: 4 });
    for (const c of cases) expect(c.skipped).toEqual({ message: "$BOOTLOG_IMAGE is not set" });
  });
});

describe("junit.xml for known-bad boots", () => {
  test("reproduced: the pending milestone is skipped with the reason, nothing fails", async () => {
    const r = knownBad(hang(), HANG_AFTER_XEN);
    expect(r.knownBad?.judgement?.status).toBe("reproduced");
    const { suite, cases } = await writeAndRead(r);
    expect(counts(suite)).toEqual({ tests: 4, failures: 0, errors: 0, skipped: 3 });
    expect(isPassing(cases[0]!)).toBe(true);
    expect(cases[1]!.skipped.message).toBe("known-bad: hang after xen-banner (dom0 never starts on GICv2)");
    expect(cases[2]!.skipped.message).toBe("not reached: boot ended at linux-banner");
    expect(props(suite)["knownBad.status"]).toBe("reproduced");
  });

  test("xpass: every milestone reached, the last one fails typed xpass", async () => {
    const r = knownBad(pass(), HANG_AFTER_XEN);
    const { suite, cases } = await writeAndRead(r);
    expect(counts(suite)).toEqual({ tests: 4, failures: 1, errors: 0, skipped: 0 });
    expect(cases.slice(0, 3).every(isPassing)).toBe(true);
    expect(cases[3]!.failure.type).toBe("xpass");
    expect(cases[3]!.failure.message).toMatch(/^known-bad boot now passes; remove knownBad/);
  });

  test("different: failure on the pending milestone with the judgement", async () => {
    const r = knownBad(fail(), HANG_AFTER_XEN);
    const { suite, cases } = await writeAndRead(r);
    expect(counts(suite)).toEqual({ tests: 4, failures: 1, errors: 0, skipped: 1 });
    expect(cases[2]!.failure.type).toBe("fail");
    expect(cases[2]!.failure.message).toBe(r.knownBad!.judgement!.message);
    expect(cases[2]!.failure.message).toContain("failed differently");
  });
});

describe("hostile console text", () => {
  const garbage =
    "ok\x00NUL \x1b[1;31mred\x1b[0m bell\x07 \uFFFE\uFFFF lone\uD800 low\uDC00 pair\uD83D\uDE00 " +
    String.fromCharCode(...Array.from({ length: 64 }, (_, i) => (i * 37) % 256)) +
    ' ]]> <tag> & "quote" done';

  test("XML stays valid and keeps the printable text", async () => {
    const r = hang();
    r.slices["xen-banner"] = garbage;
    r.slices.end = garbage;
    r.summary = `HANG after "xen-banner": ${garbage}`;
    r.packages = [{ package: "weird\x01pkg", version: "1\x02.0", arch: "arm64" }];
    const { xml, suite, cases } = await writeAndRead(r);
    expect(xml).not.toMatch(/[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/);
    const out = cases[0]!["system-out"] as string;
    expect(out).toContain("okNUL [1;31mred[0m bell  lone low pair\uD83D\uDE00 ");
    expect(out).toContain(' ]]> <tag> & "quote" done');
    expect(cases[1]!.failure.message).toContain("lone low pair");
    expect(cases[1]!["system-out"]).toContain("<tag>");
    expect(props(suite)["summary"]).toContain("okNUL");
    expect(props(suite)["package.weirdpkg"]).toBe("1.0 (arm64)");
  });

  test("a lone low surrogate takes no neighbour with it", () => {
    const r = pass();
    r.slices["shell"] = "A\uDC00B";
    const shell = parseJunit(junitForBoots([r])).testsuite[0].testcase[3];
    expect(shell["system-out"]).toBe("AB");
  });
});

describe("artifacts on disk", () => {
  test("timeline.json: milestones with seconds, versions, argv, reproduce", async () => {
    const r = timeout();
    await writeBootArtifacts(r);
    const timeline = JSON.parse(await readFile(join(r.dir, "timeline.json"), "utf8"));
    expect(timeline).toEqual(JSON.parse(JSON.stringify(timelineJson(r))));
    expect(timeline).toMatchObject({
      name: "xen-arm64",
      outcome: "timeout",
      ok: false,
      summary: r.summary,
      qemu: { binary: "qemu-system-aarch64", version: "9.2.0", argv: r.qemu.argv },
      reproduce: "bootlog run xen-arm64",
      expectationHash: "sha256:abc123",
      gitCommit: "0123456789abcdef",
      attempt: 1,
      serialLog: r.serialLog,
    });
    expect(timeline.milestones).toEqual([
      { id: "xen-banner", at: 2.5, sincePrevious: 2.5, reached: true },
      { id: "linux-banner", at: 6, sincePrevious: 3.5, reached: true },
      { id: "init", at: 9.25, sincePrevious: 3.25, reached: true },
      { id: "shell", at: null, sincePrevious: null, reached: false },
    ]);
    expect(timeline.verdict.pending).toBe("shell");
    expect(timeline.packages).toHaveLength(2);
  });

  test("writeFileAtomic creates parent directories and leaves no temp files", async () => {
    const target = join(dir, "a", "b", "file.txt");
    await writeFileAtomic(target, "first");
    await writeFileAtomic(target, "second");
    expect(await readFile(target, "utf8")).toBe("second");
    expect(await readdir(join(dir, "a", "b"))).toEqual(["file.txt"]);
  });

  test("a pre-existing junit.xml is replaced whole", async () => {
    const r = pass();
    await writeFileAtomic(join(r.dir, "junit.xml"), `<old>${"x".repeat(100_000)}</old>`);
    await writeBootArtifacts(r);
    const xml = await readFile(join(r.dir, "junit.xml"), "utf8");
    expect(xml).toBe(junitForBoots([r]));
    expect(xml).not.toContain("<old>");
    expect((await readdir(r.dir)).sort()).toEqual(["junit.xml", "timeline.json"]);
  });

  test("run junit.xml: one testsuite per boot with totals", async () => {
    const results = [pass(), { ...hang(), name: "xen-arm64-gicv2" }, { ...infra(), name: "x86" }];
    await writeRunJunit(dir, results);
    const suites = parseJunit(await readFile(join(dir, "junit.xml"), "utf8"));
    expect(suites.testsuite.map((s: Node) => s.name)).toEqual(["xen-arm64", "xen-arm64-gicv2", "x86"]);
    expect(counts(suites)).toEqual({ tests: 12, failures: 1, errors: 4, skipped: 2 });
    expect(suites.testsuite[1].testcase[0].classname).toBe("xen-arm64-gicv2");
  });
});

describe("the host's share of a boot", () => {
  const host = {
    source: "schedstat" as const,
    note: "schedstat of vCPU threads CPU 0/TCG, CPU 1/TCG",
    wallS: 34.7352,
    countedS: 10,
    cpuS: 9.15,
    waitedS: 62.05,
    pressureS: 34.5,
    lastSilence: { wallS: 0.002, countedS: 0.001 },
    starved: [{ fromS: 2.5, toS: 3, wallS: 20.2, deniedS: 19.7 }],
  };

  test("timeline.json and the JUnit properties carry it; the report's timeline shades the starved stretch", () => {
    const r = boot("pass", 4, { kind: "all-milestones" }, { host });
    const t = timelineJson(r);
    expect(t.host).toMatchObject({
      source: "schedstat",
      wallS: 34.735,
      countedS: 10,
      waitedS: 62.05,
      starved: host.starved,
    });
    const suite = parseJunit(junitForBoots([r])).testsuite[0];
    expect(props(suite)).toMatchObject({
      "host.clock": "schedstat: schedstat of vCPU threads CPU 0/TCG, CPU 1/TCG",
      "host.cpuS": "9.15",
      "host.waitedS": "62.05",
      "host.wallS": "34.735",
      "host.countedS": "10",
      "host.lastSilence.wallS": "0.002",
      "host.lastSilence.countedS": "0.001",
      "host.pressureS": "34.5",
    });
    const svg = timelineSvg(t);
    expect(svg).toMatch(
      /<rect class="host-starved" data-denied-s="19.7"[^>]*><title>host busy: 20.2 s of wall time for 0.50 s of the guest's, waited 19.7 s<\/title>/,
    );
    expect(timelineSvg(timelineJson(boot("pass", 4, { kind: "all-milestones" })))).not.toContain("host-starved");
  });
});
