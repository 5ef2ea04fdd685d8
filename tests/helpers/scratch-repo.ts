import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll } from "vitest";

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
