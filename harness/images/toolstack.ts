import { execa } from "./run-program.ts";
import { chmod, copyFile, lstat, mkdir, readdir, readFile, readlink, realpath, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import picomatch from "picomatch";
import type { PackageVersion } from "../result.ts";
import { aptListsState, downloadDeb, extractFromDeb, ImageError, resolvePackage } from "./apt.ts";
import { cachedDir, exists, memo } from "./cache.ts";
import { insmodLines, type KernelModule } from "./kernel-modules.ts";

/**
 * dom0's toolstack from Debian's packages, never installed on the host: xen-utils-4.17 unpacked,
 * the programs dom0 runs (xl, xenstored, xenconsoled, xen-init-dom0), and the shared libraries
 * they need, found by following each ELF file's NEEDED entries through the packages' Depends.
 */

export const XEN_UTILS = "xen-utils-4.17";
export const XEN_BIN = "/usr/lib/xen-4.17/bin";
const PROGRAMS = ["xl", "xenstored", "xenconsoled", "xen-init-dom0"];
/** Loaded with dlopen, so in no NEEDED: glibc wants libgcc_s for pthread_cancel (xl aborts without it). */
const DLOPENED = ["libgcc_s.so.1"];
/** Debian builds the Xen devices as modules; xenfs needs xen-privcmd loaded first. */
export const XEN_MODULES = ["xen-evtchn", "xen-gntdev", "xen-privcmd", "xenfs"];
const TRIPLET = { arm64: "aarch64-linux-gnu", armhf: "arm-linux-gnueabihf", amd64: "x86_64-linux-gnu" } as const;

/** One package unpacked whole (dpkg-deb -x), cached by name, version and architecture. */
async function unpacked(p: PackageVersion, built: string[]): Promise<string> {
  // Pre-Depends too: bash, for one, pre-depends on the libraries it links (an entry of the Depends-only kind is another key).
  const entry = await cachedDir("deb-tree", { ...p, fields: "Depends,Pre-Depends" }, async (tmp) => {
    const debDir = join(tmp, "deb");
    await mkdir(debDir);
    const deb = await downloadDeb(p, debDir);
    await execa("dpkg-deb", ["-x", deb, join(tmp, "root")]);
    const fields = await Promise.all(
      ["Depends", "Pre-Depends"].map(async (f) => (await execa("dpkg-deb", ["-f", deb, f])).stdout.trim()),
    );
    await writeFile(join(tmp, "depends"), fields.filter(Boolean).join(", "));
    await rm(debDir, { recursive: true });
  });
  if (entry.built) built.push(`${p.package} ${p.version} (unpacked)`);
  return entry.dir;
}

/** Package names a Depends field asks for (first of each alternative, no version, no `:any`). */
export function dependsNames(field: string): string[] {
  return field
    .split(",")
    .map((d) => d.split("|")[0]!.trim().split(/[\s(]/)[0]!.replace(/:.*$/, ""))
    .filter(Boolean);
}

async function elfInfo(file: string): Promise<{ needed: string[]; interp?: string }> {
  const dynamic = await execa("readelf", ["-dlW", file], { reject: false });
  const needed = [...dynamic.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]!);
  const interp = /\[Requesting program interpreter: ([^\]]+)\]/.exec(dynamic.stdout)?.[1];
  return { needed, ...(interp ? { interp } : {}) };
}

/** Every file or symlink under `root`, by its name, as paths relative to root. */
async function filesByName(root: string): Promise<Map<string, string[]>> {
  const names = new Map<string, string[]>();
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() && !e.isSymbolicLink()) continue;
    const rel = join(e.parentPath, e.name).slice(root.length);
    names.set(e.name, [...(names.get(e.name) ?? []), rel]);
  }
  return names;
}

interface Unpacked {
  p: PackageVersion;
  root: string;
  depends: string[];
  names: Map<string, string[]>;
}

/** A path inside a package's tree with its symlinks followed, also the absolute ones (they point into the same tree). */
async function resolveInTree(root: string, rel: string, hops = 0): Promise<string | undefined> {
  const path = join(root, rel);
  const info = await lstat(path).catch(() => undefined);
  if (!info) return undefined;
  if (!info.isSymbolicLink()) return path;
  if (hops > 8) return undefined;
  const target = await readlink(path);
  return resolveInTree(root, target.startsWith("/") ? target : join(dirname(rel), target), hops + 1);
}

/** What dom0 needs beyond xl and xenstored: more of Xen's programs, and files of other Debian packages (scripts, a shell). */
export interface ToolstackExtras {
  /** More programs of xen-utils-4.17's XEN_BIN (e.g. init-dom0less). */
  programs?: string[];
  /** Files of other packages, at the same paths in dom0's rootfs; their shared libraries come along as xl's do. */
  packages?: { package: string; version?: string; paths: string[] }[];
}

/** The paths (from "/") of a package's files that a glob (written from the package's root, no leading "/") matches, sorted. */
export function packagePaths(names: Map<string, string[]>, glob: string): string[] {
  const isMatch = picomatch(glob.replace(/^\/+/, ""), { dot: true });
  return [...names.values()]
    .flat()
    .filter((rel) => isMatch(rel.slice(1)))
    .sort();
}

export interface ToolstackFiles {
  /** rootfs path → file on the host. */
  files: Map<string, string>;
  packages: PackageVersion[];
}

/**
 * The closure below, remembered while apt's lists stay as they are: every package in it is then
 * the same version, so every ELF file and NEEDED entry is the same, and a warm `prepare` runs no
 * readelf (it ran one per file, ~170 processes, most of a second `prepare`'s time). The answer
 * is used only while every file it names is still in the cache.
 */
export async function toolstackFiles(
  debArch: keyof typeof TRIPLET,
  xenVersion: string | undefined,
  built: string[],
  more: ToolstackExtras = {},
): Promise<ToolstackFiles> {
  type Remembered = { files: [string, string][]; packages: PackageVersion[] };
  // `closure`: bumped when the way the closure is found changes (2: Pre-Depends are followed too).
  const key = {
    closure: 2,
    debArch,
    xenVersion,
    more,
    programs: PROGRAMS,
    dlopened: DLOPENED,
    apt: await aptListsState(),
  };
  const stillCached = async (known: unknown) => {
    const files = (known as Partial<Remembered>).files;
    if (!Array.isArray(files) || !Array.isArray((known as Remembered).packages)) return false;
    const present = await Promise.all(files.map(([, host]) => exists(host)));
    return present.every(Boolean);
  };
  const closure = await memo<Remembered>("toolstack-closure", key, stillCached, async () => {
    const found = await toolstackClosure(debArch, xenVersion, built, more);
    return { files: [...found.files], packages: found.packages };
  });
  return { files: new Map(closure.files), packages: closure.packages };
}

/**
 * The programs and their closure of shared libraries. Packages are taken in layers: those of
 * the programs, then the Depends of every package kept so far; a package is kept only when it
 * provides a library some kept ELF file needs. Fails naming what no package provides.
 */
async function toolstackClosure(
  debArch: keyof typeof TRIPLET,
  xenVersion: string | undefined,
  built: string[],
  more: ToolstackExtras = {},
): Promise<ToolstackFiles> {
  const triplet = TRIPLET[debArch];
  const fetched = new Map<string, Unpacked | null>();
  const fetch = async (name: string, version?: string): Promise<Unpacked | null> => {
    if (fetched.has(name)) return fetched.get(name)!;
    const p = await resolvePackage(name, debArch, version ? { version } : {}).catch(() => undefined);
    if (!p) return fetched.set(name, null).get(name)!;
    const root = await unpacked(p, built);
    const u = {
      p,
      root: join(root, "root"),
      depends: dependsNames(await readFile(join(root, "depends"), "utf8")),
      names: await filesByName(join(root, "root")),
    };
    fetched.set(name, u);
    return u;
  };
  const utils = (await fetch(XEN_UTILS, xenVersion))!;
  if (!utils) throw new ImageError(`apt knows no ${XEN_UTILS}:${debArch}`);
  const kept = new Map<string, Unpacked>([[XEN_UTILS, utils]]);
  const files = new Map<string, string>();
  const provided = new Set<string>();
  let wanted = new Set<string>();
  let interp: string | undefined;

  const take = async (rootfsPath: string, hostPath: string) => {
    files.set(rootfsPath, hostPath);
    const info = await elfInfo(hostPath);
    interp ??= info.interp;
    for (const soname of info.needed) if (!provided.has(soname)) wanted.add(soname);
  };
  for (const program of [...PROGRAMS, ...(more.programs ?? [])]) {
    const host = await resolveInTree(utils.root, `${XEN_BIN}/${program}`);
    if (!host) throw new ImageError(`${XEN_UTILS} ${utils.p.version} has no ${XEN_BIN}/${program}`);
    await take(`${XEN_BIN}/${program}`, host);
  }
  for (const extra of more.packages ?? []) {
    const u = await fetch(extra.package, extra.version);
    if (!u) throw new ImageError(`apt knows no ${extra.package}:${debArch}${extra.version ? ` ${extra.version}` : ""}`);
    kept.set(extra.package, u);
    for (const glob of extra.paths) {
      const paths = packagePaths(u.names, glob);
      if (!paths.length) throw new ImageError(`${extra.package} ${u.p.version} has no file ${glob}`);
      for (const rel of paths) {
        const host = await resolveInTree(u.root, rel);
        if (host) await take(rel, host);
      }
    }
  }
  /** A library from a kept package into /lib/<triplet>, under its soname. */
  const provide = async (u: Unpacked, soname: string): Promise<boolean> => {
    for (const rel of u.names.get(soname) ?? []) {
      const host = await resolveInTree(u.root, rel);
      if (!host) continue;
      provided.add(soname);
      wanted.delete(soname);
      await take(`/lib/${triplet}/${soname}`, host);
      return true;
    }
    return false;
  };
  for (const soname of DLOPENED) wanted.add(soname);
  for (let layer = 0; wanted.size && layer < 8; layer++) {
    // What kept packages already hold, first.
    for (let again = true; again;) {
      again = false;
      for (const soname of [...wanted])
        for (const u of kept.values()) if (!provided.has(soname) && (await provide(u, soname))) again = true;
    }
    if (!wanted.size) break;
    // Debian names shared library packages lib* (zlib1g aside): other Depends (python3...) hold no library we need.
    const candidates = [...new Set([...kept.values()].flatMap((u) => u.depends))].filter(
      (name) => !kept.has(name) && /^(lib|zlib)/.test(name),
    );
    for (const name of candidates) {
      const u = await fetch(name);
      if (!u) continue;
      let useful = false;
      for (const soname of [...wanted]) if (await provide(u, soname)) useful = true;
      if (useful) kept.set(name, u);
    }
  }
  if (wanted.size)
    throw new ImageError(
      `${XEN_UTILS} ${utils.p.version}: no package in its Depends provides ${[...wanted].join(", ")}`,
    );
  if (interp) {
    const libc = [...kept.values()].find((u) => u.names.has(basename(interp!)));
    const host = libc ? await resolveInTree(libc.root, interp) : undefined;
    if (!host) throw new ImageError(`no kept package provides the program interpreter ${interp}`);
    files.set(interp, host);
  }
  return { files, packages: [...kept.values()].map((u) => u.p) };
}

/** The Xen device modules out of the kernel package (the same kernel dom0 boots). */
export async function xenModules(kernel: PackageVersion, built: string[]): Promise<Map<string, string>> {
  // Only drivers/xen: the whole package is thousands of modules.
  const entry = await cachedDir("deb-xen-modules", kernel, async (tmp) => {
    const debDir = join(tmp, "deb");
    await mkdir(debDir);
    await mkdir(join(tmp, "root"));
    await extractFromDeb(await downloadDeb(kernel, debDir), "lib/modules/*/kernel/drivers/xen/*", join(tmp, "root"));
    await rm(debDir, { recursive: true });
  });
  if (entry.built) built.push(`${kernel.package} ${kernel.version} (Xen modules)`);
  const root = join(entry.dir, "root");
  const names = await filesByName(root);
  const modules = new Map<string, string>();
  for (const m of XEN_MODULES) {
    const rel = names.get(`${m}.ko`)?.find((r) => r.includes("/drivers/xen/"));
    if (!rel) throw new ImageError(`${kernel.package} ${kernel.version} has no ${m}.ko under drivers/xen`);
    modules.set(`/mods/${m}.ko`, join(root, rel));
  }
  return modules;
}

/** dom0's /init: the usual marker, the Xen devices and xenstore up, Domain-0 named, then the declared commands. */
export function toolstackInitScript(
  debArch: keyof typeof TRIPLET,
  commands: string[],
  modules: KernelModule[] = [],
): string {
  const triplet = TRIPLET[debArch];
  return [
    "#!/bin/busybox sh",
    "/bin/busybox --install -s",
    "mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev",
    'echo "dom0 init: $(uname -r) xen: $(cat /sys/hypervisor/type 2>/dev/null)"',
    `for m in ${XEN_MODULES.join(" ")}; do insmod /mods/$m.ko; done`,
    // The expectation's own modules (a NIC, a bridge, netback), each after those it depends on.
    ...insmodLines(modules),
    // /var/lock: xl takes /var/lock/xl before it balloons dom0 down (no dom0_mem: `cannot open the lockfile`).
    "mkdir -p /proc/xen /var/run/xen /var/lib/xenstored /var/lib/xen /var/log/xen /var/lock /dev/pts /tmp",
    "mount -t xenfs xenfs /proc/xen; mount -t devpts devpts /dev/pts",
    `export LD_LIBRARY_PATH=/lib/${triplet} PATH=$PATH:${XEN_BIN}`,
    "xenstored --pid-file /var/run/xenstored.pid",
    // xen-init-dom0 names dom0 "Domain-0" in xenstore (else xl shows "(null)"); it needs /var/lib/xen for libxl's lock.
    "sleep 1; xen-init-dom0",
    ...commands,
    "exec setsid cttyhack sh",
    "",
  ].join("\n");
}

/** Build the gzipped newc cpio: busybox, /init, and every file at its rootfs path (gzip level 1: this runs on every cold cache). */
export async function buildToolstackInitramfs(
  busybox: string,
  script: string,
  files: Map<string, string | { text: string }>,
  workDir: string,
  out: string,
): Promise<void> {
  const root = join(workDir, "rootfs");
  // var/lock: xl's lock file (/var/lock/xl), taken before it balloons dom0 down; without it `xl create` fails when dom0_mem is not set.
  for (const d of ["bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "etc/xen", "tmp", "var/lock"])
    await mkdir(join(root, d), { recursive: true });
  await copyFile(busybox, join(root, "bin/busybox"));
  await chmod(join(root, "bin/busybox"), 0o755);
  await writeFile(join(root, "init"), script, { mode: 0o755 });
  await writeFile(join(root, "etc/xen/xl.conf"), ""); // xl warns on every call without one
  for (const [path, source] of files) {
    const dest = join(root, path);
    await mkdir(dirname(dest), { recursive: true });
    if (typeof source === "string") {
      await copyFile(await realpath(source), dest);
      await chmod(dest, 0o755);
    } else await writeFile(dest, source.text);
  }
  const cpio = join(workDir, "initrd.cpio");
  await execa("sh", ["-c", `find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 > '${cpio}'`], { cwd: root });
  await writeFile(out, gzipSync(await readFile(cpio), { level: 1 }));
}

export interface ToolstackBuild {
  file: string;
  sha256: string;
  packages: PackageVersion[];
}
