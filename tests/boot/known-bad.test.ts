import { describe, expect, test } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bootsOnce, expectationNamed, milestoneTests } from "../helpers/boot.ts";

// Real broken boots: each must go wrong exactly as recorded in its knownBad, and quickly; the
// post-mortem (guest RAM and vCPUs, read before QEMU is stopped) must name the cause.
const cases = [
  {
    name: "arm64-uboot-xen-old-dtuart",
    summary:
      /^KNOWN-BAD HANG after "uboot-starting-kernel": silent \d+\.\d s, last line "Starting kernel \.\.\." — memory shows .*\(XEN\) Bad console= option 'dtuart'.*; vCPU0 EL[12] /,
    xenRing: [
      /^\(XEN\) Unable to find device "\/pl011,0x09000000"$/,
      /^\(XEN\) Bad console= option 'dtuart'$/,
      /^\(XEN\) \*\*\* LOADING DOMAIN 0 \*\*\*$/,
    ],
    vcpus: /^(Xen|the dom0 kernel|dom0 user space)$/,
  },
  {
    name: "arm64-xen-virt-off",
    // No output at all, and nothing in RAM either: the vCPU says why (Xen's first instructions at EL1).
    summary:
      /^KNOWN-BAD HANG after "start": silent \d+\.\d s, no output at all — memory shows no Xen console ring or kernel log in RAM; vCPU0 EL1 Xen's image \(at its load address, MMU off\); vCPU1 EL1 nothing yet/,
    xenRing: [],
    vcpus: /^(Xen's image \(at its load address, MMU off\)|nothing yet \(PC 0: never started, or powered off\))$/,
  },
  {
    name: "arm64-xen-no-dom0-module",
    summary:
      /^KNOWN-BAD FAIL after "xen-dom0-loading": failure pattern xen-panic .*Panic on CPU 0.* — memory shows .*\(XEN\) Panic on CPU 0:.*; vCPU0 EL2 Xen/,
    xenRing: [/^\(XEN\) Missing kernel boot module\?$/, /^\(XEN\) Panic on CPU 0:$/],
    vcpus: /^Xen$/,
  },
  {
    name: "x86_64-xen-cpu-max",
    summary:
      /^KNOWN-BAD FAIL after "xen-freed-init": failure pattern xen-unhandled .*Unhandled: vec 14.* — memory shows .*\(XEN\) d0v0 Unhandled: vec 14/,
    xenRing: [/^\(XEN\) d0v0 Unhandled: vec 14, #PF/],
    vcpus: /^(Xen|the dom0 kernel \(PV, ring 3\)|dom0 user space)$/,
  },
  {
    // Both logs are needed: Xen's console is mute and dom0 panics unseen.
    name: "arm64-xen-mute-dom0-no-root",
    summary:
      /^KNOWN-BAD HANG after "start": silent \d+\.\d s, no output at all — memory shows dom0: Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block\(0,0\); \(XEN\) Bad console= option 'dtuart'; /,
    xenRing: [/^\(XEN\) Bad console= option 'dtuart'$/, /^\(XEN\) \*\*\* LOADING DOMAIN 0 \*\*\*$/],
    kernelLog: [
      /Booting Linux on physical CPU/,
      /Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block\(0,0\)$/,
    ],
    vcpus: /^(Xen|the dom0 kernel)$/,
  },
  {
    name: "x86_64-xen-console-com2",
    summary:
      /^KNOWN-BAD HANG after "start": silent \d+\.\d s, last line .* — memory shows \(XEN\) Bad console= option 'com2'; \(XEN\) ERROR: 16550-compatible serial UART not present; vCPU0 CPL[03]/,
    xenRing: [/^\(XEN\) ERROR: 16550-compatible serial UART not present$/, /^\(XEN\) Bad console= option 'com2'$/],
    vcpus: /^(Xen|the dom0 kernel \(PV, ring 3\)|dom0 user space)$/,
  },
];

for (const { name, summary, xenRing, kernelLog, vcpus } of cases) {
  const exp = await expectationNamed(name);
  describe(name, () => {
    const result = bootsOnce(exp);
    milestoneTests(exp, result);

    test("reproduces its known-bad symptom exactly (counts as ok)", () => {
      const r = result();
      expect(r.knownBad?.judgement?.status, r.summary).toBe("reproduced");
      expect(r.knownBad?.shows, "every shipped known-bad names its cause").toBeDefined();
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

    test("post-mortem: Xen's ring and the kernel log recovered from RAM, every vCPU classified", () => {
      const r = result();
      const pm = r.postmortem!;
      expect(pm.missing, pm.missing).toBeUndefined();
      expect(pm.vcpus).toHaveLength(exp.machine.cpus);
      for (const v of pm.vcpus) expect(v.owner).toMatch(vcpus);
      const ring = existsSync(join(r.dir, "xen-ring.log"))
        ? readFileSync(join(r.dir, "xen-ring.log"), "utf8").split("\n")
        : [];
      for (const line of xenRing)
        expect(
          ring.some((l) => line.test(l)),
          `${line} in xen-ring.log`,
        ).toBe(true);
      if (!xenRing.length) expect(pm.xen).toBeUndefined();
      const klog = kernelLog ? readFileSync(join(r.dir, "guest-kernel.log"), "utf8").split("\n") : [];
      for (const line of kernelLog ?? [])
        expect(
          klog.some((l) => line.test(l)),
          `${line} in guest-kernel.log`,
        ).toBe(true);
      // Format strings from the kernel image are not records.
      expect(klog.filter((l) => /%(s|d|0\d+l?x)/.test(l))).toEqual([]);
      expect(pm.ms).toBeLessThan(10_000);
      expect(readdirSync("/dev/shm").filter((f) => f.includes(name))).toEqual([]);
    });

    test("post-mortem in the reports: JUnit system-err of the failing testcase, timeline.json", () => {
      const r = result();
      const junit = readFileSync(join(r.dir, "junit.xml"), "utf8");
      expect(junit).toMatch(/<system-err>== what the machine says \(post-mortem\) ==\nvCPU0: /);
      expect(junit).toMatch(/<property name="postmortem.files" value="postmortem.json/);
      const timeline = JSON.parse(readFileSync(join(r.dir, "timeline.json"), "utf8"));
      expect(timeline.postmortem.vcpus).toHaveLength(exp.machine.cpus);
      expect(timeline.postmortem.tails).toBeUndefined();
    });
  });
}
