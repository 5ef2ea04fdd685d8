/** What changed between two runs of a boot: package pairing across kernel ABIs, Debian order, image hashes, and the JUnit properties they come from. */
import { describe, expect, test } from "vitest";
import { bootDifferences, differencesLine, packageChanges, pairPattern } from "../../harness/compare/changes.ts";
import { recordsFromJunit } from "../../harness/artifacts/junit-read.ts";
import { junitForBoots } from "../../harness/artifacts/junit.ts";
import { bootResult } from "../helpers/history-results.ts";

describe("package changes", () => {
  test("a kernel ABI in the name pairs as a glob; Xen by name; direction in Debian order (~ before release)", () => {
    expect(pairPattern("linux-image-6.1.0-44-arm64", "linux-image-6.1.0-56-arm64")).toBe("linux-image-6.1.0-*-arm64");
    expect(pairPattern("linux-image-6.1.0-44-arm64", "linux-image-6.1.0-44-rt-arm64")).toBeUndefined();
    const changes = packageChanges(
      {
        "xen-hypervisor-4.17-arm64": "4.17.5+72-g01140da4e8-1",
        "linux-image-6.1.0-44-arm64": "6.1.164-1",
        "busybox-static": "1:1.35.0-4",
        "gone-pkg": "1",
      },
      {
        "xen-hypervisor-4.17-arm64": "4.17.5+72-g01140da4e8-1~rc1",
        "linux-image-6.1.0-56-arm64": "6.1.192-2",
        "busybox-static": "1:1.35.0-4",
        "new-pkg": "2",
      },
    );
    expect(changes).toEqual([
      {
        pattern: "xen-hypervisor-4.17-arm64",
        old: { package: "xen-hypervisor-4.17-arm64", version: "4.17.5+72-g01140da4e8-1" },
        new: { package: "xen-hypervisor-4.17-arm64", version: "4.17.5+72-g01140da4e8-1~rc1" },
        direction: "older",
      },
      {
        pattern: "linux-image-6.1.0-*-arm64",
        old: { package: "linux-image-6.1.0-44-arm64", version: "6.1.164-1" },
        new: { package: "linux-image-6.1.0-56-arm64", version: "6.1.192-2" },
        direction: "newer",
      },
      { pattern: "new-pkg", old: null, new: { package: "new-pkg", version: "2" }, direction: "added" },
      { pattern: "gone-pkg", old: { package: "gone-pkg", version: "1" }, new: null, direction: "removed" },
    ]);
  });

  test("from bootlog's JUnit: packages, image.<role>.sha256/.package, QEMU, expectation hash and commit; a hand-written JUnit says what it did not record", () => {
    const images = (kernelSha: string, initrdSha: string, abi: number) => [
      { role: "kernel", sha256: kernelSha, package: `linux-image-6.1.0-${abi}-arm64=6.1.${abi}-1` },
      { role: "initrd", sha256: initrdSha, package: "busybox-static=1:1.35.0-4" },
    ];
    const run = (abi: number, kernelSha: string, initrdSha: string, commit: string) => ({
      ...bootResult("pass", { gitCommit: commit }),
      packages: [
        { package: `linux-image-6.1.0-${abi}-arm64`, version: `6.1.${abi}-1`, arch: "arm64" },
        { package: "busybox-static", version: "1:1.35.0-4", arch: "arm64" },
      ],
      images: images(kernelSha, initrdSha, abi),
    });
    const [old] = recordsFromJunit(junitForBoots([run(44, "a".repeat(64), "b".repeat(64), "1".repeat(40))]));
    const [now] = recordsFromJunit(junitForBoots([run(56, "c".repeat(64), "d".repeat(64), "2".repeat(40))]));
    expect(now!.images.kernel).toEqual({ sha256: "c".repeat(64), package: "linux-image-6.1.0-56-arm64=6.1.56-1" });
    const d = bootDifferences(old!, now!);
    // The kernel's new hash follows from its package; the initramfs changed with the same busybox: that is news.
    expect(differencesLine(d)).toBe(
      `changed: linux-image-6.1.0-*-arm64 linux-image-6.1.0-44-arm64 6.1.44-1 → linux-image-6.1.0-56-arm64 6.1.56-1 (newer); image initrd bbbbbbbbbbbb → dddddddddddd; git commit 111111111111 → 222222222222; nothing else`,
    );
    const [bare] = recordsFromJunit(
      '<testsuites><testsuite name="arm64-xen"><testcase name="xen-banner"/></testsuite></testsuites>',
    );
    expect(differencesLine(bootDifferences(bare!, now!))).toBe(
      "nothing recorded changed (not recorded by both runs: package versions, QEMU version, expectation hash, git commit)",
    );
  });
});
