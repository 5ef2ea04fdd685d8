import { execa } from "./run-program.ts";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PackageVersion } from "../result.ts";
import { downloadDeb, ImageError } from "./apt.ts";
import { cachedDir } from "./cache.ts";

/**
 * Kernel modules out of a Debian kernel package, with the modules they depend on. The package
 * ships no modules.dep (depmod writes it when the package is installed), so each module's own
 * `.modinfo` section says what it needs; modules built into the kernel (modules.builtin) need
 * no file. Only the modules asked for and their dependencies are unpacked: the package holds
 * thousands.
 */

/** The kernel's name for a module: `-` and `_` are the same to it (xen-netback.ko is "xen_netback"). */
export function moduleName(name: string): string {
  return name.replace(/\.ko$/, "").replace(/-/g, "_");
}

/** The `depends=` entry of a module's .modinfo section (NUL-separated key=value strings), as names. */
export function modinfoDepends(ko: Buffer): string[] {
  for (let at = ko.indexOf("depends="); at >= 0; at = ko.indexOf("depends=", at + 1)) {
    // A whole entry only: the start of a NUL-separated string.
    if (at > 0 && ko[at - 1] !== 0) continue;
    const end = ko.indexOf(0, at);
    const value = ko.subarray(at + "depends=".length, end < 0 ? ko.length : end).toString("latin1");
    return value.split(",").filter(Boolean).map(moduleName);
  }
  return [];
}

/** Modules in load order: each after every module it depends on. `depends` maps a name to its dependencies. */
export function loadOrder(names: string[], depends: Map<string, string[]>): string[] {
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting")
      throw new ImageError(`kernel modules depend on each other in a cycle: ${[...path, name].join(" → ")}`);
    state.set(name, "visiting");
    for (const d of depends.get(name) ?? []) visit(d, [...path, name]);
    state.set(name, "done");
    order.push(name);
  };
  for (const n of names) visit(moduleName(n), []);
  return order;
}

export interface KernelModule {
  /** The kernel's name for it (underscores). */
  name: string;
  /** The .ko file on the host. */
  file: string;
}

/**
 * `names` and every module they depend on, in load order, as files out of the kernel package.
 * A module built into the kernel is left out (nothing to load); one the package has neither as
 * a file nor built in is an error naming the package.
 */
export async function kernelModules(kernel: PackageVersion, names: string[], built: string[]): Promise<KernelModule[]> {
  const wanted = [...new Set(names.map(moduleName))].sort();
  const entry = await cachedDir("deb-modules", { kernel, modules: wanted }, async (tmp) => {
    const debDir = join(tmp, "deb");
    const root = join(tmp, "root");
    await mkdir(debDir);
    await mkdir(root);
    const deb = await downloadDeb(kernel, debDir);
    const listing = (await execa("sh", ["-c", 'dpkg-deb --fsys-tarfile "$0" | tar -t', deb])).stdout.split("\n");
    const files = new Map<string, string>();
    for (const path of listing)
      if (path.endsWith(".ko")) files.set(moduleName(path.slice(path.lastIndexOf("/") + 1)), path);
    const builtinList = listing.find((p) => /\/lib\/modules\/[^/]+\/modules\.builtin$/.test(p));
    const extract = (paths: string[]) =>
      execa("sh", [
        "-c",
        'deb=$1 root=$2; shift 2; dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$root" "$@"',
        "sh",
        deb,
        root,
        ...paths,
      ]);
    const builtin = new Set<string>();
    if (builtinList) {
      await extract([builtinList]);
      for (const line of (await readFile(join(root, builtinList), "utf8")).split("\n"))
        if (line.trim()) builtin.add(moduleName(line.slice(line.lastIndexOf("/") + 1)));
    }
    const depends = new Map<string, string[]>();
    let pending = wanted;
    while (pending.length) {
      const missing = pending.filter((n) => !files.has(n) && !builtin.has(n));
      if (missing.length)
        throw new ImageError(
          `${kernel.package} ${kernel.version} has no kernel module ${missing.join(", ")} (neither a .ko file nor built in)`,
        );
      const toUnpack = pending.filter((n) => files.has(n));
      if (toUnpack.length) await extract(toUnpack.map((n) => files.get(n)!));
      const next = new Set<string>();
      for (const n of pending) {
        const deps = files.has(n) ? modinfoDepends(await readFile(join(root, files.get(n)!))) : [];
        depends.set(n, deps);
        for (const d of deps) if (!depends.has(d)) next.add(d);
      }
      pending = [...next];
    }
    const order = loadOrder(wanted, depends)
      .filter((n) => files.has(n))
      .map((name) => ({ name, path: files.get(name)! }));
    await writeFile(join(tmp, "order.json"), JSON.stringify(order));
    await rm(debDir, { recursive: true });
  });
  if (entry.built) built.push(`${kernel.package} ${kernel.version} (modules ${wanted.join(", ")})`);
  const order = JSON.parse(await readFile(join(entry.dir, "order.json"), "utf8")) as { name: string; path: string }[];
  return order.map((m) => ({ name: m.name, file: join(entry.dir, "root", m.path) }));
}

/** /init lines that load modules put at /mods/<name>.ko, in the order given. */
export function insmodLines(modules: KernelModule[]): string[] {
  return modules.length ? [`for m in ${modules.map((m) => m.name).join(" ")}; do insmod /mods/$m.ko; done`] : [];
}
