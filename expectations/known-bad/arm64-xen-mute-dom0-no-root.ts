import {
  deb,
  debianKernel,
  defineBoot,
  dom0Milestones,
  linuxPanics,
  xenMilestones,
  xenPanics,
} from "../../harness/expectations/index.ts";

/**
 * Two faults, one black screen: Xen's `dtuart=` names no device (old syntax), so nothing is ever
 * printed, and dom0 has no initramfs and a root disk that does not exist, so it panics unseen.
 * Only the post-mortem tells the two apart: Xen's ring says "Bad console", dom0's kernel log
 * says "Unable to mount root fs".
 */
export default defineBoot({
  name: "arm64-xen-mute-dom0-no-root",
  description: "Xen with no console (dtuart=/pl011,0x09000000) and a dom0 without initramfs that panics unseen",
  tags: ["known-bad"],
  // One vCPU: one QEMU thread, so dom0 gets on as fast as a loaded 2-core host allows.
  machine: { arch: "aarch64", memory: "1G", cpus: 1, firmware: "direct" },
  images: {
    xen: deb("xen-hypervisor-4.17-arm64", "boot/xen-4.17-arm64"),
    kernel: debianKernel("arm64"),
  },
  boot: {
    // bootscrub=0: Xen's idle vCPU would scrub all free RAM, time a loaded host needs for dom0.
    xen: "console=dtuart dtuart=/pl011,0x09000000 dom0_mem=512M bootscrub=0",
    linux: "console=hvc0 earlycon=xen root=/dev/vda",
  },
  milestones: [...xenMilestones("arm64"), ...dom0Milestones("arm64")],
  failOn: [...linuxPanics, ...xenPanics],
  // dom0 panics about 5 s into the boot under TCG, later than 9 s when the suite loads both cores.
  silence: "12s",
  budget: "60s",
  knownBad: {
    outcome: "hang",
    after: "start",
    shows: /Kernel panic - not syncing: VFS: Unable to mount root fs/,
    reason: "dtuart takes a DT path (/pl011@9000000), and dom0 needs an initramfs or a root disk",
  },
});
