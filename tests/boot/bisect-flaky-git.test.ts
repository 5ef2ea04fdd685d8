/**
 * `git bisect run bootlog bisect --runs N` over an intermittent regression: from commit K on, the
 * boot configuration's /init exits (Linux panics) when a random byte is below 224, i.e. in
 * q = 7/8 of boots; before K it never does. One clean run of a bad commit would look good, so
 * each step boots N = 6 times: bad when at least max(2, ⌈6/6⌉) = 2 runs panic, good when none.
 *
 * Chance of a wrong answer: good commits never fail, so only a bad step can mislead, by showing
 * fewer than 2 failures in 6 runs: P(X ≤ 1), X ~ Bin(6, 7/8) = (1/8)^6 + 6·(7/8)·(1/8)^5 = 1.6e-4
 * per bad step. With 4 commits git bisect tests exactly one bad commit (K) and one good one (K-1),
 * so the whole test is wrong with probability 1.6e-4 (< 0.1 %).
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, test } from "vitest";
import { readHistory } from "../../harness/artifacts/history.ts";
import { GIT_ENV, gitBisectRun, scratchRepo } from "../helpers/scratch-repo.ts";
import { missProbability } from "../../harness/stats/bisect-rule.ts";

const HARNESS = resolve("harness/expectations/index.ts");
const RUNS = 6;
const Q = 7 / 8;
const FLAKY = [
  "byte=$(($(head -c1 /dev/urandom | od -An -tu1)))",
  'if [ "$byte" -lt 224 ]; then echo "init: exits (byte $byte)"; exit 1; fi',
  'echo "init: up"',
];
const STEADY = ['echo "init: up"'];

const SERIES = [
  { message: "Linux alone on arm64 virt, busybox init", init: STEADY, description: "arm64 Linux" },
  { message: "Describe the board", init: STEADY, description: "arm64 Linux on QEMU virt" },
  { message: "Seed something from /dev/urandom in init", init: FLAKY, description: "arm64 Linux on QEMU virt" },
  { message: "Reword the description", init: FLAKY, description: "Debian's Linux 6.1 on QEMU virt" },
];
const BREAKING = 2;

function expectationFile(s: (typeof SERIES)[number]): string {
  return `import { busyboxInitrd, debianKernel, defineBoot, linuxPanics } from ${JSON.stringify(HARNESS)};
export default defineBoot({
  name: "bisect-flaky",
  description: ${JSON.stringify(s.description)},
  machine: { arch: "aarch64", memory: "256M", cpus: 1, firmware: "direct" },
  images: { kernel: debianKernel("arm64"), initrd: busyboxInitrd(${JSON.stringify(s.init)}) },
  boot: { linux: "console=ttyAMA0 rdinit=/init quiet" },
  milestones: [
    { id: "init-started", match: /^dom0 init: \\S+ xen: $/, within: "40s" },
    { id: "init-up", match: "init: up" },
  ],
  failOn: linuxPanics,
  silence: "20s",
  budget: "60s",
});
`;
}

const { repo, artifacts, git } = scratchRepo("bisect-flaky");
const commits: string[] = [];

beforeAll(async () => {
  await execa("mkdir", ["-p", repo]);
  await git("init", "-q", "-b", "main");
  for (const s of SERIES) {
    writeFileSync(join(repo, "boot.ts"), expectationFile(s));
    await git("add", "boot.ts");
    await git("commit", "-q", "-m", s.message);
    commits.push((await git("rev-parse", "HEAD")).stdout.trim());
  }
});

describe("git bisect run bootlog bisect --runs 6 over an intermittent regression", () => {
  test("the stated chance of a wrong answer", () => {
    expect(missProbability(Q, RUNS)).toBeCloseTo(1.64e-4, 6);
    expect(missProbability(Q, RUNS)).toBeLessThan(0.001);
  });

  test("names the commit that made init flaky; each step judged over 6 runs", { timeout: 180_000 }, async () => {
    const { exitCode, output, firstBad } = await gitBisectRun(
      repo,
      { ...GIT_ENV, NO_COLOR: "1" },
      { good: commits[0]!, bad: commits.at(-1)! },
      ["boot.ts", "--runs", String(RUNS), "--bad-if", "fail after init-started", "--artifacts", artifacts],
    );
    expect(exitCode, output).toBe(0);
    expect(firstBad, output).toEqual([commits[BREAKING]]);

    const steps = [
      ...output.matchAll(/^bisect: (good|bad|skip) \(exit (\d+)\) at ([0-9a-f]{40}); 6 runs per boot/gm),
    ].map((m) => ({ kind: m[1], index: commits.indexOf(m[3]!) }));
    expect(steps.map((s) => [s.index, s.kind]).sort(), output).toEqual([
      [BREAKING - 1, "good"],
      [BREAKING, "bad"],
    ]);
    // The bad step: how many of the 6 runs panicked, against the threshold, with the rate's interval.
    expect(output).toMatch(
      /bisect: BAD {2}bisect-flaky: ([2-6]) of 6 runs bad, \d good \(bad needs 2 = max\(2, ⌈6\/6⌉\)\); failure rate \d+ % \(95 % CI \d+(\.\d)? %–\d+ %\); e\.g\. FAIL after "init-started"/,
    );
    expect(output).toMatch(/bisect: GOOD bisect-flaky: 0 of 6 runs bad, 6 good: PASS/);
    // Every step says what a good answer risks here.
    expect(output.match(/^bisect: risk at this step: /gm)).toHaveLength(2);
    expect(output).toMatch(
      /risk at this step: (a bad commit failing at \d+ % would look good \(no failure in 6 runs\) with probability \S+|no failure rate estimated yet)/,
    );

    console.log(
      output
        .split("\n")
        .filter((l) => l.startsWith("bisect: ") || l.includes("is the first bad commit"))
        .join("\n"),
    );
    // History keeps each step's rate over its runs.
    const history = readHistory(artifacts).filter((e) => e.boot === "bisect-flaky");
    expect(history.map((e) => e.repeat?.runs)).toEqual([RUNS, RUNS]);
    for (const e of history) expect(e.repeat!.failures > 0).toBe(commits.indexOf(e.gitCommit!) >= BREAKING);
  });
});
