import { XMLParser } from "fast-xml-parser";
import { describe, expect, test } from "vitest";
import { validateExpectation } from "../../harness/expectations/loader.ts";
import { compareRuns } from "../../harness/compare/compare.ts";
import { formatHistory } from "../../harness/compare/history-file.ts";
import type { HistoryEntry } from "../../harness/artifacts/history.ts";
import { recordFromResult, type BootRecord } from "../../harness/artifacts/records.ts";
import { recordsFromJunit } from "../../harness/artifacts/junit-read.ts";
import { judgeRuns } from "../../harness/bisection/bisect-runs.ts";
import { parseBadIf } from "../../harness/bisection/bisect.ts";
import { walkVersions } from "../../harness/bisection/bisect-versions.ts";
import { junitForRepeats } from "../../harness/artifacts/junit-repeats.ts";
import { repeatFacts } from "../../harness/artifacts/repeat-file.ts";
import { cac } from "cac";
import { normalizeOptions } from "../../harness/cli-options.ts";
import { repeatExitCode, summarizeRuns } from "../../harness/repeat/summary.ts";
import type { KnownBad } from "../../harness/expectations/schema.ts";
import type { BootResult } from "../../harness/result.ts";
import { bootResult, infraResult } from "../helpers/history-results.ts";

const pass = (i = 0) => bootResult("pass", { dir: `/tmp/r/run-${i}` });
const hang = (reached = 2, spec: { knownBad?: KnownBad } = {}) => bootResult("hang", { reached, ...spec });
const times = (n: number, make: (i: number) => BootResult) => Array.from({ length: n }, (_, i) => make(i));

describe("summarizeRuns: counts, rate, class", () => {
  test("17 pass, 3 hang after xen-dom0-loading: flaky, not ok (not declared intermittent)", () => {
    const s = summarizeRuns([...times(17, pass), ...times(3, () => hang(2))]);
    expect(s).toMatchObject({ runs: 20, judged: 20, failures: 3, class: "flaky", ok: false });
    expect(s.counts.map((c) => [c.count, c.symptom])).toEqual([
      [17, "pass"],
      [3, "hang after xen-dom0-loading"],
    ]);
    expect(s.rate).toBeCloseTo(0.15, 10);
    expect(s.interval!.low).toBeCloseTo(0.0524, 4); // Wilson 3/20
    expect(s.interval!.high).toBeCloseTo(0.3604, 4);
    expect(s.summary).toMatch(
      /^FLAKY 17 pass, 3 hang after xen-dom0-loading; failure rate 15 % \(3\/20, 95 % CI 5\.2 %–36 %\) — flaky: not declared intermittent/,
    );
    expect(repeatExitCode([s])).toBe(1);
  });

  test("every run failing the same way is fail; mixed failures are flaky; all pass is pass; infra runs are not judged", () => {
    expect(summarizeRuns(times(4, () => hang(2))).class).toBe("fail");
    expect(summarizeRuns([hang(1), hang(2)]).class).toBe("flaky");
    const clean = summarizeRuns([...times(4, pass), infraResult()]);
    expect(clean).toMatchObject({ class: "pass", judged: 4, infra: 1, ok: true, failures: 0 });
    expect(summarizeRuns([infraResult(), infraResult()]).class).toBe("infra");
    expect(repeatExitCode([summarizeRuns([infraResult()])])).toBe(125);
  });

  test("milestone spread over the runs that reached each milestone", () => {
    const s = summarizeRuns([pass(), bootResult("pass", { times: [1, 2, 4, 6] }), hang(1)]);
    expect(s.milestones.map((m) => [m.id, m.reached])).toEqual([
      ["xen-banner", 3],
      ["xen-dom0-loading", 2],
      ["linux-banner", 2],
      ["dom0-shell", 2],
    ]);
    expect(s.milestones[3]!.spread).toEqual({ n: 2, min: 5, median: 5.5, p95: 5.95, max: 6 });
  });
});

describe("intermittent known-bad (knownBad.rate)", () => {
  const kb: KnownBad = { outcome: "hang", after: "xen-dom0-loading", reason: "race", rate: 0.3 };
  const bad = () => hang(2, { knownBad: kb });
  const good = () => bootResult("pass", { knownBad: kb });

  test("one passing run is not XPASS: ok, and says one run cannot tell", () => {
    const r = good();
    expect(r.knownBad?.judgement?.status).toBe("clean");
    const s = summarizeRuns([r]);
    expect(s.knownBad?.status).toBe("clean");
    expect(s.ok).toBe(true);
    expect(s.knownBad?.message).toMatch(/20 clean runs would rule it out/);
  });

  test("XPASS only when N clean runs rule the rate out: (1 - 0.3)^N < 0.001 needs N = 20", () => {
    expect(summarizeRuns(times(19, good)).knownBad?.status).toBe("clean"); // 0.7^19 = 0.0011
    const s = summarizeRuns(times(20, good)); // 0.7^20 = 0.0008
    expect(s.knownBad?.status).toBe("xpass");
    expect(s.ok).toBe(false);
    expect(s.knownBad?.message).toMatch(
      /no failure in 20 runs: at the recorded rate 30 % that happens with probability 0\.00080 < 0\.001 \(20 clean runs rule it out\); remove knownBad/,
    );
    const junit = junitForRepeats([s], [times(20, good)]);
    expect(junit).toMatch(/<failure message="no failure in 20 runs[^"]*" type="xpass"/);
  });

  test("a rate consistent with the recorded one is reproduced; one that moved significantly is not ok", () => {
    const consistent = summarizeRuns([...times(6, bad), ...times(14, good)]);
    expect(consistent.knownBad?.status).toBe("reproduced");
    expect(consistent.class).toBe("flaky");
    expect(consistent.ok).toBe(true);
    expect(consistent.knownBad?.message).toMatch(
      /consistent with the recorded rate 30 % \(inside the interval, exact test p = 1\.0\)/,
    );
    const moved = summarizeRuns([...times(19, bad), ...times(1, good)]);
    expect(moved.knownBad?.status).toBe("rate-moved");
    expect(moved.ok).toBe(false);
    expect(moved.summary).toMatch(
      /^CHANGED .*rate moved: 19 of 20 runs \(95 %, 95 % CI 76 %–99 %\), recorded rate 30 % is outside the interval, exact test p = \S+ < 0\.001; update knownBad\.rate/,
    );
  });

  test("a different failure is CHANGED; a known-bad without a rate that sometimes passes must declare one", () => {
    expect(summarizeRuns([bad(), hang(1, { knownBad: kb })]).knownBad?.status).toBe("different");
    const deterministic: KnownBad = { outcome: "hang", after: "xen-dom0-loading", reason: "always" };
    const s = summarizeRuns([hang(2, { knownBad: deterministic }), bootResult("pass", { knownBad: deterministic })]);
    expect(s.knownBad?.status).toBe("intermittent");
    expect(s.knownBad?.message).toMatch(/declare knownBad\.rate/);
    expect(summarizeRuns(times(3, () => hang(2, { knownBad: deterministic }))).knownBad?.status).toBe("reproduced");
  });
});

describe("JUnit for repeats (Surefire's rerun elements)", () => {
  const parse = (xml: string) =>
    new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: "",
      isArray: (n) =>
        [
          "testsuite",
          "testcase",
          "property",
          "flakyFailure",
          "rerunFailure",
          "rerunError",
          "flakyError",
          "failure",
        ].includes(n),
    }).parse(xml);

  test("a flaky undeclared boot: <failure> plus one <flakyFailure> per failed run where it stopped; infra runs are <flakyError>", () => {
    const runs = [pass(1), hang(2), pass(3), infraResult()];
    const s = summarizeRuns(runs);
    const doc = parse(junitForRepeats([s], [runs]));
    const cases = doc.testsuites.testsuite[0].testcase;
    const stopped = cases.find((c: { name: string }) => c.name === "linux-banner");
    expect(stopped.failure[0].type).toBe("flaky");
    expect(stopped.flakyFailure).toHaveLength(1);
    expect(stopped.flakyFailure[0].message).toMatch(/^run 2: HANG after "xen-dom0-loading"/);
    expect(stopped.flakyFailure[0].stackTrace).toMatch(/^run 2: /);
    expect(stopped.flakyError).toHaveLength(1);
    // Element order of surefire-test-report.xsd: failure, rerunFailure, flakyFailure, skipped, error, rerunError, flakyError, system-out.
    const xml = junitForRepeats([s], [runs]);
    const block = xml.slice(
      xml.indexOf('name="linux-banner"'),
      xml.indexOf("</testcase>", xml.indexOf('name="linux-banner"')),
    );
    expect(block.indexOf("<failure")).toBeLessThan(block.indexOf("<flakyFailure"));
    expect(block.indexOf("<flakyFailure")).toBeLessThan(block.indexOf("<flakyError"));
  });

  test("every run failing: <failure> from the first run and <rerunFailure> for the others; properties runs/failures/rate/interval, read back by compare", () => {
    const runs = times(3, () => hang(2));
    const s = summarizeRuns(runs);
    const xml = junitForRepeats([s], [runs]);
    const tc = parse(xml).testsuites.testsuite[0].testcase.find((c: { name: string }) => c.name === "linux-banner");
    expect(tc.failure).toHaveLength(1);
    expect(tc.rerunFailure).toHaveLength(2);
    const [record] = recordsFromJunit(xml);
    expect(record!.repeat).toMatchObject({ runs: 3, judged: 3, failures: 3, class: "fail" });
    expect(record!.repeat!.interval!.low).toBeCloseTo(s.interval!.low, 4);
  });
});

describe("compare and history with rates", () => {
  const record = (results: BootResult[]): BootRecord => {
    const s = summarizeRuns(results);
    return { ...recordFromResult(results.at(-1)!), ok: s.ok, summary: s.summary, repeat: repeatFacts(s) };
  };
  const run = (boots: BootRecord[]) => ({ source: "x", runId: null, boots });

  test("a rate that rose significantly is a regression; within the intervals it is a change, not a regression", () => {
    const before = record(times(20, pass));
    const after = record([...times(10, pass), ...times(10, () => hang(2))]);
    const c = compareRuns(run([before]), run([after]));
    expect(c.regressed).toBe(true);
    expect(c.changes[0]).toMatchObject({ kind: "regression" });
    expect(c.changes[0]!.message).toBe(
      "failure rate 0/20 (0 %, 95 % CI 0 %–16 %) → 10/20 (50 %, 95 % CI 30 %–70 %): rose significantly (the intervals do not overlap)",
    );
    const slight = compareRuns(run([record(times(20, pass))]), run([record([...times(18, pass), hang(2), hang(2)])]));
    expect(slight.regressed).toBe(false);
    expect(slight.changes[0]!.message).toMatch(/within chance/);
    const fixed = compareRuns(run([after]), run([before]));
    expect(fixed.changes[0]!.kind).toBe("fix");
  });

  test("history shows class and rate, and marks a significant rise", () => {
    const entry = (failures: number): HistoryEntry => ({
      v: 1,
      runId: "r",
      time: "2025-01-02T03:04:05.000Z",
      boot: "b",
      gitCommit: null,
      outcome: failures ? "hang" : "pass",
      ok: !failures,
      after: null,
      pending: null,
      summary: "s",
      knownBad: null,
      attempts: 20,
      durationS: 1,
      packages: {},
      qemu: null,
      expectationHash: null,
      milestones: [],
      repeat: {
        runs: 20,
        judged: 20,
        failures,
        rate: failures / 20,
        interval: null,
        class: failures ? "flaky" : "pass",
        counts: [],
      },
    });
    const table = formatHistory([entry(0), entry(12)]);
    expect(table).toContain("pass 0/20 (0 %, 95 % CI 0 %–16 %)");
    expect(table).toContain("flaky 12/20 (60 %, 95 % CI 39 %–78 %) ▲ rate rose significantly");
  });
});

describe("bisection over runs", () => {
  const badIf = parseBadIf(["hang after xen-dom0-loading"], []);
  test("bad at max(2, ⌈N/6⌉) runs, good only when all are good, else skip; N = 1 decides alone", () => {
    expect(judgeRuns([...times(4, pass), hang(2), hang(2)], badIf).kind).toBe("bad");
    expect(judgeRuns([...times(5, pass), hang(2)], badIf).kind).toBe("skip");
    expect(judgeRuns(times(6, pass), badIf).kind).toBe("good");
    expect(judgeRuns([...times(5, pass), infraResult()], badIf).kind).toBe("skip");
    expect(judgeRuns([...times(10, pass), hang(2), hang(2)], badIf).kind).toBe("bad"); // 12 runs: 2
    expect(judgeRuns([...times(11, pass), hang(2), hang(2)], badIf).kind).toBe("skip"); // 13 runs: 3
    expect(judgeRuns([hang(2)], badIf).kind).toBe("bad");
  });

  test("the version walk with skips leaves a range (inconclusive)", async () => {
    const truth = ["good", "skip", "skip", "bad"] as const;
    const result = await walkVersions(0, 3, async (i) => ({ kind: truth[i]!, reason: truth[i]! }));
    expect(result).toMatchObject({ status: "inconclusive", firstBadAmong: [1, 2, 3] });
  });
});

describe("bad input", () => {
  /** What the run action would receive for `run --runs ...`: the CLI's shared number check. */
  function parse(args: string[]): Record<string, unknown> {
    const argv = ["node", "bootlog", "run", ...args];
    const cli = cac("bootlog");
    cli.command("run [...names]").option("--runs <n>", "");
    cli.parse(argv, { run: false });
    normalizeOptions(cli, argv);
    return cli.options;
  }
  test.each([["0"], ["-1"], ["abc"], ["1.5"]])("--runs %s is a usage error naming the value", (raw) => {
    expect(() => parse(["--runs", raw])).toThrow(`--runs: expected a positive integer, got "${raw}"`);
  });
  test("--runs is read as typed, in both spellings", () => {
    expect(parse(["--runs", "20"]).runs).toBe(20);
    expect(parse(["--runs=7"]).runs).toBe(7);
    expect(parse([]).runs).toBeUndefined();
  });

  const spec = (knownBad: Record<string, unknown>) => ({
    name: "b",
    machine: { arch: "aarch64", memory: "256M", cpus: 1, firmware: "direct" },
    images: { kernel: { kind: "file", path: "/k" } },
    milestones: [{ id: "init", match: "init" }],
    silence: "5s",
    budget: "10s",
    knownBad: { outcome: "fail", after: "init", reason: "r", ...knownBad },
  });
  test.each([
    [{ rate: 0 }, "knownBad.rate: a rate is a share of runs between 0 and 1 (exclusive); 0 means it never happens"],
    [{ rate: 1 }, "knownBad.rate: a rate is a share of runs between 0 and 1 (exclusive); 1 means every run: drop rate"],
    [
      { rate: 1.5 },
      "knownBad.rate: a rate is a share of runs between 0 and 1 (exclusive); 1 means every run: drop rate",
    ],
    [{ rate: "0.3" }, "knownBad.rate:"],
    [
      { rate: 0.3, after: "start", outcome: "hang" },
      'knownBad.rate: a hang after "start" cannot be intermittent: nothing of the guest ran before it',
    ],
  ])("knownBad %j is an error naming the file and the field", (kb, message) => {
    expect(() => validateExpectation("expectations/b.ts", spec(kb))).toThrow(`expectations/b.ts: ${message}`);
  });
  test("a valid rate loads", () => {
    expect(validateExpectation("expectations/b.ts", spec({ rate: 0.3 })).knownBad?.rate).toBe(0.3);
  });
});

describe("HTML for repeats", () => {
  test("counts, rate with its interval, and a strip per milestone with every run's time", async () => {
    const { repeatHtml } = await import("../../harness/report/html-repeat.ts");
    const runs = [...times(3, pass), hang(2)];
    const s = summarizeRuns(runs);
    const html = repeatHtml({
      v: 1,
      runId: "r",
      ...s,
      runDirs: runs.map((r) => r.dir),
      startedAt: "2025-01-02T03:04:05.000Z",
    });
    expect(html).toContain("<b>4 runs</b>, class <b>flaky</b>");
    expect(html).toContain(">3 pass</span>");
    expect(html).toContain(">1 hang after xen-dom0-loading</span>");
    expect(html).toContain("failure rate <b>25 %</b> (1/4, 95 % CI 4.6 %–70 %)");
    // One dot per run that reached the milestone: 4 for xen-banner, 3 for dom0-shell; a median and a p95 mark each.
    expect(html.match(/<circle /g)).toHaveLength(4 + 4 + 3 + 3);
    expect(html.match(/class="median"/g)).toHaveLength(4);
    expect(html.match(/class="p95"/g)).toHaveLength(4);
  });
});
