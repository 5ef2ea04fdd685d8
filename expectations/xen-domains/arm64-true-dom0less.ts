import {
  deb,
  debianKernel,
  defineBoot,
  guestInitrd,
  guestMilestones,
  linuxPanics,
  xenStreamMilestones,
  xenPanics,
} from "../../harness/expectations/index.ts";

/** True dom0less: no dom0 at all; Xen starts two domUs from the device tree and their consoles interleave. */
export default defineBoot({
  name: "arm64-xen-true-dom0less",
  description: "Xen 4.17 without dom0 starts two domUs from the DTB; each reaches its shell on its own vpl011 console",
  tags: ["xen-domains", "dom0less", "streams"],
  machine: { arch: "aarch64", memory: "1G", cpus: 2, firmware: "direct" },
  images: {
    xen: deb("xen-hypervisor-4.17-arm64", "boot/xen-4.17-arm64"),
    "guest-kernel": debianKernel("arm64"),
    "guest-initrd": guestInitrd(),
  },
  boot: {
    xen: "console=dtuart dtuart=/pl011@9000000 bootscrub=0",
    domUs: [
      { kernel: "guest-kernel", initrd: "guest-initrd", memory: "128M" },
      { kernel: "guest-kernel", initrd: "guest-initrd", memory: "128M" },
    ],
  },
  streams: {
    xen: { milestones: xenStreamMilestones({ dom0: false, domUs: 2 }) },
    d1: { after: "xen/xen-domu1-loading", silence: "20s", milestones: guestMilestones("arm64") },
    d2: { after: "xen/xen-domu2-loading", silence: "20s", milestones: guestMilestones("arm64") },
  },
  failOn: [...linuxPanics, ...xenPanics],
  silence: "15s",
  budget: "120s",
});
