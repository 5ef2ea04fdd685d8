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
  ubootErrors,
  ubootXenMilestones,
  xenPanics,
  xenStreamMilestones,
  XEN_CI_DOM0_ARGS,
} from "../../harness/expectations/index.ts";

const PASSED = "ping test passed";
// Xen CI's ImageBuilder config: one domU, the same kernel as dom0, 256 MiB; ImageBuilder makes it
// xen,enhanced so that dom0's init-dom0less can give it xenstore (and so a vif).
const domUs = [{ kernel: "kernel", initrd: "guest-initrd", memory: "256M", enhanced: true }];

/**
 * Xen CI's qemu-smoke-dom0less-arm64-gcc (and its -gcc-debug twin: Debian ships one build):
 * U-Boot boots Xen with dom0 and one dom0less domU. dom0 runs init-dom0less, bridges its NIC as
 * xenbr0 (192.168.0.1) and `xl network-attach`es a vif to the domU, which pings dom0 and echoes
 * "ping test passed". Here the pass line must come on the domU's own console after a reply from
 * dom0, and dom0 must show the bridge, the attach and the vif on the bridge, each in order.
 */
export default defineBoot({
  name: "xen-ci-qemu-smoke-dom0less-arm64",
  description:
    "Xen CI qemu-smoke-dom0less-arm64-gcc(-debug): U-Boot → Xen → dom0 + a dom0less domU; dom0 bridges and attaches a vif, the domU pings dom0",
  tags: ["xen-ci", "dom0less", "streams", "toolstack", "network"],
  machine: { arch: "aarch64", memory: "2G", cpus: 2, gic: 2, firmware: "u-boot", extraArgs: DOM0_NIC },
  images: {
    xen: deb("xen-hypervisor-4.17-arm64", "boot/xen-4.17-arm64"),
    kernel: debianKernel("arm64"),
    initrd: toolstackInitrd(dom0Bridge({ domid: 1, dom0less: true })),
    "guest-initrd": busyboxInitrd(pingDom0Lines(PASSED), { modules: ["xen-netfront"] }),
  },
  boot: { domUs },
  streams: {
    // The unprefixed console is U-Boot's, then dom0's.
    dom0: {
      milestones: [
        ...ubootXenMilestones({
          xen: "console=dtuart dom0_mem=512M console_timestamps=boot",
          dom0: XEN_CI_DOM0_ARGS,
          domUs,
        }),
        { id: "linux-banner", match: /Linux version 6\.1/, within: "60s" },
        { id: "run-init", match: "Run /init as init process" },
        { id: "dom0-init", match: /dom0 init: \S+ xen: xen/ },
        ...dom0BridgeMilestones(1),
        ...shellMilestones("arm64"),
      ],
      failOn: dom0BridgeFailures(1),
    },
    xen: { after: "dom0/uboot-starting-kernel", milestones: xenStreamMilestones({ dom0: true, domUs: 1 }) },
    d1: {
      after: "xen/xen-domu1-loading",
      silence: "60s",
      milestones: pingDom0Milestones("arm64", PASSED),
      failOn: [...linuxPanics, ...pingDom0Failures],
    },
  },
  failOn: [...ubootErrors, ...linuxPanics, ...xenPanics],
  silence: "60s",
  budget: "240s",
});
