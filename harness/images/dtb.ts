import { execa } from "execa";
import { join } from "node:path";
import { cachedEntry, writeEntry } from "./cache.ts";

/** One `fdtput` call: set a property (`-t s` strings, `-t x` hex cells) or create nodes. */
export type DtbPatch = { set: string; property: string; type: "s" | "x"; values: string[] } | { create: string[] };

function fdtputArgs(file: string, patch: DtbPatch): string[] {
  if ("create" in patch) return ["-c", file, ...patch.create];
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
      for (const patch of patches) await execa("fdtput", fdtputArgs(file, patch));
      await writeEntry(tmp, "virt.dtb");
    },
    "virt.dtb",
  );
  return file;
}
