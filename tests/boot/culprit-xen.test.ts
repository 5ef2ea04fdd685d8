/**
 * Two packages changed at once, only one guilty: Xen + dom0 on arm64, OLD with the older of
 * the two newest Xen 4.17 builds and the second newest kernel ABI, NEW with the newest of
 * both. The expectation fails on the newest kernel's banner (console-visible, names the
 * version), so reverting Xen alone must not cure it and reverting the kernel alone must.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { CulpritReport } from "../../harness/bisection/culprit.ts";
import { newestKernels, newestXenPair, type AptKernel } from "../helpers/apt-versions.ts";
import { bootlog as cli } from "../helpers/cli.ts";

const HARNESS = resolve("harness/expectations/index.ts");
const work = mkdtempSync(join(tmpdir(), "bootlog-culprit-xen-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const XEN = "xen-hypervisor-4.17-arm64";

const bootlog = (args: string[], artifacts = join(work, "artifacts")) =>
  cli(args, { BOOTLOG_ARTIFACTS: artifacts }, work);

let kernels: AptKernel[];
let xen: [string, string];
beforeAll(async () => {
  [kernels, xen] = await Promise.all([newestKernels(2), newestXenPair()]);
  mkdirSync(join(work, "exps"));
  // The machine of arm64-xen-dom0 (its patched DTB is in the cache); milestones up to the dom0 kernel's banner.
  writeFileSync(
    join(work, "exps", "culprit-xen.ts"),
    `import { busyboxInitrd, deb, debianKernel, defineBoot } from ${JSON.stringify(HARNESS)};
export default defineBoot({
  name: "culprit-xen",
  machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "direct" },
  images: { xen: deb("${XEN}", "boot/xen-4.17-arm64"), kernel: debianKernel("arm64"), initrd: busyboxInitrd() },
  boot: { xen: "console=dtuart dtuart=/pl011@9000000 dom0_mem=512M bootscrub=0", linux: "console=hvc0 earlycon=xen rdinit=/init" },
  milestones: [
    { id: "xen-banner", match: /\\(XEN\\) Xen version 4\\.17/ },
    { id: "xen-dom0-loading", match: "*** LOADING DOMAIN 0 ***" },
    { id: "linux-banner", match: /Linux version 6\\.1\\.0-\\d+-arm64 / },
  ],
  failOn: [{ id: "bad-kernel", match: /Linux version 6\\.1\\.0-${kernels[1]!.abi}-arm64 / }],
  silence: "15s",
  budget: "60s",
});
`,
  );
  const pins = (x: string, k: AptKernel) => ["--pin", `${XEN}=${x}`, "--pin", `${k.pkg}=${k.version}`];
  const old = await bootlog(
    ["run", "--expectations", "exps", "culprit-xen", ...pins(xen[0], kernels[0]!)],
    join(work, "old"),
  );
  expect(old.code, old.all).toBe(0);
  const now = await bootlog(["run", "--expectations", "exps", "culprit-xen", ...pins(xen[1], kernels[1]!)]);
  expect(now.code, now.all).toBe(1);
});

test(
  "Xen and the kernel changed, the kernel is guilty: compare names both changes; culprit reverts each alone and names the kernel",
  { timeout: 180_000 },
  async () => {
    const [old, now] = kernels as [AptKernel, AptKernel];
    const compare = await bootlog(["compare", "old/latest", "artifacts/latest"]);
    expect(compare.code, compare.all).toBe(1);
    expect(compare.stdout).toContain(
      `changed: ${XEN} ${xen[0]} → ${xen[1]} (newer); linux-image-6.1.0-*-arm64 ${old.pkg} ${old.version} → ${now.pkg} ${now.version} (newer); unknown, not recorded by both runs: git commit`,
    );

    const run = await bootlog([
      "culprit",
      "old/latest",
      "artifacts/latest",
      "--no-confirm",
      "--out",
      join(work, "culprit"),
    ]);
    expect(run.code, run.all).toBe(0);
    const report = JSON.parse(readFileSync(join(work, "culprit", "culprit.json"), "utf8")) as CulpritReport;
    const boot = report.boots[0]!;
    expect(boot.steps.map((s) => [s.step, s.what, s.verdict])).toEqual([
      ["reproduce", "NEW's versions", "bad"],
      ["revert", `revert ${XEN} to ${xen[0]}`, "bad"],
      ["revert", `revert linux-image-6.1.0-*-arm64 to ${old.version}`, "good"],
    ]);
    // Reverting Xen kept NEW's kernel, and the other way round: each boot ran what it says.
    const logOf = (i: number) =>
      readFileSync(join(boot.steps[i]!.runs[0]!.runDir, "culprit-xen", "serial.log"), "latin1");
    expect(logOf(1)).toContain(`Linux version 6.1.0-${now.abi}-arm64 `);
    expect(logOf(1)).toContain(`(Debian ${xen[0]})`);
    expect(logOf(2)).toContain(`Linux version 6.1.0-${old.abi}-arm64 `);
    expect(logOf(2)).toContain(`(Debian ${xen[1]})`);
    expect(boot.culprit).toMatchObject({
      role: "kernel",
      firstBad: { package: now.pkg, version: now.version },
      lastGood: { package: old.pkg, version: old.version },
    });
    expect(boot.confidence.level).toBe("single-runs");
    expect(run.stdout).toContain(`--pin ${XEN}=${xen[1]}`);
    expect(readFileSync(join(work, "culprit", "culprit.md"), "utf8")).toContain(
      `**first bad: \`${now.pkg} ${now.version}\`**`,
    );
  },
);
