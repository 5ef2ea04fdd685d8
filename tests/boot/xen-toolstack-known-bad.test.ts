import { describe, expect, test } from "vitest";
import { bootsOnce, expectationNamed, milestoneTests } from "../helpers/boot.ts";
// A real failure met on the way, kept as known-bad (its own file: vitest balances the boot lanes by file): with dom0_mem=256M the x86_64 PV dom0 OOM-kills xl.
const knownBad = await expectationNamed("x86_64-xen-toolstack-dom0-256m");
describe(knownBad.name, () => {
  const result = bootsOnce(knownBad);
  milestoneTests(knownBad, result);
  test("reproduces its known-bad symptom exactly: xl killed right after `xl create`, in dom0's stream", () => {
    const r = result();
    expect(r.knownBad?.judgement?.status, r.summary).toBe("reproduced");
    expect(r.summary).toMatch(
      /^KNOWN-BAD FAIL after "dom0\/xl-create": stream dom0: failure pattern dom0-oom-xl .*Out of memory: Killed process \d+ \(xl\)/,
    );
    // The guest never started: its stream has nothing.
    expect(r.milestones.filter((m) => m.id.startsWith("guest/")).every((m) => m.at === undefined)).toBe(true);
  });
});
