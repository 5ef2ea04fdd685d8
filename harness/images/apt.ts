import { execa } from "./run-program.ts";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { PackageVersion } from "../result.ts";
import { memo } from "./cache.ts";

/** An image could not be prepared: an infra problem, never a boot failure. */
export class ImageError extends Error {
  override name = "ImageError";
}

/** apt-cache's output; with `check`, a failing apt-cache is an error rather than no answer. */
export async function aptCache(args: string[], opts: { check?: boolean } = {}): Promise<string> {
  const { stdout, exitCode, stderr } = await execa("apt-cache", args, { reject: false });
  if (opts.check && exitCode !== 0) throw new Error(`apt-cache ${args[0]} failed: ${stderr.trim()}`);
  return stdout;
}

/** The version apt would download now (its candidate), or the pinned one after checking apt knows it. */
async function resolveVersion(pkg: string, arch: string, pinned?: string): Promise<string> {
  if (pinned) {
    const known = await availableVersions(pkg, arch);
    if (!known.includes(pinned))
      throw new ImageError(`${pkg}:${arch} has no version ${pinned} in apt (known: ${known.join(", ") || "none"})`);
    return pinned;
  }
  const candidate = /Candidate:\s*(\S+)/.exec(await aptCache(["policy", `${pkg}:${arch}`]))?.[1];
  if (!candidate || candidate === "(none)")
    throw new ImageError(
      `apt knows no package ${pkg}:${arch}; run ci/setup-host.sh (it enables the ${arch} architecture and runs apt-get update)`,
    );
  return candidate;
}

/** Every version of a package that apt can download, newest first. */
export async function availableVersions(pkg: string, arch: string): Promise<string[]> {
  const out = await aptCache(["madison", `${pkg}:${arch}`]);
  return [
    ...new Set(
      out
        .split("\n")
        .map((line) => line.split("|")[1]?.trim())
        .filter((v): v is string => !!v),
    ),
  ];
}

/** A metapackage (linux-image-arm64) stands for the real package it depends on (linux-image-6.1.0-N-arm64). */
async function followMetapackage(pkg: string, arch: string, version: string): Promise<string> {
  const out = await aptCache(["show", `${pkg}:${arch}=${version}`]);
  const depends = /^Depends:\s*(.+)$/m.exec(out)?.[1];
  const target = depends?.split(",")[0]?.trim().split(/\s/)[0]?.replace(/:.*$/, "");
  if (!target) throw new ImageError(`${pkg}:${arch}=${version} depends on nothing to follow`);
  return target;
}

/** What apt knows changes only with `apt-get update`: the lists directory and apt's binary cache say when. */
export async function aptListsState(): Promise<number[]> {
  return Promise.all(
    ["/var/lib/apt/lists", "/var/cache/apt/pkgcache.bin"].map((path) =>
      stat(path).then(
        (s) => s.mtimeMs,
        () => 0,
      ),
    ),
  );
}

/**
 * Resolve a package request to exact name, version and architecture. apt-cache reads its whole
 * database per call (seconds on a loaded machine), so answers are kept in the cache until apt's
 * lists change.
 */
export async function resolvePackage(
  pkg: string,
  arch: string,
  options: { version?: string; follow?: boolean },
): Promise<PackageVersion> {
  const request = { pkg, arch, version: options.version, follow: options.follow, apt: await aptListsState() };
  return memo(
    "apt-resolved",
    request,
    (known) => {
      const k = known as Partial<PackageVersion>;
      return typeof k.package === "string" && typeof k.version === "string" && typeof k.arch === "string";
    },
    () => resolveWithAptCache(pkg, arch, options),
  );
}

async function resolveWithAptCache(
  pkg: string,
  arch: string,
  options: { version?: string; follow?: boolean },
): Promise<PackageVersion> {
  if (!options.follow) return { package: pkg, arch, version: await resolveVersion(pkg, arch, options.version) };
  const metaVersion = await resolveVersion(pkg, arch, options.version);
  const target = await followMetapackage(pkg, arch, metaVersion);
  return { package: target, arch, version: await resolveVersion(target, arch) };
}

/** Download one .deb into `dir` (never installed) and return its path. */
export async function downloadDeb(p: PackageVersion, dir: string): Promise<string> {
  const result = await execa(
    "apt-get",
    ["-q", "-o", "APT::Sandbox::User=root", "download", `${p.package}:${p.arch}=${p.version}`],
    { cwd: dir, reject: false },
  );
  const deb = (await readdir(dir)).find((f) => f.endsWith(".deb"));
  if (result.exitCode !== 0 || !deb)
    throw new ImageError(
      `apt-get download ${p.package}:${p.arch}=${p.version} failed: ${result.stderr.trim() || result.stdout.trim()}`,
    );
  return join(dir, deb);
}

/** Unpack the files matching `pattern` (a path inside the package, `*` allowed) into `dir`; returns their paths. */
export async function extractFromDeb(deb: string, pattern: string, dir: string): Promise<string[]> {
  const tar = `tar -x --wildcards -C '${dir}' './${pattern.replace(/^\.?\//, "")}'`;
  const result = await execa("sh", ["-c", `dpkg-deb --fsys-tarfile '${deb}' | ${tar}`], { reject: false });
  if (result.exitCode !== 0) throw new ImageError(`${deb} has no file ${pattern}: ${result.stderr.trim()}`);
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
