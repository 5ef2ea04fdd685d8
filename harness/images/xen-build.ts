/**
 * Build Xen's hypervisor from source (`make -C xen`, out of tree), cached by content: the
 * source's identity, the Kconfig fragment, the architecture and the compiler. The built file is
 * a cache entry verified like every image (a corrupted one is rebuilt, never booted). Each
 * source location and option set keeps one build directory, so the next commit of a bisected
 * tree recompiles only what changed.
 */
import { execa } from "./run-program.ts";
import { lock } from "proper-lockfile";
import { createWriteStream } from "node:fs";
import { appendFile, copyFile, readFile, rm, stat, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { kconfigFragment, type XenSource } from "../expectations/xen-source.ts";
import { ImageError } from "./apt.ts";
import { cachedEntry, cacheRoot, keyHash, programAnswer, writeEntry } from "./cache.ts";
import { ensureDir, resolveXenSource, type ResolvedSource } from "./xen-source-tree.ts";

type Arch = "aarch64" | "x86_64";

/** What a built Xen is, for the boot's record (JUnit properties, timeline.json) and its artifacts. */
export interface XenBuild {
  /** Where the source came from, with its version or commit. */
  source: string;
  /** The Kconfig fragment merged into the defconfig, one line per option ("defconfig" when none). */
  options: string;
  compiler: string;
  /** The build's log (in the cache entry, or the build directory when the build failed). */
  log: string;
  /** Built by this call (false: found in the cache). */
  built: boolean;
  /** Wall-clock seconds of the build, when this call built it. */
  seconds?: number;
  /** Why the cached copy was rebuilt (it failed verification). */
  repaired?: string;
}

/** The build failed: infra for a run, skip for bisect, with the compiler's first errors. */
export class XenBuildError extends ImageError {
  override name = "XenBuildError";
  /** The image role it was built for. */
  role = "xen";
  constructor(
    message: string,
    readonly build: XenBuild,
  ) {
    super(message);
  }
}

const TARGET = { aarch64: "arm64", x86_64: "x86_64" } as const;
const HOST: Partial<Record<string, Arch>> = { arm64: "aarch64", x64: "x86_64" };

/** The cross-compiler prefix for a target, none when the host is the target. */
export function crossCompile(arch: Arch): string {
  return HOST[process.arch] === arch ? "" : `${arch === "aarch64" ? "aarch64" : "x86_64"}-linux-gnu-`;
}

/**
 * Asked once per process (every source-built expectation of a run uses the same compiler), and
 * remembered in the cache while gcc's and ld's files are the same.
 */
const compilerVersions = new Map<string, Promise<string>>();
function compilerVersion(prefix: string): Promise<string> {
  let known = compilerVersions.get(prefix);
  if (!known) {
    known = programAnswer("compiler-version", [`${prefix}gcc`, `${prefix}ld`], () => askCompilerVersion(prefix));
    compilerVersions.set(prefix, known);
  }
  return known;
}

async function askCompilerVersion(prefix: string): Promise<string> {
  const gcc = await execa(`${prefix}gcc`, ["--version"], { reject: false });
  const ld = await execa(`${prefix}ld`, ["--version"], { reject: false });
  if (gcc.exitCode !== 0 || ld.exitCode !== 0)
    throw new ImageError(
      `${prefix}gcc or ${prefix}ld is missing: run ci/setup-host.sh (it installs ${prefix ? "gcc-aarch64-linux-gnu" : "gcc"}, make, flex, bison, python3)`,
    );
  return `${gcc.stdout.split("\n")[0]}; ${ld.stdout.split("\n")[0]}`;
}

/** The first lines that say why a build failed: compiler errors, else make's own. */
export function firstErrors(log: string, max = 6): string[] {
  const lines = log.split("\n");
  const errors = lines.filter((l) => /\berror\b|Error \d+|\*\*\*|undefined reference|fatal:/i.test(l));
  const compiler = errors.filter((l) => /: (fatal )?error: |undefined reference/.test(l));
  const chosen = (compiler.length ? compiler : errors).slice(0, max);
  return chosen.length ? chosen : lines.filter((l) => l.trim()).slice(-max);
}

/** Options that did not end up in .config as asked (a dependency not met, a symbol this Xen lacks). */
export function configProblems(dotConfig: string, fragment: string[]): string[] {
  const have = new Set(dotConfig.split("\n").map((l) => l.trim()));
  return fragment.filter((line) => {
    if (have.has(line)) return false;
    // "not set" is also met by the symbol being absent from .config (its menu is hidden).
    const off = /^# CONFIG_(\w+) is not set$/.exec(line);
    return !(off && ![...have].some((l) => l.startsWith(`CONFIG_${off[1]}=`)));
  });
}

/** Serialise builds in one build directory across lanes and processes (`<dir>.lock`, refreshed while held). */
async function locked<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const release = await lock(dir, {
    realpath: false,
    stale: 60_000,
    retries: { retries: 10_000, minTimeout: 200, maxTimeout: 2_000 },
  });
  try {
    return await body();
  } finally {
    await release().catch(() => {});
  }
}

interface Step {
  args: string[];
  what: string;
}

async function runMake(
  src: string,
  out: string,
  steps: Step[],
  env: Record<string, string>,
  log: string,
): Promise<string | undefined> {
  const stream = createWriteStream(log, { flags: "a" });
  try {
    const { execa: spawn } = await import("execa");
    for (const step of steps) {
      stream.write(`$ make -C ${join(src, "xen")} O=${out} ${step.args.join(" ")}\n`);
      const child = spawn("make", ["-C", join(src, "xen"), `O=${out}`, ...step.args], {
        reject: false,
        env,
        all: true,
        stdin: "ignore",
      });
      child.all?.pipe(stream, { end: false });
      const r = await child;
      if (r.exitCode !== 0) return `${step.what} failed (make exit ${r.exitCode ?? r.signal})`;
    }
    return undefined;
  } finally {
    await new Promise<void>((done) => stream.end(done));
  }
}

/**
 * The hypervisor of `source` for `arch`, from the cache or built now. `where` names the
 * expectation field for error messages.
 */
export async function buildXen(
  source: XenSource,
  arch: Arch,
  where: string,
): Promise<{ file: string; sha256: string; build: XenBuild }> {
  const resolved: ResolvedSource = await resolveXenSource(source.source, where);
  const prefix = crossCompile(arch);
  const compiler = await compilerVersion(prefix);
  const fragment = kconfigFragment(source);
  const options = fragment.join(" ") || "defconfig";
  const makeVars = [`XEN_TARGET_ARCH=${TARGET[arch]}`, ...(prefix ? [`CROSS_COMPILE=${prefix}`] : [])];
  const key = { xen: resolved.identity, arch, fragment, compiler, makeVars };
  // One build directory per source location and options: commits of a tree share it (incremental).
  const work = join(cacheRoot(), "xen-work", keyHash({ ...resolved.workKey, arch, fragment, compiler }));
  const workLog = join(work, "last-build.log");
  const record = (log: string, built: boolean, seconds?: number): XenBuild => ({
    source: resolved.description,
    options,
    compiler,
    log,
    built,
    ...(seconds !== undefined ? { seconds } : {}),
  });
  let seconds: number | undefined;
  const entry = await cachedEntry("xen-build", key, async (tmp) => {
    await ensureDir(work);
    await locked(work, async () => {
      const t0 = performance.now();
      await writeFile(
        workLog,
        `bootlog: building Xen from ${resolved.description}\noptions: ${options}\ncompiler: ${compiler}\n`,
      );
      const src = (await stat(join(work, "src")).catch(() => undefined))
        ? join(work, "src")
        : await resolved.unpack(work);
      const out = join(work, "out");
      const env = { ...process.env, ...resolved.makeEnv, LC_ALL: "C" } as Record<string, string>;
      const jobs = `-j${availableParallelism()}`;
      const configured = await stat(join(out, ".config")).then(
        () => true,
        () => false,
      );
      const steps: Step[] = configured ? [] : [{ args: [...makeVars, "defconfig"], what: "make defconfig" }];
      const failedConfig = await runMake(src, out, steps, env, workLog);
      if (!failedConfig && !configured && fragment.length) {
        // The fragment after the defconfig: Kconfig takes the last assignment of a symbol.
        const dotConfig = await readFile(join(out, ".config"), "utf8");
        await writeFile(
          join(out, ".config"),
          `${dotConfig}\n# bootlog: xenFromSource options\n${fragment.join("\n")}\n`,
        );
      }
      const failed =
        failedConfig ??
        (await runMake(src, out, [{ args: [...makeVars, "olddefconfig"], what: "make olddefconfig" }], env, workLog));
      const problems = failed ? [] : configProblems(await readFile(join(out, ".config"), "utf8"), fragment);
      if (problems.length) {
        await rmConfig(out); // the next try configures afresh
        throw new XenBuildError(
          `${where}: Xen's Kconfig did not take ${problems.join(", ")} (a dependency not met, or a symbol this Xen does not have; see ${workLog})`,
          record(workLog, true),
        );
      }
      const failedBuild =
        failed ??
        (await runMake(
          src,
          out,
          [{ args: [...makeVars, jobs], what: `make -C xen ${makeVars.join(" ")}` }],
          env,
          workLog,
        ));
      if (failedBuild) {
        const log = await readFile(workLog, "utf8");
        throw new XenBuildError(
          `Xen build failed (${resolved.description}, ${options}): ${failedBuild}: ${firstErrors(log).join(" | ")}`,
          record(workLog, true),
        );
      }
      seconds = (performance.now() - t0) / 1000;
      const compiled = (await readFile(workLog, "utf8")).split("\n").filter((l) => /^\s+(CC|AS)\s/.test(l)).length;
      // The cost of this build, for a person reading the log (incremental builds compile few files).
      await appendFile(workLog, `bootlog: build took ${seconds.toFixed(1)} s, ${compiled} files compiled\n`);
      await copyFile(join(out, "xen"), join(tmp, "xen"));
      await copyFile(join(out, ".config"), join(tmp, "config"));
      await copyFile(workLog, join(tmp, "build.log"));
      await writeEntry(tmp, "xen");
    });
  });
  return {
    file: entry.file,
    sha256: entry.sha256,
    build: {
      ...record(join(dirname(entry.file), "build.log"), entry.built, entry.built ? seconds : undefined),
      ...(entry.repaired ? { repaired: entry.repaired } : {}),
    },
  };
}

const rmConfig = (out: string) => rm(join(out, ".config"), { force: true });
