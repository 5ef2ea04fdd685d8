/**
 * The Xen build step around make, on a stand-in tree whose xen/Makefile answers like Xen's
 * (defconfig, olddefconfig dropping an option whose dependency is unmet, the build writing
 * $(O)/xen): cached by content, verified before use (a corrupted entry is rebuilt, never
 * booted), one build directory per tree and options, a failed build an error with the
 * compiler's first lines. Real builds of Xen are in tests/boot/xen-source*.test.ts.
 */
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { execa } from "execa";
import { loadExpectationFile, type Expectation } from "../../harness/expectations/loader.ts";
import { setVerifyCache } from "../../harness/images/cache.ts";
import { prepareImages } from "../../harness/images/prepare.ts";
import { buildXen, XenBuildError } from "../../harness/images/xen-build.ts";
import { xenFromSource, tree } from "../../harness/expectations/xen-source.ts";
import { GIT_ENV } from "../helpers/scratch-repo.ts";

const dir = mkdtempSync(join(tmpdir(), "bootlog-xen-build-"));
const saved = process.env.BOOTLOG_CACHE;
process.env.BOOTLOG_CACHE = join(dir, "cache");
afterEach(() => setVerifyCache(false));
afterAll(() => {
  if (saved === undefined) delete process.env.BOOTLOG_CACHE;
  else process.env.BOOTLOG_CACHE = saved;
  rmSync(dir, { recursive: true, force: true });
});

// Counts every compile in $(O)/compiles, so a test sees whether make rebuilt.
const MAKEFILE = `O ?= .
.PHONY: all defconfig olddefconfig
all:
\t@if grep -q BROKEN payload.c; then echo "arch/x86/setup.c:12:5: error: 'BROKEN' undeclared (first use in this function)"; exit 2; fi
\t@echo compile >> $(O)/compiles
\t@cat payload.c $(O)/.config > $(O)/xen
defconfig:
\t@mkdir -p $(O) && printf 'CONFIG_X86=y\\n# CONFIG_DEBUG is not set\\n' > $(O)/.config
olddefconfig:
\t@if ! grep -q '^CONFIG_DEP=y' $(O)/.config; then grep -v '^CONFIG_NEEDS_DEP=' $(O)/.config > $(O)/.c && mv $(O)/.c $(O)/.config; fi
`;

async function xenTree(name: string): Promise<string> {
  const root = join(dir, name);
  mkdirSync(join(root, "xen"), { recursive: true });
  writeFileSync(join(root, "xen", "Makefile"), MAKEFILE);
  writeFileSync(join(root, "xen", "payload.c"), "int good;\n");
  await execa("git", ["init", "-q", root]);
  await execa("git", ["-C", root, "add", "-A"]);
  // Named for the tree: trees with the same files committed in the same second would otherwise be
  // the same commit, and one would find the other's build by content.
  await execa("git", ["-C", root, "commit", "-qm", `one (${name})`], { env: GIT_ENV });
  return root;
}

function expectation(root: string, config: Record<string, boolean> = {}): Expectation {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.ts`);
  return {
    name: "x",
    file,
    machine: { arch: "x86_64", memory: "512M", cpus: 1, firmware: "direct" },
    images: { xen: xenFromSource({ source: tree(root), config }) },
    milestones: [{ id: "m", match: "m" }],
    silence: "1s",
    budget: "2s",
  } as unknown as Expectation;
}

const compiles = () =>
  readdirSync(join(process.env.BOOTLOG_CACHE!, "xen-work"))
    .map(
      (w) =>
        readFileSync(join(process.env.BOOTLOG_CACHE!, "xen-work", w, "out", "compiles"), "utf8").split("\n").length - 1,
    )
    .reduce((a, b) => a + b, 0);

describe("a Xen built from a tree", () => {
  test("is built once, then found by content; the options are merged into the defconfig", async () => {
    const root = await xenTree("once");
    const first = await prepareImages(expectation(root, { DEBUG: true }));
    expect(first.built).toEqual([
      expect.stringMatching(/^Xen from tree .*once at [0-9a-f]{12} \(CONFIG_DEBUG=y\) in \d/),
    ]);
    const xen = first.images.xen!;
    expect(readFileSync(xen.path, "utf8")).toBe(
      "int good;\nCONFIG_X86=y\n# CONFIG_DEBUG is not set\n\n# bootlog: xenFromSource options\nCONFIG_DEBUG=y\n",
    );
    expect(xen.build).toMatchObject({
      options: "CONFIG_DEBUG=y",
      built: true,
      compiler: expect.stringMatching(/^gcc /),
    });
    expect(readFileSync(xen.build!.log, "utf8")).toContain("defconfig");
    const again = await prepareImages(expectation(root, { DEBUG: true }));
    expect(again.built).toEqual([]);
    expect(again.images.xen!.sha256).toBe(xen.sha256);
    expect(compiles()).toBe(1);
  });

  test("a corrupted cache entry is rebuilt, never used; --verify-cache catches one with size and mtime kept", async () => {
    const root = await xenTree("corrupt");
    const exp = expectation(root);
    const good = (await prepareImages(exp)).images.xen!;
    appendFileSync(good.path, "bit rot");
    const rebuilt = await prepareImages(exp);
    expect(rebuilt.built).toEqual([expect.stringMatching(/\(the cached copy was bad: .*xen is corrupted/)]);
    expect(rebuilt.images.xen!.sha256).toBe(good.sha256);
    expect(readFileSync(rebuilt.images.xen!.path, "utf8")).not.toContain("bit rot");
    // Touched but whole: hashed once, its new mtime recorded (a whole second, exactly settable).
    utimesSync(good.path, 1_700_000_000, 1_700_000_000);
    expect((await prepareImages(exp)).built).toEqual([]);
    // Same size, same mtime, other bytes: only the full hash sees it.
    const bytes = readFileSync(good.path);
    bytes[0] = bytes[0]! ^ 1;
    writeFileSync(good.path, bytes);
    utimesSync(good.path, 1_700_000_000, 1_700_000_000);
    expect((await prepareImages(exp)).built).toEqual([]);
    setVerifyCache(true);
    expect((await prepareImages(exp)).built).toEqual([expect.stringMatching(/the cached copy was bad/)]);
  });

  test("a new commit rebuilds in the same build directory; going back to a built commit builds nothing", async () => {
    const root = await xenTree("commits");
    const exp = expectation(root);
    const one = (await prepareImages(exp)).images.xen!;
    const workDirs = () =>
      readdirSync(join(process.env.BOOTLOG_CACHE!, "xen-work")).filter((n) => !n.endsWith(".lock"));
    const work = workDirs().length;
    writeFileSync(join(root, "xen", "payload.c"), "int better;\n");
    await execa("git", ["-C", root, "commit", "-qam", "two"], { env: GIT_ENV });
    const two = await prepareImages(exp);
    expect(two.built).toEqual([expect.stringMatching(/at [0-9a-f]{12} \(defconfig\)/)]);
    expect(two.images.xen!.sha256).not.toBe(one.sha256);
    expect(workDirs()).toHaveLength(work);
    await execa("git", ["-C", root, "checkout", "-q", "HEAD~1"]);
    expect((await prepareImages(exp)).images.xen!.sha256).toBe(one.sha256);
    // Local changes are content too: a different Xen, said so.
    writeFileSync(join(root, "xen", "payload.c"), "int local;\n");
    expect((await prepareImages(exp)).built).toEqual([expect.stringMatching(/\(\+ local changes\)/)]);
  });

  test("a failed build says the compiler's first error and keeps its log; nothing is cached", async () => {
    const root = await xenTree("broken");
    writeFileSync(join(root, "xen", "payload.c"), "BROKEN;\n");
    const exp = expectation(root);
    const entries = () => readdirSync(join(process.env.BOOTLOG_CACHE!, "xen-build")).length;
    const before = entries();
    const error = await prepareImages(exp).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XenBuildError);
    expect((error as Error).message).toMatch(
      /^Xen build failed \(tree .*broken at [0-9a-f]{12} \(\+ local changes\), defconfig\): make -C xen XEN_TARGET_ARCH=x86_64 failed \(make exit 2\): arch\/x86\/setup\.c:12:5: error: 'BROKEN' undeclared/,
    );
    expect(readFileSync((error as XenBuildError).build.log, "utf8")).toContain("error: 'BROKEN' undeclared");
    expect(entries()).toBe(before);
    writeFileSync(join(root, "xen", "payload.c"), "int good;\n");
    expect((await prepareImages(exp)).built).toHaveLength(1);
  });

  test("an option Kconfig drops is an error naming it, before anything compiles", async () => {
    const root = await xenTree("unmet");
    const error = await buildXen(
      xenFromSource({ source: tree(root), config: { NEEDS_DEP: true } }),
      "x86_64",
      "f.ts: images.xen",
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `f.ts: images.xen: Xen's Kconfig did not take CONFIG_NEEDS_DEP=y (a dependency not met, or a symbol this Xen does not have; see ${(error as XenBuildError).build.log})`,
    );
    const ok = await buildXen(
      xenFromSource({ source: tree(root), config: { NEEDS_DEP: true, DEP: true } }),
      "x86_64",
      "f.ts",
    );
    expect(readFileSync(ok.file, "utf8")).toContain("CONFIG_NEEDS_DEP=y");
  });

  test("a directory that is not a Xen tree is named", async () => {
    await expect(buildXen(xenFromSource({ source: tree(dir) }), "x86_64", "f.ts: images.xen")).rejects.toThrow(
      `f.ts: images.xen: ${dir} is not a Xen source tree (it has no xen/Makefile)`,
    );
  });
});

describe("xenFromSource in an expectation file", () => {
  const write = (body: string) => {
    const file = join(dir, `e-${Math.random().toString(36).slice(2)}.ts`);
    writeFileSync(
      file,
      `import { defineBoot, xenFromSource, tree } from ${JSON.stringify(join(import.meta.dirname, "../../harness/expectations/index.ts"))};
export default defineBoot({ name: "x", machine: { arch: "aarch64", memory: "1G", cpus: 1, firmware: "direct" },
  images: { xen: ${body} }, milestones: [{ id: "m", match: "m" }], silence: "1s", budget: "2s" });`,
    );
    return file;
  };
  test("names the field of a bad option, a CONFIG_ prefix, or an architecture not the machine's", async () => {
    await expect(
      loadExpectationFile(write(`xenFromSource({ source: tree("."), config: { CONFIG_DEBUG: true } })`)),
    ).rejects.toThrow(/images\.xen\.config\.CONFIG_DEBUG.*write the symbol without its CONFIG_ prefix/s);
    await expect(
      loadExpectationFile(write(`xenFromSource({ source: tree("."), config: { debug: true } })`)),
    ).rejects.toThrow(/images\.xen\.config\.debug.*upper-case/s);
    await expect(loadExpectationFile(write(`xenFromSource({ source: tree("."), arch: "x86_64" })`))).rejects.toThrow(
      /images\.xen\.arch.*is x86_64, but machine\.arch is aarch64/s,
    );
  });
});
