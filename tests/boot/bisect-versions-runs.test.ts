/**
 * `bootlog bisect-versions --runs N` over versions apt really offers, each booted N times:
 * Debian's Linux alone (one CPU, quiet: about 1.5 s to /init), whose init prints `uname -r`, so a
 * predicate on that line makes the newer kernels "bad". The ends are checked, every step runs N
 * times, the culprit and its predecessor N more times each. A second bisection replaces an image
 * the machine never loads (a file that is byte-identical in two Xen builds): whatever it names is
 * a no-op culprit, and the answer is inconclusive.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { VersionBisectReport } from "../../harness/bisection/bisect-versions.ts";
import { newestKernelAbis, newestXenPair } from "../helpers/apt-versions.ts";
import { bootlog } from "../helpers/cli.ts";

const HARNESS = resolve("harness/expectations/index.ts");
const RUNS = 2;
const work = mkdtempSync(join(tmpdir(), "bootlog-bisect-versions-runs-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let abis: number[];
let xenPair: [string, string];
beforeAll(async () => {
  [abis, xenPair] = await Promise.all([newestKernelAbis(3), newestXenPair()]);
});

function writeExpectation(name: string, extraImage = ""): string {
  const file = join(work, `${name}.ts`);
  writeFileSync(
    file,
    `import { busyboxInitrd, deb, defineBoot, linuxPanics } from ${JSON.stringify(HARNESS)};
export default defineBoot({
  name: ${JSON.stringify(name)},
  machine: { arch: "aarch64", memory: "256M", cpus: 1, firmware: "direct" },
  images: {
    kernel: deb("linux-image-6.1.0-${abis[0]}-arm64", "boot/vmlinuz-*"),
    initrd: busyboxInitrd(['echo "init: up"']),${extraImage}
  },
  boot: { linux: "console=ttyAMA0 rdinit=/init quiet" },
  milestones: [
    { id: "init-started", match: /^dom0 init: 6\\.1\\.0-\\d+-arm64 xen: $/, within: "40s" },
    { id: "init-up", match: "init: up" },
  ],
  failOn: linuxPanics,
  silence: "20s",
  budget: "60s",
});
`,
  );
  return file;
}

const bisectVersions = (...args: string[]) =>
  bootlog(["bisect-versions", ...args, "--artifacts", join(work, "artifacts")]);

describe("bootlog bisect-versions --runs 2", () => {
  test(
    "three kernel ABIs, the newer two bad: both ends twice, the middle twice, then the culprit and its predecessor twice more",
    { timeout: 180_000 },
    async () => {
      const file = writeExpectation("versions-runs");
      const names = abis.map((n) => `linux-image-6.1.0-${n}-arm64`);
      const run = await bisectVersions(
        file,
        "--package",
        `linux-image-6.1.0-{${abis.join(",")}}-arm64`,
        "--good",
        names[0]!,
        "--bad",
        names[2]!,
        "--bad-if-line",
        `/^dom0 init: 6\\.1\\.0-(${abis[1]}|${abis[2]})-arm64 /`,
        "--runs",
        String(RUNS),
        "--json",
      );
      expect(run.code, run.all).toBe(0);
      const report = JSON.parse(run.stdout) as VersionBisectReport;
      expect(report.result.status).toBe("found");
      // Ends first, then the one version between them, then the confirmations.
      expect(report.boots.map((b) => [b.candidate.package, b.role, b.verdict.kind])).toEqual([
        [names[0], "good-endpoint", "good"],
        [names[2], "bad-endpoint", "bad"],
        [names[1], "probe", "bad"],
        [names[1], "confirm-culprit", "bad"],
        [names[0], "confirm-predecessor", "good"],
      ]);
      for (const b of report.boots) expect(b.runs).toMatchObject({ runs: RUNS, skipped: 0 });
      const v = report.verification!;
      expect(v.conclusive).toBe(true);
      expect(v.conclusion).toBe(
        `first bad: ${names[1]} ${report.candidates[1]!.version} (last good: ${names[0]} ${report.candidates[0]!.version}), confirmed by 2 more runs of each`,
      );
      expect(v.culprit).toMatchObject({ kind: "bad", ok: true });
      expect(v.predecessor).toMatchObject({ kind: "good", ok: true });
      expect(v.noop).toBeUndefined();
      // The bad end failed every run: rate 1, so no good step could have hidden a bad version.
      expect(v.rate).toBe(1);
      expect(v.confidence).toBe(1);
    },
  );

  test(
    "a culprit whose image is byte-identical to its predecessor's is flagged as a no-op; the confirmation fails: inconclusive",
    { timeout: 120_000 },
    async () => {
      const [older, newer] = xenPair;
      // The image replaced along the axis is one the machine never loads: nothing booted changes.
      const file = writeExpectation(
        "versions-noop",
        `\n    notes: deb("xen-hypervisor-4.17-arm64", "usr/share/bug/xen-hypervisor-4.17-arm64/control"),`,
      );
      const run = await bisectVersions(
        file,
        "--package",
        "xen-hypervisor-4.17-arm64",
        "--role",
        "notes",
        "--good",
        older,
        "--bad",
        newer,
        "--bad-if",
        "fail after init-started",
        "--no-verify",
        "--runs",
        String(RUNS),
      );
      console.log(String(run.stdout));
      expect(run.code, run.all).toBe(125);
      expect(run.stdout).toMatch(
        new RegExp(
          `no-op culprit, most likely wrong: images\\.notes of xen-hypervisor-4\\.17-arm64 ${newer.replace(/[.+]/g, "\\$&")} is byte-identical to xen-hypervisor-4\\.17-arm64 ${older.replace(/[.+]/g, "\\$&")}'s \\(sha256 [0-9a-f]{16}…\\)`,
        ),
      );
      expect(run.stdout).toContain(
        `bisect-versions: GOOD xen-hypervisor-4.17-arm64 ${newer} (confirm-culprit): 0 of 2 runs bad, 2 good`,
      );
      expect(run.stdout).toContain(
        `bisect-versions: inconclusive: xen-hypervisor-4.17-arm64 ${newer} alone, unconfirmed (the culprit's 2 confirmation runs were good, not bad)`,
      );
      expect(run.stdout).toMatch(/2 runs per step; estimated failure rate unknown; overall confidence unknown/);
    },
  );
});
