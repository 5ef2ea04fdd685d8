import {
  busyboxInitrd,
  deb,
  debianKernel,
  defineBoot,
  dom0Milestones,
  linuxPanics,
  ubootErrors,
  ubootXenMilestones,
  xenCiGuestInitrd,
  xenCiGuestMilestones,
  xenPanics,
  xenStreamMilestones,
  withAfter,
  XEN_CI_DOM0_ARGS,
} from "../../harness/expectations/index.ts";

const PASSED = "gicv3 test passed";
// Xen CI's ImageBuilder config: one domU, the same kernel as dom0, 256 MiB.
const domUs = [{ kernel: "kernel", initrd: "guest-initrd", memory: "256M" }];

/**
 * Xen CI's qemu-smoke-dom0less-arm64-gcc-debug-gicv3: U-Boot boots Xen on a GICv3 virt machine
 * with dom0 and one dom0less domU described in the device tree; the domU's /init echoes
 * "gicv3 test passed". Here that line must come on the domU's own console (`(XEN) DOM1: `),
 * after its own Linux and marker, while dom0 reaches its shell on its own.
 */
export default defineBoot({
  name: "xen-ci-qemu-smoke-dom0less-arm64-gicv3",
  description:
    "Xen CI qemu-smoke-dom0less-arm64-gcc-debug-gicv3: U-Boot → Xen (GICv3) → dom0 + a dom0less domU that echoes the pass line",
  tags: ["xen-ci", "dom0less", "streams"],
  machine: { arch: "aarch64", memory: "2G", cpus: 2, gic: 3, firmware: "u-boot" },
  images: {
    xen: deb("xen-hypervisor-4.17-arm64", "boot/xen-4.17-arm64"),
    kernel: debianKernel("arm64"),
    initrd: busyboxInitrd(),
    "guest-initrd": xenCiGuestInitrd(PASSED),
  },
  boot: { domUs },
  streams: {
    // The unprefixed console is U-Boot's, then dom0's.
    dom0: {
      milestones: [
        ...ubootXenMilestones({
          // CI's, timestamps too: a domU's lines read "(XEN) [ 1.2] DOM1: ", which the d1 stream takes.
          xen: "console=dtuart dom0_mem=512M console_timestamps=boot",
          dom0: XEN_CI_DOM0_ARGS,
          domUs,
        }),
        ...dom0Milestones("arm64"),
      ],
    },
    xen: {
      after: "dom0/uboot-starting-kernel",
      // Stricter than CI: Xen drives a GICv3, and gives the domU a virtual one.
      milestones: withAfter(xenStreamMilestones({ dom0: true, domUs: 1 }), "xen-banner", {
        id: "xen-gicv3",
        match: /^GICv3 initialization:/,
      }),
    },
    d1: {
      after: "xen/xen-domu1-loading",
      silence: "30s",
      milestones: withAfter(xenCiGuestMilestones("arm64", PASSED), "linux-banner", {
        id: "guest-gicv3",
        match: /GICv3: \d+ SPIs implemented/,
      }),
      failOn: linuxPanics,
    },
  },
  failOn: [...ubootErrors, ...linuxPanics, ...xenPanics],
  // Xen builds dom0 silently (its RAM allocated and scrubbed): 18 s for 1 GiB on a loaded host.
  silence: "45s",
  budget: "240s",
});
