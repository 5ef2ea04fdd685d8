import type { DomUSpec } from "../expectations/dom0less.ts";

/**
 * Behind U-Boot, QEMU puts every image in RAM before the firmware runs and the expectation types
 * the device-tree commands that describe them (Xen CI's ImageBuilder script does the same after
 * loading them over TFTP). Xen, dom0's kernel and initrd sit at fixed addresses; each further
 * image a dom0less domU names gets its own slot above them. A role loaded once serves every
 * domain that names it: Xen copies a boot module into each domain it builds.
 */
export interface UBootLoad {
  role: string;
  addr: number;
}

// The slots start above dom0's initrd (which may hold a whole toolstack, up to 64 MiB) and each
// holds up to 64 MiB (a Debian kernel is about 33 MiB): four fit below 0x68000000, inside 1 GiB of RAM.
const SLOTS_BASE = 0x5800_0000;
const SLOT_SIZE = 0x0400_0000;

/** Fixed addresses of Xen and dom0's images behind U-Boot (RAM starts at 0x40000000 on QEMU virt, arm64 and arm32). */
export const UBOOT_FIXED = { xen: 0x4900_0000, kernel: 0x5000_0000, initrd: 0x5400_0000 } as const;

/** Where each image is loaded: the fixed ones that exist, then the domUs' other roles in order of first mention. */
export function ubootLoads(roles: string[], domUs: DomUSpec[]): UBootLoad[] {
  const loads: UBootLoad[] = Object.entries(UBOOT_FIXED)
    .filter(([role]) => roles.includes(role))
    .map(([role, addr]) => ({ role, addr }));
  const more = domUs
    .flatMap((d) => [d.kernel ?? "kernel", d.initrd])
    .filter((role): role is string => role !== undefined && !(role in UBOOT_FIXED));
  [...new Set(more)].forEach((role, i) => loads.push({ role, addr: SLOTS_BASE + i * SLOT_SIZE }));
  return loads;
}
