import { ubootCommands } from "./define.ts";
import type { Milestone } from "./schema.ts";

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
export function dom0Milestones(arch: "arm64" | "amd64"): Milestone[] {
  return [
    { id: "linux-banner", match: /Linux version 6\.1/, within: "60s" },
    { id: "run-init", match: "Run /init as init process" },
    { id: "dom0-init", match: /dom0 init: \S+ xen: xen/ },
    ...shellMilestones(arch),
  ];
}

/** The busybox prompt (no newline after it) and the answer to `uname -r`. */
export function shellMilestones(arch: "arm64" | "amd64"): Milestone[] {
  return [
    { id: "shell", match: "/ # ", send: "uname -r\n" },
    { id: "uname", match: new RegExp(`^6\\.1\\.0-\\d+-${arch}$`), within: "20s" },
  ];
}

/**
 * U-Boot's part of an arm64 Xen boot: stop autoboot, describe Xen's boot modules in U-Boot's
 * own DTB (at 0x40000000 on QEMU virt) with `fdt` commands, then `booti` Xen.
 */
export function ubootXenMilestones(bootargs: { xen: string; dom0: string }): Milestone[] {
  return [
    { id: "uboot-banner", match: /^U-Boot 20\d\d/, within: "20s" },
    { id: "uboot-autoboot", match: "Hit any key to stop autoboot", send: "\n" },
    ...ubootCommands([
      "fdt addr 0x40000000",
      "fdt resize 4096",
      `fdt set /chosen xen,xen-bootargs "${bootargs.xen}"`,
      `fdt set /chosen xen,dom0-bootargs "${bootargs.dom0}"`,
      "fdt mknod /chosen module@0",
      'fdt set /chosen/module@0 compatible "multiboot,kernel" "multiboot,module"',
      ({ kernel }) => `fdt set /chosen/module@0 reg <0x0 0x50000000 0x0 0x${kernel!.sizeHex}>`,
      "fdt mknod /chosen module@1",
      'fdt set /chosen/module@1 compatible "multiboot,ramdisk" "multiboot,module"',
      ({ initrd }) => `fdt set /chosen/module@1 reg <0x0 0x54000000 0x0 0x${initrd!.sizeHex}>`,
      "booti 0x49000000 - 0x40000000",
    ]),
    { id: "uboot-starting-kernel", match: "Starting kernel ..." },
  ];
}
