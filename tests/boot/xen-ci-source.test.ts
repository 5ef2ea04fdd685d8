/**
 * Xen CI's dom0less jobs that need a Xen Debian does not build (early printk, static memory,
 * static shared memory, boot-time cpupools), each with CI's own pass string, on one Xen built
 * from source with every option they need (the first boot builds it; the others find it cached).
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, test } from "vitest";
import type { BootResult } from "../../harness/result.ts";
import { runBoot } from "../../harness/runner/run-boot.ts";
import { bootFiles } from "../../harness/artifacts/writers.ts";
import { expectationNamed, milestoneTests, testRunDir } from "../helpers/boot.ts";

// Not anchored at a line's start where a domU prints it: dom0's console may have left a line
// unfinished just then ("busybox: /usr/bin/awk: No such file or directory(XEN) DOM1: …").
const JOBS: { name: string; passed: RegExp }[] = [
  { name: "xen-ci-dom0less-arm64-earlyprintk", passed: /^- Ready -\r?$/m },
  { name: "xen-ci-dom0less-arm64-staticmem", passed: /\(XEN\) DOM1: static-mem test passed\r?$/m },
  { name: "xen-ci-dom0less-arm64-static-shared-mem", passed: /\(XEN\) DOM2: static-shared-mem test passed\r?$/m },
  { name: "xen-ci-dom0less-arm64-boot-cpupools", passed: /^boot-cpupools test passed\r?$/m },
];

for (const job of JOBS) {
  const exp = await expectationNamed(job.name);
  describe(job.name, () => {
    let result: BootResult | undefined;
    beforeAll(async () => {
      result = await runBoot(exp, { listeners: [bootFiles], runDir: testRunDir(exp.name) });
    }, 1_200_000);
    const r = () => {
      expect(result, "the boot did not run (see beforeAll)").toBeDefined();
      return result!;
    };
    milestoneTests(exp, r);

    test("passes with Xen CI's pass string and BOOT_MSG on the console", () => {
      expect(r().outcome, r().summary).toBe("pass");
      const log = readFileSync(r().serialLog, "latin1");
      expect(log).toMatch(job.passed);
      // The upstream build keeps what Debian's patches drop: Xen CI's BOOT_MSG.
      expect(log).toMatch(/^\(XEN\) (?:\[ *\d+\.\d+\] )?Latest ChangeSet: /m);
      expect(r().images!.find((i) => i.role === "xen")!.build).toMatchObject({
        source: "Debian source xen=4.17.5+72-g01140da4e8-1 (upstream tarball, Debian's patches not applied)",
        options: expect.stringContaining("CONFIG_STATIC_SHM=y"),
      });
    });
  });
}
