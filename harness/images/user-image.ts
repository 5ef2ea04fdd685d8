/**
 * A user's image file, checked before anything boots: an empty file, a directory or a text
 * file given as a kernel would otherwise boot into silence and be judged as a guest hang.
 */
import { open, stat } from "node:fs/promises";

type Arch = "aarch64" | "arm" | "x86_64";

const HEAD_BYTES = 8192;

const at = (head: Buffer, offset: number, bytes: number[]) => bytes.every((b, i) => head[offset + i] === b);

/** Formats by their magic bytes; what QEMU can load as a kernel, a module or firmware. */
const FORMATS: Record<string, (head: Buffer) => boolean> = {
  ELF: (h) => at(h, 0, [0x7f, 0x45, 0x4c, 0x46]),
  "arm64 Image": (h) => at(h, 0x38, [0x41, 0x52, 0x4d, 0x64]),
  // arm32 zImage: the magic 0x016f2818 at 0x24 (Xen for arm32 carries the same header).
  zImage: (h) => at(h, 0x24, [0x18, 0x28, 0x6f, 0x01]),
  uImage: (h) => at(h, 0, [0x27, 0x05, 0x19, 0x56]),
  gzip: (h) => at(h, 0, [0x1f, 0x8b]),
  bzImage: (h) => at(h, 0x202, [0x48, 0x64, 0x72, 0x53]),
  // Multiboot: the magic 0x1BADB002 (little-endian), 4-byte aligned in the first 8 KiB.
  multiboot: (h) => {
    for (let i = 0; i + 4 <= h.length; i += 4) if (h.readUInt32LE(i) === 0x1badb002) return true;
    return false;
  },
  cpio: (h) => h.subarray(0, 6).toString("latin1") === "070701" || h.subarray(0, 6).toString("latin1") === "070702",
  xz: (h) => at(h, 0, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]),
  zstd: (h) => at(h, 0, [0x28, 0xb5, 0x2f, 0xfd]),
  lz4: (h) => at(h, 0, [0x02, 0x21, 0x4c, 0x18]) || at(h, 0, [0x04, 0x22, 0x4d, 0x18]),
  bzip2: (h) => at(h, 0, [0x42, 0x5a, 0x68]),
  "device tree": (h) => at(h, 0, [0xd0, 0x0d, 0xfe, 0xed]),
};

const KERNEL_FORMATS: Record<Arch, string[]> = {
  aarch64: ["ELF", "arm64 Image", "uImage", "gzip"],
  arm: ["ELF", "zImage", "uImage", "gzip"],
  x86_64: ["ELF", "bzImage", "multiboot", "gzip"],
};

/** The formats a role may have; undefined: any non-empty file (a role bootlog does not load itself). */
export function formatsFor(role: string, arch: Arch): string[] | undefined {
  if (role === "initrd") return ["cpio", "gzip", "xz", "zstd", "lz4", "bzip2"];
  if (role === "dtb") return ["device tree"];
  if (role === "xen" || role === "kernel" || role === "image") return KERNEL_FORMATS[arch];
  return undefined;
}

/** Why `path` cannot be booted as `role`, or undefined when it looks right. */
export async function userImageProblem(path: string, role: string, arch: Arch): Promise<string | undefined> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error)
    return info.code === "ENOENT" ? `no such file ${path}` : `cannot read ${path}: ${info.message}`;
  if (info.isDirectory()) return `${path} is a directory, not an image file`;
  if (!info.isFile()) return `${path} is not a regular file`;
  if (info.size === 0) return `${path} is empty`;
  const formats = formatsFor(role, arch);
  if (!formats) return undefined;
  const head = Buffer.alloc(Math.min(HEAD_BYTES, info.size));
  const handle = await open(path, "r").catch((error: Error) => error);
  if (handle instanceof Error) return `cannot read ${path}: ${handle.message}`;
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  if (formats.some((f) => FORMATS[f]!(head))) return undefined;
  return `${path} is not an image QEMU can load as ${role} on ${arch} (expected ${formats.join(", ")}; first bytes ${head.subarray(0, 8).toString("hex")})`;
}
