import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import type { Expectation } from "../expectations/loader.ts";
import { DEB_ARCH, type ImageSource, type PreparedImageInfo } from "../expectations/schema.ts";
import type { PackageVersion } from "../result.ts";
import { downloadDeb, extractFromDeb, ImageError, resolvePackage } from "./apt.ts";
import { cachedEntry, sha256File, writeEntry } from "./cache.ts";
import { buildInitramfs, initScript } from "./initramfs.ts";
import { kernelModules, type KernelModule } from "./kernel-modules.ts";
import { toolstackInitrd } from "./toolstack-image.ts";
import { userImageProblem } from "./user-image.ts";
import { buildXen, XenBuildError, type XenBuild } from "./xen-build.ts";

export interface PreparedImage extends PreparedImageInfo {
  sha256: string;
  /** The Debian package the image comes from (a user's file comes from none). */
  package?: PackageVersion;
  /** A Xen built from source: what was built, and its log. */
  build?: XenBuild;
}

export interface PreparedImages {
  images: Record<string, PreparedImage>;
  packages: PackageVersion[];
  /** Cache entries made by this call (empty on a warm cache). */
  built: string[];
}

/** The boot needs a file the user did not point at: skip it and say how to run it. */
export class UserImageMissing extends Error {
  override name = "UserImageMissing";
}

interface Entry {
  file: string;
  sha256: string;
}

async function describe(path: string, sha256: string): Promise<PreparedImage> {
  const { size } = await stat(path);
  return { path, size, sizeHex: size.toString(16), sha256 };
}

/** One file out of one Debian package, gunzipped if it ships compressed (x86_64 Xen), or gzipped when asked. */
async function fileFromDeb(p: PackageVersion, path: string, built: string[], gzip = false): Promise<Entry> {
  const entry = await cachedEntry("deb-file", { ...p, path, ...(gzip ? { gzip } : {}) }, async (tmp) => {
    const debDir = join(tmp, "deb");
    const unpacked = join(tmp, "unpacked");
    await mkdir(debDir);
    await mkdir(unpacked);
    const files = await extractFromDeb(await downloadDeb(p, debDir), path, unpacked);
    if (files.length !== 1)
      throw new ImageError(`${p.package} ${p.version}: "${path}" matches ${files.length} files, expected one`);
    const name = basename(files[0]!).replace(/\.gz$/, "");
    const raw = await readFile(files[0]!);
    const data = files[0]!.endsWith(".gz") ? gunzipSync(raw) : raw;
    await writeFile(join(tmp, gzip ? `${name}.gz` : name), gzip ? gzipSync(data) : data);
    await writeEntry(tmp, gzip ? `${name}.gz` : name);
    await Promise.all([rm(debDir, { recursive: true }), rm(unpacked, { recursive: true })]);
  });
  if (entry.built)
    built.push(
      `${p.package} ${p.version} ${path}${entry.repaired ? ` (the cached copy was bad: ${entry.repaired})` : ""}`,
    );
  return entry;
}

async function busyboxInitrd(
  busyboxPkg: PackageVersion,
  initLines: string[] | undefined,
  modules: KernelModule[],
  built: string[],
): Promise<Entry> {
  const busybox = await fileFromDeb(busyboxPkg, "bin/busybox", built);
  const script = initScript(initLines, modules);
  const files = new Map(modules.map((m) => [`/mods/${m.name}.ko`, m.file]));
  // Without modules the key is what it always was: initramfs entries already cached stay valid.
  const key = { busybox: busybox.sha256, script, ...(files.size ? { files: [...files] } : {}) };
  const entry = await cachedEntry("initrd", key, async (tmp) => {
    await buildInitramfs(busybox.file, script, join(tmp, "work"), join(tmp, "initrd.gz"), files);
    await rm(join(tmp, "work"), { recursive: true });
    await writeEntry(tmp, "initrd.gz");
  });
  if (entry.built)
    built.push(
      `busybox initramfs (${busyboxPkg.arch})${entry.repaired ? ` (the cached copy was bad: ${entry.repaired})` : ""}`,
    );
  return entry;
}

/** The kernel modules a busybox initramfs asks for, out of the package of its `modulesFrom` image. */
async function initrdModules(
  source: Extract<ImageSource, { kind: "busybox-initrd" }>,
  rolePackages: Record<string, PackageVersion>,
  built: string[],
): Promise<KernelModule[]> {
  if (!source.modules) return [];
  const from = source.modulesFrom ?? "kernel";
  const kernel = rolePackages[from];
  if (!kernel) throw new ImageError(`modulesFrom "${from}" is not a Debian package image`);
  return kernelModules(kernel, source.modules, built);
}

async function userFile(
  role: string,
  source: Extract<ImageSource, { kind: "file" }>,
  exp: Expectation,
): Promise<Entry> {
  const fromEnv = source.env ? process.env[source.env] : undefined;
  if (!fromEnv && !source.path)
    throw new UserImageMissing(
      `${exp.file}: images.${role} comes from $${source.env}, which is not set (set it to the image file, or pass --image ${role}=PATH)`,
    );
  // A variable's value is typed in a shell (from the working directory); a path in the file is from the file.
  const file = fromEnv ? resolve(fromEnv) : resolve(dirname(exp.file), source.path!);
  const problem = await userImageProblem(file, role, exp.machine.arch);
  if (problem) throw new ImageError(`${exp.file}: images.${role}: ${problem}`);
  return { file, sha256: await sha256File(file) };
}

/** The Debian package an image comes from, as apt resolves it now (a user's file comes from none). */
async function sourcePackage(source: ImageSource, debArch: string): Promise<PackageVersion | undefined> {
  if (source.kind === "deb") return resolvePackage(source.package, debArch, source);
  if (source.kind === "busybox-initrd")
    return resolvePackage("busybox-static", debArch, source.version ? { version: source.version } : {});
  if (source.kind === "xen-toolstack-initrd") return resolvePackage("busybox-static", debArch, {});
  return undefined;
}

/** The package versions an expectation's images would use, without downloading anything (a CI cache key). */
export async function expectationPackages(exp: Expectation): Promise<PackageVersion[]> {
  const debArch = DEB_ARCH[exp.machine.arch];
  const packages = await Promise.all(Object.values(exp.images).map((source) => sourcePackage(source, debArch)));
  return dedupe(packages.filter((p): p is PackageVersion => !!p)).sort((a, b) => a.package.localeCompare(b.package));
}

/** Fetch, unpack and build every image of an expectation, through the cache. */
export async function prepareImages(exp: Expectation, overrides: Record<string, string> = {}): Promise<PreparedImages> {
  const debArch = DEB_ARCH[exp.machine.arch];
  const packages: PackageVersion[] = [];
  const built: string[] = [];
  const images: Record<string, PreparedImage> = {};
  const rolePackages: Record<string, PackageVersion> = {};
  // A toolstack initramfs holds other images (a guest's kernel): it is built after them; an
  // initramfs with kernel modules after the kernel package they come from.
  const rank = (source: ImageSource) =>
    source.kind === "xen-toolstack-initrd" ? 2 : source.kind === "busybox-initrd" && source.modules ? 1 : 0;
  const roles = Object.entries(exp.images).sort(([, a], [, b]) => rank(a) - rank(b));
  for (const [role, declared] of roles) {
    const source: ImageSource = overrides[role] ? { kind: "file", path: resolve(overrides[role]) } : declared;
    const p = await sourcePackage(source, debArch);
    if (p) packages.push(p);
    if (p) rolePackages[role] = p;
    if (source.kind === "xen-toolstack-initrd") {
      const made = await toolstackInitrd(source, {
        debArch,
        busybox: await fileFromDeb(p!, "bin/busybox", built),
        images,
        rolePackages,
        built,
      });
      packages.push(...made.packages);
      images[role] = await describe(made.file, made.sha256);
      continue;
    }
    if (source.kind === "xen-source") {
      if (exp.machine.arch === "arm")
        throw new ImageError(`${exp.file}: images.${role}: xenFromSource does not build arm32 Xen`);
      const made = await buildXen(source, exp.machine.arch, `${exp.file}: images.${role}`).catch((error: unknown) => {
        if (error instanceof XenBuildError) error.role = role;
        throw error;
      });
      if (made.build.built)
        built.push(
          `Xen from ${made.build.source} (${made.build.options}) in ${made.build.seconds?.toFixed(1)} s${made.build.repaired ? ` (the cached copy was bad: ${made.build.repaired})` : ""}`,
        );
      images[role] = { ...(await describe(made.file, made.sha256)), build: made.build };
      continue;
    }
    const entry =
      source.kind === "deb"
        ? await fileFromDeb(p!, source.path, built, source.gzip)
        : source.kind === "busybox-initrd"
          ? await busyboxInitrd(p!, source.initLines, await initrdModules(source, rolePackages, built), built)
          : await userFile(role, source, exp);
    images[role] = { ...(await describe(entry.file, entry.sha256)), ...(p ? { package: p } : {}) };
  }
  return { images, packages: dedupe(packages), built };
}

function dedupe(packages: PackageVersion[]): PackageVersion[] {
  return [...new Map(packages.map((p) => [`${p.package}:${p.arch}`, p])).values()];
}
