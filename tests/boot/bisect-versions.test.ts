/**
 * `bootlog bisect-versions` over versions that Debian's apt really offers, each one downloaded
 * and booted. Debian's Xen 4.17 builds and its 6.1 kernels all boot this machine alike,
 * so the "bad" side is a predicate on a milestone's output (the version Xen or Linux reports):
 * that proves the walk picks, pins and boots the right version at every step.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { VersionBisectReport } from "../../harness/bisection/bisect-versions.ts";
import { compareDebianVersions } from "../../harness/images/debian-version.ts";
import { arm64XenImages, type Arm64Images } from "../helpers/arm64-images.ts";
import { bootlog } from "../helpers/cli.ts";

const HARNESS = resolve("harness/expectations/index.ts");
const work = mkdtempSync(join(tmpdir(), "bootlog-bisect-versions-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// What the archive offers changes with Debian's updates: the test walks the newest ones it finds.
/** The four newest Debian 6.1 kernel ABIs for arm64 (each ABI is its own package). */
async function newestKernelAbis(): Promise<number[]> {
  const { stdout } = await execa("apt-cache", ["search", "--names-only", "^linux-image-6\\.1\\.0-[0-9]+-arm64$"]);
  const abis = [...stdout.matchAll(/^linux-image-6\.1\.0-(\d+)-arm64 /gm)]
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  expect(abis.length, "apt offers fewer than 4 kernel ABIs to walk").toBeGreaterThanOrEqual(4);
  return abis.slice(-4);
}

/** The two newest versions of Debian's arm64 Xen 4.17. */
async function newestXenPair(): Promise<[string, string]> {
  const { stdout } = await execa("apt-cache", ["madison", "xen-hypervisor-4.17-arm64:arm64"]);
  const versions = [
    ...new Set(
      stdout
        .split("\n")
        .map((l) => l.split("|")[1]?.trim())
        .filter((v): v is string => !!v),
    ),
  ].sort(compareDebianVersions);
  expect(versions.length, "apt offers only one version of xen-hypervisor-4.17-arm64").toBeGreaterThanOrEqual(2);
  return [versions.at(-2)!, versions.at(-1)!];
}

let images: Arm64Images;
let abis: number[];
let xenPair: [string, string];
beforeAll(async () => {
  [images, abis, xenPair] = await Promise.all([arm64XenImages(), newestKernelAbis(), newestXenPair()]);
});

/** An expectation file whose image `role` comes from apt (the axis) and the others from the cache. */
function writeExpectation(name: string, role: "xen" | "kernel", milestones: string): string {
  const file = join(work, `${name}.ts`);
  const image = (r: string, deb: string) =>
    r === role ? deb : `userImage({ path: ${JSON.stringify(images[r as keyof typeof images])} })`;
  writeFileSync(
    file,
    `import { deb, defineBoot, userImage } from ${JSON.stringify(HARNESS)};
export default defineBoot({
  name: ${JSON.stringify(name)},
  machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "direct" },
  images: {
    xen: ${image("xen", 'deb("xen-hypervisor-4.17-arm64", "boot/xen-4.17-arm64")')},
    kernel: ${image("kernel", `deb("linux-image-6.1.0-${abis[0]}-arm64", "boot/vmlinuz-*")`)},
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

const bisectVersions = (...args: string[]) =>
  bootlog(["bisect-versions", ...args, "--artifacts", join(work, "artifacts")]);

describe("bootlog bisect-versions", () => {
  test(
    "the four newest kernel ABIs, the newer half bad: probes the middle (2nd good, 3rd bad) and names the 3rd",
    { timeout: 300_000 },
    async () => {
      const file = writeExpectation(
        "versions-kernel",
        "kernel",
        `{ id: "xen-banner", match: /\\(XEN\\) Xen version 4\\.17/ },
    { id: "xen-dom0-loading", match: "*** LOADING DOMAIN 0 ***" },
    { id: "linux-banner", match: /Linux version 6\\.1\\.0-\\d+-arm64 / }`,
      );
      const names = abis.map((n) => `linux-image-6.1.0-${n}-arm64`);
      // The ends are trusted here (--no-verify): booting them is what the Xen test below checks.
      const run = await bisectVersions(
        file,
        "--package",
        `linux-image-6.1.0-{${abis.join(",")}}-arm64`,
        "--good",
        names[0]!,
        "--bad",
        names[3]!,
        "--bad-if-line",
        `/Linux version 6\\.1\\.0-(${abis[2]}|${abis[3]})-arm64 /`,
        "--no-verify",
        "--json",
      );
      expect(run.code, run.all).toBe(0);
      const report = JSON.parse(run.stdout) as VersionBisectReport;
      expect(report.role).toBe("kernel");
      expect(report.candidates.map((c) => c.package)).toEqual(names);
      expect(report.result.status).toBe("found");
      if (report.result.status !== "found") return;
      expect(report.candidates[report.result.firstBad]!.package).toBe(names[2]);
      expect(report.candidates[report.result.lastGood]!.package).toBe(names[1]);
      // Binary search from the middle: 2 boots for the 2 versions between the ends.
      expect(report.boots.map((b) => [b.candidate.package, b.verdict.kind])).toEqual([
        [names[1], "good"],
        [names[2], "bad"],
      ]);
      // Every boot ran the kernel it was meant to: recorded as its package, and its banner says so.
      for (const b of report.boots) {
        expect(b.packages).toContainEqual({
          package: b.candidate.package,
          version: b.candidate.version,
          arch: "arm64",
        });
        const abi = /linux-image-(6\.1\.0-\d+-arm64)/.exec(b.candidate.package)![1]!;
        expect(readFileSync(join(b.runDir, "versions-kernel", "serial.log"), "latin1")).toMatch(
          new RegExp(
            `Linux version ${abi.replace(/\./g, "\\.")} .*Debian ${b.candidate.version.replace(/[.+]/g, "\\$&")} `,
          ),
        );
      }
    },
  );

  test(
    "the two newest Xen builds (a real pair): both ends booted first; bad if Xen reports the newer → first bad is the newer; contradicting ends exit 1; unknown versions exit 2",
    { timeout: 180_000 },
    async () => {
      const [older, newer] = xenPair;
      const file = writeExpectation(
        "versions-xen",
        "xen",
        `{ id: "xen-banner", match: /\\(XEN\\) Xen version 4\\.17\\.\\d+ / }`,
      );
      const xen = ["--package", "xen-hypervisor-4.17-arm64"];
      // Xen's banner names its Debian build: "(XEN) Xen version 4.17.7 (Debian 4.17.7+13-g2445b30a44-0+deb12u1)".
      const [pair, swapped, unknown] = await Promise.all([
        bisectVersions(file, ...xen, "--good", older, "--bad", newer, "--bad-if-line", `(Debian ${newer})`),
        bisectVersions(file, ...xen, "--good", older, "--bad", newer, "--bad-if-line", `(Debian ${older})`),
        bisectVersions(file, ...xen, "--good", "4.17.1-1", "--bad", newer),
      ]);
      expect(pair.code, pair.all).toBe(0);
      expect(pair.stdout).toContain(`bisect-versions: GOOD xen-hypervisor-4.17-arm64 ${older}: PASS`);
      expect(pair.stdout).toContain(
        `bisect-versions: BAD  xen-hypervisor-4.17-arm64 ${newer}: console line "(XEN) Xen version`,
      );
      expect(pair.stdout).toContain(
        `first bad: xen-hypervisor-4.17-arm64 ${newer} (last good: xen-hypervisor-4.17-arm64 ${older}); 2 boot(s)`,
      );
      expect(swapped.code, swapped.all).toBe(1);
      expect(swapped.stdout).toContain(`cannot bisect: the good end is bad: console line "(XEN) Xen version`);
      expect(unknown.code, unknown.all).toBe(2);
      expect(unknown.stderr).toContain('"4.17.1-1" is not among the versions apt offers');
    },
  );
});
