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
} from "../../harness/expectations/index.ts";

const PASSED = "gzip test passed";
// Xen CI's ImageBuilder config: one domU, 512 MiB, whose kernel is dom0's gzip-compressed.
const domUs = [{ kernel: "guest-kernel", initrd: "guest-initrd", memory: "512M" }];

/**
 * Xen CI's qemu-smoke-dom0less-arm32-gcc-debug-gzip: as qemu-smoke-dom0less-arm32, but the
 * domU's kernel module is gzip-compressed, so Xen must unpack it before building the domU.
 * Stricter than CI: Xen must say it loaded d1's kernel from its own module (not dom0's copy).
 */
export default defineBoot({
  name: "xen-ci-qemu-smoke-dom0less-arm32-gzip",
  description:
    "Xen CI qemu-smoke-dom0less-arm32-gcc(-debug): U-Boot → arm32 Xen → dom0 + a dom0less domU that echoes the pass line",
  tags: ["xen-ci", "dom0less", "streams", "known-bad"],
  machine: { arch: "arm", memory: "2G", cpus: 2, firmware: "u-boot" },
  images: {
    xen: deb("xen-hypervisor-4.17-armhf", "boot/xen-4.17-armhf"),
    kernel: debianKernel("armhf"),
    "guest-kernel": debianKernel("armhf", { gzip: true }),
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
          xen: "console=dtuart dom0_mem=512M bootscrub=0 console_timestamps=boot",
          dom0: "console=hvc0 earlyprintk clk_ignore_unused rdinit=/init",
          domUs,
          command: "bootz",
        }),
        ...dom0Milestones("armmp-lpae"),
      ],
    },
    xen: {
      after: "dom0/uboot-starting-kernel",
      milestones: withAfter(xenStreamMilestones({ dom0: true, domUs: 1 }), "xen-domu1-loading", {
        id: "xen-d1-kernel-module",
        match: /^Loading d1 kernel from boot module @ 0*58000000$/,
      }),
    },
    d1: {
      after: "xen/xen-domu1-loading",
      silence: "40s",
      milestones: xenCiGuestMilestones("armmp-lpae", PASSED),
      failOn: linuxPanics,
    },
  },
  failOn: [...ubootErrors, ...linuxPanics, ...xenPanics],
  knownBad: {
    outcome: "fail",
    after: "xen/xen-d1-kernel-module",
    shows: /kernel_probe\+0x[0-9a-f]+\/0x[0-9a-f]+ \(PC\)/,
    reason:
      "Debian's arm32 Xen 4.17.7 takes a data abort in kernel_probe unpacking the gzip'd domU kernel (Panic on CPU 0: Unexpected Trap: Data Abort); Xen CI's job passes on its own Xen build",
  },
  // Xen builds dom0 silently (its RAM allocated and scrubbed): 18 s for 1 GiB on a loaded host.
  silence: "45s",
  budget: "300s",
});
