import type { Command } from "./define.ts";
import { DEFAULT_DOMU_ARGS, type DomUSpec } from "./dom0less.ts";

/** KiB, as Xen's `memory` property wants it. */
function kib(memory: string): number {
  const n = Number(memory.slice(0, -1));
  return memory.endsWith("G") ? n * 1024 * 1024 : n * 1024;
}

/**
 * U-Boot `fdt` commands that describe dom0less domUs under /chosen, as Xen CI's ImageBuilder
 * script types them: a `xen,domain` node per domU with its memory, vCPUs and vpl011 console,
 * and its kernel and ramdisk modules at the addresses where the machine loaded those images
 * (the send context's `addr`). `fdt mknod` puts a new node before its siblings, so the nodes
 * are made last domU first: Xen numbers domains in device-tree order.
 */
export function ubootDomUCommands(domUs: DomUSpec[]): Command[] {
  return domUs
    .map((d, i) => ({ d, node: `/chosen/domU${i + 1}`, name: `domU${i + 1}` }))
    .reverse()
    .flatMap(({ d, node, name }) => {
      const kernel = d.kernel ?? "kernel";
      const modules = [
        { role: kernel, unit: "module@0", compatible: "multiboot,kernel", bootargs: d.linux ?? DEFAULT_DOMU_ARGS },
        ...(d.initrd
          ? [{ role: d.initrd, unit: "module@1", compatible: "multiboot,ramdisk", bootargs: undefined }]
          : []),
      ];
      return [
        `fdt mknod /chosen ${name}`,
        `fdt set ${node} compatible "xen,domain"`,
        // Escaped: U-Boot's shell reads a word starting with # as a comment.
        `fdt set ${node} \\#address-cells <0x2>`,
        `fdt set ${node} \\#size-cells <0x2>`,
        `fdt set ${node} memory <0x0 0x${kib(d.memory).toString(16)}>`,
        `fdt set ${node} cpus <0x${(d.cpus ?? 1).toString(16)}>`,
        ...(d.vpl011 === false ? [] : [`fdt set ${node} vpl011`]),
        ...(d.enhanced ? [`fdt set ${node} xen,enhanced "enabled"`] : []),
        ...modules.flatMap((m): Command[] => [
          `fdt mknod ${node} ${m.unit}`,
          `fdt set ${node}/${m.unit} compatible "${m.compatible}" "multiboot,module"`,
          (ctx) => {
            const image = ctx[m.role];
            if (!image?.addr) throw new Error(`image "${m.role}" was not loaded by the machine (is it in boot.domUs?)`);
            return `fdt set ${node}/${m.unit} reg <0x0 ${image.addr} 0x0 0x${image.sizeHex}>`;
          },
          ...(m.bootargs ? [`fdt set ${node}/${m.unit} bootargs "${m.bootargs}"`] : []),
        ]),
      ];
    });
}
