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

/** With QEMU's `-cpu max` the PV dom0 takes a page fault Xen cannot handle and dom0 crashes at once. */
export default defineBoot({
  name: "x86_64-xen-cpu-max",
  description: "x86_64 Xen + dom0 with -cpu max: dom0 crashes (#PF), Xen reboots",
  tags: ["known-bad"],
  machine: { arch: "x86_64", memory: "2G", cpus: 2, cpu: "max", firmware: "direct" },
  images: {
    xen: deb("xen-hypervisor-4.17-amd64", "boot/xen-4.17-amd64.gz"),
    kernel: debianKernel("amd64"),
    initrd: busyboxInitrd(),
  },
  milestones: [...xenMilestones("amd64"), ...dom0Milestones("amd64")],
  failOn: [...linuxPanics, ...xenPanics],
  silence: "20s",
  budget: "120s",
  knownBad: {
    outcome: "fail",
    after: "xen-freed-init",
    shows: /Unhandled: vec 14/,
    reason: "dom0 crashes under -cpu max: (XEN) d0v0 Unhandled: vec 14, #PF",
  },
});
