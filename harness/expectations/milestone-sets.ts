import { type Command, ubootCommands } from "./define.ts";
import type { DomUSpec } from "./dom0less.ts";
import type { KernelFlavour } from "./domain-sets.ts";
import type { Milestone } from "./schema.ts";
import { ubootDomUCommands } from "./uboot-dom0less.ts";

/** What a Debian Xen 4.17 hypervisor prints on its way to starting dom0 (arm64 and x86_64 differ). */
export function xenMilestones(arch: "arm64" | "amd64"): Milestone[] {
  return [
    { id: "xen-banner", match: /\(XEN\) Xen version 4\.17/, within: "20s" },
    arch === "arm64"
      ? { id: "xen-dom0-loading", match: "*** LOADING DOMAIN 0 ***", within: "30s" }
      : { id: "xen-dom0-kernel", match: /\(XEN\)\s+Dom0 kernel: 64-bit/, within: "30s" },
    { id: "xen-freed-init", match: /\(XEN\) Freed \d+kB init memory/ },
  ];
}

/** Debian's Linux 6.1 running as dom0 to the busybox shell, which is asked `uname -r`. */
export function dom0Milestones(arch: KernelFlavour): Milestone[] {
  return [
    { id: "linux-banner", match: /Linux version 6\.1/, within: "60s" },
    { id: "run-init", match: "Run /init as init process" },
    { id: "dom0-init", match: /dom0 init: \S+ xen: xen/ },
    ...shellMilestones(arch),
  ];
}

/** The busybox prompt (no newline after it) and the answer to `uname -r`. */
export function shellMilestones(arch: KernelFlavour): Milestone[] {
  return [
    { id: "shell", match: "/ # ", send: "uname -r\n" },
    { id: "uname", match: new RegExp(`^6\\.1\\.0-\\d+-${arch}$`), within: "20s" },
  ];
}

/** What U-Boot is told to boot: Xen's and dom0's command lines (no dom0 when `dom0` is left out), dom0less domUs, more of /chosen. */
export interface UBootXenBoot {
  xen: string;
  /** dom0's command line; without it no dom0 modules are described (dom0less only). */
  dom0?: string;
  /** The domUs of `boot.domUs` (the same list: the machine loads their images, these commands describe them). */
  domUs?: DomUSpec[];
  /** More `fdt` commands for /chosen before the boot (e.g. `fdt set /chosen xen,static-heap <...>`). */
  chosen?: string[];
  /** `booti` for arm64's Image, `bootz` for arm32's zImage (default booti). */
  command?: "booti" | "bootz";
}

/**
 * U-Boot's part of an arm Xen boot: stop autoboot, describe Xen's boot modules in U-Boot's own
 * DTB (at 0x40000000 on QEMU virt) with `fdt` commands, then `booti` (or `bootz`) Xen.
 */
export function ubootXenMilestones(boot: UBootXenBoot): Milestone[] {
  const dom0 = boot.dom0 === undefined ? [] : dom0Commands(boot.dom0);
  const domUs = boot.domUs ?? [];
  return [
    { id: "uboot-banner", match: /^U-Boot 20\d\d/, within: "20s" },
    { id: "uboot-autoboot", match: "Hit any key to stop autoboot", send: "\n" },
    ...ubootCommands([
      "fdt addr 0x40000000",
      domUs.length ? "fdt resize 8192" : "fdt resize 4096",
      `fdt set /chosen xen,xen-bootargs "${boot.xen}"`,
      ...dom0,
      ...ubootDomUCommands(domUs),
      ...(boot.chosen ?? []),
      `${boot.command ?? "booti"} 0x49000000 - 0x40000000`,
    ]),
    { id: "uboot-starting-kernel", match: "Starting kernel ..." },
  ];
}

/** dom0's kernel and initrd, where the machine loads them behind U-Boot. */
function dom0Commands(bootargs: string): Command[] {
  return [
    `fdt set /chosen xen,dom0-bootargs "${bootargs}"`,
    "fdt mknod /chosen module@0",
    'fdt set /chosen/module@0 compatible "multiboot,kernel" "multiboot,module"',
    ({ kernel }) => `fdt set /chosen/module@0 reg <0x0 0x50000000 0x0 0x${kernel!.sizeHex}>`,
    "fdt mknod /chosen module@1",
    'fdt set /chosen/module@1 compatible "multiboot,ramdisk" "multiboot,module"',
    ({ initrd }) => `fdt set /chosen/module@1 reg <0x0 0x54000000 0x0 0x${initrd!.sizeHex}>`,
  ];
}
