import { busyboxInitrd } from "./define.ts";
import { GUEST_MARKER } from "./domain-sets.ts";
import type { ImageSource, Milestone } from "./schema.ts";
import { BOOKWORM_XEN_SOURCE, debianSource, xenFromSource } from "./xen-source.ts";

/**
 * The Xen that Xen's own CI jobs need and Debian's build leaves out, built once for all of them:
 * upstream 4.17 (Debian's source package without Debian's patches, so the banner keeps
 * `Latest ChangeSet:`), a debug build as CI's `-debug` jobs, with early printk on QEMU virt's
 * PL011, static memory, static shared memory, boot-time cpupools and the null scheduler. Each
 * option only acts when the device tree or the command line asks for it, so one build serves
 * every job (what a job does not use stays idle).
 */
export function xenCiArm64(): ImageSource {
  return xenFromSource({
    source: debianSource("xen", { version: BOOKWORM_XEN_SOURCE, patches: false }),
    arch: "aarch64",
    debug: true,
    config: {
      UNSUPPORTED: true,
      EARLY_UART_CHOICE_PL011: true,
      EARLY_UART_BASE_ADDRESS: "0x9000000",
      STATIC_MEMORY: true,
      STATIC_SHM: true,
      BOOT_TIME_CPUPOOLS: true,
      SCHED_NULL: true,
    },
  });
}

/** The Xen milestones with Xen CI's BOOT_MSG (printed right after the version line), the `(XEN) ` prefix taken off. */
export function xenCiXenMilestones(domUs: number): Milestone[] {
  return [
    { id: "xen-banner", match: /^Xen version 4\.17\.\d+ .* debug=y/, within: "30s" },
    { id: "boot-msg-changeset", match: /^Latest ChangeSet: / },
    { id: "xen-dom0-loading", match: "*** LOADING DOMAIN 0 ***", within: "60s" },
    ...Array.from({ length: domUs }, (_, i) => ({
      id: `xen-domu${i + 1}-loading`,
      match: /^\*\*\* LOADING DOMU cpus=\d+ memory=[0-9a-f]+KB \*\*\*$/,
    })),
    { id: "xen-freed-init", match: /^Freed \d+kB init memory/ },
  ];
}

/** A domU initramfs whose /init runs `check` (a Xen CI test's domU_check) before the guest marker. */
export function xenCiCheckInitrd(check: string[]): ImageSource {
  return busyboxInitrd([...check, GUEST_MARKER]);
}
