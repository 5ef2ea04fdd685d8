import {
  debianKernel,
  defineBoot,
  dom0Milestones,
  busyboxInitrd,
  guestMilestones,
  linuxPanics,
  xenCiArm64,
  xenCiCheckInitrd,
  xenCiXenMilestones,
  xenPanics,
} from "../../harness/expectations/index.ts";

// Xen CI uses 0x50000000, where bootlog loads dom0's kernel: the same 256 MiB, higher up.
const BASE = 0x60000000;
const SIZE = 0x10000000;
const RANGE = `${BASE.toString(16).padStart(8, "0")}-${(BASE + SIZE - 1).toString(16).padStart(8, "0")}`;

/**
 * Xen CI's qemu-smoke-dom0less-arm64-gcc-debug-staticmem: the domU's memory is a fixed host
 * range (`xen,static-mem`, direct-mapped), and the domU checks that its /proc/iomem shows exactly
 * that range as System RAM before printing CI's pass string.
 */
export default defineBoot({
  name: "xen-ci-dom0less-arm64-staticmem",
  description: `Xen (upstream 4.17, debug, STATIC_MEMORY) built from source: a dom0less domU in host RAM ${RANGE}, checked in its /proc/iomem`,
  tags: ["xen-source", "xen-ci", "dom0less", "streams"],
  machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "direct" },
  images: {
    xen: xenCiArm64(),
    kernel: debianKernel("arm64"),
    initrd: busyboxInitrd(),
    "guest-initrd": xenCiCheckInitrd([
      `if grep -q -x "${RANGE} : System RAM" /proc/iomem; then echo "static-mem test passed"; fi`,
    ]),
  },
  boot: {
    xen: "console=dtuart dtuart=/pl011@9000000 dom0_mem=512M bootscrub=0",
    linux: "console=hvc0 earlycon=xen rdinit=/init",
    domUs: [{ initrd: "guest-initrd", memory: "256M", staticMem: { base: BASE, size: SIZE, directMap: true } }],
  },
  streams: {
    xen: { milestones: xenCiXenMilestones(1) },
    dom0: { after: "xen/xen-dom0-loading", milestones: dom0Milestones("arm64") },
    d1: {
      after: "xen/xen-domu1-loading",
      silence: "30s",
      milestones: [
        ...guestMilestones("arm64").slice(0, 2),
        // Xen CI's PASSED.
        { id: "static-mem-passed", match: /^static-mem test passed$/ },
        ...guestMilestones("arm64").slice(2),
      ],
      failOn: linuxPanics,
    },
  },
  failOn: [...linuxPanics, ...xenPanics],
  silence: "30s",
  budget: "180s",
});
