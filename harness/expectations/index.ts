export { defineBoot, deb, debianKernel, busyboxInitrd, userImage } from "./define.ts";
export { linuxPanics, xenPanics, ubootErrors } from "./failure-patterns.ts";
export type { BootSpec } from "./schema.ts";
