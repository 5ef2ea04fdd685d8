import type { BootSpec, ImageSource, Milestone, SendContext } from "./schema.ts";

/** Identity with types: an expectation file reads like the boot it describes. Validation happens in the loader, which knows the file name. */
export function defineBoot(spec: BootSpec): BootSpec {
  return spec;
}

/** A file inside a Debian package, downloaded with `apt-get download` and unpacked with `dpkg-deb -x` (never installed). */
export function deb(pkg: string, path: string, options: { version?: string; follow?: boolean } = {}): ImageSource {
  return { kind: "deb", package: pkg, path, ...options };
}

/**
 * Debian's current kernel for an architecture, through its metapackage (linux-image-arm64 →
 * linux-image-6.1.0-N-arm64). On armhf the LPAE flavour: Xen guests on arm32 need LPAE.
 */
export function debianKernel(
  debArch: "arm64" | "amd64" | "armhf",
  options: { version?: string; gzip?: boolean } = {},
): ImageSource {
  const flavour = debArch === "armhf" ? "armmp-lpae" : debArch;
  return { kind: "deb", package: `linux-image-${flavour}`, path: "boot/vmlinuz-*", follow: true, ...options };
}

/** A busybox initramfs whose /init prints "dom0 init: <uname -r> xen: <hypervisor type>" and starts a shell. */
export function busyboxInitrd(
  initLines?: string[],
  options: { modules?: string[]; modulesFrom?: string } = {},
): ImageSource {
  return { kind: "busybox-initrd", ...(initLines ? { initLines } : {}), ...options };
}

/** A file the user points at: a path, or the value of an environment variable (the boot is skipped when it is unset). */
export function userImage(from: { path?: string; env?: string }): ImageSource {
  return { kind: "file", ...from };
}

export type Command = string | ((ctx: SendContext) => string);

/**
 * Milestones that type one command at each U-Boot `=> ` prompt, in order. A command may be a
 * function of the prepared images (sizes for `fdt set ... reg`).
 */
export function ubootCommands(commands: Command[]): Milestone[] {
  return commands.map((command, i) => ({
    id: `uboot-cmd-${i + 1}`,
    match: "=> ",
    send: typeof command === "function" ? (ctx: SendContext) => `${command(ctx)}\n` : `${command}\n`,
    description: typeof command === "string" ? command : undefined,
  }));
}

/** dom0's initramfs with Xen's toolstack from Debian (see expectations/toolstack.ts for the fields). */
export function toolstackInitrd(
  options: Omit<Extract<ImageSource, { kind: "xen-toolstack-initrd" }>, "kind">,
): ImageSource {
  return { kind: "xen-toolstack-initrd", ...options };
}
