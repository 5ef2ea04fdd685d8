import { busyboxInitrd } from "./define.ts";
import type { ImageSource, Milestone } from "./schema.ts";

/** The flavour at the end of a Debian 6.1 kernel's `uname -r` (arm32 Xen guests need the LPAE one). */
export type KernelFlavour = "arm64" | "amd64" | "armmp-lpae";

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
export function guestMilestones(arch: KernelFlavour): Milestone[] {
  return [
    { id: "linux-banner", match: /Linux version 6\.1/, within: "60s" },
    { id: "run-init", match: "Run /init as init process" },
    { id: "guest-up", match: new RegExp(`^guest up: 6\\.1\\.0-\\d+-${arch}$`) },
    { id: "shell-banner", match: /built-in shell \(ash\)/ },
  ];
}

/**
 * Xen's own lines (the `(XEN) ` prefix taken off): dom0 (arm64 says LOADING DOMAIN 0, x86_64
 * describes the dom0 kernel) and, on arm64, `domUs` domains started from the device tree.
 */
export function xenStreamMilestones(opts: {
  dom0: boolean;
  domUs: number;
  arch?: "arm64" | "amd64" | "armhf";
}): Milestone[] {
  // With console_timestamps=boot (as Xen's CI boots) each line starts "[    1.234567] ", or on
  // x86_64, before Xen has calibrated its clock, the raw TSC: "[000000003cf77d81] ".
  const t = String.raw`^(?:\[(?:\s*\d+\.\d+|[0-9a-f]{16})\] )?`;
  const dom0: Milestone =
    opts.arch === "amd64"
      ? { id: "xen-dom0-kernel", match: new RegExp(`${t}\\s*Dom0 kernel: 64-bit`), within: "30s" }
      : { id: "xen-dom0-loading", match: "*** LOADING DOMAIN 0 ***", within: "30s" };
  return [
    { id: "xen-banner", match: new RegExp(`${t}Xen version 4\\.17`), within: "20s" },
    ...(opts.dom0 ? [dom0] : []),
    ...Array.from({ length: opts.domUs }, (_, i) => ({
      id: `xen-domu${i + 1}-loading`,
      match: new RegExp(`${t}\\*\\*\\* LOADING DOMU cpus=\\d+ memory=[0-9a-f]+KB \\*\\*\\*$`),
    })),
    { id: "xen-freed-init", match: new RegExp(`${t}Freed \\d+kB init memory`) },
  ];
}

/** The prefix dom0 puts before each line of the guest's console (xenconsoled's log, echoed by /init). */
export const GUEST_PREFIX = "[guest] ";

/**
 * A toolstack dom0 that creates one guest named "guest" with `xl create`: its kernel and
 * initramfs (image roles) and xl config go into dom0's rootfs; xenconsoled logs the guest's
 * console and dom0 echoes the log, each line prefixed GUEST_PREFIX, onto its own console.
 */
export function xlGuest(opts: { kernel: string; initrd: string; config: Record<string, string | number> }) {
  const config = Object.entries({
    name: "guest",
    kernel: "/guest/kernel",
    ramdisk: "/guest/initrd.gz",
    vcpus: 1,
    ...opts.config,
  })
    .map(([k, v]) => `${k} = ${typeof v === "number" ? v : JSON.stringify(v)}`)
    .join("\n");
  return {
    files: {
      "/guest/kernel": { image: opts.kernel },
      "/guest/initrd.gz": { image: opts.initrd },
      "/etc/xen/guest.cfg": { text: `${config}\n` },
    },
    commands: [
      "xl list",
      "xenconsoled --log=guest --log-dir=/var/log/xen",
      "xl create /etc/xen/guest.cfg",
      `(tail -F /var/log/xen/guest-guest.log 2>/dev/null | sed 's/^/${GUEST_PREFIX}/') &`,
    ],
  };
}

/** dom0 with the toolstack: its Linux, Domain-0 in `xl list`, the guest created, then `xl list` from the shell shows it. */
export function dom0ToolstackMilestones(): Milestone[] {
  return [
    { id: "linux-banner", match: /Linux version 6\.1/, within: "60s" },
    { id: "run-init", match: "Run /init as init process" },
    { id: "dom0-init", match: /dom0 init: \S+ xen: xen/ },
    // Xen's CI proof that the toolstack talks to Xen: `xl list` names dom0.
    { id: "xl-list-domain0", match: /^Domain-0\s+0\s+\d+\s+\d+\s+r-----/, within: "30s" },
    { id: "xl-create", match: "Parsing config from /etc/xen/guest.cfg" },
    { id: "shell", match: "/ # ", send: "xl list\n" },
    { id: "xl-list-guest", match: /^guest\s+[1-9]\d*\s+\d+\s+1\s/, within: "30s" },
  ];
}
