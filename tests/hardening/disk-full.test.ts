/**
 * Disk full or unwritable artifacts dir: a clear error, QEMU stopped, exit 125. The artifacts
 * dir is a tiny tmpfs mounted by the test (root only; skipped otherwise), or one remounted
 * read-only (chmod does not stop root). The guest is a fake QEMU that prints until stopped.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { fakeImage, fakePids, playingQemu, running, waitFor, writeExpectationFile } from "./fake-qemu.ts";
import { bootlog as run } from "../helpers/cli.ts";

const ROOT = join(import.meta.dirname, "../..");
const DEFINE = join(ROOT, "harness/expectations/index.ts");
const dir = mkdtempSync(join(tmpdir(), "bootlog-disk-full-"));
const mounts: string[] = [];

function mountTmpfs(name: string, size: string): string | undefined {
  const at = join(dir, name);
  mkdirSync(at);
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", at], { stdio: "pipe" });
  } catch {
    return undefined;
  }
  mounts.push(at);
  return at;
}

const canMount =
  process.getuid?.() === 0 &&
  (() => {
    const probe = mountTmpfs("probe", "16k");
    return probe !== undefined;
  })();

afterAll(() => {
  for (const at of mounts.reverse()) execFileSync("umount", ["-l", at], { stdio: "pipe" });
  rmSync(dir, { recursive: true, force: true });
});

/** A fake QEMU that prints the first milestone, then 64 KiB of lines every 20 ms, forever. */
const qemu = playingQemu(
  dir,
  "chatty",
  [{ text: "FAKE-BOOT-1\r\n" }],
  "for (;;) { await lines(65536); await sleep(20); }",
);
const expectations = join(dir, "expectations");
writeExpectationFile(
  expectations,
  "disk-full.ts",
  `import { defineBoot, userImage } from ${JSON.stringify(DEFINE)};
export default defineBoot({
  name: "disk-full",
  machine: { arch: "aarch64", memory: "128M", cpus: 1, firmware: "image" },
  images: { image: userImage({ path: ${JSON.stringify(fakeImage(dir))} }) },
  milestones: [{ id: "first", match: "FAKE-BOOT-1" }, { id: "prompt", match: "FAKE-PROMPT # " }],
  silence: "10s",
  budget: "60s",
});
`,
);

async function bootlog(artifacts: string): Promise<{ code: number; out: string }> {
  const r = await run(["run", "--expectations", expectations, "--artifacts", artifacts], {
    BOOTLOG_QEMU_AARCH64: qemu,
  });
  return { code: r.code, out: r.stdout + r.stderr };
}

describe.skipIf(!canMount)("artifacts on a full or read-only filesystem", () => {
  test("disk fills up mid-boot: serial.log write fails, QEMU stopped, clear error, exit 125", async () => {
    const full = mountTmpfs("full", "64k")!;
    const before = fakePids(qemu).length;
    const r = await bootlog(full);
    expect(r.code, r.out).toBe(125);
    expect(r.out).toMatch(/INFRA disk-full: INFRA: cannot write \S+serial\.log: ENOSPC: no space left on device/);
    expect(r.out).toMatch(/bootlog: cannot write \S+junit\.xml: ENOSPC/);
    const started = fakePids(qemu).slice(before);
    expect(started).toHaveLength(1);
    expect(await waitFor(() => started.every((pid) => !running(pid)), 2000), "QEMU left running").toBe(true);
  }, 150_000);

  test("read-only artifacts dir: clear error before QEMU starts, exit 125", async () => {
    const ro = mountTmpfs("ro", "1m")!;
    execFileSync("mount", ["-o", "remount,ro", ro]);
    const before = fakePids(qemu).length;
    const r = await bootlog(join(ro, "artifacts"));
    expect(r.code, r.out).toBe(125);
    expect(r.out).toMatch(/bootlog: cannot create the run directory \S+: EROFS: read-only file system/);
    expect(fakePids(qemu).length, "QEMU started although nothing could be written").toBe(before);
  }, 150_000);

  test("artifacts path under a file: clear error, exit 125", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const r = await bootlog(join(file, "artifacts"));
    expect(r.code, r.out).toBe(125);
    expect(r.out).toMatch(/bootlog: cannot create the run directory \S+: ENOTDIR/);
    expect(existsSync(join(file, "artifacts"))).toBe(false);
  }, 150_000);
});
