import { describe, expect, test } from "vitest";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { validateExpectation } from "../../harness/expectations/loader.ts";
import {
  busyboxInitrd,
  deb,
  debianKernel,
  dom0Milestones,
  linuxPanics,
  xenMilestones,
  xenPanics,
} from "../../harness/expectations/index.ts";
import { bootsOnce } from "../helpers/boot.ts";

/**
 * dom0 stops in its /init (a `sleep` before the shell) while Xen is alive: the console goes
 * quiet after "dom0 init:". Before QEMU is stopped the post-mortem types Xen's debug keys
 * (Ctrl-A x3, q, 0, r) and SysRq over hvc (Ctrl-O l, Ctrl-O w) and keeps what they print.
 */
const initHang = validateExpectation("tests/boot/postmortem.test.ts", {
  name: "arm64-xen-dom0-init-hangs",
  machine: { arch: "aarch64", memory: "1G", cpus: 2, firmware: "direct" },
  images: {
    xen: deb("xen-hypervisor-4.17-arm64", "boot/xen-4.17-arm64"),
    kernel: debianKernel("arm64"),
    initrd: busyboxInitrd(["sleep 100000"]),
  },
  boot: {
    xen: "console=dtuart dtuart=/pl011@9000000 dom0_mem=512M bootscrub=0",
    linux: "console=hvc0 earlycon=xen rdinit=/init sysrq_always_enabled",
  },
  milestones: [...xenMilestones("arm64"), ...dom0Milestones("arm64")],
  failOn: [...linuxPanics, ...xenPanics],
  silence: "3s",
  budget: "60s",
});

describe("post-mortem: dom0 hangs in init while Xen is alive", () => {
  const result = bootsOnce(initHang);

  test("is a hang after dom0-init, with the live keys typed within 3 s", () => {
    const r = result();
    expect(r.outcome, r.summary).toBe("hang");
    expect(r.verdict!.after).toBe("dom0-init");
    const keys = r.postmortem!.liveKeys!;
    expect(keys.sent).toBe("Ctrl-A x3, q, 0, r, Ctrl-A x3, Ctrl-O l, Ctrl-O w");
    expect(keys.ms).toBeLessThanOrEqual(3000);
  });

  test("Xen answers its debug keys and dom0 its SysRq, kept in live-keys.log", () => {
    const r = result();
    const log = readFileSync(join(r.dir, "live-keys.log"), "utf8");
    // Ctrl-A x3 switches input to Xen, q dumps domain info, r the run queues; Ctrl-O l: backtraces.
    expect(log).toMatch(/\(XEN\) \*\*\* Serial input to Xen/);
    expect(log).toMatch(/\(XEN\) General information for domain 0:/);
    expect(log).toMatch(/\(XEN\) sched_smt_power_savings|\(XEN\) Scheduler: /);
    expect(log).toMatch(/sysrq: Show backtrace of all active CPUs/);
    expect(r.postmortem!.files).toContain("live-keys.log");
  });

  test("vCPUs are classified and the kernel log is recovered up to the init", () => {
    const r = result();
    const pm = r.postmortem!;
    expect(pm.vcpus).toHaveLength(2);
    for (const v of pm.vcpus) expect(v.owner).toMatch(/^(Xen|the dom0 kernel|dom0 user space)$/);
    expect(readFileSync(join(r.dir, "guest-kernel.log"), "utf8")).toMatch(/Run \/init as init process/);
    expect(readdirSync("/dev/shm").filter((f) => f.includes(initHang.name))).toEqual([]);
    expect(existsSync(join(r.dir, "guest-ram.bin"))).toBe(false);
  });
});
