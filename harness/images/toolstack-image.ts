import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { PreparedImageInfo } from "../expectations/schema.ts";
import type { ToolstackInitrdSource } from "../expectations/toolstack.ts";
import type { PackageVersion } from "../result.ts";
import { ImageError } from "./apt.ts";
import { cachedEntry, writeEntry } from "./cache.ts";
import { kernelModules } from "./kernel-modules.ts";
import {
  buildToolstackInitramfs,
  toolstackFiles,
  toolstackInitScript,
  xenModules,
  type ToolstackBuild,
} from "./toolstack.ts";

export interface ToolstackInputs {
  debArch: "arm64" | "armhf" | "amd64";
  busybox: { file: string; sha256: string };
  /** Images prepared so far (the toolstack initramfs comes last). */
  images: Record<string, PreparedImageInfo & { sha256: string }>;
  rolePackages: Record<string, PackageVersion>;
  built: string[];
}

/** The toolstack initramfs of an expectation, through the cache: keyed by every input's identity. */
export async function toolstackInitrd(source: ToolstackInitrdSource, inputs: ToolstackInputs): Promise<ToolstackBuild> {
  const kernelRole = source.modulesFrom ?? "kernel";
  const kernel = inputs.rolePackages[kernelRole];
  if (!kernel) throw new ImageError(`modulesFrom "${kernelRole}" is not a Debian package image`);
  const { files: programs, packages } = await toolstackFiles(inputs.debArch, source.version, inputs.built, {
    ...(source.programs ? { programs: source.programs } : {}),
    ...(source.packages ? { packages: source.packages } : {}),
  });
  const modules = await xenModules(kernel, inputs.built);
  const more = source.modules ? await kernelModules(kernel, source.modules, inputs.built) : [];
  const files = new Map<string, string | { text: string }>([
    ...programs,
    ...modules,
    ...more.map((m): [string, string] => [`/mods/${m.name}.ko`, m.file]),
  ]);
  for (const [path, file] of Object.entries(source.files ?? {})) {
    if ("text" in file) files.set(path, file);
    else {
      const image = inputs.images[file.image];
      if (!image) throw new ImageError(`files["${path}"]: image "${file.image}" is not prepared`);
      files.set(path, image.path);
    }
  }
  const script = toolstackInitScript(inputs.debArch, source.commands, more);
  const key = {
    busybox: inputs.busybox.sha256,
    script,
    packages,
    kernel,
    files: [...files].map(([path, f]) => [path, typeof f === "string" ? f : f.text]),
  };
  const entry = await cachedEntry("toolstack-initrd", key, async (tmp) => {
    await buildToolstackInitramfs(inputs.busybox.file, script, files, join(tmp, "work"), join(tmp, "initrd.gz"));
    await rm(join(tmp, "work"), { recursive: true });
    await writeEntry(tmp, "initrd.gz");
  });
  if (entry.built) inputs.built.push(`toolstack initramfs (${inputs.debArch})`);
  return { file: entry.file, sha256: entry.sha256, packages };
}
