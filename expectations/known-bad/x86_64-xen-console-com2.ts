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

/** x86_64 Xen told to use COM2, which QEMU's pc board does not have: Xen runs on, without a word. */
export default defineBoot({
  name: "x86_64-xen-console-com2",
  description: "x86_64 Xen with console=com2 (no such UART): silent from the start",
  tags: ["known-bad"],
  machine: { arch: "x86_64", memory: "2G", cpus: 2, cpu: "qemu64", firmware: "direct" },
  images: {
    xen: deb("xen-hypervisor-4.17-amd64", "boot/xen-4.17-amd64.gz"),
    kernel: debianKernel("amd64"),
    initrd: busyboxInitrd(),
  },
  boot: {
    xen: "console=com2 com2=115200,8n1 dom0_mem=512M",
    linux: "console=hvc0 earlyprintk=xen rdinit=/init",
  },
  milestones: [...xenMilestones("amd64"), ...dom0Milestones("amd64")],
  failOn: [...linuxPanics, ...xenPanics],
  silence: "6s",
  budget: "60s",
  knownBad: {
    outcome: "hang",
    after: "start",
    shows: "Bad console= option 'com2'",
    reason: "the pc board has one UART (COM1)",
  },
});
