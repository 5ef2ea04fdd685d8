/**
 * Xen's hypervisor built here from Debian's source package (apt-get source, Debian's patches,
 * defconfig), booted to a dom0 shell: the build's identity is in the boot's JUnit, its log in the
 * boot's artifacts, and a cached build that no longer matches its hash is rebuilt, never booted.
 * The first run on a machine builds (about a minute of CPU); later runs find it in the cache.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { prepareImages } from "../../harness/images/prepare.ts";
import type { BootResult } from "../../harness/result.ts";
import { runBoot } from "../../harness/runner/run-boot.ts";
import { bootFiles } from "../../harness/artifacts/writers.ts";
import { expectationNamed, milestoneTests, testRunDir } from "../helpers/boot.ts";

const exp = await expectationNamed("arm64-xen-source-dom0");
const SOURCE = /^Debian source xen=4\.17\.5\+72-g01140da4e8-1$/;

describe("arm64-xen-source-dom0: Xen from Debian's source package", () => {
  let result: BootResult | undefined;
  // A cold build on a loaded 2-core machine takes minutes; a warm cache, none.
  beforeAll(async () => {
    result = await runBoot(exp, { listeners: [bootFiles], runDir: testRunDir(exp.name) });
  }, 1_200_000);
  const r = () => {
    expect(result, "the boot did not run (see beforeAll)").toBeDefined();
    return result!;
  };
  milestoneTests(exp, r);

  test("passes, with the Debian package version in Xen's banner", () => {
    expect(r().outcome, r().summary).toBe("pass");
    expect(readFileSync(r().serialLog, "latin1")).toMatch(
      /\(XEN\) Xen version 4\.17\.5 \(Debian 4\.17\.5\+72-g01140da4e8-1\)/,
    );
  });

  test("the JUnit names the source version, the options and the compiler; the build log is in the artifacts", () => {
    const junit = readFileSync(join(r().dir, "junit.xml"), "utf8");
    const prop = (name: string) =>
      new RegExp(`<property name="${name.replace(/\./g, "\\.")}" value="([^"]*)"/>`).exec(junit)?.[1];
    expect(prop("image.xen.build.source")).toMatch(SOURCE);
    expect(prop("image.xen.build.options")).toBe("defconfig");
    expect(prop("image.xen.build.compiler")).toMatch(
      /^aarch64-linux-gnu-gcc \(Debian 12\.[\d.-]+\) 12\.[\d.]+; GNU ld /,
    );
    const log = readFileSync(join(r().dir, "xen-build.log"), "utf8");
    expect(log).toMatch(/^bootlog: building Xen from Debian source xen=4\.17\.5\+72-g01140da4e8-1\n/);
    expect(log).toContain("aarch64-linux-gnu-objcopy -O binary -S xen-syms xen");
  });

  test(
    "a cached build that no longer matches its hash is rebuilt before any boot uses it",
    { timeout: 1_200_000 },
    async () => {
      const cached = r().images!.find((i) => i.role === "xen")!;
      const { images } = await prepareImages(exp);
      expect(images.xen!.sha256).toBe(cached.sha256);
      appendFileSync(images.xen!.path, "corrupted");
      const again = await prepareImages(exp);
      expect(again.built).toEqual([
        expect.stringMatching(/^Xen from Debian source .* \(the cached copy was bad: .*xen is corrupted/),
      ]);
      expect(readFileSync(again.images.xen!.path).subarray(-9).toString()).not.toBe("corrupted");
      expect(existsSync(again.images.xen!.build!.log)).toBe(true);
    },
  );
});
