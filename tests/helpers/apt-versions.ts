import { execa } from "execa";
import { compareDebianVersions } from "../../harness/images/debian-version.ts";

/** The newest `count` Debian 6.1 kernel ABIs apt offers for arm64 (each ABI is its own package), oldest first. */
export async function newestKernelAbis(count: number): Promise<number[]> {
  const { stdout } = await execa("apt-cache", ["search", "--names-only", "^linux-image-6\\.1\\.0-[0-9]+-arm64$"]);
  const abis = [...stdout.matchAll(/^linux-image-6\.1\.0-(\d+)-arm64 /gm)]
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  if (abis.length < count) throw new Error(`apt offers ${abis.length} kernel ABIs, fewer than ${count}`);
  return abis.slice(-count);
}

/** The two newest versions of Debian's arm64 Xen 4.17, oldest first. */
export async function newestXenPair(): Promise<[string, string]> {
  const { stdout } = await execa("apt-cache", ["madison", "xen-hypervisor-4.17-arm64:arm64"]);
  const versions = [
    ...new Set(
      stdout
        .split("\n")
        .map((l) => l.split("|")[1]?.trim())
        .filter((v): v is string => !!v),
    ),
  ].sort(compareDebianVersions);
  if (versions.length < 2) throw new Error("apt offers only one version of xen-hypervisor-4.17-arm64");
  return [versions.at(-2)!, versions.at(-1)!];
}

export interface AptKernel {
  pkg: string;
  version: string;
  abi: number;
}

/** The newest `count` 6.1 kernel ABIs for arm64 with the version apt offers of each (bisect-versions' test boots the same ones). */
export async function newestKernels(count = 4): Promise<AptKernel[]> {
  const abis = await newestKernelAbis(count);
  const pkgs = abis.map((abi) => `linux-image-6.1.0-${abi}-arm64`);
  const madison = (await execa("apt-cache", ["madison", ...pkgs.map((p) => `${p}:arm64`)])).stdout;
  return abis.map((abi, i) => ({
    pkg: pkgs[i]!,
    abi,
    version: new RegExp(`^\\s*${pkgs[i]}:arm64\\s*\\|\\s*(\\S+)\\s`, "m").exec(madison)![1]!,
  }));
}
