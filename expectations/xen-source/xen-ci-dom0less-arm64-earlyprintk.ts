import {
  debianKernel,
  defineBoot,
  dom0Milestones,
  busyboxInitrd,
  guestInitrd,
  guestMilestones,
  linuxPanics,
  xenCiArm64,
  xenCiXenMilestones,
  xenPanics,
} from "../../harness/expectations/index.ts";

/**
 * Xen CI's qemu-smoke-dom0less-arm64-gcc-debug-earlyprintk: Xen built with early printk on the
 * PL011 prints its start-of-day steps before its console exists; CI passes on `- Ready -` (the
 * last of them) and dom0's prompt. Those lines have no `(XEN) ` prefix: they are their own
 * stream, `early`, whose lines start with "- ".
 */
export default defineBoot({
  name: "xen-ci-dom0less-arm64-earlyprintk",
  description: "Xen (upstream 4.17, debug, early printk) built from source: `- Ready -`, dom0 and one dom0less domU",
  tags: ["xen-source", "xen-ci", "dom0less", "streams"],
  machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "direct" },
  images: {
    xen: xenCiArm64(),
    kernel: debianKernel("arm64"),
    initrd: busyboxInitrd(),
    "guest-initrd": guestInitrd(),
  },
  boot: {
    xen: "console=dtuart dtuart=/pl011@9000000 dom0_mem=512M bootscrub=0",
    linux: "console=hvc0 earlycon=xen rdinit=/init",
    domUs: [{ initrd: "guest-initrd", memory: "256M" }],
  },
  streams: {
    early: {
      prefix: "- ",
      milestones: [
        { id: "boot-cpu", match: /^Boot CPU booting -$/, within: "10s" },
        // Xen CI's PASSED: "- Ready -".
        { id: "ready", match: /^Ready -$/ },
      ],
    },
    xen: { milestones: xenCiXenMilestones(1) },
    // Xen CI's LOG_MSG: dom0's prompt.
    dom0: { after: "xen/xen-dom0-loading", milestones: dom0Milestones("arm64") },
    d1: { after: "xen/xen-domu1-loading", silence: "30s", milestones: guestMilestones("arm64"), failOn: linuxPanics },
  },
  failOn: [...linuxPanics, ...xenPanics],
  silence: "30s",
  budget: "180s",
});
