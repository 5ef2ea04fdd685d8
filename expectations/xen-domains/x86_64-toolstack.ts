import {
  deb,
  debianKernel,
  defineBoot,
  dom0ToolstackMilestones,
  guestInitrd,
  guestMilestones,
  linuxPanics,
  toolstackInitrd,
  xenPanics,
  xenStreamMilestones,
  xlGuest,
} from "../../harness/expectations/index.ts";

/**
 * Xen's CI proof on x86_64: Debian's xl in the busybox PV dom0 lists Domain-0, then creates a PV
 * guest (TCG has no VT-x, so PV: the same bzImage, a busybox initramfs) whose console dom0
 * follows as a second stream, prefixed `[guest] `.
 */
export default defineBoot({
  name: "x86_64-xen-toolstack",
  description: "PV dom0 with Debian's xl: Domain-0 in `xl list`, then `xl create` a PV guest that boots to its shell",
  tags: ["xen-domains", "toolstack", "streams"],
  machine: { arch: "x86_64", memory: "1G", cpus: 2, cpu: "qemu64", firmware: "direct" },
  images: {
    xen: deb("xen-hypervisor-4.17-amd64", "boot/xen-4.17-amd64.gz"),
    kernel: debianKernel("amd64"),
    "guest-initrd": guestInitrd(),
    initrd: toolstackInitrd(
      xlGuest({
        kernel: "kernel",
        initrd: "guest-initrd",
        config: { type: "pv", memory: 128, extra: "console=hvc0 rdinit=/init" },
      }),
    ),
  },
  boot: {
    // 256M is too little here: xl is OOM-killed building the PV guest (it holds the unpacked kernel).
    xen: "console=com1 com1=115200,8n1 dom0_mem=384M bootscrub=0",
    linux: "console=hvc0 earlyprintk=xen rdinit=/init",
  },
  streams: {
    xen: { milestones: xenStreamMilestones({ dom0: true, domUs: 0, arch: "amd64" }) },
    dom0: { after: "xen/xen-dom0-kernel", milestones: dom0ToolstackMilestones() },
    guest: {
      prefix: "[guest] ",
      after: "dom0/xl-create",
      silence: "30s",
      milestones: guestMilestones("amd64"),
      failOn: linuxPanics,
    },
  },
  failOn: [...linuxPanics, ...xenPanics],
  silence: "25s",
  budget: "180s",
});
