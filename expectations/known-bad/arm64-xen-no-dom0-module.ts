import {
  deb,
  defineBoot,
  dom0Milestones,
  linuxPanics,
  xenMilestones,
  xenPanics,
} from "../../harness/expectations/index.ts";

/** No dom0 kernel among Xen's boot modules: Xen panics ("Missing kernel boot module?") and reboots. */
export default defineBoot({
  name: "arm64-xen-no-dom0-module",
  description: "Xen with no dom0 kernel module in the DTB: Xen panics",
  tags: ["known-bad"],
  machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "direct" },
  images: { xen: deb("xen-hypervisor-4.17-arm64", "boot/xen-4.17-arm64") },
  milestones: [...xenMilestones("arm64"), ...dom0Milestones("arm64")],
  failOn: [...linuxPanics, ...xenPanics],
  silence: "10s",
  budget: "60s",
  knownBad: {
    outcome: "fail",
    after: "xen-dom0-loading",
    shows: "Missing kernel boot module",
    reason: "dom0 needs a multiboot,kernel module under /chosen",
  },
});
