import {
  debianKernel,
  defineBoot,
  dom0Milestones,
  busyboxInitrd,
  guestMilestones,
  linuxPanics,
  ubootErrors,
  ubootXenMilestones,
  xenCiArm64,
  xenCiCheckInitrd,
  xenCiXenMilestones,
  xenPanics,
  XEN_CI_DOM0_ARGS,
} from "../../harness/expectations/index.ts";

// Xen CI uses 0x50000000, where bootlog loads dom0's kernel: the same 256 MiB, higher up.
const BASE = 0x60000000;
const SIZE = 0x10000000;
const RANGE = `${BASE.toString(16).padStart(8, "0")}-${(BASE + SIZE - 1).toString(16).padStart(8, "0")}`;
const domUs = [
  { kernel: "kernel", initrd: "guest-initrd", memory: "256M", staticMem: { base: BASE, size: SIZE, directMap: true } },
];

/**
 * Xen CI's qemu-smoke-dom0less-arm64-gcc-debug-staticmem as CI boots it: behind U-Boot, with
 * `console_timestamps=boot`, the domU's `xen,static-mem` and `direct-map` typed as `fdt`
 * commands (ImageBuilder's DOMU_STATIC_MEM). The direct-path twin is xen-ci-dom0less-arm64-staticmem.
 */
export default defineBoot({
  name: "xen-ci-dom0less-arm64-staticmem-uboot",
  description: `Xen (upstream 4.17, debug, STATIC_MEMORY) built from source, behind U-Boot: a dom0less domU in host RAM ${RANGE}, checked in its /proc/iomem`,
  // nightly: in npm test with another boot file beside it, Xen wrote a domU line into the middle of
  // dom0's "Run /init as init process" (both inits print busybox's --install errors at once), so
  // dom0's stream never saw its line; alone it passes (7.6 s at load 5).
  tags: ["xen-source", "xen-ci", "dom0less", "streams", "nightly"],
  machine: { arch: "aarch64", memory: "2G", cpus: 2, gic: 2, firmware: "u-boot" },
  images: {
    xen: xenCiArm64(),
    kernel: debianKernel("arm64"),
    initrd: busyboxInitrd(),
    "guest-initrd": xenCiCheckInitrd([
      `if grep -q -x "${RANGE} : System RAM" /proc/iomem; then echo "static-mem test passed"; fi`,
    ]),
  },
  boot: { domUs },
  streams: {
    dom0: {
      milestones: [
        ...ubootXenMilestones({
          xen: "console=dtuart dom0_mem=512M bootscrub=0 console_timestamps=boot",
          dom0: XEN_CI_DOM0_ARGS,
          domUs,
        }),
        ...dom0Milestones("arm64"),
      ],
    },
    xen: { after: "dom0/uboot-starting-kernel", milestones: xenCiXenMilestones(1) },
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
  failOn: [...ubootErrors, ...linuxPanics, ...xenPanics],
  silence: "45s",
  budget: "240s",
});
