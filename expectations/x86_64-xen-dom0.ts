import {
  busyboxInitrd,
  deb,
  debianKernel,
  defineBoot,
  dom0Milestones,
  linuxPanics,
  xenMilestones,
  xenPanics,
} from "../harness/expectations/index.ts";

/** Xen as a multiboot kernel (QEMU -kernel/-append/-initrd modules) with Linux dom0, on a plain x86_64 CPU. */
export default defineBoot({
  name: "x86_64-xen-dom0",
  description: "Xen 4.17 multiboot + Debian's Linux 6.1 PV dom0 on QEMU pc, -cpu qemu64",
  machine: { arch: "x86_64", memory: "2G", cpus: 2, cpu: "qemu64", firmware: "direct" },
  images: {
    xen: deb("xen-hypervisor-4.17-amd64", "boot/xen-4.17-amd64.gz"),
    kernel: debianKernel("amd64"),
    initrd: busyboxInitrd(),
  },
  boot: {
    // bootscrub=0: under TCG, Xen scrubbing its free RAM was 6 s of this boot's 15 s of QEMU CPU.
    xen: "console=com1 com1=115200,8n1 dom0_mem=512M bootscrub=0",
    linux: "console=hvc0 earlyprintk=xen rdinit=/init",
  },
  milestones: [...xenMilestones("amd64"), ...dom0Milestones("amd64")],
  failOn: [...linuxPanics, ...xenPanics],
  silence: "20s",
  budget: "150s",
});
