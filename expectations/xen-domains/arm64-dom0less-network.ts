import {
  busyboxInitrd,
  deb,
  debianKernel,
  defineBoot,
  DOM0_NIC,
  dom0Bridge,
  dom0BridgeFailures,
  dom0BridgeMilestones,
  linuxPanics,
  pingDom0Failures,
  pingDom0Lines,
  pingDom0Milestones,
  shellMilestones,
  toolstackInitrd,
  xenPanics,
  xenStreamMilestones,
} from "../../harness/expectations/index.ts";

const PASSED = "ping test passed";

/**
 * Networking between domains without a bootloader: QEMU loads Xen, dom0 and a xen,enhanced
 * dom0less domU from the patched device tree (the direct path's DTB says `xen,enhanced`); dom0
 * runs init-dom0less, bridges its NIC and attaches a vif, and the domU pings dom0. The U-Boot
 * twin, as Xen CI boots it, is xen-ci/qemu-smoke-dom0less-arm64 (which npm test boots); this one
 * the nightly boots, as every expectation.
 */
export default defineBoot({
  name: "arm64-xen-dom0less-network",
  description:
    "Xen 4.17 direct: dom0 bridges its NIC and attaches a vif to a xen,enhanced dom0less domU, which pings dom0",
  tags: ["xen-domains", "dom0less", "streams", "toolstack", "network"],
  machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "direct", extraArgs: DOM0_NIC },
  images: {
    xen: deb("xen-hypervisor-4.17-arm64", "boot/xen-4.17-arm64"),
    kernel: debianKernel("arm64"),
    initrd: toolstackInitrd(dom0Bridge({ domid: 1, dom0less: true })),
    "guest-initrd": busyboxInitrd(pingDom0Lines(PASSED), { modules: ["xen-netfront"] }),
  },
  boot: {
    xen: "console=dtuart dtuart=/pl011@9000000 dom0_mem=512M console_timestamps=boot bootscrub=0",
    linux: "console=hvc0 earlycon=xen rdinit=/init",
    domUs: [{ initrd: "guest-initrd", memory: "256M", enhanced: true }],
  },
  streams: {
    xen: { milestones: xenStreamMilestones({ dom0: true, domUs: 1 }) },
    dom0: {
      after: "xen/xen-dom0-loading",
      milestones: [
        { id: "linux-banner", match: /Linux version 6\.1/, within: "60s" },
        { id: "run-init", match: "Run /init as init process" },
        { id: "dom0-init", match: /dom0 init: \S+ xen: xen/ },
        ...dom0BridgeMilestones(1),
        ...shellMilestones("arm64"),
      ],
      failOn: dom0BridgeFailures(1),
    },
    d1: {
      after: "xen/xen-domu1-loading",
      silence: "60s",
      milestones: pingDom0Milestones("arm64", PASSED),
      failOn: [...linuxPanics, ...pingDom0Failures],
    },
  },
  failOn: [...linuxPanics, ...xenPanics],
  silence: "60s",
  budget: "240s",
});
