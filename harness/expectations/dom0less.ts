import { z } from "zod";

/**
 * A domU that Xen starts itself at boot from the device tree (dom0less, arm64): a
 * `/chosen/domU<n>` node with `compatible = "xen,domain"`, its memory and vCPUs, a `vpl011`
 * console (Xen prints its output prefixed `(XEN) DOM<n>: `), and its kernel and ramdisk as
 * boot modules. The images are roles of the expectation's `images`.
 */
export const domUSchema = z.strictObject({
  /** Image role of the domU's kernel (default "kernel": the same file as dom0's). */
  kernel: z.string().min(1).optional(),
  /** Image role of its initramfs; none boots without one. */
  initrd: z.string().min(1).optional(),
  memory: z.string().regex(/^\d+[MG]$/, 'write memory as e.g. "128M"'),
  cpus: z.number().int().min(1).max(8).optional(),
  /** The domU kernel's command line. */
  linux: z.string().optional(),
  /** A virtual PL011 whose output Xen prints on its own console (default true). */
  vpl011: z.boolean().optional(),
});

export type DomUSpec = z.output<typeof domUSchema>;

export const DEFAULT_DOMU_ARGS = "console=ttyAMA0 rdinit=/init";

/** The image roles a domU names that the expectation does not declare, as (field, role). */
export function missingDomURoles(
  domUs: DomUSpec[],
  images: Record<string, unknown>,
): { path: (string | number)[]; message: string }[] {
  return domUs.flatMap((d, i) =>
    (["kernel", "initrd"] as const)
      .map((field) => ({ field, role: d[field] ?? (field === "kernel" ? "kernel" : undefined) }))
      .filter(({ role }) => role !== undefined && !(role in images))
      .map(({ field, role }) => ({
        path: ["boot", "domUs", i, field],
        message: `names no image "${role}" (images: ${Object.keys(images).join(", ")})`,
      })),
  );
}
