import { busyboxInitrd, deb, debianKernel, defineBoot, linuxPanics, xenPanics } from "../harness/expectations/index.ts";

/** Xen 4.17 and Linux 6.1 from Debian, booted directly by QEMU on the arm64 virt board, to a dom0 shell. */
export default defineBoot({
  name: "arm64-xen-dom0",
  description: "Xen 4.17 + Debian's Linux 6.1 as dom0 on QEMU virt (GICv3, EL2), no bootloader",
  tags: ["default"],
  machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "direct" },
  images: {
    xen: deb("xen-hypervisor-4.17-arm64", "boot/xen-4.17-arm64"),
    kernel: debianKernel("arm64"),
    initrd: busyboxInitrd(),
  },
  boot: {
    // bootscrub=0: under TCG, Xen scrubbing its free RAM was two thirds of this boot's QEMU CPU (11 s of CPU, 3.9 s without).
    xen: "console=dtuart dtuart=/pl011@9000000 dom0_mem=512M bootscrub=0",
    linux: "console=hvc0 earlycon=xen rdinit=/init",
  },
  milestones: [
    { id: "xen-banner", match: /\(XEN\) Xen version 4\.17/, within: "20s" },
    { id: "xen-dom0-loading", match: "*** LOADING DOMAIN 0 ***", within: "30s" },
    { id: "xen-freed-init", match: /\(XEN\) Freed \d+kB init memory/ },
    { id: "linux-banner", match: /Linux version 6\.1/, within: "60s" },
    { id: "linux-on-xen", match: /Xen 4\.17 support found/ },
    { id: "run-init", match: "Run /init as init process" },
    { id: "dom0-init", match: /dom0 init: \S+ xen: xen/ },
    { id: "shell", match: "/ # ", send: "uname -r\n" },
    { id: "uname", match: /^6\.1\.0-\d+-arm64$/, within: "20s" },
  ],
  failOn: [...linuxPanics, ...xenPanics],
  silence: "15s",
  budget: "120s",
});
