import type { Expectation } from "../expectations/loader.ts";
import type { SendContext } from "../expectations/schema.ts";
import { patchedDtb, type DtbPatch } from "../images/dtb.ts";
import type { PreparedImages } from "../images/prepare.ts";
import { memoryBytes } from "../postmortem/guest-ram.ts";
import type { QemuInfo } from "./qemu.ts";
import type { LoadRange } from "../postmortem/vcpus.ts";
import { domUPatches } from "./dom0less.ts";
import { UBOOT_FIXED, ubootLoads } from "./uboot-loads.ts";

/** Image roles a machine can load (the keys of an expectation's `images`). */
export type ImageRole = keyof PreparedImages["images"];

/** QEMU options that load what the firmware boots, with the prepared images they name (none for a patched DTB or U-Boot). */
export interface BootArgs {
  images: ImageRole[];
  args: string[];
}

/**
 * Everything needed to start the machine, and to say how to start it by hand. The parts are
 * kept apart so an export (LAVA) reads them, not the command line; `argv` is their concatenation.
 */
export interface MachinePlan {
  binary: string;
  /** Board, CPU, memory, CPUs. */
  machine: string[];
  /** Serial console on stdio, no reboot. */
  console: string[];
  /** Firmware and images, in command-line order. */
  boot: BootArgs[];
  /** The expectation's own `machine.extraArgs`. */
  extra: string[];
  /** The boot as a person would reproduce it. */
  argv: string[];
  sendContext: SendContext;
  /** Where bootlog put each image in guest-physical memory (for the post-mortem's vCPU judgement). */
  loads: LoadRange[];
}

/** QEMU places an arm64 Image given with -kernel 2 MiB into RAM; a multiboot image (x86 Xen) at 1 MiB. */
const ARM64_KERNEL_LOAD = 0x4020_0000;
const X86_MULTIBOOT_LOAD = 0x10_0000;
/** U-Boot relocates itself to the top of RAM; its code and data stay within the last 16 MiB. */
const UBOOT_TOP = 16 << 20;

/** The guest-physical ranges of the images this plan loads. */
export function plannedLoads(exp: Expectation, images: PreparedImages["images"], ramBytes: number): LoadRange[] {
  const at = (image: string, start: number, size: number | undefined): LoadRange[] =>
    size ? [{ image, start, end: start + size }] : [];
  const { xen, kernel, initrd, image } = images;
  const kernelName = xen ? "the dom0 kernel image" : "the kernel image";
  if (exp.machine.arch === "x86_64") return at("Xen's image", X86_MULTIBOOT_LOAD, xen?.size);
  if (exp.machine.firmware === "image") return at("the user image", 0x4000_0000, image?.size);
  if (exp.machine.firmware === "u-boot")
    return [
      ...at("U-Boot (relocated)", 0x4000_0000 + ramBytes - UBOOT_TOP, UBOOT_TOP),
      ...at("Xen's image", Number(XEN_ADDR), xen?.size),
      ...at(kernelName, Number(KERNEL_ADDR), kernel?.size),
      ...at("the initrd", Number(INITRD_ADDR), initrd?.size),
    ];
  if (!xen) return at(kernelName, ARM64_KERNEL_LOAD, kernel?.size);
  return [
    ...at("Xen's image", ARM64_KERNEL_LOAD, xen.size),
    ...at(kernelName, Number(KERNEL_ADDR), kernel?.size),
    ...at("the initrd", Number(INITRD_ADDR), initrd?.size),
  ];
}

/** The command line of a plan: its parts in order. */
export function planArgv(plan: Pick<MachinePlan, "machine" | "console" | "boot" | "extra">): string[] {
  return [...plan.machine, ...plan.console, ...plan.boot.flatMap((b) => b.args), ...plan.extra];
}

// Load addresses for the arm64 virt machine (RAM starts at 0x40000000; U-Boot keeps its DTB there).
export const XEN_ADDR = `0x${UBOOT_FIXED.xen.toString(16)}`;
export const KERNEL_ADDR = `0x${UBOOT_FIXED.kernel.toString(16)}`;
export const INITRD_ADDR = `0x${UBOOT_FIXED.initrd.toString(16)}`;
export const UBOOT_ARM64 = "/usr/lib/u-boot/qemu_arm64/u-boot.bin";
export const UBOOT_ARM = "/usr/lib/u-boot/qemu_arm/u-boot.bin";

export const DEFAULT_XEN_ARGS = {
  aarch64: "console=dtuart dtuart=/pl011@9000000 dom0_mem=512M",
  x86_64: "console=com1 com1=115200,8n1 dom0_mem=512M",
};
export const DEFAULT_DOM0_ARGS = {
  aarch64: "console=hvc0 earlycon=xen rdinit=/init",
  x86_64: "console=hvc0 earlyprintk=xen rdinit=/init",
};
export const DEFAULT_LINUX_ARGS = { aarch64: "console=ttyAMA0 rdinit=/init", x86_64: "console=ttyS0 rdinit=/init" };

/** The machine itself: board, CPU, memory; the DTB must be dumped with exactly these. */
export function machineArgs(exp: Expectation): string[] {
  const m = exp.machine;
  if (m.arch === "aarch64") {
    const virt = `virt,gic-version=${m.gic ?? 3},virtualization=${m.virtualization === false ? "off" : "on"}`;
    return ["-machine", virt, "-cpu", m.cpu ?? "cortex-a57", "-m", m.memory, "-smp", String(m.cpus)];
  }
  if (m.arch === "arm") {
    // arm32 Xen needs the virtualization extensions (hyp mode); Cortex-A15 has them and LPAE.
    const virt = `virt,gic-version=${m.gic ?? 2},virtualization=${m.virtualization === false ? "off" : "on"}`;
    return ["-machine", virt, "-cpu", m.cpu ?? "cortex-a15", "-m", m.memory, "-smp", String(m.cpus)];
  }
  return ["-machine", "pc", "-cpu", m.cpu ?? "qemu64", "-m", m.memory, "-smp", String(m.cpus)];
}

const loader = (role: ImageRole, file: string, addr: string): BootArgs => ({
  images: [role],
  args: ["-device", `loader,file=${file},addr=${addr}`],
});

/** Xen's command lines and boot modules (at the loader addresses) in /chosen, as Xen's arm64 boot protocol wants them. */
export function xenChosenPatches(
  bootargs: { xen?: string; linux?: string },
  images: Partial<Record<"kernel" | "initrd", { sizeHex: string }>>,
): DtbPatch[] {
  const patches: DtbPatch[] = [
    { set: "/chosen", property: "xen,xen-bootargs", type: "s", values: [bootargs.xen ?? DEFAULT_XEN_ARGS.aarch64] },
    { set: "/chosen", property: "xen,dom0-bootargs", type: "s", values: [bootargs.linux ?? DEFAULT_DOM0_ARGS.aarch64] },
  ];
  const modules = [
    { image: images.kernel, node: "/chosen/module@0", compatible: "multiboot,kernel", addr: KERNEL_ADDR },
    { image: images.initrd, node: "/chosen/module@1", compatible: "multiboot,ramdisk", addr: INITRD_ADDR },
  ].filter((m) => m.image);
  if (modules.length) patches.push({ create: modules.map((m) => m.node) });
  for (const m of modules) {
    patches.push({ set: m.node, property: "compatible", type: "s", values: [m.compatible, "multiboot,module"] });
    patches.push({ set: m.node, property: "reg", type: "x", values: ["0", m.addr.slice(2), "0", m.image!.sizeHex] });
  }
  return patches;
}

async function armDirect(exp: Expectation, images: PreparedImages["images"], qemu: QemuInfo): Promise<BootArgs[]> {
  const { xen, kernel, initrd } = images;
  if (!xen) {
    const args: BootArgs[] = [
      { images: ["kernel"], args: ["-kernel", kernel!.path, "-append", exp.boot?.linux ?? DEFAULT_LINUX_ARGS.aarch64] },
    ];
    return initrd ? [...args, { images: ["initrd"], args: ["-initrd", initrd.path] }] : args;
  }
  const domUs = domUPatches(exp.boot?.domUs ?? [], images);
  const dtb = await patchedDtb(qemu, machineArgs(exp), [...xenChosenPatches(exp.boot ?? {}, images), ...domUs.patches]);
  return [
    { images: ["xen"], args: ["-kernel", xen.path] },
    { images: [], args: ["-dtb", dtb] },
    ...(kernel ? [loader("kernel", kernel.path, KERNEL_ADDR)] : []),
    ...(initrd ? [loader("initrd", initrd.path, INITRD_ADDR)] : []),
    ...domUs.loaders.map((l) => loader(l.role, l.file, l.addr)),
  ];
}

/** U-Boot as firmware; the images wait in RAM (dom0less domUs' too) and the expectation types the boot commands. */
function armUBoot(exp: Expectation, images: PreparedImages["images"]): BootArgs[] {
  return [
    { images: [], args: ["-bios", exp.machine.arch === "arm" ? UBOOT_ARM : UBOOT_ARM64] },
    ...ubootLoads(Object.keys(images), exp.boot?.domUs ?? []).map((l) =>
      loader(l.role, images[l.role]!.path, `0x${l.addr.toString(16)}`),
    ),
  ];
}

/** What a `send` may read: each image's size, and behind U-Boot where it was loaded. */
function sendContext(exp: Expectation, images: PreparedImages["images"]): SendContext {
  if (exp.machine.firmware !== "u-boot") return images;
  const context: SendContext = { ...images };
  for (const l of ubootLoads(Object.keys(images), exp.boot?.domUs ?? []))
    context[l.role] = { ...images[l.role]!, addr: `0x${l.addr.toString(16)}` };
  return context;
}

/** x86_64: QEMU loads Xen as a multiboot kernel; `-initrd` lists the modules, each with its command line. */
function x86Direct(exp: Expectation, images: PreparedImages["images"]): BootArgs[] {
  const { xen, kernel, initrd } = images;
  if (!xen) {
    const args: BootArgs[] = [
      { images: ["kernel"], args: ["-kernel", kernel!.path, "-append", exp.boot?.linux ?? DEFAULT_LINUX_ARGS.x86_64] },
    ];
    return initrd ? [...args, { images: ["initrd"], args: ["-initrd", initrd.path] }] : args;
  }
  // Multiboot modules share one -initrd: the kernel's with its command line, then the initrd.
  const modules = [kernel && `${kernel.path} ${exp.boot?.linux ?? DEFAULT_DOM0_ARGS.x86_64}`, initrd?.path].filter(
    Boolean,
  );
  return [
    { images: ["xen"], args: ["-kernel", xen.path, "-append", exp.boot?.xen ?? DEFAULT_XEN_ARGS.x86_64] },
    ...(modules.length
      ? [
          {
            images: [...(kernel ? ["kernel"] : []), ...(initrd ? ["initrd"] : [])],
            args: ["-initrd", modules.join(",")],
          },
        ]
      : []),
  ];
}

/** A user's own all-in-one image (e.g. boot-wrapper-aarch64's xen-system.axf). */
function userImageArgs(exp: Expectation, images: PreparedImages["images"]): BootArgs[] {
  const { image, initrd, dtb } = images;
  return [
    { images: ["image"], args: ["-kernel", image!.path] },
    ...(initrd ? [{ images: ["initrd"], args: ["-initrd", initrd.path] }] : []),
    ...(dtb ? [{ images: ["dtb"], args: ["-dtb", dtb.path] }] : []),
    ...(exp.boot?.linux ? [{ images: [], args: ["-append", exp.boot.linux] }] : []),
  ];
}

async function firmwareArgs(exp: Expectation, prepared: PreparedImages, qemu: QemuInfo): Promise<BootArgs[]> {
  const { firmware, arch } = exp.machine;
  if (firmware === "image") return userImageArgs(exp, prepared.images);
  if (firmware === "u-boot") {
    if (arch === "x86_64") throw new Error(`${exp.file}: machine.firmware: u-boot is only wired for aarch64 and arm`);
    return armUBoot(exp, prepared.images);
  }
  return arch === "x86_64" ? x86Direct(exp, prepared.images) : armDirect(exp, prepared.images, qemu);
}

/** The QEMU command line: serial console on stdio, no reboot (a reset becomes an exit). */
export async function planMachine(exp: Expectation, prepared: PreparedImages, qemu: QemuInfo): Promise<MachinePlan> {
  const parts = {
    machine: machineArgs(exp),
    console: ["-nographic", "-no-reboot"],
    boot: await firmwareArgs(exp, prepared, qemu),
    extra: exp.machine.extraArgs ?? [],
  };
  return {
    binary: qemu.binary,
    ...parts,
    argv: planArgv(parts),
    sendContext: sendContext(exp, prepared.images),
    loads: plannedLoads(exp, prepared.images, memoryBytes(exp.machine.memory)),
  };
}
