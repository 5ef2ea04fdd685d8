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
