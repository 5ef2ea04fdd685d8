import {
  defineBoot,
  dom0Milestones,
  linuxPanics,
  userImage,
  xenMilestones,
  xenPanics,
} from "../../harness/expectations/index.ts";

/**
 * Your own boot-wrapper-aarch64 build (xen-system.axf: boot-wrapper + DTB + Xen + dom0 linked
 * into one ELF), booted with `-kernel`. Point bootlog at it:
 *
 *   BOOTLOG_BOOTWRAPPER_IMAGE=path/to/xen-system.axf npx bootlog run boot-wrapper-xen
 *   npx bootlog run boot-wrapper-xen --image image=path/to/xen-system.axf
 *
 * Without either, the boot is skipped and says so. The story this catches: the console prints
 * "Boot-wrapper v0.2" and then nothing, forever: HANG after "boot-wrapper" in 15 s.
 */
export default defineBoot({
  name: "boot-wrapper-xen",
  description: "A user-built boot-wrapper-aarch64 xen-system.axf: boot-wrapper → Xen → dom0 shell",
  tags: ["example", "user-image"],
  machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "image" },
  images: { image: userImage({ env: "BOOTLOG_BOOTWRAPPER_IMAGE" }) },
  milestones: [
    { id: "boot-wrapper", match: "Boot-wrapper v0.2", within: "10s" },
    ...xenMilestones("arm64"),
    ...dom0Milestones("arm64"),
  ],
  failOn: [...linuxPanics, ...xenPanics],
  silence: "15s",
  budget: "120s",
});
