import {
  busyboxInitrd,
  deb,
  debianKernel,
  defineBoot,
  dom0Milestones,
  linuxPanics,
  xenMilestones,
  xenPanics,
} from "../../harness/expectations/index.ts";

/** Without EL2 (virtualization=off) Xen cannot run: QEMU loads it and nothing is ever printed. */
export default defineBoot({
  name: "arm64-xen-virt-off",
  description: "Xen on QEMU virt with virtualization=off: no EL2, no output at all",
  tags: ["known-bad"],
  machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "direct", virtualization: false },
  images: {
    xen: deb("xen-hypervisor-4.17-arm64", "boot/xen-4.17-arm64"),
    kernel: debianKernel("arm64"),
    initrd: busyboxInitrd(),
  },
  milestones: [...xenMilestones("arm64"), ...dom0Milestones("arm64")],
  failOn: [...linuxPanics, ...xenPanics],
  silence: "8s",
  budget: "60s",
  knownBad: {
    outcome: "hang",
    after: "start",
    shows: /EL1, in Xen's image/,
    reason: "Xen needs EL2: the virt board must have virtualization=on",
  },
});
