/**
 * Builds a single all-in-one arm64 ELF like boot-wrapper-aarch64's xen-system.axf, from parts
 * bootlog already has: a tiny entry stub that prints a banner on the PL011 and jumps to Xen
 * with x0 = the DTB, plus the patched DTB, Xen, the dom0 kernel and the initramfs, each as its
 * own PT_LOAD segment. QEMU `-kernel` loads every segment and starts at the stub at EL2.
 */
import { readFile, writeFile } from "node:fs/promises";
import { patchedDtb } from "../../harness/images/dtb.ts";
import { INITRD_ADDR, KERNEL_ADDR, XEN_ADDR, xenChosenPatches } from "../../harness/machines/plan.ts";
import type { QemuInfo } from "../../harness/machines/qemu.ts";

const STUB_ADDR = 0x47000000;
const DTB_ADDR = 0x48000000;
const UART = 0x09000000;
export const WRAPPER_BANNER = "Boot-wrapper v0.2 (bootlog test image)\r\n";

// A64 encodings of the few instructions the stub needs.
const movz = (rd: number, imm16: number, shift: number) => 0xd2800000 | ((shift / 16) << 21) | (imm16 << 5) | rd;
const movk = (rd: number, imm16: number, shift: number) => 0xf2800000 | ((shift / 16) << 21) | (imm16 << 5) | rd;
const mov32 = (rd: number, value: number) => [movz(rd, value & 0xffff, 0), movk(rd, value >>> 16, 16)];
const ldrbPostInc = (rt: number, rn: number) => 0x38401400 | (rn << 5) | rt; // ldrb wt, [xn], #1
const strb = (rt: number, rn: number) => 0x39000000 | (rn << 5) | rt; // strb wt, [xn]
const cbz = (rt: number, words: number) => 0x34000000 | ((words & 0x7ffff) << 5) | rt;
const b = (words: number) => 0x14000000 | (words & 0x3ffffff);
const br = (rn: number) => 0xd61f0000 | (rn << 5);

/** Print the banner byte by byte to the UART, then enter Xen as the arm64 boot protocol says: x0 = DTB, x1..x3 = 0. */
function stub(): Buffer {
  const MSG_OFFSET = 0x100;
  const code = [
    ...mov32(0, UART),
    ...mov32(1, STUB_ADDR + MSG_OFFSET),
    ldrbPostInc(2, 1), // loop:
    cbz(2, 3),
    strb(2, 0),
    b(-3),
    ...mov32(0, DTB_ADDR), // done:
    movz(1, 0, 0),
    movz(2, 0, 0),
    movz(3, 0, 0),
    ...mov32(4, Number(XEN_ADDR)),
    br(4),
  ];
  const out = Buffer.alloc(MSG_OFFSET + WRAPPER_BANNER.length + 1);
  code.forEach((word, i) => out.writeUInt32LE(word >>> 0, i * 4));
  out.write(WRAPPER_BANNER, MSG_OFFSET, "latin1");
  return out;
}

interface Segment {
  addr: number;
  data: Buffer;
}

/** A minimal ELF64 little-endian AArch64 executable: one PT_LOAD per segment, 4 KiB aligned in the file. */
function elf(entry: number, segments: Segment[]): Buffer {
  const EHSIZE = 64;
  const PHENTSIZE = 56;
  const align = (n: number) => Math.ceil(n / 0x1000) * 0x1000;
  let offset = align(EHSIZE + PHENTSIZE * segments.length);
  const placed = segments.map((s) => {
    const at = offset;
    offset = align(offset + s.data.length);
    return { ...s, offset: at };
  });
  const out = Buffer.alloc(offset);
  out.write("\x7fELF", 0, "latin1");
  out.writeUInt8(2, 4); // 64-bit
  out.writeUInt8(1, 5); // little-endian
  out.writeUInt8(1, 6); // ELF version
  out.writeUInt16LE(2, 16); // ET_EXEC
  out.writeUInt16LE(183, 18); // EM_AARCH64
  out.writeUInt32LE(1, 20);
  out.writeBigUInt64LE(BigInt(entry), 24);
  out.writeBigUInt64LE(BigInt(EHSIZE), 32); // program headers follow the ELF header
  out.writeUInt16LE(EHSIZE, 52);
  out.writeUInt16LE(PHENTSIZE, 54);
  out.writeUInt16LE(placed.length, 56);
  out.writeUInt16LE(64, 58); // e_shentsize (no sections)
  placed.forEach((s, i) => {
    const ph = EHSIZE + i * PHENTSIZE;
    out.writeUInt32LE(1, ph); // PT_LOAD
    out.writeUInt32LE(7, ph + 4); // RWX
    out.writeBigUInt64LE(BigInt(s.offset), ph + 8);
    out.writeBigUInt64LE(BigInt(s.addr), ph + 16);
    out.writeBigUInt64LE(BigInt(s.addr), ph + 24);
    out.writeBigUInt64LE(BigInt(s.data.length), ph + 32);
    out.writeBigUInt64LE(BigInt(s.data.length), ph + 40);
    out.writeBigUInt64LE(0x1000n, ph + 48);
    s.data.copy(out, s.offset);
  });
  return out;
}

export interface WrapperParts {
  qemu: QemuInfo;
  machineArgs: string[];
  xen: string;
  kernel: { path: string; sizeHex: string };
  initrd: { path: string; sizeHex: string };
  bootargs: { xen: string; linux: string };
}

/** Write the all-in-one image to `out`. */
export async function buildWrapperImage(parts: WrapperParts, out: string): Promise<void> {
  const dtb = await patchedDtb(parts.qemu, parts.machineArgs, xenChosenPatches(parts.bootargs, parts));
  const segments: Segment[] = [
    { addr: STUB_ADDR, data: stub() },
    { addr: DTB_ADDR, data: await readFile(dtb) },
    { addr: Number(XEN_ADDR), data: await readFile(parts.xen) },
    { addr: Number(KERNEL_ADDR), data: await readFile(parts.kernel.path) },
    { addr: Number(INITRD_ADDR), data: await readFile(parts.initrd.path) },
  ];
  await writeFile(out, elf(STUB_ADDR, segments));
}
