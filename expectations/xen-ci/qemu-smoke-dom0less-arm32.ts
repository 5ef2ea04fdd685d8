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
} from "../../harness/expectations/index.ts";

const PASSED = "generic test passed";
// Xen CI's ImageBuilder config: one domU, the same kernel as dom0, 512 MiB.
const domUs = [{ kernel: "kernel", initrd: "guest-initrd", memory: "512M" }];

/**
 * Xen CI's qemu-smoke-dom0less-arm32-gcc (and its -gcc-debug twin: Debian ships one build):
 * `qemu-system-arm -machine virt`, U-Boot `bootz`s Debian's armhf Xen with dom0 and one
 * dom0less domU (Debian's LPAE kernel for both; CI takes Debian's armhf installer kernel too).
 * The domU echoes "generic test passed" and dom0 reaches its prompt ("/ #", CI's LOG_MSG).
 */
export default defineBoot({
  name: "xen-ci-qemu-smoke-dom0less-arm32",
  description:
    "Xen CI qemu-smoke-dom0less-arm32-gcc(-debug): U-Boot → arm32 Xen → dom0 + a dom0less domU that echoes the pass line",
  tags: ["xen-ci", "dom0less", "streams", "nightly"],
  machine: { arch: "arm", memory: "2G", cpus: 2, firmware: "u-boot" },
  images: {
    xen: deb("xen-hypervisor-4.17-armhf", "boot/xen-4.17-armhf"),
    kernel: debianKernel("armhf"),
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
    xen: { after: "dom0/uboot-starting-kernel", milestones: xenStreamMilestones({ dom0: true, domUs: 1 }) },
    d1: {
      after: "xen/xen-domu1-loading",
      silence: "40s",
      milestones: xenCiGuestMilestones("armmp-lpae", PASSED),
      failOn: linuxPanics,
    },
  },
  failOn: [...ubootErrors, ...linuxPanics, ...xenPanics],
  // Xen builds dom0 silently (its RAM allocated and scrubbed): 18 s for 1 GiB on a loaded host.
  silence: "45s",
  budget: "300s",
});
