export { defineBoot, deb, debianKernel, busyboxInitrd, userImage, ubootCommands } from "./define.ts";
export { linuxPanics, xenPanics, ubootErrors } from "./failure-patterns.ts";
export type { BootSpec } from "./schema.ts";
export { xenMilestones, dom0Milestones, shellMilestones, ubootXenMilestones } from "./milestone-sets.ts";
export { guestInitrd, guestMilestones, xenDom0lessMilestones, GUEST_MARKER } from "./domain-sets.ts";
