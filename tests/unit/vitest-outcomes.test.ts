/**
 * bootlog/vitest judges each milestone test as bootlog's JUnit judges its testcase: reached
 * passes, a reproduced known-bad is skipped, XPASS and a known-bad that ended differently
 * (CHANGED) fail, infra fails, an unset user image is skipped.
 */
import { describe, expect, test } from "vitest";
import { caseVerdicts } from "../../harness/artifacts/junit.ts";
import type { KnownBad } from "../../harness/expectations/schema.ts";
import type { BootResult } from "../../harness/result.ts";
import { milestoneTest } from "../../harness/vitest/milestone-test.ts";
import { bootResult, IDS, infraResult } from "../helpers/history-results.ts";

const HANG_AFTER_LOADING: KnownBad = {
  outcome: "hang",
  after: "xen-dom0-loading",
  reason: "dom0 never starts",
  tracking: "https://example.org/bug/1",
};

const kinds = (r: BootResult) => IDS.map((id) => milestoneTest(r, id).kind);

describe("one vitest test per milestone, as bootlog's JUnit testcases", () => {
  const cases: [string, BootResult, string[]][] = [
    ["pass", bootResult("pass"), ["pass", "pass", "pass", "pass"]],
    ["hang after the second milestone", bootResult("hang", { reached: 2 }), ["pass", "pass", "fail", "skip"]],
    [
      "reproduced known-bad: skipped where it ends",
      bootResult("hang", { reached: 2, knownBad: HANG_AFTER_LOADING }),
      ["pass", "pass", "skip", "skip"],
    ],
    [
      "XPASS: the last milestone fails",
      bootResult("pass", { knownBad: HANG_AFTER_LOADING }),
      ["pass", "pass", "pass", "fail"],
    ],
    [
      "CHANGED: a known-bad that ended elsewhere fails",
      bootResult("hang", { reached: 1, knownBad: HANG_AFTER_LOADING }),
      ["pass", "fail", "skip", "skip"],
    ],
    ["infra: every test fails", infraResult(), ["fail", "fail", "fail", "fail"]],
    [
      "skip (an unset user image): every test skipped",
      { ...infraResult(), outcome: "skip", ok: true, summary: "SKIP: $MY_KERNEL is not set" },
      ["skip", "skip", "skip", "skip"],
    ],
  ];

  test.each(cases)("%s", (_name, result, expected) => {
    expect(kinds(result)).toEqual(expected);
    // The same decision as the JUnit writer's, testcase for testcase.
    const junit = caseVerdicts(result).map((v) =>
      v.kind === "pass" ? "pass" : v.kind === "skipped" ? "skip" : "fail",
    );
    expect(kinds(result)).toEqual(junit);
  });

  test("a failing test says the verdict and where the artifacts are", () => {
    const check = milestoneTest(bootResult("hang", { reached: 2 }), "linux-banner");
    expect(check.kind).toBe("fail");
    expect(check.kind === "fail" && check.message).toMatch(/^HANG after "xen-dom0-loading": .*\n {5}artifacts: /);
    const xpass = milestoneTest(bootResult("pass", { knownBad: HANG_AFTER_LOADING }), "dom0-shell");
    expect(xpass.kind === "fail" && xpass.message).toMatch(/^XPASS: /);
    const changed = milestoneTest(bootResult("hang", { reached: 1, knownBad: HANG_AFTER_LOADING }), "xen-dom0-loading");
    expect(changed.kind === "fail" && changed.message).toMatch(/^CHANGED: /);
  });

  test("a boot that did not run fails every test", () => {
    expect(milestoneTest(undefined, "xen-banner").kind).toBe("fail");
  });
});
