import {
  deb,
  debianKernel,
  defineBoot,
  linuxPanics,
  ubootErrors,
  ubootXenMilestones,
  xenCiGuestInitrd,
  xenCiGuestMilestones,
  xenPanics,
  xenStreamMilestones,
} from "../../harness/expectations/index.ts";

const PASSED = "without-dom0 test passed";
// Xen CI's ImageBuilder config without its DOM0 lines: one domU, 512 MiB.
const domUs = [{ kernel: "guest-kernel", initrd: "guest-initrd", memory: "512M" }];

/**
 * Xen CI's qemu-smoke-dom0less-arm32-gcc-without-dom0 (and its -gcc-debug twin): arm32 Xen
 * with no dom0 at all starts one dom0less domU, which echoes "without-dom0 test passed".
 */
export default defineBoot({
  name: "xen-ci-qemu-smoke-dom0less-arm32-without-dom0",
  description:
    "Xen CI qemu-smoke-dom0less-arm32-gcc(-debug): U-Boot → arm32 Xen → dom0 + a dom0less domU that echoes the pass line",
  tags: ["xen-ci", "dom0less", "streams"],
  machine: { arch: "arm", memory: "2G", cpus: 2, firmware: "u-boot" },
  images: {
    xen: deb("xen-hypervisor-4.17-armhf", "boot/xen-4.17-armhf"),
    "guest-kernel": debianKernel("armhf"),
    "guest-initrd": xenCiGuestInitrd(PASSED),
  },
  boot: { domUs },
  streams: {
    // The unprefixed console is U-Boot's alone: there is no dom0.
    uboot: {
      prefix: "",
      milestones: ubootXenMilestones({
        // CI's, timestamps too: a domU's lines read "(XEN) [ 1.2] DOM1: ", which the d1 stream takes.
        xen: "console=dtuart bootscrub=0 console_timestamps=boot",
        domUs,
        command: "bootz",
      }),
    },
    xen: { after: "uboot/uboot-starting-kernel", milestones: xenStreamMilestones({ dom0: false, domUs: 1 }) },
    d1: {
      after: "xen/xen-domu1-loading",
      silence: "40s",
      milestones: xenCiGuestMilestones("armmp-lpae", PASSED),
      failOn: linuxPanics,
    },
  },
  failOn: [...ubootErrors, ...linuxPanics, ...xenPanics],
  // Xen builds the domU silently (its RAM allocated and scrubbed) on a loaded host.
  silence: "45s",
  budget: "300s",
});
