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

const PASSED = "static-heap test passed";
// Xen CI's ImageBuilder config: one domU, the same kernel as dom0, 128 MiB (less than the static heap).
const domUs = [{ kernel: "kernel", initrd: "guest-initrd", memory: "128M" }];

// Xen's heap only from 0x80000000-0xafffffff (CI: 0x50000000, above the top of its ImageBuilder's
// MEMORY_END; here the machine loads dom0's and the domU's images at 0x50000000-0x5c000000).
const HEAP = { base: 0x8000_0000, size: 0x3000_0000 };
const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * Xen CI's qemu-smoke-dom0less-arm64-gcc-debug-staticheap: `/chosen xen,static-heap` (set by a
 * typed U-Boot `fdt` command, as ImageBuilder does) gives Xen a fixed range for its heap; dom0
 * and a 128 MiB dom0less domU are built from it and the domU echoes "static-heap test passed".
 * CI checks nothing else; here Xen must also place dom0's 1:1 memory bank inside that range
 * (arm's dom0 is direct-mapped, so its RAM comes from the heap), which only a used static heap does.
 */
export default defineBoot({
  name: "xen-ci-qemu-smoke-dom0less-arm64-staticheap",
  description:
    "Xen CI qemu-smoke-dom0less-arm64-gcc-debug-staticheap: U-Boot → Xen with a static heap → dom0 + a dom0less domU",
  tags: ["xen-ci", "dom0less", "streams"],
  machine: { arch: "aarch64", memory: "2G", cpus: 2, gic: 2, firmware: "u-boot" },
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
          chosen: [`fdt set /chosen xen,static-heap <0x0 ${hex(HEAP.base)} 0x0 ${hex(HEAP.size)}>`],
        }),
        ...dom0Milestones("arm64"),
      ],
    },
    xen: {
      after: "dom0/uboot-starting-kernel",
      // Stricter than CI: dom0's one bank lies inside the static heap (it starts 0x80000000-0xafffffff).
      milestones: withAfter(xenStreamMilestones({ dom0: true, domUs: 1 }), "xen-dom0-loading", {
        id: "xen-dom0-bank-in-static-heap",
        match: /^BANK\[0\] 0x000000[89a][0-9a-f]{7}-0x[0-9a-f]+ \(512MB\)$/,
      }),
    },
    d1: {
      after: "xen/xen-domu1-loading",
      silence: "30s",
      milestones: xenCiGuestMilestones("arm64", PASSED),
      failOn: linuxPanics,
    },
  },
  failOn: [...ubootErrors, ...linuxPanics, ...xenPanics],
  // Xen builds dom0 silently (its RAM allocated and scrubbed): 18 s for 1 GiB on a loaded host.
  silence: "45s",
  budget: "240s",
});
