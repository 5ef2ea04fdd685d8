import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { KnownBad } from "../../harness/expectations/schema.ts";
import { compareExitCode, compareRuns, DEFAULT_DRIFT } from "../../harness/compare/compare.ts";
import { formatJson, formatMarkdown, formatText } from "../../harness/compare/compare-format.ts";
import { readRun } from "../../harness/artifacts/read-run.ts";
import { recordsFromJunit } from "../../harness/artifacts/junit-read.ts";
import { recordFromResult } from "../../harness/artifacts/records.ts";
import { junitForBoots } from "../../harness/artifacts/junit.ts";
import { writeBootArtifacts } from "../../harness/artifacts/run-dir.ts";
import type { BootResult } from "../../harness/result.ts";
import { bootResult, IDS, infraResult } from "../helpers/history-results.ts";
import { bootlog as cli } from "../helpers/cli.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bootlog-compare-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let files = 0;
/** Write a run as its combined JUnit (as runMany does) and read it back as compare does. */
async function junitRun(results: BootResult[]) {
  const file = join(dir, `run-${++files}.xml`);
  await writeFile(file, junitForBoots(results));
  return readRun(file);
}

async function compareJunit(old: BootResult[], now: BootResult[], thresholds = DEFAULT_DRIFT) {
  return compareRuns(await junitRun(old), await junitRun(now), thresholds);
}

const HANG_AFTER_LOADING: KnownBad = {
  outcome: "hang",
  after: "xen-dom0-loading",
  reason: "dom0 never starts on GICv2",
  tracking: "#12",
};

describe("reading runs back", () => {
  test.each([
    ["pass", bootResult("pass")],
    ["hang", bootResult("hang", { reached: 2 })],
    ["fail at start", bootResult("fail", { reached: 0 })],
    ["timeout", bootResult("timeout", { reached: 3 })],
    ["known-bad reproduced", bootResult("hang", { reached: 2, knownBad: HANG_AFTER_LOADING })],
    ["xpass", bootResult("pass", { knownBad: HANG_AFTER_LOADING })],
    ["infra", infraResult()],
  ])("JUnit and timeline.json give the same record as the result itself: %s", async (_label, r) => {
    const expected = recordFromResult(r);
    const [fromJunit] = recordsFromJunit(junitForBoots([r]));
    const boot = { ...r, dir: join(dir, `timeline-${++files}`, r.name) };
    await writeBootArtifacts(boot);
    const [fromTimeline] = (await readRun(join(boot.dir, "timeline.json"))).boots;
    for (const record of [fromJunit!, fromTimeline!]) {
      expect(record.name).toBe(expected.name);
      expect(record.outcome).toBe(expected.outcome);
      expect(record.ok).toBe(expected.ok);
      expect(record.after).toBe(expected.after);
      expect(record.knownBad?.status ?? null).toBe(expected.knownBad?.status ?? null);
      expect(record.milestones.map((m) => m.status)).toEqual(expected.milestones.map((m) => m.status));
      record.milestones.forEach((m, i) => expect(m.at ?? -1).toBeCloseTo(expected.milestones[i]!.at ?? -1, 2));
      expect(record.packages).toEqual(expected.packages);
    }
  });

  test("a hang: reached milestones pass, the pending one hangs, later ones were not reached", () => {
    const [record] = recordsFromJunit(junitForBoots([bootResult("hang", { reached: 2 })]));
    expect(record!.milestones.map((m) => `${m.id}:${m.status}`)).toEqual([
      "xen-banner:pass",
      "xen-dom0-loading:pass",
      "linux-banner:hang",
      "dom0-shell:not-reached",
    ]);
    expect(record!.milestones.map((m) => m.at)).toEqual([0.4, 0.6, null, null]);
  });

  test("a boot retried for infra counts by its last attempt; the earlier one is '<boot> (attempt 1)'", async () => {
    const xml = junitForBoots([infraResult({ attempt: 1 }), bootResult("pass", { attempt: 2 })]);
    expect(xml).toContain('name="arm64-xen (attempt 1)"');
    expect(xml).toMatch(/<testsuite name="arm64-xen" /);
    const records = recordsFromJunit(xml);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ name: "arm64-xen", attempt: 2, outcome: "pass" });
  });

  test("a run directory is read from its timeline.json files, the last attempt of each boot", async () => {
    const runDir = join(dir, "2025-01-02T03-04-05-000Z-42");
    await writeBootArtifacts({ ...infraResult({ attempt: 1 }), dir: join(runDir, "arm64-xen") });
    await writeBootArtifacts({ ...bootResult("pass", { attempt: 2 }), dir: join(runDir, "retry-2", "arm64-xen") });
    await writeBootArtifacts({ ...bootResult("hang", { name: "x86-xen", reached: 1 }), dir: join(runDir, "x86-xen") });
    const run = await readRun(runDir);
    expect(run.runId).toBe("2025-01-02T03-04-05-000Z-42");
    expect(run.boots.map((b) => `${b.name}:${b.outcome}:${b.attempt}`).sort()).toEqual([
      "arm64-xen:pass:2",
      "x86-xen:hang:1",
    ]);
  });

  test("not JUnit, or nothing to read: a clear error", async () => {
    const bogus = join(dir, "bogus.xml");
    await writeFile(bogus, "<html><body>hi</body></html>");
    await expect(readRun(bogus)).rejects.toThrow(/not a JUnit file/);
    await expect(readRun(join(dir, "missing"))).rejects.toThrow(/no such file/);
    await expect(readRun(await mkdtemp(join(dir, "empty-")))).rejects.toThrow(
      /neither timeline.json files nor a junit.xml/,
    );
  });

  test("a directory of several runs (artifacts/ itself) is refused: compare one run with another", async () => {
    const root = await mkdtemp(join(dir, "artifacts-"));
    for (const run of ["2025-01-02T03-04-05-000Z-1", "2025-01-03T03-04-05-000Z-2"])
      await writeBootArtifacts({ ...bootResult("pass"), dir: join(root, run, "arm64-xen") });
    await expect(readRun(root)).rejects.toThrow(/holds 2 runs .*: name one run directory/);
    expect((await readRun(join(root, "2025-01-03T03-04-05-000Z-2"))).runId).toBe("2025-01-03T03-04-05-000Z-2");
  });

  test("a foreign JUnit without our properties still compares by testcase results", () => {
    const xml = `<?xml version="1.0"?><testsuites><testsuite name="vitest-boot" tests="2">
      <testcase name="xen-banner" time="1.5"/><testcase name="linux-banner" time="2"><failure message="nope"/></testcase>
    </testsuite></testsuites>`;
    const [record] = recordsFromJunit(xml);
    expect(record).toMatchObject({ name: "vitest-boot", outcome: "fail", ok: false, after: "xen-banner" });
    expect(record!.milestones.map((m) => m.status)).toEqual(["pass", "fail"]);
  });
});

describe("compare: what changed", () => {
  test("pass → hang is a regression, listed per milestone, exit 1", async () => {
    const c = await compareJunit([bootResult("pass")], [bootResult("hang", { reached: 1 })]);
    expect(c.changes).toHaveLength(1);
    expect(c.changes[0]).toMatchObject({
      boot: "arm64-xen",
      kind: "regression",
      old: "pass",
      new: "hang after xen-banner",
      regressed: true,
    });
    expect(c.changes[0]!.milestones.map((m) => `${m.id}: ${m.old} → ${m.new}`)).toEqual([
      "xen-dom0-loading: pass → hang",
      "linux-banner: pass → not-reached",
      "dom0-shell: pass → not-reached",
    ]);
    expect(compareExitCode(c)).toBe(1);
  });

  test("a failure that moves earlier is a regression too; one that moves later is progress (fix), exit 0", async () => {
    const earlier = await compareJunit([bootResult("hang", { reached: 3 })], [bootResult("fail", { reached: 1 })]);
    expect(earlier.changes[0]).toMatchObject({ kind: "regression", regressed: true });
    const later = await compareJunit([bootResult("hang", { reached: 1 })], [bootResult("hang", { reached: 3 })]);
    expect(later.changes[0]).toMatchObject({ kind: "fix", regressed: false });
    expect(later.changes[0]!.message).toContain("gets further, still failing");
    expect(compareExitCode(later)).toBe(0);
  });

  test("hang → pass is a fix, exit 0", async () => {
    const c = await compareJunit([bootResult("hang", { reached: 2 })], [bootResult("pass")]);
    expect(c.changes[0]).toMatchObject({
      kind: "fix",
      old: "hang after xen-dom0-loading",
      new: "pass",
      regressed: false,
    });
    expect(c.changes[0]!.milestones.map((m) => m.id)).toEqual(["linux-banner", "dom0-shell"]);
    expect(compareExitCode(c)).toBe(0);
  });

  test("a different failure at the same milestone is a change, not a regression", async () => {
    const c = await compareJunit([bootResult("hang", { reached: 2 })], [bootResult("fail", { reached: 2 })]);
    expect(c.changes[0]).toMatchObject({
      kind: "changed",
      old: "hang after xen-dom0-loading",
      new: "fail after xen-dom0-loading",
      regressed: false,
    });
    expect(compareExitCode(c)).toBe(0);
  });

  test("known-bad: the hang moved to a later milestone", async () => {
    const c = await compareJunit(
      [bootResult("hang", { reached: 2, knownBad: HANG_AFTER_LOADING })],
      [bootResult("hang", { reached: 3, knownBad: HANG_AFTER_LOADING })],
    );
    expect(c.changes[0]).toMatchObject({ kind: "known-bad", regressed: false });
    expect(c.changes[0]!.message).toBe(
      "different failure: expected hang after xen-dom0-loading, got hang after linux-banner (hang moved later: after xen-dom0-loading → after linux-banner)",
    );
  });

  test("known-bad: XPASS, and a known-bad that now fails earlier regresses", async () => {
    const xpass = await compareJunit(
      [bootResult("hang", { reached: 2, knownBad: HANG_AFTER_LOADING })],
      [bootResult("pass", { knownBad: HANG_AFTER_LOADING })],
    );
    expect(xpass.changes[0]).toMatchObject({ kind: "known-bad", regressed: false });
    expect(xpass.changes[0]!.message).toMatch(/^XPASS: known-bad boot now passes/);
    expect(compareExitCode(xpass)).toBe(0);
    const worse = await compareJunit(
      [bootResult("hang", { reached: 2, knownBad: HANG_AFTER_LOADING })],
      [bootResult("hang", { reached: 0, knownBad: HANG_AFTER_LOADING })],
    );
    expect(worse.changes[0]).toMatchObject({ kind: "known-bad", regressed: true });
    expect(compareExitCode(worse)).toBe(1);
  });

  test("a reproduced known-bad in both runs is unchanged", async () => {
    const c = await compareJunit(
      [bootResult("hang", { reached: 2, knownBad: HANG_AFTER_LOADING })],
      [bootResult("hang", { reached: 2, knownBad: HANG_AFTER_LOADING })],
    );
    expect(c.changes).toEqual([]);
    expect(c.unchanged).toEqual(["arm64-xen"]);
  });

  test("new and removed boots; infra is not comparable and never a regression", async () => {
    const c = await compareJunit(
      [bootResult("pass", { name: "old-only" }), bootResult("pass", { name: "flaky-host" })],
      [bootResult("hang", { name: "new-only", reached: 1 }), infraResult({ name: "flaky-host" })],
    );
    expect(c.changes.map((x) => `${x.boot}:${x.kind}`).sort()).toEqual([
      "flaky-host:not-comparable",
      "new-only:new",
      "old-only:removed",
    ]);
    expect(compareExitCode(c)).toBe(0);
  });

  test("milestones added to or removed from the expectation are not regressions", async () => {
    const withUname = { ids: [...IDS, "uname"], times: [0.4, 0.6, 3.5, 5, 5.1] };
    expect((await compareJunit([bootResult("pass", withUname)], [bootResult("pass")])).changes).toEqual([]);
    const added = await compareJunit([bootResult("pass")], [bootResult("hang", { ...withUname, reached: 4 })]);
    expect(added.regressed).toBe(false);
    expect(added.changes[0]).toMatchObject({ kind: "changed", old: "pass", new: "hang after dom0-shell" });
    expect(added.changes[0]!.milestones).toEqual([
      { id: "uname", old: "absent", new: "hang", oldAt: null, newAt: null },
    ]);
  });
});

describe("compare: timing drift", () => {
  const slower = (factor: number, extra = 0) =>
    bootResult("pass", { times: [0.4, 0.6, 3.5 * factor + extra, 5 * factor + extra] });

  test("later by more than N % and M s: drift; the thresholds are both required", async () => {
    const c = await compareJunit([bootResult("pass")], [slower(1.6)]);
    expect(c.drift.map((d) => d.milestone)).toEqual(["linux-banner", "dom0-shell"]);
    expect(c.drift[1]).toMatchObject({ oldAt: 5, newAt: 8, deltaS: 3, percent: 60 });
    expect((await compareJunit([bootResult("pass")], [slower(1.6)], { percent: 70, seconds: 1 })).drift).toEqual([]);
    expect((await compareJunit([bootResult("pass")], [slower(1.6)], { percent: 10, seconds: 5 })).drift).toEqual([]);
    expect(
      (await compareJunit([bootResult("pass")], [slower(1.6)], { percent: 10, seconds: 2.5 })).drift.map(
        (d) => d.milestone,
      ),
    ).toEqual(["dom0-shell"]);
  });

  test("small drift and getting faster are not drift", async () => {
    expect((await compareJunit([bootResult("pass")], [slower(1.1)])).drift).toEqual([]);
    expect((await compareJunit([slower(2)], [bootResult("pass")])).drift).toEqual([]);
  });

  test("drift alone exits 0, unless --fail-on-drift", async () => {
    const c = await compareJunit([bootResult("pass")], [slower(2)]);
    expect(c.changes).toEqual([]);
    expect(compareExitCode(c)).toBe(0);
    expect(compareExitCode(c, { failOnDrift: true })).toBe(1);
  });
});

describe("compare: output formats", () => {
  async function mixed() {
    return compareJunit(
      [bootResult("pass"), bootResult("hang", { name: "virt-off", reached: 0 }), bootResult("pass", { name: "slow" })],
      [
        bootResult("timeout", { reached: 2 }),
        bootResult("pass", { name: "virt-off" }),
        bootResult("pass", { name: "slow", times: [0.4, 0.6, 9, 12] }),
      ],
    );
  }

  test("text: sections, per-milestone lines, drift and the exit code", async () => {
    const text = formatText(await mixed(), 1);
    expect(text).toContain(
      "REGRESSIONS (1)\n  arm64-xen: pass → timeout after xen-dom0-loading (linux-banner: pass → timeout)\n    linux-banner: pass → timeout",
    );
    expect(text).toContain("FIXES (1)\n  virt-off: hang after start → pass");
    expect(text).toContain(
      "TIMING DRIFT (2; later by more than 25 % and 2 s)\n  slow linux-banner: 3.50 s → 9.00 s (+5.50 s, +157 %)",
    );
    expect(text).toMatch(/1 regression\(s\), 1 fix\(es\), .* → exit 1$/);
  });

  test("markdown: a table per section, pipes escaped", async () => {
    const c = await mixed();
    c.changes[0]!.message = "a | b";
    const md = formatMarkdown(c, 1);
    expect(md).toMatch(/^### ❌ bootlog compare/);
    expect(md).toContain(
      "#### Regressions (1)\n\n| boot | before | now | what | milestones |\n|---|---|---|---|---|\n| arm64-xen | pass | timeout after xen-dom0-loading | a \\| b |",
    );
    expect(md).toContain("#### Timing drift");
    expect(md).toContain("| slow | dom0-shell | 5.00 s | 12.00 s | +7.00 s (+140 %) |");
  });

  test("json: the whole comparison with its exit code", async () => {
    const json = JSON.parse(formatJson(await mixed(), 1));
    expect(json.exitCode).toBe(1);
    expect(json.regressed).toBe(true);
    expect(json.changes.map((c: { kind: string }) => c.kind)).toEqual(["regression", "fix"]);
    expect(json.drift).toHaveLength(2);
  });
});

describe("bootlog compare (the CLI)", () => {
  const bootlog = (...args: string[]) => cli(args);

  test("exit 1 on a regression, 0 without; --json and --markdown", async () => {
    const old = join(dir, "cli-old.xml");
    const bad = join(dir, "cli-bad.xml");
    await writeFile(old, junitForBoots([bootResult("pass")]));
    await writeFile(bad, junitForBoots([bootResult("hang", { reached: 2 })]));
    const [regressed, same, json, md] = await Promise.all([
      bootlog("compare", old, bad),
      bootlog("compare", old, old),
      bootlog("compare", old, bad, "--json"),
      bootlog("compare", bad, old, "--markdown"),
    ]);
    expect(regressed.code, regressed.stderr).toBe(1);
    expect(regressed.stdout).toContain("REGRESSIONS (1)");
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain("UNCHANGED (1): arm64-xen");
    expect(JSON.parse(json.stdout).changes[0].kind).toBe("regression");
    expect(json.code).toBe(1);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain("#### Fixes (1)");
    expect(await readFile(old, "utf8")).toContain("<testsuites");
  });

  test("--drift-seconds/--drift-percent and --fail-on-drift", async () => {
    const old = join(dir, "cli-fast.xml");
    const slow = join(dir, "cli-slow.xml");
    await writeFile(old, junitForBoots([bootResult("pass")]));
    await writeFile(slow, junitForBoots([bootResult("pass", { times: [0.4, 0.6, 7, 10] })]));
    const [plain, strict, loose] = await Promise.all([
      bootlog("compare", old, slow),
      bootlog("compare", old, slow, "--fail-on-drift"),
      bootlog("compare", old, slow, "--fail-on-drift", "--drift-seconds", "6"),
    ]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain("TIMING DRIFT (2;");
    expect(strict.code).toBe(1);
    expect(loose.code, loose.stdout).toBe(0);
  });
});
