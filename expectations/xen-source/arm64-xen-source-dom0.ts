import {
  debianKernel,
  debianSource,
  defineBoot,
  dom0Milestones,
  busyboxInitrd,
  BOOKWORM_XEN_SOURCE,
  linuxPanics,
  xenFromSource,
  xenPanics,
} from "../../harness/expectations/index.ts";

/**
 * arm64-xen-dom0 with Xen's hypervisor built here from Debian's source package, Debian's patches
 * applied (its banner names the package version), defconfig: the path a Xen developer's own
 * tree takes, proven on a known-good source.
 */
export default defineBoot({
  name: "arm64-xen-source-dom0",
  description: "Xen 4.17 built from Debian's source package (defconfig) + Debian's Linux 6.1 as dom0, direct boot",
  tags: ["xen-source"],
  machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "direct" },
  images: {
    xen: xenFromSource({ source: debianSource("xen", { version: BOOKWORM_XEN_SOURCE }), arch: "aarch64" }),
    kernel: debianKernel("arm64"),
    initrd: busyboxInitrd(),
  },
  boot: {
    xen: "console=dtuart dtuart=/pl011@9000000 dom0_mem=512M bootscrub=0",
    linux: "console=hvc0 earlycon=xen rdinit=/init",
  },
  milestones: [
    // Debian's banner patch: "Xen version 4.17.5 (Debian 4.17.5+72-g01140da4e8-1) (maintainer) (compiler)".
    { id: "xen-banner", match: /\(XEN\) Xen version 4\.17\.\d+ \(Debian 4\.17/, within: "20s" },
    { id: "xen-dom0-loading", match: "*** LOADING DOMAIN 0 ***", within: "30s" },
    { id: "xen-freed-init", match: /\(XEN\) Freed \d+kB init memory/ },
    ...dom0Milestones("arm64"),
  ],
  failOn: [...linuxPanics, ...xenPanics],
  silence: "20s",
  budget: "120s",
});
