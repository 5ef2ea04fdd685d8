export { defineBoot, deb, debianKernel, busyboxInitrd, userImage, ubootCommands, toolstackInitrd } from "./define.ts";
export { linuxPanics, xenPanics, ubootErrors } from "./failure-patterns.ts";
export type { BootSpec } from "./schema.ts";
export { xenMilestones, dom0Milestones, shellMilestones, ubootXenMilestones } from "./milestone-sets.ts";
export {
  guestInitrd,
  guestMilestones,
  xenStreamMilestones,
  GUEST_MARKER,
  GUEST_PREFIX,
  xlGuest,
  dom0ToolstackMilestones,
} from "./domain-sets.ts";
export { xenFromSource, debianSource, tree, BOOKWORM_XEN_SOURCE } from "./xen-source.ts";
export { xenCiArm64, xenCiXenMilestones, xenCiCheckInitrd } from "./xen-ci-source.ts";
export {
  XEN_CI_DOM0_ARGS,
  XEN_CI_PASSED,
  xenCiBusyBoxMilestones,
  xenCiGuestInitrd,
  xenCiGuestMilestones,
  withAfter,
} from "./xen-ci.ts";
export type { UBootXenBoot } from "./milestone-sets.ts";
export {
  BRIDGE,
  DOM0_ADDRESS,
  DOMU_ADDRESS,
  DOM0_NIC,
  dom0Bridge,
  dom0BridgeMilestones,
  dom0BridgeFailures,
  pingDom0Lines,
  pingDom0Milestones,
  pingDom0Failures,
} from "./network.ts";
