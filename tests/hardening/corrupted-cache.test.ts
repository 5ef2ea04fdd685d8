/**
 * A corrupted image cache is a cache miss, never a guest failure: an entry whose file no longer
 * matches its recorded sha256 is rebuilt (size and mtime are checked on every use; the full hash
 * when they differ, or always with --verify-cache). A read-only cache says EROFS.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { cachedEntry, cacheRoot, setVerifyCache, sha256File, writeEntry } from "../../harness/images/cache.ts";
import { runBoot } from "../../harness/runner/run-boot.ts";
import { bootFiles } from "../../harness/artifacts/writers.ts";
import { resolvePackage } from "../../harness/images/apt.ts";
import { fakeApt } from "./fake-cli.ts";
import { fakeExpectation, fakeQemu } from "./fake-qemu.ts";

const dir = mkdtempSync(join(tmpdir(), "bootlog-cache-"));
const realCache = cacheRoot();
const saved = { cache: process.env.BOOTLOG_CACHE, qemu: process.env.BOOTLOG_QEMU_AARCH64 };
afterEach(() => {
  setVerifyCache(false);
  for (const [key, name] of [
    ["cache", "BOOTLOG_CACHE"],
    ["qemu", "BOOTLOG_QEMU_AARCH64"],
  ] as const) {
    if (saved[key] === undefined) delete process.env[name];
    else process.env[name] = saved[key];
  }
});
const mounts: string[] = [];
afterAll(() => {
  for (const at of mounts) execFileSync("umount", ["-l", at], { stdio: "pipe" });
  rmSync(dir, { recursive: true, force: true });
});

const build = (content: string) => async (tmp: string) => {
  writeFileSync(join(tmp, "image.bin"), content);
  await writeEntry(tmp, "image.bin");
};

describe("cache entries are verified before use", () => {
  test("a truncated entry is rebuilt; one corrupted with size and mtime kept is caught by --verify-cache", async () => {
    process.env.BOOTLOG_CACHE = join(dir, "unit");
    const content = "x".repeat(4096);
    const first = await cachedEntry("t", "k", build(content));
    expect(first.built).toBe(true);
    expect((await cachedEntry("t", "k", build(content))).built).toBe(false);

    truncateSync(first.file, 100);
    const again = await cachedEntry("t", "k", build(content));
    expect(again).toMatchObject({ built: true, file: first.file, sha256: first.sha256 });
    expect(again.repaired).toMatch(/image\.bin is corrupted \(sha256 .* 100 bytes\)/);
    expect(readFileSync(first.file, "utf8")).toBe(content);

    // Touched but whole: hashed once, its new mtime recorded (a whole second, exactly settable).
    utimesSync(first.file, 1_700_000_000, 1_700_000_000);
    expect((await cachedEntry("t", "k", build(content))).built).toBe(false);
    // Same size, same mtime, other bytes: only the full hash sees it.
    writeFileSync(first.file, "y".repeat(4096));
    utimesSync(first.file, 1_700_000_000, 1_700_000_000);
    expect((await cachedEntry("t", "k", build(content))).built).toBe(false);
    setVerifyCache(true);
    const verified = await cachedEntry("t", "k", build(content));
    expect(verified.built).toBe(true);
    expect(await sha256File(verified.file)).toBe(first.sha256);
  });

  test("an entry made before entries recorded themselves (no entry.json) is recorded, not rebuilt under a run using it", async () => {
    process.env.BOOTLOG_CACHE = join(dir, "legacy");
    const first = await cachedEntry("t", "k", build("old"), "image.bin");
    rmSync(join(first.file, "..", "entry.json"));
    const again = await cachedEntry("t", "k", build("new"), "image.bin");
    expect(again).toMatchObject({ built: false, sha256: first.sha256 });
    expect(readFileSync(again.file, "utf8")).toBe("old");
  });

  test.skipIf(process.getuid?.() !== 0)("a read-only cache says EROFS, not ENOENT", async () => {
    const at = join(dir, "ro");
    mkdirSync(at);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k,ro", "tmpfs", at], { stdio: "pipe" });
    mounts.push(at);
    process.env.BOOTLOG_CACHE = join(at, "cache");
    await expect(cachedEntry("t", "k", build("x"))).rejects.toThrow(/image cache \S+: cannot create .*EROFS/);
    // Resolving a package version (what `export packages` does) downloads nothing: a read-only cache is no obstacle.
    const savedPath = process.env.PATH;
    process.env.PATH = fakeApt(join(dir, "apt"), { "some-package": { "1.0": "pass", "1.1": "pass" } });
    try {
      expect(await resolvePackage("some-package", "arm64", {})).toEqual({
        package: "some-package",
        arch: "arm64",
        version: "1.1",
      });
    } finally {
      process.env.PATH = savedPath;
    }
  });
});

describe("a boot with a corrupted cached initramfs", () => {
  test("is rebuilt and boots, not judged as a guest hang", async () => {
    // A "QEMU" that boots only if its -initrd is a whole gzip file, as a real kernel would.
    const script = fakeQemu(
      dir,
      "checks-initrd",
      `import { gunzipSync } from "node:zlib";
const initrd = process.argv[process.argv.indexOf("-initrd") + 1];
try { gunzipSync(readFileSync(initrd)); } catch { await forever(); }
await out("FAKE-BOOT-1\\r\\nFAKE-PROMPT # ");
await forever();`,
    );
    // A private cache seeded with the shared one's busybox and apt answers (downloaded when absent).
    const cache = join(dir, "boot-cache");
    for (const sub of ["apt-resolved", "deb-file"]) {
      const from = join(realCache, sub);
      if (!existsSync(from)) continue;
      for (const entry of readdirSync(from)) {
        const meta = join(from, entry, "entry.json");
        if (sub === "apt-resolved" || (existsSync(meta) && JSON.parse(readFileSync(meta, "utf8")).file === "busybox"))
          cpSync(join(from, entry), join(cache, sub, entry), { recursive: true });
      }
    }
    process.env.BOOTLOG_CACHE = cache;
    process.env.BOOTLOG_QEMU_AARCH64 = script;
    const exp = fakeExpectation(script, {
      name: "corrupted-initrd",
      images: { image: fakeExpectation(script).images.image!, initrd: { kind: "busybox-initrd" } },
      silence: "2s",
    });
    const first = await runBoot(exp, { listeners: [bootFiles], runDir: join(dir, "runs-1") });
    expect(first.outcome, first.summary).toBe("pass");

    const initrd = join(cache, "initrd", readdirSync(join(cache, "initrd"))[0]!, "initrd.gz");
    truncateSync(initrd, 1000);
    const second = await runBoot(exp, { listeners: [bootFiles], runDir: join(dir, "runs-2") });
    expect(second.outcome, second.summary).toBe("pass");
    const recorded = JSON.parse(readFileSync(join(initrd, "..", "entry.json"), "utf8")).sha256;
    expect(await sha256File(initrd)).toBe(recorded);
    expect(gunzipSync(readFileSync(initrd)).toString("latin1")).toContain("TRAILER!!!");
  }, 240_000);
});
