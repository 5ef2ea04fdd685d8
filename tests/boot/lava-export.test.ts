/**
 * `bootlog export lava arm64-xen-dom0` through the CLI's code path with the real images: they are
 * prepared through the cache (downloaded on a cold one, like the boot test), and the job names the
 * very files and checksums a bootlog boot loads.
 */
import { readFile, rm } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { parse } from "yaml";
import { describe, expect, test } from "vitest";
import { sha256File } from "../../harness/images/cache.ts";
import { exportLava, validateLavaJob, type LavaJob } from "../../harness/export/lava.ts";
import { writeLavaBundle } from "../../harness/export/lava-bundle.ts";
import { expectationNamed, testRunDir } from "../helpers/boot.ts";

describe("export lava with prepared images", () => {
  test("arm64-xen-dom0: file:// URLs of the prepared files, their sha256, every milestone in order", async () => {
    const exp = await expectationNamed("arm64-xen-dom0");
    const { export: out, yaml } = await exportLava(exp);
    const job = parse(yaml) as LavaJob;
    const checked = validateLavaJob(job);
    expect(checked.ok ? [] : checked.errors).toEqual([]);
    expect(out.files.map((f) => f.label).sort()).toEqual(["dtb", "kernel", "ramdisk", "xen"]);
    const deploy = (job.actions[0] as Extract<LavaJob["actions"][number], { deploy: unknown }>).deploy;
    for (const f of out.files) {
      expect(deploy.images[f.label]!.url).toBe(`file://${f.path}`);
      expect(deploy.images[f.label]!.sha256sum).toBe(await sha256File(f.path));
    }
    const names = job.actions.flatMap((a) =>
      "test" in a && "interactive" in a.test ? a.test.interactive.flatMap((s) => s.script.map((st) => st.name)) : [],
    );
    expect(names).toEqual(exp.milestones.map((m) => m.id));
    expect(Object.keys(job.metadata ?? {})).toEqual(
      expect.arrayContaining(["bootlog.expectation_hash", "bootlog.package.busybox-static"]),
    );
  }, 120_000);

  test("--bundle: the job and copies of the files it boots in one directory, the URLs naming them", async () => {
    const exp = await expectationNamed("arm64-xen-dom0");
    const dir = join(testRunDir("lava-bundle"), "arm64-xen-dom0");
    const out = await writeLavaBundle(exp, dir, "https://lab.example/bootlog/arm64-xen-dom0");
    const job = parse(await readFile(join(dir, "job.yaml"), "utf8")) as LavaJob;
    const deploy = (job.actions[0] as Extract<LavaJob["actions"][number], { deploy: unknown }>).deploy;
    for (const f of out.files) {
      const copy = join(dir, basename(f.path));
      expect(await sha256File(copy)).toBe(await sha256File(f.path));
      expect(deploy.images[f.label]!.url).toBe(`https://lab.example/bootlog/arm64-xen-dom0/${basename(f.path)}`);
      expect(deploy.images[f.label]!.sha256sum).toBe(await sha256File(copy));
    }
    // Without --url-base the job reads the bundle itself (what lava-run on this machine fetches).
    const local = await writeLavaBundle(exp, dir);
    expect(local.files.map((f) => f.url)).toEqual(local.files.map((f) => `file://${resolve(dir)}/${basename(f.path)}`));
    await rm(dir, { recursive: true, force: true }); // 35 MB of images
  }, 120_000);
});
