import { execa } from "./run-program.ts";
import { join } from "node:path";
import { cachedEntry, writeEntry } from "./cache.ts";

/**
 * One `fdtput` call: set a property (`-t s` strings, `-t x` hex cells), create nodes, or set
 * cells to the phandles of other nodes of the machine's own tree (read from the dumped DTB).
 */
export type DtbPatch =
  | { set: string; property: string; type: "s" | "x"; values: string[] }
  | { create: string[] }
  | { set: string; property: string; phandlesOf: string[] };

async function fdtputArgs(file: string, patch: DtbPatch): Promise<string[]> {
  if ("create" in patch) return ["-c", file, ...patch.create];
  if ("phandlesOf" in patch) {
    const phandles = [];
    for (const node of patch.phandlesOf) {
      const got = await execa("fdtget", ["-t", "x", file, node, "phandle"], { reject: false });
      if (got.exitCode !== 0)
        throw new Error(`the machine's device tree has no phandle for ${node}: ${got.stderr.trim()}`);
      phandles.push(got.stdout.trim());
    }
    return ["-t", "x", file, patch.set, patch.property, ...phandles];
  }
  return ["-t", patch.type, file, patch.set, patch.property, ...patch.values];
}

/**
 * The machine's own DTB, dumped by QEMU with the same machine arguments as the boot (memory
 * included), then patched. Cached by everything that shapes it.
 */
export async function patchedDtb(
  qemu: { binary: string; version: string },
  machineArgs: string[],
  patches: DtbPatch[],
): Promise<string> {
  const { file } = await cachedEntry(
    "dtb",
    { qemu, machineArgs, patches },
    async (tmp) => {
      const file = join(tmp, "virt.dtb");
      await execa(qemu.binary, [...machineArgs, "-machine", `dumpdtb=${file}`, "-nographic"]);
      for (const patch of patches) await execa("fdtput", await fdtputArgs(file, patch));
      await writeEntry(tmp, "virt.dtb");
    },
    "virt.dtb",
  );
  return file;
}
