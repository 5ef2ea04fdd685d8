import { DEFAULT_DOMU_ARGS, type DomUSpec } from "../expectations/dom0less.ts";
import type { DtbPatch } from "../images/dtb.ts";

// domU n's kernel at 0x58000000 + (n-1) * 0x08000000, its ramdisk 0x04000000 above: clear of
// Xen (0x49000000) and dom0's modules (0x50000000, 0x54000000), inside 1 GiB of RAM for two domUs.
const DOMU_BASE = 0x58000000;
const DOMU_STRIDE = 0x08000000;
const RAMDISK_OFFSET = 0x04000000;

export interface DomUModules {
  patches: DtbPatch[];
  /** QEMU `-device loader` pairs that put each module where its node says. */
  loaders: { role: string; file: string; addr: string }[];
}

const hex = (n: number) => n.toString(16);

/** KiB, as Xen's `memory` property wants it. */
function kib(memory: string): number {
  const n = Number(memory.slice(0, -1));
  return memory.endsWith("G") ? n * 1024 * 1024 : n * 1024;
}

const cells = (n: number) => ["0", hex(n)];
// Phandles of the cpupool nodes bootlog adds: far above the ones QEMU allocates (from 0x8000).
const CPUPOOL_PHANDLE = 0xb0010;

/** Static memory, shared memory regions and a boot-time cpupool of domU `i` (node `node`). */
function domainFeaturePatches(node: string, d: DomUSpec, i: number): DtbPatch[] {
  const patches: DtbPatch[] = [];
  if (d.staticMem) {
    // /chosen has no #address-cells of its own: Xen reads these with the root's 2 + 2 cells.
    patches.push({
      set: node,
      property: "xen,static-mem",
      type: "x",
      values: [...cells(d.staticMem.base), ...cells(d.staticMem.size)],
    });
    if (d.staticMem.directMap !== false) patches.push({ set: node, property: "direct-map", type: "x", values: [] });
  }
  for (const shm of d.sharedMem ?? []) {
    const child = `${node}/domU${i + 1}-shared-mem@${hex(shm.host)}`;
    patches.push(
      { create: [child] },
      { set: child, property: "compatible", type: "s", values: ["xen,domain-shared-memory-v1"] },
      { set: child, property: "xen,shm-id", type: "s", values: [shm.id] },
      {
        set: child,
        property: "xen,shared-mem",
        type: "x",
        values: [...cells(shm.host), ...cells(shm.guest), ...cells(shm.size)],
      },
    );
    if (shm.role) patches.push({ set: child, property: "role", type: "s", values: [shm.role] });
  }
  if (d.cpupool) {
    const pool = `/chosen/cpupool-domU${i + 1}`;
    patches.push(
      { create: [pool] },
      { set: pool, property: "compatible", type: "s", values: ["xen,cpupool"] },
      { set: pool, property: "cpupool-cpus", phandlesOf: d.cpupool.cpus.map((c) => `/cpus/cpu@${hex(c)}`) },
      { set: pool, property: "phandle", type: "x", values: [hex(CPUPOOL_PHANDLE + i)] },
      { set: node, property: "domain-cpupool", type: "x", values: [hex(CPUPOOL_PHANDLE + i)] },
    );
    if (d.cpupool.sched) patches.push({ set: pool, property: "cpupool-sched", type: "s", values: [d.cpupool.sched] });
  }
  return patches;
}

/** `/chosen/domU<n>` nodes (compatible "xen,domain") with their kernel and ramdisk modules. */
export function domUPatches(domUs: DomUSpec[], images: Record<string, { path: string; sizeHex: string }>): DomUModules {
  const patches: DtbPatch[] = [];
  const loaders: DomUModules["loaders"] = [];
  domUs.forEach((d, i) => {
    const node = `/chosen/domU${i + 1}`;
    const kernelAddr = DOMU_BASE + i * DOMU_STRIDE;
    const modules = [
      {
        role: d.kernel ?? "kernel",
        image: images[d.kernel ?? "kernel"]!,
        addr: kernelAddr,
        compatible: "multiboot,kernel",
        bootargs: d.linux ?? DEFAULT_DOMU_ARGS,
      },
      ...(d.initrd
        ? [
            {
              role: d.initrd,
              image: images[d.initrd]!,
              addr: kernelAddr + RAMDISK_OFFSET,
              compatible: "multiboot,ramdisk",
              bootargs: undefined,
            },
          ]
        : []),
    ];
    patches.push(
      { create: [node] },
      { set: node, property: "compatible", type: "s", values: ["xen,domain"] },
      { set: node, property: "#address-cells", type: "x", values: ["2"] },
      { set: node, property: "#size-cells", type: "x", values: ["2"] },
      { set: node, property: "memory", type: "x", values: ["0", hex(kib(d.memory))] },
      { set: node, property: "cpus", type: "x", values: [hex(d.cpus ?? 1)] },
    );
    if (d.vpl011 !== false) patches.push({ set: node, property: "vpl011", type: "x", values: [] });
    if (d.enhanced) patches.push({ set: node, property: "xen,enhanced", type: "s", values: ["enabled"] });
    patches.push(...domainFeaturePatches(node, d, i));
    for (const m of modules) {
      const moduleNode = `${node}/module@${hex(m.addr)}`;
      patches.push(
        { create: [moduleNode] },
        { set: moduleNode, property: "compatible", type: "s", values: [m.compatible, "multiboot,module"] },
        { set: moduleNode, property: "reg", type: "x", values: ["0", hex(m.addr), "0", m.image.sizeHex] },
      );
      if (m.bootargs) patches.push({ set: moduleNode, property: "bootargs", type: "s", values: [m.bootargs] });
      loaders.push({ role: m.role, file: m.image.path, addr: `0x${hex(m.addr)}` });
    }
  });
  return { patches, loaders };
}
