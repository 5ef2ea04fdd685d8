import { busyboxInitrd } from "./define.ts";
import type { ImageSource, Milestone } from "./schema.ts";

/** What a guest's /init prints after the usual marker: the line that says this domain's own Linux reached userspace. */
export const GUEST_MARKER = 'echo "guest up: $(uname -r)"';

/** The busybox initramfs for domUs: the same /init, plus the guest marker. */
export function guestInitrd(): ImageSource {
  return busyboxInitrd([GUEST_MARKER]);
}

/**
 * A guest's Linux 6.1 to its marker line and BusyBox's shell banner, as its own stream sees it
 * (prefix taken off). The banner, not the prompt: Xen's vpl011 prints a domU's output a whole
 * line at a time, so a prompt without newline never reaches the serial line.
 */
export function guestMilestones(arch: "arm64" | "amd64"): Milestone[] {
  return [
    { id: "linux-banner", match: /Linux version 6\.1/, within: "60s" },
    { id: "run-init", match: "Run /init as init process" },
    { id: "guest-up", match: new RegExp(`^guest up: 6\\.1\\.0-\\d+-${arch}$`) },
    { id: "shell-banner", match: /built-in shell \(ash\)/ },
  ];
}

/** Xen's own lines (the `(XEN) ` prefix taken off) for an arm64 boot that starts `domUs` domains from the device tree. */
export function xenDom0lessMilestones(opts: { dom0: boolean; domUs: number }): Milestone[] {
  return [
    { id: "xen-banner", match: /^Xen version 4\.17/, within: "20s" },
    ...(opts.dom0 ? [{ id: "xen-dom0-loading", match: "*** LOADING DOMAIN 0 ***", within: "30s" }] : []),
    ...Array.from({ length: opts.domUs }, (_, i) => ({ id: `xen-domu${i + 1}-loading`, match: /^\*\*\* LOADING DOMU cpus=\d+ memory=[0-9a-f]+KB \*\*\*$/ })),
    { id: "xen-freed-init", match: /^Freed \d+kB init memory/ },
  ];
}
