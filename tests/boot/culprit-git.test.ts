/**
 * A regression with no package change: the expectation changed between two commits of a
 * repository of boot configurations (a failure pattern that the current kernel's banner
 * matches). culprit reproduces it, finds no package to revert, and prints the git bisect
 * command, which is then run as printed and names the commit.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { CulpritReport } from "../../harness/bisection/culprit.ts";
import { BOOTLOG, bootlog as cli } from "../helpers/cli.ts";

const HARNESS = resolve("harness/expectations/index.ts");
const work = mkdtempSync(join(tmpdir(), "bootlog-culprit-git-"));
const repo = join(work, "configs");
afterAll(() => rmSync(work, { recursive: true, force: true }));

const env = {
  ...process.env,
  NO_COLOR: "1",
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@example.org",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@example.org",
};
const git = (...args: string[]) => execa("git", args, { cwd: repo, env });
const bootlog = (args: string[], artifacts: string) => cli(args, { ...env, BOOTLOG_ARTIFACTS: artifacts }, repo);

function expectation(failOn: string): string {
  return `import { busyboxInitrd, debianKernel, defineBoot } from ${JSON.stringify(HARNESS)};
export default defineBoot({
  name: "culprit-git",
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

const commits: string[] = [];
const commit = async (file: string, text: string, message: string) => {
  writeFileSync(join(repo, file), text);
  await git("add", file);
  await git("commit", "-q", "-m", message);
  commits.push((await git("rev-parse", "HEAD")).stdout.trim());
};

beforeAll(async () => {
  await execa("mkdir", ["-p", join(repo, "boards")]);
  await git("init", "-q", "-b", "main");
  await commit("boards/linux.ts", expectation("[]"), "Linux on QEMU virt");
  const old = await bootlog(["run", "--expectations", "boards", "culprit-git"], join(work, "old"));
  expect(old.code, old.all).toBe(0);
  await commit("README", "boards for the lab\n", "Say what this is");
  await commit(
    "boards/linux.ts",
    expectation(`[{ id: "any-6.1-banner", match: /Linux version 6\\.1\\.0-\\d+-arm64 / }]`),
    "Treat every 6.1 kernel as bad (a mistake)",
  );
  const now = await bootlog(["run", "--expectations", "boards", "culprit-git"], join(work, "new"));
  expect(now.code, now.all).toBe(1);
});

test(
  "no package changed: culprit reproduces, says the expectation and the commit changed, prints the git bisect command, which finds the commit",
  { timeout: 120_000 },
  async () => {
    const out = join(work, "culprit");
    const run = await bootlog(
      ["culprit", join(work, "old", "latest"), join(work, "new", "latest"), "--out", out],
      join(work, "unused"),
    );
    expect(run.code, run.all).toBe(1);
    const report = JSON.parse(readFileSync(join(out, "culprit.json"), "utf8")) as CulpritReport;
    const boot = report.boots[0]!;
    expect(boot.status).toBe("not-a-package");
    expect(boot.steps.map((s) => [s.step, s.verdict])).toEqual([["reproduce", "bad"]]);
    expect(boot.message).toContain("no package version changed; what else changed: expectation ");
    expect(boot.suspects.join("; ")).toContain(`git commit ${commits[0]!.slice(0, 12)} → ${commits[2]!.slice(0, 12)}`);
    const [good, bad] = [commits[0]!, commits[2]!];
    expect(boot.gitBisect).toBe(
      `git bisect start ${bad} ${good} && git bisect run node ${BOOTLOG} bisect boards/linux.ts --bad-if 'fail after start'; git bisect reset`,
    );
    expect(run.stdout).toContain(`next: ${boot.gitBisect}`);

    // The command as printed: git bisect boots the commit in between (good) and names the last one.
    const bisect = await execa("sh", ["-c", boot.gitBisect!], {
      cwd: repo,
      env: { ...env, BOOTLOG_ARTIFACTS: join(work, "bisect") },
      reject: false,
      all: true,
    });
    expect(bisect.all).toContain(`${bad} is the first bad commit`);
    expect(bisect.all).toContain("bisect: good (exit 0)");
  },
);
