import {
  debianKernel,
  defineBoot,
  guestInitrd,
  guestMilestones,
  linuxPanics,
  toolstackInitrd,
  xenCiArm64,
  xenCiXenMilestones,
  xenPanics,
} from "../../harness/expectations/index.ts";

/**
 * Xen CI's qemu-smoke-dom0less-arm64-gcc-debug-boot-cpupools: the device tree makes a second
 * cpupool (CPU 1, null scheduler) at boot and starts the dom0less domU in it; dom0, with Debian's
 * xl, checks that domain 1 runs in Pool-1 and that Pool-1 exists, and prints CI's pass string.
 */
export default defineBoot({
  name: "xen-ci-dom0less-arm64-boot-cpupools",
  description:
    "Xen (upstream 4.17, debug, BOOT_TIME_CPUPOOLS + null scheduler) built from source: domU 1 starts in Pool-1, as dom0's xl sees it",
  tags: ["xen-source", "xen-ci", "dom0less", "toolstack", "streams"],
  machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "direct" },
  images: {
    xen: xenCiArm64(),
    kernel: debianKernel("arm64"),
    "guest-initrd": guestInitrd(),
    initrd: toolstackInitrd({
      commands: [
        "xl list -c 1",
        "xl cpupool-list",
        'if xl list -c 1 | grep -q Pool-1 && xl cpupool-list Pool-1 | grep -q Pool-1; then echo "boot-cpupools test passed"; fi',
      ],
    }),
  },
  boot: {
    xen: "console=dtuart dtuart=/pl011@9000000 dom0_mem=512M bootscrub=0",
    linux: "console=hvc0 earlycon=xen rdinit=/init",
    domUs: [{ initrd: "guest-initrd", memory: "256M", cpupool: { cpus: [1], sched: "null" } }],
  },
  streams: {
    // Xen says nothing of its cpupools at the default log level: dom0's xl is the proof.
    xen: { milestones: xenCiXenMilestones(1) },
    dom0: {
      after: "xen/xen-dom0-loading",
      milestones: [
        { id: "linux-banner", match: /Linux version 6\.1/, within: "60s" },
        { id: "run-init", match: "Run /init as init process" },
        { id: "dom0-init", match: /dom0 init: \S+ xen: xen/ },
        // `xl list -c 1`: domain 1 (no name in xenstore: dom0less) in Pool-1.
        { id: "xl-list-domu-pool", match: /^\S+\s+1\s+\d+\s+1\s+\S+\s+[\d.]+\s+Pool-1$/, within: "60s" },
        // Xen CI's PASSED.
        { id: "boot-cpupools-passed", match: /^boot-cpupools test passed$/ },
        { id: "shell", match: "/ # " },
      ],
    },
    d1: { after: "xen/xen-domu1-loading", silence: "40s", milestones: guestMilestones("arm64"), failOn: linuxPanics },
  },
  failOn: [...linuxPanics, ...xenPanics],
  silence: "40s",
  budget: "240s",
});
