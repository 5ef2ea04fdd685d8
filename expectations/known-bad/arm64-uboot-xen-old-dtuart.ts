import { busyboxInitrd, deb, debianKernel, defineBoot, dom0Milestones, linuxPanics, ubootErrors, ubootXenMilestones, xenMilestones, xenPanics } from "../../harness/expectations/index.ts";

/**
 * An old guide's Xen command line: `dtuart=/pl011,0x09000000` is not a device-tree path, so Xen
 * finds no console and the screen stays black after U-Boot's "Starting kernel ...".
 */
export default defineBoot({
  name: "arm64-uboot-xen-old-dtuart",
  description: "U-Boot → Xen with the old dtuart=/pl011,0x09000000 syntax: silent forever",
  tags: ["known-bad"],
  machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "u-boot" },
  images: {
    xen: deb("xen-hypervisor-4.17-arm64", "boot/xen-4.17-arm64"),
    kernel: debianKernel("arm64"),
    initrd: busyboxInitrd(),
  },
  milestones: [
    ...ubootXenMilestones({
      xen: "console=dtuart dtuart=/pl011,0x09000000 dom0_mem=512M",
      dom0: "console=hvc0 earlycon=xen rdinit=/init",
    }),
    ...xenMilestones("arm64"),
    ...dom0Milestones("arm64"),
  ],
  failOn: [...ubootErrors, ...linuxPanics, ...xenPanics],
  silence: "8s",
  budget: "120s",
  knownBad: {
    outcome: "hang",
    after: "uboot-starting-kernel",
    reason: "dtuart takes a DT path (/pl011@9000000), not /pl011,<address>",
  },
});
