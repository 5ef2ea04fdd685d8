/**
 * Two `bootlog run` processes at once on a cold cache: they share it without corruption (each
 * builds in a private temp dir, the first rename wins) and write separate run directories.
 * The guest is a fake QEMU; the cached images are real (busybox-static from apt, an initramfs).
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { XMLValidator } from "fast-xml-parser";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { cachedDir } from "../../harness/images/cache.ts";
import { fakeImage, playingQemu, writeExpectationFile } from "./fake-qemu.ts";
import { bootlog } from "../helpers/cli.ts";

const ROOT = join(import.meta.dirname, "../..");
const DEFINE = join(ROOT, "harness/expectations/index.ts");
const dir = mkdtempSync(join(tmpdir(), "bootlog-concurrency-"));
const savedCache = process.env.BOOTLOG_CACHE;
afterEach(() => {
  if (savedCache === undefined) delete process.env.BOOTLOG_CACHE;
  else process.env.BOOTLOG_CACHE = savedCache;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("concurrent runs share a cold cache", () => {
  test("two bootlog processes at once: both pass, one cache entry per image, separate run dirs", async () => {
    const cache = join(dir, "cache");
    const artifacts = join(dir, "artifacts");
    const qemu = playingQemu(dir, "qemu", [{ text: "FAKE-BOOT-1\r\n" }, { sleepMs: 200 }, { text: "FAKE-PROMPT # " }]);
    const expectations = join(dir, "expectations");
    writeExpectationFile(
      expectations,
      "shared-cache.ts",
      `import { busyboxInitrd, defineBoot, userImage } from ${JSON.stringify(DEFINE)};
export default defineBoot({
  name: "shared-cache",
  machine: { arch: "aarch64", memory: "128M", cpus: 1, firmware: "image" },
  images: { image: userImage({ path: ${JSON.stringify(fakeImage(dir))} }), initrd: busyboxInitrd() },
  milestones: [{ id: "first", match: "FAKE-BOOT-1" }, { id: "prompt", match: "FAKE-PROMPT # " }],
  silence: "10s",
  budget: "60s",
});
`,
    );
    const run = () =>
      bootlog(["run", "--expectations", expectations, "--artifacts", artifacts], {
        BOOTLOG_CACHE: cache,
        BOOTLOG_QEMU_AARCH64: qemu,
      }).then((r) => ({ code: r.code, out: r.stdout + r.stderr }));
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.code, a.out).toBe(0);
    expect(b.code, b.out).toBe(0);

    // Separate run directories, each complete.
    const entries = readdirSync(artifacts, { withFileTypes: true });
    const runs = entries.filter((e) => e.isDirectory()).map((e) => e.name);
    expect(runs, `artifacts holds ${entries.map((e) => e.name).join(", ")}`).toHaveLength(2);
    const initrds = runs.map((runId) => {
      const boot = join(artifacts, runId, "shared-cache");
      expect(readFileSync(join(boot, "serial.log"), "utf8")).toBe("FAKE-BOOT-1\r\nFAKE-PROMPT # ");
      expect(XMLValidator.validate(readFileSync(join(artifacts, runId, "junit.xml"), "utf8"))).toBe(true);
      const timeline = JSON.parse(readFileSync(join(boot, "timeline.json"), "utf8"));
      expect(timeline.outcome).toBe("pass");
      return timeline.qemu.argv[timeline.qemu.argv.indexOf("-initrd") + 1] as string;
    });

    // One entry per image, no leftovers, contents intact.
    expect(initrds[0]).toBe(initrds[1]);
    expect(readdirSync(join(cache, "deb-file"))).toHaveLength(1);
    expect(readdirSync(join(cache, "initrd"))).toHaveLength(1);
    expect(readdirSync(join(cache, "tmp"))).toEqual([]);
    for (const kind of ["deb-file", "initrd"]) {
      const entry = join(cache, kind, readdirSync(join(cache, kind))[0]!);
      const meta = JSON.parse(readFileSync(join(entry, "entry.json"), "utf8")) as { file: string; sha256: string };
      expect(sha256(join(entry, meta.file)), `${kind} entry corrupted`).toBe(meta.sha256);
    }
    const cpio = gunzipSync(readFileSync(initrds[0]!)).toString("latin1");
    expect(cpio).toContain("bin/busybox");
    expect(cpio).toContain("TRAILER!!!");
  }, 240_000);

  test("eight builders of one entry at once: one entry, every caller sees it whole, no temp dirs left", async () => {
    process.env.BOOTLOG_CACHE = join(dir, "cache-race");
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        cachedDir("race", { same: "key" }, async (tmp) => {
          await mkdir(join(tmp, "sub"));
          for (let part = 0; part < 20; part++) {
            await writeFile(join(tmp, "sub", `part-${part}`), `${i}:${part}`);
            await new Promise((r) => setTimeout(r, 1));
          }
          await writeFile(join(tmp, "done"), String(i));
        }),
      ),
    );
    expect(new Set(results.map((r) => r.dir)).size).toBe(1);
    const entry = results[0]!.dir;
    const winner = readFileSync(join(entry, "done"), "utf8");
    const parts = await readdir(join(entry, "sub"));
    expect(parts).toHaveLength(20);
    for (const part of parts)
      expect(readFileSync(join(entry, "sub", part), "utf8").startsWith(`${winner}:`)).toBe(true);
    expect(await readdir(join(dir, "cache-race", "tmp"))).toEqual([]);
  });
});
