import { describe, expect, test } from "vitest";
import { bootsOnce, expectationNamed, milestoneTests } from "../helpers/boot.ts";

// The boot paths users run, each booted for real: one describe per expectation, one test per milestone.
for (const name of ["arm64-uboot-xen-dom0", "x86_64-xen-dom0", "arm64-linux"]) {
  const exp = await expectationNamed(name);
  describe(name, () => {
    const result = bootsOnce(exp);
    milestoneTests(exp, result);
    test("passes", () => {
      const r = result();
      expect(r.outcome, r.summary).toBe("pass");
      expect(r.ok).toBe(true);
    });
  });
}
