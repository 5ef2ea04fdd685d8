/**
 * Where a Xen source comes from, and what identifies its contents: Debian's source package
 * (fetched with `apt-get source`, checked against its .dsc, unpacked with dpkg-source) or a tree
 * on disk (identified by the git tree of its working files, else by hashing them).
 */
import { execa } from "./run-program.ts";
import { createHash } from "node:crypto";
import { copyFile, mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import type { XenSourceTree } from "../expectations/xen-source.ts";
import { aptListsState, ImageError } from "./apt.ts";
import { cachedDir, filesUnchanged, memo, recordChecked, sha256File } from "./cache.ts";

/** The tree make runs in, and what names its contents (the build cache's key). */
export interface ResolvedSource {
  /** What a person reads: `Debian source xen=4.17.5+72-g01140da4e8-1`, `tree /src/xen at 1a2b3c4 (+ local changes)`. */
  description: string;
  /** Content identity: equal identities build the same Xen. */
  identity: Record<string, string | boolean>;
  /** Where the tree is unpacked (or is), once `unpack` ran. */
  unpack: (into: string) => Promise<string>;
  /** A stable place for this source's incremental build directory: the same for every commit of one tree. */
  workKey: Record<string, string | boolean>;
  /** Extra make variables (Debian's patches print the package version in Xen's banner). */
  makeEnv: Record<string, string>;
}

/** `Checksums-Sha256:` of a .dsc: file name → sha256. */
function dscChecksums(dsc: string): Map<string, string> {
  const block = /^Checksums-Sha256:\n((?:[ \t].*\n?)+)/m.exec(dsc)?.[1] ?? "";
  return new Map(
    block
      .split("\n")
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length === 3)
      .map(([sum, , name]) => [name!, sum!]),
  );
}

/** The files of a fetched source package whose sha256 is not what its .dsc says (a corrupted cache entry). */
async function badSourceFiles(dir: string): Promise<string | undefined> {
  const inDir = await readdir(dir).catch(() => [] as string[]);
  const dscName = inDir.find((n) => n.endsWith(".dsc"));
  if (!dscName) return `${dir} holds no .dsc`;
  const sums = dscChecksums(await readFile(join(dir, dscName), "utf8"));
  if (!sums.size) return `${join(dir, dscName)} lists no Checksums-Sha256`;
  const names = [dscName, ...sums.keys()];
  if (filesUnchanged(dir, names)) return undefined;
  for (const [name, sum] of sums) {
    const actual = await sha256File(join(dir, name)).catch(() => "missing");
    if (actual !== sum)
      return `${join(dir, name)} is ${actual === "missing" ? "missing" : "corrupted"} (the .dsc says sha256 ${sum.slice(0, 12)}…)`;
  }
  // The tarballs are megabytes: hashed once, then checked by size and mtime like any cache entry.
  await recordChecked(dir, names).catch(() => {});
  return undefined;
}

/** Versions of a source package apt can fetch (deb-src entries), newest first; remembered until apt's lists change. */
export async function sourceVersions(pkg: string): Promise<string[]> {
  const key = { pkg, apt: await aptListsState() };
  return memo(
    "apt-source-versions",
    key,
    (known) => Array.isArray(known) && known.length > 0,
    () => askSourceVersions(pkg),
  );
}

async function askSourceVersions(pkg: string): Promise<string[]> {
  const { stdout } = await execa("apt-cache", ["showsrc", pkg], { reject: false });
  const packages = stdout
    .split(/\n\n+/)
    .filter((b) => new RegExp(`^Package: ${pkg.replace(/[.+]/g, "\\$&")}$`, "m").test(b));
  return packages.map((b) => /^Version: (\S+)$/m.exec(b)?.[1]).filter((v): v is string => !!v);
}

async function debianSourceTree(source: Extract<XenSourceTree, { kind: "debian" }>): Promise<ResolvedSource> {
  const known = await sourceVersions(source.package);
  if (!known.length)
    throw new ImageError(
      `apt knows no source package ${source.package}: it needs a deb-src entry for the Debian archive (ci/setup-host.sh adds one, then apt-get update)`,
    );
  const version = source.version ?? known[0]!;
  if (!known.includes(version))
    throw new ImageError(
      `source package ${source.package} has no version ${version} in apt (known: ${known.join(", ")})`,
    );
  const fetched = await cachedDir(
    "deb-source",
    { package: source.package, version },
    async (tmp) => {
      const r = await execa(
        "apt-get",
        ["-q", "-o", "APT::Sandbox::User=root", "source", "--download-only", `${source.package}=${version}`],
        { cwd: tmp, reject: false },
      );
      if (r.exitCode !== 0)
        throw new ImageError(
          `apt-get source --download-only ${source.package}=${version} failed (the archive may not serve this version's source: pin one it serves): ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" / ")}`,
        );
      const bad = await badSourceFiles(tmp);
      if (bad) throw new ImageError(`apt-get source ${source.package}=${version}: ${bad}`);
    },
    badSourceFiles,
  );
  const dsc = (await readdir(fetched.dir)).find((n) => n.endsWith(".dsc"))!;
  const patches = source.patches !== false;
  const dscText = await readFile(join(fetched.dir, dsc), "utf8");
  const maintainer = /^Maintainer: (.*)$/m.exec(dscText)?.[1] ?? "";
  const identity = { debian: source.package, version, dsc: await sha256File(join(fetched.dir, dsc)), patches };
  return {
    description: `Debian source ${source.package}=${version}${patches ? "" : " (upstream tarball, Debian's patches not applied)"}`,
    identity,
    workKey: identity,
    // debian/rules exports these for its banner patch (0003-Display-Debian-package-version).
    makeEnv: patches ? { DEB_VERSION: version, DEB_MAINTAINER: maintainer } : {},
    unpack: async (into) => {
      const target = join(into, "src");
      // Unpacked once per build directory: make's timestamps there are what keeps rebuilds incremental.
      if (await stat(join(target, "xen", "Makefile")).catch(() => undefined)) return target;
      await rm(target, { recursive: true, force: true });
      const r = await execa(
        "dpkg-source",
        ["-x", ...(patches ? [] : ["--skip-patches"]), join(fetched.dir, dsc), target],
        {
          reject: false,
        },
      );
      if (r.exitCode !== 0) throw new ImageError(`dpkg-source -x ${dsc} failed: ${(r.stderr || r.stdout).trim()}`);
      // dpkg-source leaves a copy of the upstream tarball beside the tree: the fetched one is enough.
      for (const name of await readdir(into))
        if (name.includes(".orig.tar.")) await rm(join(into, name), { force: true });
      return target;
    },
  };
}

const git = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  execa("git", args, { cwd, reject: false, env, extendEnv: true });

/** The git tree object of the working files as they are (tracked, changed and new, ignored ones left out). */
async function gitWorkingTree(path: string): Promise<{ tree: string; head?: string; dirty: boolean } | undefined> {
  const top = await git(path, ["rev-parse", "--show-toplevel", "--git-path", "index"]);
  if (top.exitCode !== 0) return undefined;
  const [, indexPath] = top.stdout.split("\n");
  // A private copy of the index: `git add -A` there leaves the user's staging alone and reuses its stat cache.
  const index = join(tmpdir(), `bootlog-index-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    await copyFile(resolve(path, indexPath!), index).catch(() => {});
    const env = { GIT_INDEX_FILE: index };
    const add = await git(path, ["add", "-A", "--", "."], env);
    const tree = await git(path, ["write-tree"], env);
    if (add.exitCode !== 0 || tree.exitCode !== 0) return undefined;
    const head = await git(path, ["rev-parse", "HEAD", "HEAD^{tree}"]);
    const [commit, headTree] = head.exitCode === 0 ? head.stdout.split("\n") : [];
    return { tree: tree.stdout.trim(), ...(commit ? { head: commit } : {}), dirty: headTree !== tree.stdout.trim() };
  } finally {
    await rm(index, { force: true });
  }
}

/** sha256 over every file's path and bytes (a tree that is not a git checkout). */
async function hashFiles(root: string): Promise<string> {
  const hash = createHash("sha256");
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && !relative(root, e.parentPath).split("/").includes(".git"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  for (const file of files)
    hash
      .update(`${relative(root, file)}\0`)
      .update(await readFile(file))
      .update("\0");
  return hash.digest("hex");
}

async function treeSource(source: Extract<XenSourceTree, { kind: "tree" }>, where: string): Promise<ResolvedSource> {
  const path = resolve(source.path);
  const makefile = await stat(join(path, "xen", "Makefile")).catch(() => undefined);
  if (!makefile?.isFile()) throw new ImageError(`${where}: ${path} is not a Xen source tree (it has no xen/Makefile)`);
  const git = await gitWorkingTree(path);
  const identity: Record<string, string> = git ? { gitTree: git.tree } : { files: await hashFiles(path) };
  const at = git?.head
    ? ` at ${git.head.slice(0, 12)}${git.dirty ? " (+ local changes)" : ""}`
    : git
      ? " (no commit yet)"
      : "";
  return {
    description: `tree ${path}${at}`,
    identity: { ...identity, ...(git?.head ? { commit: git.head } : {}) },
    workKey: { tree: path },
    makeEnv: {},
    unpack: async () => path,
  };
}

export async function resolveXenSource(source: XenSourceTree, where: string): Promise<ResolvedSource> {
  return source.kind === "debian" ? debianSourceTree(source) : treeSource(source, where);
}

/** mkdir -p for a build directory; a helper so callers read as steps. */
export const ensureDir = (dir: string) => mkdir(dir, { recursive: true });
