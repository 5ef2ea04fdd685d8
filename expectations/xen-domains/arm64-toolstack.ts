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
 * Xen's CI proof on arm64: Debian's xl in the busybox dom0 lists Domain-0, then `xl create`s a
 * guest (the same kernel, a small busybox initramfs) whose console dom0 follows as a second
 * stream: xenconsoled logs it, and dom0 echoes the log prefixed `[guest] `.
 */
export default defineBoot({
  name: "arm64-xen-toolstack",
  description: "dom0 with Debian's xl: Domain-0 in `xl list`, then `xl create` a guest that boots to its shell",
  tags: ["xen-domains", "toolstack", "streams"],
  machine: { arch: "aarch64", memory: "1G", cpus: 2, firmware: "direct" },
  images: {
    xen: deb("xen-hypervisor-4.17-arm64", "boot/xen-4.17-arm64"),
    kernel: debianKernel("arm64"),
    "guest-initrd": guestInitrd(),
    initrd: toolstackInitrd(
      xlGuest({
        kernel: "kernel",
        initrd: "guest-initrd",
        config: { memory: 128, extra: "console=hvc0 rdinit=/init" },
      }),
    ),
  },
  boot: {
    xen: "console=dtuart dtuart=/pl011@9000000 dom0_mem=256M bootscrub=0",
    linux: "console=hvc0 earlycon=xen rdinit=/init",
  },
  streams: {
    xen: { milestones: xenStreamMilestones({ dom0: true, domUs: 0 }) },
    dom0: { after: "xen/xen-dom0-loading", milestones: dom0ToolstackMilestones() },
    guest: {
      prefix: "[guest] ",
      after: "dom0/xl-create",
      silence: "30s",
      milestones: guestMilestones("arm64"),
      failOn: linuxPanics,
    },
  },
  failOn: [...linuxPanics, ...xenPanics],
  silence: "20s",
  budget: "150s",
});
