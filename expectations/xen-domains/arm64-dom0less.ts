import {
  deb,
  debianKernel,
  defineBoot,
  dom0Milestones,
  guestInitrd,
  guestMilestones,
  linuxPanics,
  xenStreamMilestones,
  xenPanics,
  busyboxInitrd,
} from "../../harness/expectations/index.ts";

/**
 * dom0less beside dom0: Xen starts dom0 and a domU from the device tree. Three consoles share
 * the serial line (Xen's, dom0's through hvc, the domU's prefixed `(XEN) DOM1: `) and interleave:
 * each is a stream, judged in its own order.
 */
export default defineBoot({
  name: "arm64-xen-dom0less",
  description: "Xen 4.17 starts dom0 and one dom0less domU (vpl011 console) from the DTB; both reach userspace",
  tags: ["xen-domains", "dom0less", "streams"],
  machine: { arch: "aarch64", memory: "1G", cpus: 2, firmware: "direct" },
  images: {
    xen: deb("xen-hypervisor-4.17-arm64", "boot/xen-4.17-arm64"),
    kernel: debianKernel("arm64"),
    initrd: busyboxInitrd(),
    "guest-initrd": guestInitrd(),
  },
  boot: {
    xen: "console=dtuart dtuart=/pl011@9000000 dom0_mem=256M bootscrub=0",
    linux: "console=hvc0 earlycon=xen rdinit=/init",
    domUs: [{ initrd: "guest-initrd", memory: "128M" }],
  },
  streams: {
    xen: { milestones: xenStreamMilestones({ dom0: true, domUs: 1 }) },
    dom0: { after: "xen/xen-dom0-loading", milestones: dom0Milestones("arm64") },
    // Its own silence: a domU that stops is a hang even while dom0 keeps the line busy.
    d1: { after: "xen/xen-domu1-loading", silence: "20s", milestones: guestMilestones("arm64"), failOn: linuxPanics },
  },
  failOn: [...linuxPanics, ...xenPanics],
  silence: "15s",
  budget: "120s",
});
