import {
  busyboxInitrd,
  deb,
  debianKernel,
  defineBoot,
  dom0Milestones,
  linuxPanics,
  ubootErrors,
  ubootXenMilestones,
  xenMilestones,
  xenPanics,
} from "../harness/expectations/index.ts";

/** Debian's U-Boot as firmware: the harness types the `fdt` commands and `booti`, then Xen starts Linux as dom0. */
export default defineBoot({
  name: "arm64-uboot-xen-dom0",
  description: "U-Boot (u-boot-qemu) → Xen 4.17 → Debian's Linux 6.1 dom0 on QEMU virt",
  machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "u-boot" },
  images: {
    xen: deb("xen-hypervisor-4.17-arm64", "boot/xen-4.17-arm64"),
    kernel: debianKernel("arm64"),
    initrd: busyboxInitrd(),
  },
  milestones: [
    ...ubootXenMilestones({
      xen: "console=dtuart dtuart=/pl011@9000000 dom0_mem=512M bootscrub=0",
      dom0: "console=hvc0 earlycon=xen rdinit=/init",
    }),
    ...xenMilestones("arm64"),
    ...dom0Milestones("arm64"),
  ],
  failOn: [...ubootErrors, ...linuxPanics, ...xenPanics],
  silence: "15s",
  budget: "150s",
});
