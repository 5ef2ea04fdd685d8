import { describe, expect, test } from "vitest";
import { bootsOnce, expectationNamed, milestoneTests } from "../helpers/boot.ts";

// Real broken boots: each must go wrong exactly as recorded in its knownBad, and quickly.
const cases = [
  { name: "arm64-uboot-xen-old-dtuart", summary: /^KNOWN-BAD HANG after "uboot-starting-kernel": silent \d+\.\d s, last line "Starting kernel \.\.\."$/ },
  { name: "arm64-xen-virt-off", summary: /^KNOWN-BAD HANG after "start": silent \d+\.\d s, no output at all$/ },
  { name: "arm64-xen-no-dom0-module", summary: /^KNOWN-BAD FAIL after "xen-dom0-loading": failure pattern xen-panic .*Panic on CPU 0/ },
  { name: "x86_64-xen-cpu-max", summary: /^KNOWN-BAD FAIL after "xen-freed-init": failure pattern xen-unhandled .*Unhandled: vec 14/ },
];

for (const { name, summary } of cases) {
  const exp = await expectationNamed(name);
  describe(name, () => {
    const result = bootsOnce(exp);
    milestoneTests(exp, result);

    test("reproduces its known-bad symptom exactly (counts as ok)", () => {
      const r = result();
      expect(r.knownBad?.judgement?.status, r.summary).toBe("reproduced");
      expect(r.ok).toBe(true);
      expect(r.summary).toMatch(summary);
    });

    test("is judged within seconds, not after the budget", () => {
      const r = result();
      const v = r.verdict!;
      if (v.outcome === "hang") {
        // The console goes quiet right at the last milestone (or prints nothing at all): the
        // verdict must follow it by the silence timeout plus at most 1 s.
        const lastMilestoneAt = r.milestones.findLast((m) => m.at !== undefined)?.at ?? 0;
        expect(v.at - lastMilestoneAt).toBeGreaterThanOrEqual(exp.silenceS);
        expect(v.at - lastMilestoneAt).toBeLessThanOrEqual(exp.silenceS + 1);
      } else {
        expect(v.at).toBeLessThan(exp.silenceS);
      }
    });
  });
}
