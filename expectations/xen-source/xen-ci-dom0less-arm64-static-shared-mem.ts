import {
  debianKernel,
  defineBoot,
  dom0Milestones,
  busyboxInitrd,
  guestMilestones,
  linuxPanics,
  xenCiArm64,
  xenCiCheckInitrd,
  xenCiXenMilestones,
  xenPanics,
} from "../../harness/expectations/index.ts";

// Xen CI shares host 0x50000000, where bootlog loads dom0's kernel: the same 256 MiB, higher up.
const SHM = { id: "my-shared-mem-0", host: 0x70000000, guest: 0x4000000, size: 0x10000000 };
const hex16 = (n: number) => n.toString(16).padStart(16, "0");
const NODE = `/proc/device-tree/reserved-memory/xen-shmem@${SHM.guest.toString(16)}`;

/**
 * Xen CI's qemu-smoke-dom0less-arm64-gcc-debug-static-shared-mem: two dom0less domUs share one
 * host region (`xen,shared-mem`); each finds it in its device tree as a reserved-memory node
 * with the guest address, size and id, and prints CI's pass string.
 */
export default defineBoot({
  name: "xen-ci-dom0less-arm64-static-shared-mem",
  description:
    "Xen (upstream 4.17, debug, STATIC_SHM) built from source: two dom0less domUs see the shared region in their device tree",
  tags: ["xen-source", "xen-ci", "dom0less", "streams"],
  machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "direct" },
  images: {
    xen: xenCiArm64(),
    kernel: debianKernel("arm64"),
    initrd: busyboxInitrd(),
    "guest-initrd": xenCiCheckInitrd([
      `reg=$(hexdump -e '16/1 "%02x"' ${NODE}/reg 2>/dev/null)`,
      `id=$(cat ${NODE}/xen,id 2>/dev/null | tr -d '\\0')`,
      `if [ "$reg" = "${hex16(SHM.guest)}${hex16(SHM.size)}" ] && [ "$id" = "${SHM.id}" ]; then echo "static-shared-mem test passed"; fi`,
    ]),
  },
  boot: {
    xen: "console=dtuart dtuart=/pl011@9000000 dom0_mem=512M bootscrub=0",
    linux: "console=hvc0 earlycon=xen rdinit=/init",
    domUs: [
      { initrd: "guest-initrd", memory: "256M", sharedMem: [SHM] },
      { initrd: "guest-initrd", memory: "256M", sharedMem: [SHM] },
    ],
  },
  streams: {
    xen: { milestones: xenCiXenMilestones(2) },
    dom0: { after: "xen/xen-dom0-loading", milestones: dom0Milestones("arm64") },
    ...Object.fromEntries(
      [1, 2].map((n) => [
        `d${n}`,
        {
          after: `xen/xen-domu${n}-loading`,
          silence: "40s",
          milestones: [
            ...guestMilestones("arm64").slice(0, 2),
            // Xen CI's PASSED, from each domU.
            { id: "static-shared-mem-passed", match: /^static-shared-mem test passed$/ },
            ...guestMilestones("arm64").slice(2),
          ],
          failOn: linuxPanics,
        },
      ]),
    ),
  },
  failOn: [...linuxPanics, ...xenPanics],
  silence: "40s",
  budget: "240s",
});
