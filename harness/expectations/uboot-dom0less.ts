import type { Command } from "./define.ts";
import { DEFAULT_DOMU_ARGS, type DomUSpec } from "./dom0less.ts";

/** KiB, as Xen's `memory` property wants it. */
function kib(memory: string): number {
  const n = Number(memory.slice(0, -1));
  return memory.endsWith("G") ? n * 1024 * 1024 : n * 1024;
}

const cells = (n: number) => `0x0 0x${n.toString(16)}`;

/** Static memory and shared memory regions, as the direct path's DTB patches spell them (machines/dom0less.ts). */
function memoryCommands(node: string, name: string, d: DomUSpec): Command[] {
  const commands: Command[] = [];
  if (d.staticMem) {
    // /chosen has no #address-cells of its own: Xen reads these with the root's 2 + 2 cells.
    commands.push(`fdt set ${node} xen,static-mem <${cells(d.staticMem.base)} ${cells(d.staticMem.size)}>`);
    if (d.staticMem.directMap !== false) commands.push(`fdt set ${node} direct-map`);
  }
  for (const shm of d.sharedMem ?? []) {
    const child = `${name}-shared-mem@${shm.host.toString(16)}`;
    commands.push(
      `fdt mknod ${node} ${child}`,
      `fdt set ${node}/${child} compatible "xen,domain-shared-memory-v1"`,
      `fdt set ${node}/${child} xen,shm-id "${shm.id}"`,
      `fdt set ${node}/${child} xen,shared-mem <${cells(shm.host)} ${cells(shm.guest)} ${cells(shm.size)}>`,
      ...(shm.role ? [`fdt set ${node}/${child} role "${shm.role}"`] : []),
    );
  }
  return commands;
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
        ...memoryCommands(node, name, d),
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
