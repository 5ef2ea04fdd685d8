/**
 * `bootlog bisect-versions` over versions that Debian's apt really offers, each one downloaded
 * and booted. Debian's Xen 4.17.5 and 4.17.7 and its 6.1 kernels all boot this machine alike,
 * so the "bad" side is a predicate on a milestone's output (the version Xen or Linux reports):
 * that proves the walk picks, pins and boots the right version at every step.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { VersionBisectReport } from "../../harness/history/bisect-versions.ts";
import { arm64XenImages, type Arm64Images } from "../helpers/arm64-images.ts";

const BOOTLOG = resolve("bin/bootlog.mjs");
const HARNESS = resolve("harness/expectations/index.ts");
const work = mkdtempSync(join(tmpdir(), "bootlog-bisect-versions-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let images: Arm64Images;
beforeAll(async () => {
  images = await arm64XenImages();
});

/** An expectation file whose image `role` comes from apt (the axis) and the others from the cache. */
function writeExpectation(name: string, role: "xen" | "kernel", milestones: string): string {
  const file = join(work, `${name}.ts`);
  const image = (r: string, deb: string) => (r === role ? deb : `userImage({ path: ${JSON.stringify(images[r as keyof typeof images])} })`);
  writeFileSync(
    file,
    `import { deb, defineBoot, userImage } from ${JSON.stringify(HARNESS)};
export default defineBoot({
  name: ${JSON.stringify(name)},
  machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "direct" },
  images: {
    xen: ${image("xen", 'deb("xen-hypervisor-4.17-arm64", "boot/xen-4.17-arm64")')},
    kernel: ${image("kernel", 'deb("linux-image-6.1.0-51-arm64", "boot/vmlinuz-*")')},
    initrd: ${image("initrd", "")},
  },
  milestones: [${milestones}],
  silence: "20s",
  budget: "120s",
});
`,
  );
  return file;
}

const bisectVersions = (...args: string[]) => execa("node", [BOOTLOG, "bisect-versions", ...args, "--artifacts", join(work, "artifacts")], { reject: false, all: true });

describe("bootlog bisect-versions", () => {
  test("kernel ABIs 51..54 with 53+ bad: probes the middle (52 good, 53 bad) and names linux-image-6.1.0-53-arm64", { timeout: 300_000 }, async () => {
    const file = writeExpectation(
      "versions-kernel",
      "kernel",
      `{ id: "xen-banner", match: /\\(XEN\\) Xen version 4\\.17/ },
    { id: "xen-dom0-loading", match: "*** LOADING DOMAIN 0 ***" },
    { id: "linux-banner", match: /Linux version 6\\.1\\.0-\\d+-arm64 / }`,
    );
    // The ends are trusted here (--no-verify): booting them is what the Xen test below checks.
    const run = await bisectVersions(
      file,
      "--package", "linux-image-6.1.0-5[1-4]-arm64",
      "--good", "linux-image-6.1.0-51-arm64",
      "--bad", "linux-image-6.1.0-54-arm64",
      "--bad-if-line", "/Linux version 6\\.1\\.0-(5[3-9]|[6-9]\\d)-arm64 /",
      "--no-verify",
      "--json",
    );
    expect(run.exitCode, run.all).toBe(0);
    const report = JSON.parse(run.stdout) as VersionBisectReport;
    expect(report.role).toBe("kernel");
    expect(report.candidates.map((c) => c.package)).toEqual([51, 52, 53, 54].map((n) => `linux-image-6.1.0-${n}-arm64`));
    expect(report.result.status).toBe("found");
    if (report.result.status !== "found") return;
    expect(report.candidates[report.result.firstBad]).toEqual({ package: "linux-image-6.1.0-53-arm64", version: "6.1.187-1" });
    expect(report.candidates[report.result.lastGood]!.package).toBe("linux-image-6.1.0-52-arm64");
    // Binary search from the middle: 2 boots for the 2 versions between the ends.
    expect(report.boots.map((b) => [b.candidate.package.replace(/^linux-image-6\.1\.0-(\d+)-arm64$/, "$1"), b.verdict.kind])).toEqual([
      ["52", "good"],
      ["53", "bad"],
    ]);
    // Every boot ran the kernel it was meant to: recorded as its package, and its banner says so.
    for (const b of report.boots) {
      expect(b.packages).toContainEqual({ package: b.candidate.package, version: b.candidate.version, arch: "arm64" });
      const abi = /linux-image-(6\.1\.0-\d+-arm64)/.exec(b.candidate.package)![1]!;
      expect(readFileSync(join(b.runDir, "versions-kernel", "serial.log"), "latin1")).toMatch(new RegExp(`Linux version ${abi.replace(/\./g, "\\.")} .*Debian ${b.candidate.version.replace(/\./g, "\\.")} `));
    }
  });

  test("Xen 4.17.5 → 4.17.7 (a real pair): both ends booted first; bad if Xen reports 4.17.7 → first bad 4.17.7; contradicting ends exit 1; unknown versions exit 2", { timeout: 180_000 }, async () => {
    const file = writeExpectation("versions-xen", "xen", `{ id: "xen-banner", match: /\\(XEN\\) Xen version 4\\.17\\.\\d+ / }`);
    const xen = ["--package", "xen-hypervisor-4.17-arm64"];
    const [pair, swapped, unknown] = await Promise.all([
      bisectVersions(file, ...xen, "--good", "4.17.5+72-g01140da4e8-1", "--bad", "4.17.7+13-g2445b30a44-0+deb12u1", "--bad-if-line", "Xen version 4.17.7"),
      bisectVersions(file, ...xen, "--good", "4.17.5+72-g01140da4e8-1", "--bad", "4.17.7+13-g2445b30a44-0+deb12u1", "--bad-if-line", "Xen version 4.17.5"),
      bisectVersions(file, ...xen, "--good", "4.17.1-1", "--bad", "4.17.7+13-g2445b30a44-0+deb12u1"),
    ]);
    expect(pair.exitCode, pair.all).toBe(0);
    expect(pair.stdout).toContain("bisect-versions: GOOD xen-hypervisor-4.17-arm64 4.17.5+72-g01140da4e8-1: PASS");
    expect(pair.stdout).toMatch(/bisect-versions: BAD {2}xen-hypervisor-4\.17-arm64 4\.17\.7\+13-g2445b30a44-0\+deb12u1: console line "\(XEN\) Xen version 4\.17\.7 \(Debian 4\.17\.7\+13/);
    expect(pair.stdout).toContain("first bad: xen-hypervisor-4.17-arm64 4.17.7+13-g2445b30a44-0+deb12u1 (last good: xen-hypervisor-4.17-arm64 4.17.5+72-g01140da4e8-1); 2 boot(s)");
    expect(swapped.exitCode, swapped.all).toBe(1);
    expect(swapped.stdout).toMatch(/cannot bisect: the good end is bad: console line "\(XEN\) Xen version 4\.17\.5 /);
    expect(unknown.exitCode, unknown.all).toBe(2);
    expect(unknown.stderr).toContain('"4.17.1-1" is not among the versions apt offers');
  });
});
