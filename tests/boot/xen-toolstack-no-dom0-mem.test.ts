import { describe, expect, test } from "vitest";
import { bootsOnce, expectationNamed } from "../helpers/boot.ts";

// Issue 23: without dom0_mem, dom0 holds all the memory and `xl create` must balloon it down,
// taking /var/lock/xl first; a dom0 rootfs without /var/lock failed with "cannot open the
// lockfile /var/lock/xl errno=2" and hung after dom0/xl-create. The shipped x86_64 toolstack
// boot, its Xen command line without dom0_mem.
const shipped = await expectationNamed("x86_64-xen-toolstack");
const exp = {
  ...shipped,
  name: "x86_64-xen-toolstack-no-dom0-mem",
  boot: { ...shipped.boot, xen: shipped.boot!.xen!.replace(/\s*dom0_mem=\S+/, "") },
  // dom0 with all the memory boots slower under TCG, more so on a busy host: the lock is the point here, not the pace.
  silence: "60s",
  silenceS: 60,
  // xl balloons dom0 down (about 130 MB here) before the guest prints: slow under TCG on a busy host.
  streams: { ...shipped.streams, guest: { ...shipped.streams!.guest!, silence: "120s" } },
  budget: "220s",
  budgetS: 220,
};

describe("x86_64 toolstack boot without dom0_mem: xl balloons dom0 down", () => {
  const result = bootsOnce(exp);
  test("the guest reaches its shell; xl never misses its lock file", async () => {
    expect(exp.boot.xen).not.toMatch(/dom0_mem/);
    const r = result();
    const { readFileSync } = await import("node:fs");
    const log = readFileSync(r.serialLog, "utf8");
    expect(log).not.toContain("cannot open the lockfile");
    expect(r.outcome, r.summary).toBe("pass");
    console.log(`${exp.name}: last milestone at ${Math.max(...r.milestones.map((m) => m.at!)).toFixed(2)} s`);
  });
});
