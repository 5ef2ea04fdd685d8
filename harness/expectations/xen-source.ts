import * as z from "zod";

/**
 * Xen's hypervisor built from source: Debian's source package (`apt-get source`, with or
 * without Debian's patches) or a Xen tree on disk (a checkout being bisected). Only the
 * hypervisor is built (`make -C xen`), its Kconfig being the defconfig with `config` merged in.
 */
const debianSourceSchema = z.strictObject({
  kind: z.literal("debian"),
  /** The source package (Debian's is "xen"). */
  package: z.string().regex(/^[a-z0-9][a-z0-9.+-]+$/, "a Debian source package name"),
  /** The version to fetch: pinned, so the build is the same wherever it runs (apt-cache showsrc lists them). */
  version: z.string().min(1).optional(),
  /** Apply Debian's patches (default true); false builds the upstream tarball as Xen's own CI would. */
  patches: z.boolean().optional(),
});

const treeSource = z.strictObject({
  kind: z.literal("tree"),
  /** A Xen source tree (it holds xen/Makefile); relative paths are from the current directory. */
  path: z.string().min(1),
});

/** Kconfig symbols without their CONFIG_ prefix: y/n as booleans, numbers and hex as they are, other text quoted. */
const configValue = z.union([z.boolean(), z.number().int(), z.string()]);
/** Why a Kconfig symbol name is wrong (checked per key: zod reports a bad record key without its message). */
function configNameProblem(name: string): string | undefined {
  if (name.startsWith("CONFIG_")) return "write the symbol without its CONFIG_ prefix";
  if (!/^[A-Z0-9_]+$/.test(name)) return "Kconfig symbols are upper-case words joined by _";
  return undefined;
}
const config = z.record(z.string(), configValue).superRefine((options, ctx) => {
  for (const name of Object.keys(options)) {
    const problem = configNameProblem(name);
    if (problem) ctx.addIssue({ code: "custom", path: [name], message: problem });
  }
});

export const xenSourceSchema = z.strictObject({
  kind: z.literal("xen-source"),
  source: z.discriminatedUnion("kind", [debianSourceSchema, treeSource]),
  /** Must be the machine's (checked); given for readability, as in `xenFromSource({ arch: "aarch64" })`. */
  arch: z.enum(["aarch64", "x86_64"]).optional(),
  config: config.optional(),
  /** CONFIG_DEBUG (default false: a release build, like Debian's). */
  debug: z.boolean().optional(),
});

export type XenSource = z.output<typeof xenSourceSchema>;
export type XenSourceTree = z.output<typeof debianSourceSchema> | z.output<typeof treeSource>;

/** The Kconfig fragment a source image asks for, one `CONFIG_X=…` line per option, sorted. */
export function kconfigFragment(source: Pick<XenSource, "config" | "debug">): string[] {
  const options: Record<string, boolean | number | string> = { ...source.config };
  if (source.debug !== undefined) options.DEBUG = source.debug;
  return Object.keys(options)
    .sort()
    .map((name) => kconfigLine(name, options[name]!));
}

export function kconfigLine(name: string, value: boolean | number | string): string {
  if (value === true) return `CONFIG_${name}=y`;
  if (value === false) return `# CONFIG_${name} is not set`;
  if (typeof value === "number" || /^(0x[0-9a-fA-F]+|-?\d+)$/.test(value)) return `CONFIG_${name}=${value}`;
  return `CONFIG_${name}=${JSON.stringify(value)}`;
}

/** A source image's machine must be the architecture it is built for. */
export function xenSourceIssues(
  images: Record<string, { kind: string }>,
  arch: string,
): { path: (string | number)[]; message: string }[] {
  const sources = Object.entries(images).filter(([, s]) => s.kind === "xen-source");
  // The cross compilers set up are aarch64's and the host's: arm32 Xen is Debian's binary only.
  if (arch === "arm")
    return sources.map(([role]) => ({
      path: ["images", role],
      message: "xenFromSource builds Xen for aarch64 or x86_64, not arm",
    }));
  return sources
    .filter(([, s]) => (s as XenSource).arch && (s as XenSource).arch !== arch)
    .map(([role, s]) => ({
      path: ["images", role, "arch"],
      message: `is ${(s as XenSource).arch}, but machine.arch is ${arch}: a Xen is built for the machine it boots on`,
    }));
}

/** Xen's hypervisor built from `source` with Kconfig `config` (symbols without CONFIG_) merged into the defconfig. */
export function xenFromSource(options: Omit<XenSource, "kind">): XenSource {
  return { kind: "xen-source", ...options };
}

/** Debian's source package (`apt-get source`; needs a deb-src entry): pin `version` to build the same Xen everywhere. */
export function debianSource(pkg: string, options: { version?: string; patches?: boolean } = {}): XenSource["source"] {
  return { kind: "debian", package: pkg, ...options };
}

/** A Xen source tree on disk (a git checkout or any directory holding xen/Makefile). */
export function tree(path: string): XenSource["source"] {
  return { kind: "tree", path };
}

/**
 * The version of Debian's Xen source package the shipped expectations build: the one bookworm's
 * deb-src serves (`apt-cache showsrc xen`). The security update 4.17.7+13-g2445b30a44's source
 * is listed but not served (404), so this source build is older than the binary packages.
 */
export const BOOKWORM_XEN_SOURCE = "4.17.5+72-g01140da4e8-1";
