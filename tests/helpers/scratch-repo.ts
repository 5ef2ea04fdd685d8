import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll } from "vitest";
import { BOOTLOG } from "./cli.ts";

/** Who commits in a test's repository (git refuses to commit without a name). */
export const GIT_ENV = {
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@example.org",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@example.org",
};

/**
 * A throw-away repository of boot configurations for a `git bisect run` test, with a place for
 * its artifacts beside it; removed after the file's tests.
 */
export function scratchRepo(label: string) {
  const work = mkdtempSync(join(tmpdir(), `bootlog-${label}-`));
  const repo = join(work, "boot-config");
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  return {
    repo,
    artifacts: join(work, "artifacts"),
    git: (...args: string[]) => execa("git", args, { cwd: repo, env: GIT_ENV }),
  };
}

/**
 * `git bisect run bootlog bisect ARGS` in `repo`, from `bad` back to `good`, then `git bisect
 * reset`: git's exit code, everything it and bootlog printed, and the commits git named first bad.
 */
export async function gitBisectRun(
  repo: string,
  env: Record<string, string>,
  range: { good: string; bad: string },
  bootlogArgs: string[],
) {
  const git = (...args: string[]) => execa("git", args, { cwd: repo, env });
  await git("bisect", "start", range.bad, range.good);
  const run = await execa("git", ["bisect", "run", "node", BOOTLOG, "bisect", ...bootlogArgs], {
    cwd: repo,
    env,
    reject: false,
    all: true,
  });
  await git("bisect", "reset");
  const output = run.all ?? "";
  const firstBad = [...output.matchAll(/^([0-9a-f]{40}) is the first bad commit$/gm)].map((m) => m[1]);
  return { exitCode: run.exitCode, output, firstBad };
}
