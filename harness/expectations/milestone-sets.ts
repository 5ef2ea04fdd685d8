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
