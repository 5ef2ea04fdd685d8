/**
 * Repeated boots of real machines: an intermittent known-bad (its /init exits when a random byte
 * from /dev/urandom is below 85, so q = 85/256 of boots panic) booted 20 times, and a
 * deterministic boot 5 times. The JUnit is read back by Maven Surefire's own parser.
 *
 * Chance of a wrong answer for the flaky boot: the test fails when 0 or 20 of the 20 runs fail,
 * or when the exact test calls the recorded rate moved (p < 0.001): that is 15 or more failures.
 * P = P(X = 0) + P(X ≥ 15) for X ~ Bin(20, 85/256) = 4.7e-4 (< 1/1000), computed below.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { RepeatFile } from "../../harness/artifacts/repeat-file.ts";
import { binomialPmf, binomialTwoSided } from "../../harness/stats/binomial.ts";
import { readWithSurefire } from "../helpers/surefire.ts";
import { bootlog as cli, type CliResult } from "../helpers/cli.ts";

const HARNESS = resolve("harness/expectations/index.ts");
const Q = 85 / 256;
const RUNS = 20;
const work = mkdtempSync(join(tmpdir(), "bootlog-flaky-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const bootlog = (...args: string[]) => cli(args);
const repeatFile = (runDir: string, boot: string) =>
  JSON.parse(readFileSync(join(runDir, boot, "repeat.json"), "utf8")) as RepeatFile;
const runDirOf = (run: CliResult) => /^run (\S+):/m.exec(String(run.stdout))?.[1];
const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  isArray: (name) => ["testsuite", "testcase", "property", "flakyFailure", "rerunFailure"].includes(name),
});

test("the chance this file gives a wrong answer is below 1/1000", () => {
  const pmf = binomialPmf(RUNS, Q);
  const wrong = pmf.reduce(
    (sum, p, k) => (k === 0 || k === RUNS || binomialTwoSided(k, RUNS, 85 / 256) < 0.001 ? sum + p : sum),
    0,
  );
  expect(wrong).toBeCloseTo(4.7e-4, 5);
  expect(wrong).toBeLessThan(0.001);
});

describe("run --runs 20 of the intermittent known-bad arm64-linux-flaky-init", () => {
  let run: CliResult;
  let runDir: string;
  beforeAll(async () => {
    run = await bootlog(
      "run",
      "arm64-linux-flaky-init",
      "--runs",
      String(RUNS),
      "--jobs",
      "2",
      "--artifacts",
      join(work, "flaky"),
    );
    runDir = join(work, "flaky", runDirOf(run) ?? "missing");
  }, 180_000);

  test("some runs fail and some pass: class flaky, declared intermittent so the run is ok (exit 0)", () => {
    expect(run.code, String(run.all)).toBe(0);
    const r = repeatFile(runDir, "arm64-linux-flaky-init");
    expect(r.runs).toBe(RUNS);
    expect(r.judged).toBe(RUNS);
    expect(r.failures, r.summary).toBeGreaterThan(0);
    expect(r.failures, r.summary).toBeLessThan(RUNS);
    expect(r.class).toBe("flaky");
    expect(r.ok).toBe(true);
    // Where each run stopped: passes, and panics right after init started, nothing else.
    expect(r.counts.map((c) => c.symptom).sort()).toEqual(["fail after init-started", "pass"]);
    expect(r.rate).toBeCloseTo(r.failures / RUNS, 10);
    expect(r.interval!.low).toBeLessThan(r.rate!);
    expect(r.interval!.high).toBeGreaterThan(r.rate!);
    expect(String(run.stdout)).toContain(
      `arm64-linux-flaky-init (${RUNS} runs, class flaky): KNOWN-BAD ${RUNS - r.failures} pass, ${r.failures} fail after init-started`,
    );
    console.log(
      `flaky init: ${r.failures}/${RUNS} failed (${(r.rate! * 100).toFixed(0)} %, 95 % CI ${(r.interval!.low * 100).toFixed(0)}–${(r.interval!.high * 100).toFixed(0)} %)`,
    );
  });

  test("the knownBad rate check holds: the runs agree with the recorded 85/256", () => {
    const r = repeatFile(runDir, "arm64-linux-flaky-init");
    expect(r.knownBad?.status, r.knownBad?.message).toBe("reproduced");
    expect(r.knownBad?.message).toMatch(/consistent with the recorded rate 33 %/);
    expect(r.knownBad?.pValue).toBeGreaterThanOrEqual(0.001);
    expect(r.knownBad?.runsToRuleOut).toBe(18);
  });

  test("each run keeps its own artifacts; failing runs show Linux's panic", () => {
    const r = repeatFile(runDir, "arm64-linux-flaky-init");
    expect(r.runDirs).toHaveLength(RUNS);
    const failed = new Set(r.counts.find((c) => c.symptom !== "pass")!.runs);
    r.runDirs.forEach((dir, i) => {
      expect(dir).toBe(join(runDir, `run-${i + 1}`, "arm64-linux-flaky-init"));
      const log = readFileSync(join(dir, "serial.log"), "latin1");
      if (failed.has(i + 1))
        expect(log).toMatch(
          /init: exits \(random byte \d+ < 85\)[\s\S]*Kernel panic - not syncing: Attempted to kill init!/,
        );
      else expect(log).toMatch(/init: stays \(random byte \d+\)/);
      expect(existsSync(join(dir, "timeline.json"))).toBe(true);
    });
  });

  test("per-milestone spread: every run started init; only the passing runs reached init-stays", () => {
    const r = repeatFile(runDir, "arm64-linux-flaky-init");
    const [started, stays] = r.milestones;
    expect(started!.reached).toBe(RUNS);
    expect(stays!.reached).toBe(RUNS - r.failures);
    const s = started!.spread!;
    expect(s.n).toBe(RUNS);
    expect(s.min).toBeGreaterThan(0);
    expect(s.min).toBeLessThanOrEqual(s.median);
    expect(s.median).toBeLessThanOrEqual(s.p95);
    expect(s.p95).toBeLessThanOrEqual(s.max);
    expect(String(run.stdout)).toMatch(/init-started\s+20\/20\s+\d+\.\d\d s/);
  });

  test("JUnit: one testcase per milestone; the failing runs are <flakyFailure>s with message, type, stack trace and log; Surefire counts them as flakes", async () => {
    const file = join(runDir, "junit.xml");
    const r = repeatFile(runDir, "arm64-linux-flaky-init");
    const [suite] = await readWithSurefire(file);
    expect(suite).toMatchObject({
      name: "arm64-linux-flaky-init",
      tests: 2,
      failures: 0,
      errors: 0,
      skipped: 0,
      flakes: r.failures,
      valid: true,
    });
    expect(suite!.testcases.map((c) => [c.name, c.successful])).toEqual([
      ["init-started", true],
      ["init-stays", true],
    ]);

    const doc = xml.parse(readFileSync(file, "utf8"));
    const ts = doc.testsuites.testsuite[0];
    const props = Object.fromEntries(
      ts.properties.property.map((p: { name: string; value: string }) => [p.name, p.value]),
    );
    expect(props).toMatchObject({
      runs: "20",
      failures: String(r.failures),
      class: "flaky",
      "knownBad.status": "reproduced",
    });
    expect(Number(props.rate)).toBeCloseTo(r.rate!, 4);
    expect(props.interval).toMatch(/^0\.\d{4}-0\.\d{4}$/);
    const stays = ts.testcase.find((c: { name: string }) => c.name === "init-stays");
    expect(stays.flakyFailure).toHaveLength(r.failures);
    for (const f of stays.flakyFailure) {
      expect(f.type).toBe("fail");
      expect(f.message).toMatch(/^run \d+: KNOWN-BAD FAIL after "init-started"/);
      expect(f.stackTrace).toMatch(/artifacts: .*run-\d+\/arm64-linux-flaky-init/);
      expect(f["system-out"]).toContain("Attempted to kill init!");
    }
    expect(stays.rerunFailure).toBeUndefined();
  });
});

describe("run --runs 5 of a deterministic boot", () => {
  let run: CliResult;
  let runDir: string;
  beforeAll(async () => {
    const dir = join(work, "steady");
    await execa("mkdir", ["-p", dir]);
    writeFileSync(
      join(dir, "steady.ts"),
      `import { busyboxInitrd, debianKernel, defineBoot, linuxPanics } from ${JSON.stringify(HARNESS)};
export default defineBoot({
  name: "arm64-linux-steady-init",
  machine: { arch: "aarch64", memory: "256M", cpus: 1, firmware: "direct" },
  images: { kernel: debianKernel("arm64"), initrd: busyboxInitrd(['echo "init: steady"']) },
  boot: { linux: "console=ttyAMA0 rdinit=/init quiet" },
  milestones: [
    { id: "init-started", match: /^dom0 init: \\S+ xen: $/, within: "40s" },
    { id: "init-steady", match: "init: steady" },
  ],
  failOn: linuxPanics,
  silence: "20s",
  budget: "60s",
});
`,
    );
    run = await bootlog(
      "run",
      "--runs",
      "5",
      "--jobs",
      "2",
      "--expectations",
      dir,
      "--artifacts",
      join(work, "steady-artifacts"),
    );
    runDir = join(work, "steady-artifacts", runDirOf(run) ?? "missing");
  }, 120_000);

  test("class pass, exit 0, rate 0 with its interval, statistics for every milestone", () => {
    expect(run.code, String(run.all)).toBe(0);
    const r = repeatFile(runDir, "arm64-linux-steady-init");
    expect(r).toMatchObject({ runs: 5, judged: 5, failures: 0, rate: 0, class: "pass", ok: true, knownBad: null });
    expect(r.interval!.low).toBe(0);
    expect(r.interval!.high).toBeCloseTo(0.4345, 4); // Wilson 95 % upper bound for 0 of 5
    expect(r.counts).toEqual([{ symptom: "pass", count: 5, runs: [1, 2, 3, 4, 5] }]);
    for (const m of r.milestones) expect(m.spread?.n, m.id).toBe(5);
  });

  test("JUnit without flaky or rerun elements", async () => {
    const file = join(runDir, "junit.xml");
    const [suite] = await readWithSurefire(file);
    expect(suite).toMatchObject({ tests: 2, failures: 0, errors: 0, flakes: 0 });
    expect(readFileSync(file, "utf8")).not.toMatch(/<(flaky|rerun)(Failure|Error)/);
  });
});

// The other bad values are unit tests (tests/unit/repeat.test.ts); this one is the CLI path where cac would read -1 as a flag.
test("--runs -1 is a usage error (exit 2) before anything boots", async () => {
  const r = await bootlog("run", "arm64-linux-flaky-init", "--runs", "-1", "--artifacts", join(work, "never"));
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('--runs: expected a positive integer, got "-1"');
  expect(existsSync(join(work, "never"))).toBe(false);
});
