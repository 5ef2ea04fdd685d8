import * as z from "zod";

/**
 * A domU that Xen starts itself at boot from the device tree (dom0less, arm64): a
 * `/chosen/domU<n>` node with `compatible = "xen,domain"`, its memory and vCPUs, a `vpl011`
 * console (Xen prints its output prefixed `(XEN) DOM<n>: `), and its kernel and ramdisk as
 * boot modules. The images are roles of the expectation's `images`.
 */
/** A guest-physical or host-physical address or size, in bytes (write it in hex: 0x60000000). */
const address = z.number().int().nonnegative();

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
  /**
   * `xen,enhanced = "enabled"`: Xen gives the domain the hypervisor node, event channels and a
   * xenstore connection that dom0's init-dom0less completes, so dom0 can attach PV devices
   * (`xl network-attach`). Xen CI's ImageBuilder sets it for every domU beside a dom0.
   */
  enhanced: z.boolean().optional(),
  /** `xen,static-mem`: host RAM given to this domain alone (Xen with STATIC_MEMORY); its size must be `memory`. */
  staticMem: z
    .strictObject({
      base: address,
      size: address,
      /** `direct-map`: guest physical = host physical (what Xen's CI checks in the domU's /proc/iomem). */
      directMap: z.boolean().optional(),
    })
    .optional(),
  /** `xen,shared-mem` regions (Xen with STATIC_SHM), each a child node of the domain. */
  sharedMem: z
    .array(
      z.strictObject({
        /** `xen,shm-id`: the same id and range in every domain that shares it (at most 15 characters). */
        id: z.string().min(1).max(15),
        host: address,
        guest: address,
        size: address,
        role: z.enum(["owner", "borrower"]).optional(),
      }),
    )
    .optional(),
  /** Start the domain in a boot-time cpupool (Xen with BOOT_TIME_CPUPOOLS): the pool's CPUs and scheduler. */
  cpupool: z
    .strictObject({
      /** CPU numbers: /cpus/cpu@N of the machine's device tree. */
      cpus: z.array(z.number().int().min(0)).min(1),
      sched: z.string().min(1).optional(),
    })
    .optional(),
});

export type DomUSpec = z.output<typeof domUSchema>;

export const DEFAULT_DOMU_ARGS = "console=ttyAMA0 rdinit=/init";

/** A domU's static memory must be exactly its `memory` (Xen does not mix static and heap memory). */
export function staticMemIssues(domUs: DomUSpec[]): { path: (string | number)[]; message: string }[] {
  return domUs.flatMap((d, i) => {
    if (!d.staticMem) return [];
    const bytes = Number(d.memory.slice(0, -1)) * (d.memory.endsWith("G") ? 1 << 30 : 1 << 20);
    return bytes === d.staticMem.size
      ? []
      : [
          {
            path: ["boot", "domUs", i, "staticMem", "size"],
            message: `is 0x${d.staticMem.size.toString(16)} bytes but memory is ${d.memory} (0x${bytes.toString(16)}): they must be equal`,
          },
        ];
  });
}

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
