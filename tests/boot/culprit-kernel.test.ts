/**
 * From two real runs to the culprit, with the nightly workflow's own commands. Linux alone on
 * arm64 (the fastest boot with a package axis): OLD boots the oldest of the four newest kernel
 * ABIs apt offers, NEW the newest. The expectation fails on the banner of the two newest ABIs
 * (a console-visible, version-specific symptom: every Debian 6.1 kernel boots this machine
 * alike), so the first bad version is the third: culprit must find it by reverting, bisecting
 * and confirming, and each step must boot the kernel it says it boots.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { findCulprit, type CulpritOptions, type CulpritReport } from "../../harness/bisection/culprit.ts";
import { newestKernels, type AptKernel } from "../helpers/apt-versions.ts";
import { BOOTLOG, bootlog as cli } from "../helpers/cli.ts";

const HARNESS = resolve("harness/expectations/index.ts");
const work = mkdtempSync(join(tmpdir(), "bootlog-culprit-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Linux alone, one milestone (the banner), failing on the banner of the given ABIs. */
function expectation(badAbis: number[]): string {
  const failOn = badAbis.length
    ? `[{ id: "bad-kernel", match: /Linux version 6\\.1\\.0-(${badAbis.join("|")})-arm64 / }]`
    : "[]";
  return `import { busyboxInitrd, debianKernel, defineBoot } from ${JSON.stringify(HARNESS)};
export default defineBoot({
  name: "culprit-linux",
  machine: { arch: "aarch64", memory: "512M", cpus: 1, firmware: "direct" },
  images: { kernel: debianKernel("arm64"), initrd: busyboxInitrd() },
  boot: { linux: "console=ttyAMA0 rdinit=/init" },
  milestones: [{ id: "linux-banner", match: /Linux version 6\\.1\\.0-\\d+-arm64 / }],
  failOn: ${failOn},
  silence: "10s",
  budget: "30s",
});
`;
}

const env = (artifacts: string) => ({ ...process.env, BOOTLOG_ARTIFACTS: artifacts, NO_COLOR: "1" });
const bootlog = (cwd: string, args: string[], artifacts = join(cwd, "artifacts")) =>
  cli(args, { BOOTLOG_ARTIFACTS: artifacts }, cwd);

/** The workflow's boot job as a shell step runs it: `npx bootlog` is this checkout's CLI. */
const workflow = parse(readFileSync(".github/workflows/nightly.yml", "utf8")) as {
  jobs: { boot: { steps: { id?: string; if?: string; run?: string }[] } };
};
const step = (id: string) => workflow.jobs.boot.steps.find((s) => s.id === id)!;

let kernels: AptKernel[];
const night = join(work, "night");
beforeAll(async () => {
  kernels = await newestKernels();
  mkdirSync(join(night, "exps"), { recursive: true });
  writeFileSync(join(night, "exps", "culprit-linux.ts"), expectation(kernels.slice(2).map((k) => k.abi)));
  // Last night (OLD) and tonight (NEW): the same expectation, apt's kernel moved on by three ABIs.
  const pin = (k: AptKernel) => ["--pin", `${k.pkg}=${k.version}`];
  const old = await bootlog(
    night,
    ["run", "--expectations", "exps", "culprit-linux", ...pin(kernels[0]!)],
    join(night, "last-night"),
  );
  expect(old.code, old.all).toBe(0);
  cpSync(join(night, "last-night", "latest"), join(night, "previous"), { recursive: true, dereference: true });
  const now = await bootlog(night, ["run", "--expectations", "exps", "culprit-linux", ...pin(kernels[3]!)]);
  expect(now.code, now.all).toBe(1);
});

describe("bootlog culprit on two real runs", () => {
  test(
    "the nightly's compare and culprit steps: the kernel change is named, the first bad ABI found, confirmed, culprit.json + Markdown in the job summary",
    { timeout: 180_000 },
    async () => {
      const summary = join(night, "summary.md");
      const shim = join(night, "bin");
      mkdirSync(shim, { recursive: true });
      writeFileSync(join(shim, "npx"), `#!/bin/sh\n[ "$1" = bootlog ] && shift\nexec node ${BOOTLOG} "$@"\n`, {
        mode: 0o755,
      });
      const sh = (script: string) =>
        execa("sh", ["-c", script], {
          cwd: night,
          env: { ...env(join(night, "artifacts")), GITHUB_STEP_SUMMARY: summary, PATH: `${shim}:${process.env.PATH}` },
          reject: false,
          all: true,
        });

      const compare = await sh(step("compare").run!);
      // compare exits 1 on the regression: that is what runs the culprit step.
      expect(compare.exitCode, compare.all).toBe(1);
      expect(step("culprit").if).toContain("steps.compare.outcome == 'failure'");
      const [old, bad, now] = [kernels[0]!, kernels[2]!, kernels[3]!];
      const md = readFileSync(summary, "utf8");
      // Markdown-escaped (console text and names are untrusted): the glob's * is \*.
      expect(md).toContain(
        `- culprit-linux: changed: linux-image-6.1.0-\\*-arm64 ${old.pkg} ${old.version} → ${now.pkg} ${now.version} (newer); unknown, not recorded by both runs: git commit`,
      );

      const culprit = await sh(step("culprit").run!);
      expect(culprit.exitCode, culprit.all).toBe(0);
      const report = JSON.parse(
        readFileSync(join(night, "artifacts", "culprit", "culprit.json"), "utf8"),
      ) as CulpritReport;
      const boot = report.boots[0]!;
      expect(boot.status).toBe("culprit");
      expect(boot.culprit).toMatchObject({
        package: "linux-image-6.1.0-*-arm64",
        role: "kernel",
        firstBad: { package: bad.pkg, version: bad.version },
        lastGood: { package: kernels[1]!.pkg },
      });
      // Reproduce NEW, revert the kernel (cured), bisect the two ABIs between, confirm both ends again.
      expect(boot.steps.map((s) => [s.step, s.verdict])).toEqual([
        ["reproduce", "bad"],
        ["revert", "good"],
        ["bisect", "good"],
        ["bisect", "bad"],
        ["confirm", "bad"],
        ["confirm", "good"],
      ]);
      expect(boot.confidence.level).toBe("confirmed");
      // Each step booted the kernel it names: its banner says so.
      const booted = [now, old, kernels[1]!, bad, bad, kernels[1]!];
      boot.steps.forEach((s, i) => {
        const log = readFileSync(join(s.runs[0]!.runDir, "culprit-linux", "serial.log"), "latin1");
        expect(log, `step ${i + 1} (${s.what})`).toContain(`Linux version 6.1.0-${booted[i]!.abi}-arm64 `);
      });
      expect(report.bootsUsed).toBe(6);
      const all = readFileSync(summary, "utf8");
      expect(all).toContain("### 🎯 bootlog culprit");
      expect(all).toContain(
        `**first bad: \`${bad.pkg} ${bad.version}\`**, last good: \`${kernels[1]!.pkg} ${kernels[1]!.version}\``,
      );
      expect(all).toContain(
        `npx bootlog bisect-versions exps/culprit-linux.ts --package 'linux-image-6.1.0-*-arm64' --good ${old.pkg}=${old.version} --bad ${now.pkg}=${now.version} --bad-if 'fail after start'`,
      );
      expect(all).toContain(readFileSync(join(night, "artifacts", "culprit", "culprit.md"), "utf8"));
      // The nightly's artifacts/latest is still tonight's run: culprit booted elsewhere.
      expect(existsSync(join(night, "artifacts", "latest", "culprit-linux", "timeline.json"))).toBe(true);
      expect(readFileSync(join(night, "artifacts", "latest", "junit.xml"), "utf8")).toContain(
        `name="package.${now.pkg}"`,
      );
    },
  );

  // In-process from here on: the CLI around findCulprit is what the test above drives.
  const hunt = (old: string, now: string, options: Partial<CulpritOptions>) =>
    findCulprit(join(night, old), join(night, now), {
      maxBoots: 12,
      confirm: true,
      artifactsDir: join(work, "hunts"),
      bootlog: "npx bootlog",
      log: () => {},
      ...options,
    });

  test("--max-boots stops the hunt: inconclusive (exit 1), says to raise it", { timeout: 60_000 }, async () => {
    const report = await hunt("previous", "artifacts/latest", { maxBoots: 1, expectationsDir: join(night, "exps") });
    expect(report.exitCode).toBe(1);
    expect(report.bootsUsed).toBe(1);
    expect(report.boots[0]).toMatchObject({
      status: "inconclusive",
      message: "--max-boots 1 reached before a culprit was named (raise --max-boots)",
    });
  });

  test(
    "not reproducible: the expectation was fixed since, NEW's versions boot fine → exit 1",
    { timeout: 60_000 },
    async () => {
      const fixed = join(work, "fixed-exps");
      mkdirSync(fixed);
      writeFileSync(join(fixed, "culprit-linux.ts"), expectation([]));
      const report = await hunt("previous", "artifacts/latest", { expectationsDir: fixed });
      expect(report.exitCode).toBe(1);
      const boot = report.boots[0]!;
      expect(boot.status).toBe("not-reproducible");
      expect(boot.message).toMatch(
        // A busy host (two boot files at once) adds its note to the verdict: runner/host-starved.ts.
        /^not reproducible: NEW's versions booted fine \(PASS: every milestone seen in [\d.]+ s( \(host busy: waited [\d.]+ s\))?\); 1 run\(s\)$/,
      );
      expect(boot.steps.map((s) => [s.step, s.verdict, s.runs.length])).toEqual([["reproduce", "good", 1]]);
      expect(boot.notes.join("\n")).toContain("is not the expectation NEW booted");
    },
  );

  test(
    "bad input: unrelated boots, a hand-written JUnit, a bootlog JUnit without package properties exit 2; versions apt no longer offers exit 125 naming them, before any boot",
    { timeout: 60_000 },
    async () => {
      const dir = join(work, "bad-input");
      mkdirSync(dir);
      const oldJunit = readFileSync(join(night, "previous", "junit.xml"), "utf8");
      const newJunit = readFileSync(join(night, "artifacts", "latest", "junit.xml"), "utf8");
      writeFileSync(join(dir, "other.xml"), oldJunit.replaceAll("culprit-linux", "some-other-boot"));
      writeFileSync(
        join(dir, "hand-written.xml"),
        `<?xml version="1.0"?>\n<testsuites><testsuite name="culprit-linux" tests="1"><testcase classname="culprit-linux" name="linux-banner" time="1"/></testsuite></testsuites>\n`,
      );
      writeFileSync(
        join(dir, "no-packages.xml"),
        oldJunit.replace(/<property name="package\.[^"]*" value="[^"]*"\/>/g, ""),
      );
      const [old, now] = [kernels[0]!, kernels[3]!];
      const gone = (xml: string, k: AptKernel) =>
        xml
          .replaceAll(`${k.version} (arm64)`, `${k.version}~gone1 (arm64)`)
          .replaceAll(`${k.pkg}=${k.version}`, `${k.pkg}=${k.version}~gone1`);
      writeFileSync(join(dir, "gone-new.xml"), gone(newJunit, now));
      writeFileSync(join(dir, "gone-old.xml"), gone(oldJunit, old));

      const latest = join(night, "artifacts", "latest", "junit.xml");
      const [unrelated, handWritten, noPackages, offered] = await Promise.all([
        bootlog(night, ["culprit", join(dir, "other.xml"), latest, "--out", join(work, "c-bad")]),
        bootlog(night, ["culprit", join(dir, "hand-written.xml"), latest, "--out", join(work, "c-bad")]),
        bootlog(night, ["culprit", join(dir, "no-packages.xml"), latest, "--out", join(work, "c-bad")]),
        bootlog(night, [
          "culprit",
          join(dir, "gone-old.xml"),
          join(dir, "gone-new.xml"),
          "--out",
          join(work, "c-gone"),
        ]),
      ]);
      expect(unrelated.code, unrelated.all).toBe(2);
      expect(unrelated.stderr).toContain("share no boot (OLD: some-other-boot; NEW: culprit-linux)");
      expect(handWritten.code, handWritten.all).toBe(2);
      expect(handWritten.stderr).toContain(
        `${join(dir, "hand-written.xml")}: testsuite "culprit-linux" was not written by bootlog (no expectation.hash property)`,
      );
      expect(noPackages.code, noPackages.all).toBe(2);
      expect(noPackages.stderr).toContain(
        `${join(dir, "no-packages.xml")}: boot "culprit-linux" has no package.* properties`,
      );
      expect(offered.code, offered.all).toBe(125);
      expect(offered.stdout).toContain(
        `apt no longer offers ${now.pkg} ${now.version}~gone1 (NEW), ${old.pkg} ${old.version}~gone1 (OLD)`,
      );
      const report = JSON.parse(readFileSync(join(work, "c-gone", "culprit.json"), "utf8")) as CulpritReport;
      expect(report.bootsUsed).toBe(0);
    },
  );
});
