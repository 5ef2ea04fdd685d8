import * as z from "zod";

/**
 * dom0's initramfs with Xen's toolstack: the busybox dom0 plus Debian's xen-utils-4.17 (xl,
 * xenstored, xenconsoled, xen-init-dom0 and the libraries they need), the Xen device modules
 * of dom0's own kernel package, and files for guests; /init brings xenstore up and runs `commands`.
 */
export const toolstackInitrdSchema = z.strictObject({
  kind: z.literal("xen-toolstack-initrd"),
  /** xen-utils-4.17's version (default apt's candidate: keep it the hypervisor's). */
  version: z.string().min(1).optional(),
  /** The image role of dom0's kernel, a Debian package: its Xen modules go into /mods (default "kernel"). */
  modulesFrom: z.string().min(1).optional(),
  /** Files put into the rootfs: another image role (a guest's kernel or initrd), or text (a guest's xl config). */
  files: z
    .record(
      z.string().regex(/^\/[^\0]+$/, "rootfs paths are absolute"),
      z.union([z.strictObject({ image: z.string().min(1) }), z.strictObject({ text: z.string() })]),
    )
    .optional(),
  /** More of xen-utils-4.17's programs (its /usr/lib/xen-4.17/bin), e.g. "init-dom0less". */
  programs: z.array(z.string().regex(/^[\w.+-]+$/, "a program name, no path")).optional(),
  /** Files of other Debian packages (globs from the package's root, e.g. "etc/xen/scripts/vif-*"), with the libraries they need. */
  packages: z
    .array(
      z.strictObject({
        package: z.string().min(1),
        version: z.string().min(1).optional(),
        paths: z.array(z.string().min(1)).min(1, "name the files to take"),
      }),
    )
    .optional(),
  /** Kernel modules of `modulesFrom`'s package that /init loads after Xen's (their dependencies found and loaded first). */
  modules: z
    .array(z.string().regex(/^[\w-]+$/, "a module name, e.g. xen-netback"))
    .min(1)
    .optional(),
  /** Shell lines /init runs once the toolstack is up, before the shell. */
  commands: z.array(z.string()).min(1, "the toolstack needs something to do"),
});

export type ToolstackInitrdSource = z.output<typeof toolstackInitrdSchema>;

/** Image roles a toolstack initramfs names that the expectation does not declare (or that it cannot use). */
export function toolstackIssues(
  images: Record<string, { kind: string }>,
): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  for (const [role, source] of Object.entries(images)) {
    if (source.kind !== "xen-toolstack-initrd") continue;
    const t = source as ToolstackInitrdSource;
    const modulesFrom = t.modulesFrom ?? "kernel";
    if (images[modulesFrom]?.kind !== "deb")
      issues.push({
        path: ["images", role, "modulesFrom"],
        message: `"${modulesFrom}" must be an image from a Debian kernel package (deb or debianKernel)`,
      });
    for (const [path, file] of Object.entries(t.files ?? {})) {
      if (!("image" in file)) continue;
      const target = images[file.image];
      if (!target)
        issues.push({
          path: ["images", role, "files", path, "image"],
          message: `names no image "${file.image}" (images: ${Object.keys(images).join(", ")})`,
        });
      else if (target.kind === "xen-toolstack-initrd")
        issues.push({
          path: ["images", role, "files", path, "image"],
          message: "cannot hold another toolstack initramfs",
        });
    }
  }
  return issues;
}
