/**
 * Debian package versions as images: what apt offers of a package (or a glob of packages),
 * which image of an expectation a package feeds, and the expectation with one image taken from a
 * chosen version. bisect-versions, culprit and `run --pin` choose versions through here.
 */
import picomatch from "picomatch";
import type { ImageSource } from "../expectations/schema.ts";
import type { Expectation } from "../expectations/loader.ts";
import { aptCache } from "./apt.ts";
import { compareDebianVersions } from "./debian-version.ts";

/** A package choice that cannot be made (a glob over several kernel flavours, a version apt does not offer, no such image): the same on every commit. */
export class PackageChoiceError extends Error {
  override name = "PackageChoiceError";
}

export interface Candidate {
  package: string;
  version: string;
}

export const candidateName = (c: Candidate) => `${c.package} ${c.version}`;

const GLOB = /[*?[{]/;

/** The glob as the regex apt-cache search takes: `*`, `?`, `[0-9]` and `{53,54}`. */
function aptRegex(glob: string): string {
  const escaped = glob.replace(/[.+^$()|\\]/g, "\\$&");
  const braces = escaped.replace(
    /\{([^{}]*)\}/g,
    (_all, alternatives: string) => `(${alternatives.split(",").join("|")})`,
  );
  return `^${braces.replace(/\*/g, ".*").replace(/\?/g, ".")}$`;
}

/** Package names apt knows that match a glob (`linux-image-6.1.0-*-arm64`, `linux-image-6.1.0-{55,56}-arm64`). */
async function packagesMatching(pattern: string): Promise<string[]> {
  const regex = aptRegex(pattern);
  const stdout = await aptCache(["search", "--names-only", regex], { check: true });
  const match = picomatch(pattern);
  return [...new Set(stdout.split("\n").map((line) => line.split(" - ")[0]!.trim()))].filter(
    (name) => name && match(name),
  );
}

/** The versions apt can download of several packages, in one `apt-cache madison` (each apt-cache call parses every package list: seconds). */
export async function madison(names: string[], debArch: string): Promise<Candidate[]> {
  if (!names.length) return [];
  const stdout = await aptCache(["madison", ...names.map((n) => `${n}:${debArch}`)]);
  const rows = stdout.split("\n").map((line) => line.split("|").map((field) => field.trim()));
  const seen = new Set<string>();
  return rows.flatMap(([name, version]) => {
    const pkg = name?.replace(new RegExp(`:${debArch}$`), "");
    if (!pkg || !version || !names.includes(pkg) || seen.has(`${pkg}=${version}`)) return [];
    seen.add(`${pkg}=${version}`);
    return [{ package: pkg, version }];
  });
}

/** A Debian kernel image package: linux-image-<version>-<abi>-<flavour> (arm64, cloud-arm64, rt-arm64, arm64-unsigned...). */
const KERNEL_PACKAGE = /^linux-image-\d[^-]*-\d+-(.+)$/;

/**
 * Kernel packages of one flavour only: `linux-image-6.1.0-*-arm64` also matches
 * `…-44-cloud-arm64` and `…-44-rt-arm64`, other kernels that must not be bisection steps. The
 * text after the glob's last wildcard (`-arm64`) must end with the whole flavour; a glob that
 * still matches several flavours is refused, naming them.
 */
export function oneKernelFlavour(pattern: string, names: string[]): string[] {
  const tail = pattern.slice(Math.max(...["*", "?", "]", "}"].map((c) => pattern.lastIndexOf(c))) + 1);
  const kept = names.filter((name) => {
    const flavour = KERNEL_PACKAGE.exec(name)?.[1];
    return flavour === undefined || !tail.includes("-") || tail.endsWith(`-${flavour}`);
  });
  const flavours = [...new Set(kept.map((n) => KERNEL_PACKAGE.exec(n)?.[1]).filter((f): f is string => !!f))];
  if (flavours.length > 1)
    throw new PackageChoiceError(
      `${pattern} matches kernels of ${flavours.length} flavours (${flavours.join(", ")}): end the glob with one flavour (e.g. "-${flavours[0]}")`,
    );
  return kept;
}

/** Every (package, version) apt can download for a package name or glob, oldest first. */
export async function listCandidates(pattern: string, debArch: string): Promise<Candidate[]> {
  const names = GLOB.test(pattern) ? oneKernelFlavour(pattern, await packagesMatching(pattern)) : [pattern];
  const candidates = await madison(names, debArch);
  return candidates.sort((a, b) => compareDebianVersions(a.version, b.version) || a.package.localeCompare(b.package));
}

/** `--good`/`--bad`: a version, a package name (with one version), or PACKAGE=VERSION. */
export function findCandidate(spec: string, candidates: Candidate[]): number {
  const eq = spec.indexOf("=");
  const matches = candidates
    .map((c, i) => ({ c, i }))
    .filter(({ c }) =>
      eq > 0
        ? c.package === spec.slice(0, eq) && c.version === spec.slice(eq + 1)
        : c.version === spec || c.package === spec,
    );
  if (matches.length === 1) return matches[0]!.i;
  const listing = candidates.map(candidateName).join(", ") || "none";
  if (!matches.length) throw new PackageChoiceError(`"${spec}" is not among the versions apt offers: ${listing}`);
  throw new PackageChoiceError(
    `"${spec}" is ambiguous (${matches.map(({ c }) => candidateName(c)).join(", ")}); write PACKAGE=VERSION`,
  );
}

/** Which image role a package replaces: the deb image of that package, else kernel for linux-image-*, xen for xen-hypervisor-*. */
export function roleFor(exp: Expectation, pattern: string, role?: string): string {
  if (role) {
    if (!exp.images[role])
      throw new PackageChoiceError(
        `${exp.name} has no image "${role}" (it has: ${Object.keys(exp.images).join(", ")})`,
      );
    return role;
  }
  const match = picomatch(pattern);
  const byPackage = Object.entries(exp.images).filter(
    ([, s]) => s.kind === "deb" && (s.package === pattern || match(s.package)),
  );
  if (byPackage.length === 1) return byPackage[0]![0];
  const guess = pattern.startsWith("linux-image-")
    ? "kernel"
    : pattern.startsWith("xen-hypervisor-")
      ? "xen"
      : undefined;
  if (guess && exp.images[guess]) return guess;
  throw new PackageChoiceError(
    `cannot tell which image of ${exp.name} ${pattern} replaces: pass --role (one of ${Object.keys(exp.images).join(", ")})`,
  );
}

const DEFAULT_PATHS: Record<string, string> = { kernel: "boot/vmlinuz-*", xen: "boot/xen-*" };

/** The expectation with one image taken from a pinned package version (the rest unchanged). */
export function withPackage(exp: Expectation, role: string, c: Candidate, path?: string): Expectation {
  const declared = exp.images[role];
  const inside = path ?? (declared?.kind === "deb" ? declared.path : DEFAULT_PATHS[role]);
  if (!inside)
    throw new PackageChoiceError(
      `images.${role} of ${exp.name} is not a Debian package: pass --path (the file inside the package)`,
    );
  const image: ImageSource = { kind: "deb", package: c.package, path: inside, version: c.version };
  return { ...exp, images: { ...exp.images, [role]: image } };
}
