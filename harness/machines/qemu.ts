import { execa } from "execa";
import { programAnswer } from "../images/cache.ts";

export interface QemuInfo {
  binary: string;
  version: string;
}

/** QEMU is missing or unusable: infra, never a boot result. */
export class QemuMissing extends Error {
  override name = "QemuMissing";
}

export const QEMU_BINARY = {
  aarch64: "qemu-system-aarch64",
  arm: "qemu-system-arm",
  x86_64: "qemu-system-x86_64",
} as const;

const versions = new Map<string, Promise<QemuInfo>>();

async function askVersion(binary: string): Promise<string> {
  const result = await execa(binary, ["--version"], { reject: false });
  if (result.failed)
    throw new QemuMissing(`QEMU not found or not runnable: ${binary} (${result.shortMessage}); run ci/setup-host.sh`);
  return /version\s+(\S+(?:\s+\([^)]*\))?)/.exec(result.stdout)?.[1] ?? result.stdout.split("\n")[0]!;
}

/** Asked once, then remembered in the cache while the binary's file is the same (QEMU takes 0.1-0.2 s to say it). */
async function probe(binary: string): Promise<QemuInfo> {
  return { binary, version: await programAnswer("qemu-version", [binary], () => askVersion(binary)) };
}

/** The binary for an architecture and its version, probed once per process. BOOTLOG_QEMU_<ARCH> overrides the binary. */
export function qemuFor(arch: keyof typeof QEMU_BINARY): Promise<QemuInfo> {
  const binary = process.env[`BOOTLOG_QEMU_${arch.toUpperCase()}`] || QEMU_BINARY[arch];
  if (!versions.has(binary)) versions.set(binary, probe(binary));
  return versions.get(binary)!;
}
