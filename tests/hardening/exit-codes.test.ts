/**
 * README's "Exit codes" table, walked: every (command, exit) row it documents has a case here
 * that produces that exit code through the real CLI, on fake boots (fake QEMU, fake apt). The
 * first test fails when the README documents a code no case walks. Usage errors must leave
 * nothing behind (no run directory, `latest` untouched).
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { appendHistory } from "../../harness/artifacts/history.ts";
import { junitForBoots } from "../../harness/artifacts/junit.ts";
import { writeBootArtifacts } from "../../harness/artifacts/run-dir.ts";
import { bootResult } from "../helpers/history-results.ts";
import { fakeImage, waitFor } from "./fake-qemu.ts";
import { bootlog, ROOT, startBootlog, type CliResult } from "../helpers/cli.ts";
import {
  DEFINE,
  fakeApt,
  fakeExpectationFile,
  fakeQemu,
  HANGING,
  PASSING,
  versionedExpectationFile,
  versionedQemu,
} from "./fake-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "bootlog-exit-codes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Expectations: "2025/boards/pass-boot.ts" (selected by its path, `boards/*`, from cwd = dir with a
// number-like --expectations), broken ones, and images that cannot boot.
const E = join(dir, "2025");
fakeExpectationFile(join(E, "boards"), "pass-boot");
const BROKEN = join(dir, "broken");
fakeExpectationFile(BROKEN, "broken-boot", { silence: `"0s"` });
const BAD_IMAGES = join(dir, "bad-images");
writeFileSync(join(dir, "empty.img"), "");
mkdirSync(join(dir, "a-directory.img"));
fakeExpectationFile(BAD_IMAGES, "empty-image", {
  images: `{ image: userImage({ path: ${JSON.stringify(join(dir, "empty.img"))} }) }`,
});
fakeExpectationFile(BAD_IMAGES, "dir-image", {
  images: `{ image: userImage({ path: ${JSON.stringify(join(dir, "a-directory.img"))} }) }`,
});
const STUCK = join(dir, "stuck.mts");
writeFileSync(
  STUCK,
  `import { defineBoot } from ${JSON.stringify(DEFINE)};\nawait new Promise(() => {});\nexport default defineBoot({} as never);\n`,
);
const LONG = join(dir, "long");
fakeExpectationFile(LONG, "pass-boot", { silence: `"60s"` });
const EMPTY_DIR = join(dir, "no-expectations");
mkdirSync(EMPTY_DIR);

const passing = fakeQemu(dir, "passing", PASSING);
const hanging = fakeQemu(dir, "hanging", HANGING);
const qemu = (script: string) => ({ BOOTLOG_QEMU_AARCH64: script });
const artifacts = (name: string) => join(dir, "artifacts", name);

// bisect-versions: fake-kernel 1 and 2 pass, 3 and 4 hang; in fake-kernel-b, 2 (between a good 1
// and a bad 3) dies by SIGKILL, which is infra; and three flavours of one kernel ABI.
const apt = fakeApt(dir, {
  "fake-kernel": { "1": "pass", "2": "pass", "3": "hang", "4": "hang" },
  "fake-kernel-b": { "1": "pass", "2": "kill", "3": "hang" },
  "linux-image-6.1.0-9-arm64": { "1": "pass" },
  "linux-image-6.1.0-9-cloud-arm64": { "1": "pass" },
  "linux-image-6.1.0-9-rt-arm64": { "1": "pass" },
});
const VERSIONED = join(dir, "versioned");
versionedExpectationFile(VERSIONED, "versioned-boot", "fake-kernel");
const versionEnv = (cache: string) => ({ PATH: apt, BOOTLOG_CACHE: join(dir, cache), ...qemu(versionedQemu(dir)) });
const bisectVersions = (cache: string, ...args: string[]) =>
  bootlog(
    [
      "bisect-versions",
      "versioned-boot",
      "--expectations",
      VERSIONED,
      "--role",
      "image",
      "--retries",
      "0",
      "--artifacts",
      artifacts(cache),
      ...args,
    ],
    versionEnv(cache),
  );

// compare: JUnit files written by bootlog (a pass, a hang), one written by another tool, an empty run.
const junit = (name: string, xml: string) => (writeFileSync(join(dir, name), xml), join(dir, name));
const PASS_XML = junit("pass.xml", junitForBoots([bootResult("pass")]));
const HANG_XML = junit("hang.xml", junitForBoots([bootResult("hang", { reached: 1 })]));
const FOREIGN_XML = junit(
  "vitest.xml",
  `<?xml version="1.0"?><testsuites><testsuite name="tests/x.test.ts" tests="1"><testcase name="a test" time="0.1"/></testsuite></testsuites>`,
);
const EMPTY_RUN = join(dir, "empty-run");
mkdirSync(EMPTY_RUN);
writeFileSync(join(EMPTY_RUN, "junit.xml"), junitForBoots([]));

// report and history: a run directory written without booting.
const RECORDED = join(dir, "recorded");
const recordedRun = (async () => {
  const r = {
    ...bootResult("pass", { name: "pass-boot" }),
    dir: join(RECORDED, "2026-01-01T00-00-00-000Z-1", "pass-boot"),
  };
  await writeBootArtifacts(r);
  appendHistory(RECORDED, "2026-01-01T00-00-00-000Z-1", [r]);
})();
const A_FILE = join(dir, "a-file");
writeFileSync(A_FILE, "");

const runDirs = (root: string) =>
  existsSync(root) ? readdirSync(root).filter((d) => d !== "latest" && d !== "history.jsonl") : [];

type Case = { why: string; run: () => Promise<CliResult>; check?: (r: CliResult) => void | Promise<void> };
const usage = (why: string, args: string[], message: RegExp, env: Record<string, string> = {}): Case => ({
  why,
  run: () => bootlog(args, env),
  check: (r) => expect(r.stderr).toMatch(message),
});

/** Usage errors of `run`: exit 2, no run directory, latest untouched. */
function runUsage(why: string, args: string[], message: RegExp): Case {
  const root = artifacts(`usage-${why.replace(/\W+/g, "-")}`);
  return {
    why,
    run: () => {
      mkdirSync(root, { recursive: true });
      symlinkSync("previous-run", join(root, "latest"));
      return bootlog(["run", ...args, "--expectations", E, "--artifacts", root], qemu(passing));
    },
    check: (r) => {
      expect(r.stderr).toMatch(message);
      expect(runDirs(root), "a usage error wrote a run directory").toEqual([]);
      expect(readlinkSync(join(root, "latest"))).toBe("previous-run");
    },
  };
}

/** Ctrl-C after the first milestone: 130, the boot recorded as infra "interrupted by SIGINT", not in history. */
async function interrupted(): Promise<CliResult> {
  const root = artifacts("interrupted");
  const cli = startBootlog(["run", "--expectations", LONG, "--artifacts", root], qemu(hanging));
  expect(await waitFor(() => cli.stdout().includes("first reached"), 60_000, 20), cli.stdout() + cli.stderr()).toBe(
    true,
  );
  cli.child.kill("SIGINT");
  const { code, signal } = await cli.exited;
  return {
    code: code ?? (signal ? -1 : 0),
    stdout: cli.stdout(),
    stderr: cli.stderr(),
    all: cli.stdout() + cli.stderr(),
  };
}

const CASES: Record<string, Case[]> = {
  "run 0": [
    {
      why: "a pass, selected by path, paths that look like numbers, artifacts/latest a real directory",
      run: () => {
        mkdirSync(join(dir, "2024", "latest"), { recursive: true });
        return bootlog(
          ["run", "boards/*", "--expectations", "2025", "--artifacts", "2024", "--jobs", "1", "--retries=0"],
          qemu(passing),
          dir,
        );
      },
      check: (r) => {
        expect(r.stderr).toMatch(/warning: \S+2024\/latest is not a symbolic link/);
        expect(runDirs(join(dir, "2024")).filter((d) => !d.startsWith("."))).toHaveLength(1);
        expect(readdirSync(join(dir, "2024")).filter((d) => d.startsWith(".latest"))).toEqual([]);
        expect(
          readFileSync(join(dir, "2024", "history.jsonl"), "utf8")
            .trim()
            .split("\n"),
        ).toHaveLength(1);
      },
    },
  ],
  "run 1": [
    {
      why: "a hang",
      run: () => bootlog(["run", "pass-boot", "--expectations", E, "--artifacts", artifacts("hang")], qemu(hanging)),
    },
  ],
  "run 2": [
    runUsage(
      "a tag that matches nothing",
      ["--tag", "no-such-tag"],
      /nothing selected: --tag no-such-tag matches no expectation in \S+2025/,
    ),
    runUsage(
      "an --image role no expectation declares",
      ["--image", "kernel=/x"],
      /--image kernel=…: no selected expectation has an image "kernel" \(roles: image\)/,
    ),
    runUsage("--jobs -1", ["--jobs", "-1"], /--jobs: expected a positive integer, got "-1"/),
    usage("an unknown command", ["rnu"], /unknown command "rnu"/),
  ],
  "run 125": [
    {
      why: "an empty image and a directory as image: infra before booting, with the reason",
      run: () => bootlog(["run", "--expectations", BAD_IMAGES, "--artifacts", artifacts("bad-images")], qemu(passing)),
      check: (r) => {
        expect(r.stdout).toMatch(/INFRA empty-image: .*images\.image: \S+empty\.img is empty/);
        expect(r.stdout).toMatch(/INFRA dir-image: .*images\.image: \S+a-directory\.img is a directory/);
      },
    },
    {
      why: "an expectation whose top-level await never settles: named, not exit 13",
      run: () => bootlog(["run", "--expectations", dir + "/stuck-only", "--artifacts", artifacts("stuck")]),
      check: (r) => expect(r.stderr).toMatch(/stuck\.mts: did not finish loading: its top-level await never settles/),
    },
  ],
  "run 130": [
    {
      why: "Ctrl-C mid-boot",
      run: interrupted,
      check: () => {
        const root = artifacts("interrupted");
        const [run] = runDirs(root);
        const timeline = JSON.parse(readFileSync(join(root, run!, "pass-boot", "timeline.json"), "utf8"));
        expect(timeline).toMatchObject({ outcome: "infra", error: "interrupted by SIGINT" });
        expect(readFileSync(join(root, run!, "pass-boot", "junit.xml"), "utf8")).toContain('type="infra"');
        expect(readFileSync(join(root, run!, "junit.xml"), "utf8")).toContain("interrupted by SIGINT");
        expect(existsSync(join(root, "history.jsonl")), "an interrupted boot went into the history").toBe(false);
        expect(lstatSync(join(root, "latest")).isSymbolicLink()).toBe(true);
      },
    },
  ],
  "bisect 0": [
    {
      why: "a pass",
      run: () =>
        bootlog(
          ["bisect", "boards/pass-boot", "--expectations", E, "--artifacts", artifacts("bisect-good")],
          qemu(passing),
        ),
    },
  ],
  "bisect 1": [
    {
      why: "a hang",
      run: () =>
        bootlog(["bisect", "pass-boot", "--expectations", E, "--artifacts", artifacts("bisect-bad")], qemu(hanging)),
    },
  ],
  "bisect 125": [
    {
      why: "a missing expectation file says so",
      run: () => bootlog(["bisect", "/missing/file.ts"]),
      check: (r) => expect(r.stdout).toMatch(/SKIP expectation error: \/missing\/file\.ts: no such file/),
    },
    {
      why: "nothing selected: skip with the reason, no run",
      run: () => bootlog(["bisect", "--expectations", EMPTY_DIR, "--artifacts", artifacts("bisect-nothing")]),
      check: (r) => {
        expect(r.stdout).toMatch(/bisect: SKIP nothing selected/);
        expect(existsSync(artifacts("bisect-nothing"))).toBe(false);
      },
    },
  ],
  "bisect 128": [
    usage(
      "a misspelled option stops the bisection",
      ["bisect", "pass-boot", "--bad-iff", "hang"],
      /unknown option `--bad-iff`/,
    ),
  ],
  "bisect-versions 0": [
    {
      why: "the first bad version found",
      run: () => bisectVersions("bv-found", "--package", "fake-kernel", "--good", "1", "--bad", "4"),
      check: (r) => expect(r.stdout).toContain("first bad: fake-kernel 3 (last good: fake-kernel 2)"),
    },
    {
      why: "--list shows the versions that will be walked",
      run: () =>
        bootlog(
          [
            "bisect-versions",
            "versioned-boot",
            "--expectations",
            VERSIONED,
            "--package",
            "fake-kernel",
            "--good",
            "2",
            "--bad",
            "4",
            "--list",
          ],
          versionEnv("bv-list"),
        ),
      check: (r) => expect(r.stdout.trim().split("\n")).toEqual(["fake-kernel 2", "fake-kernel 3", "fake-kernel 4"]),
    },
    {
      why: "--list of a kernel glob keeps to one flavour",
      run: () =>
        bootlog(
          [
            "bisect-versions",
            "versioned-boot",
            "--expectations",
            VERSIONED,
            "--package",
            "linux-image-6.1.0-*-arm64",
            "--list",
          ],
          versionEnv("bv-flavour"),
        ),
      check: (r) => expect(r.stdout.trim().split("\n")).toEqual(["linux-image-6.1.0-9-arm64 1"]),
    },
  ],
  "bisect-versions 1": [
    {
      why: "the good end is bad",
      run: () => bisectVersions("bv-ends", "--package", "fake-kernel", "--good", "3", "--bad", "4"),
    },
  ],
  "bisect-versions 125": [
    {
      why: "a version that is infra hides the answer",
      run: () => bisectVersions("bv-hidden", "--package", "fake-kernel-b", "--good", "1", "--bad", "3", "--no-verify"),
      check: (r) => expect(r.stdout).toContain("the first bad version is one of fake-kernel-b 2, fake-kernel-b 3"),
    },
  ],
  "bisect-versions 2": [
    usage(
      "a glob over several kernel flavours",
      [
        "bisect-versions",
        "versioned-boot",
        "--expectations",
        VERSIONED,
        "--package",
        "linux-image-6.1.0-9-*",
        "--list",
      ],
      /matches kernels of 3 flavours \(arm64, cloud-arm64, rt-arm64\)/,
      versionEnv("bv-flavours"),
    ),
  ],
  "compare 0": [{ why: "pass → pass", run: () => bootlog(["compare", PASS_XML, PASS_XML]) }],
  "compare 1": [{ why: "pass → hang", run: () => bootlog(["compare", PASS_XML, HANG_XML]) }],
  "compare 2": [
    usage(
      "a JUnit bootlog did not write",
      ["compare", FOREIGN_XML, PASS_XML],
      /vitest\.xml: testsuite "tests\/x\.test\.ts" was not written by bootlog/,
    ),
    usage("an empty run", ["compare", EMPTY_RUN, PASS_XML], /empty-run: no boot in it/),
  ],
  "list 0": [
    {
      why: "list by path",
      run: () => bootlog(["list", "--expectations", E]),
      check: (r) => expect(r.stdout).toMatch(/pass-boot\s+boards\/pass-boot\s+aarch64/),
    },
    {
      why: "<cmd> --help prints that command's help, once",
      run: () => bootlog(["list", "--help"]),
      check: (r) => expect(r.stdout.match(/Usage:/g)).toHaveLength(1),
    },
  ],
  "list 2": [usage("a tag that matches nothing", ["list", "--expectations", E, "--tag", "nope"], /nothing selected/)],
  "list 125": [usage("a broken expectation", ["list", "--expectations", BROKEN], /silence: must be > 0/)],
  "prepare 0": [{ why: "a user image only", run: () => bootlog(["prepare", "pass-boot", "--expectations", E]) }],
  "prepare 2": [
    usage("a typo'd name", ["prepare", "pass-bot", "--expectations", E], /no expectation named "pass-bot"/),
  ],
  "prepare 125": [
    {
      why: "an empty image",
      run: () => bootlog(["prepare", "empty-image", "--expectations", BAD_IMAGES]),
      check: (r) => expect(r.stdout).toMatch(/empty-image: FAILED: .*is empty/),
    },
  ],
  "history 0": [
    {
      why: "a recorded run",
      run: async () => (await recordedRun, bootlog(["history", "pass-boot", "--artifacts", RECORDED])),
    },
  ],
  "history 2": [
    {
      why: "an unknown boot names the history file and the boots it has",
      run: async () => (await recordedRun, bootlog(["history", "nope", "--artifacts", RECORDED])),
      check: (r) => expect(r.stderr).toContain(`no runs of "nope" in ${RECORDED}/history.jsonl (it has: pass-boot)`),
    },
  ],
  "report 0": [
    {
      why: "--out that looks like a number",
      run: async () => (
        await recordedRun,
        bootlog(["report", join(RECORDED, "2026-01-01T00-00-00-000Z-1"), "--out", "2026"], {}, dir)
      ),
      check: () => expect(readFileSync(join(dir, "2026"), "utf8")).toMatch(/^<!doctype html>/i),
    },
  ],
  "report 2": [
    {
      why: "--history-dir that does not exist",
      run: async () => (
        await recordedRun,
        bootlog([
          "report",
          join(RECORDED, "2026-01-01T00-00-00-000Z-1"),
          "--history-dir",
          "/nonexistent",
          "--out",
          join(dir, "r.html"),
        ])
      ),
      check: (r) => expect(r.stderr).toMatch(/--history-dir \/nonexistent: no such directory/),
    },
  ],
  "report 125": [
    {
      why: "an --out that cannot be written is named",
      run: async () => (
        await recordedRun,
        bootlog(["report", join(RECORDED, "2026-01-01T00-00-00-000Z-1"), "--out", join(A_FILE, "r.html")])
      ),
      check: (r) => expect(r.stderr).toContain(`${A_FILE}/r.html`),
    },
  ],
  "export 0": [
    {
      why: "packages of an expectation file",
      run: () => bootlog(["export", "packages", join(E, "boards", "pass-boot.ts")]),
    },
  ],
  "export 2": [
    usage("an unknown format", ["export", "yaml", "pass-boot", "--expectations", E], /unknown format "yaml"/),
  ],
  "export 125": [
    {
      why: "an --out that cannot be written is named, not its temp file",
      run: () =>
        bootlog(["export", "packages", "pass-boot", "--expectations", E, "--out", "/sys/bootlog-export-test.txt"]),
      check: (r) => {
        expect(r.stderr).toMatch(/cannot write \/sys\/bootlog-export-test\.txt: .*'\/sys\/bootlog-export-test\.txt'/);
        expect(r.stderr).not.toMatch(/bootlog-export-test\.txt\.\d/);
      },
    },
  ],
};

// The never-settling file alone in a directory, for `run --expectations`.
mkdirSync(join(dir, "stuck-only"));
writeFileSync(join(dir, "stuck-only", "stuck.mts"), readFileSync(STUCK));
void fakeImage;

/** (command, exit) pairs of README's exit-code table. */
function documentedCodes(): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(
    readme.indexOf("## Exit codes"),
    readme.indexOf("\n## ", readme.indexOf("## Exit codes") + 5),
  );
  return section.split("\n").flatMap((line) => {
    const m = /^\| ((?:`[\w-]+`(?:, )?)+) \| ([\d, ]+) \|/.exec(line);
    if (!m) return [];
    const commands = [...m[1]!.matchAll(/`([\w-]+)`/g)].map((c) => c[1]!);
    return commands.flatMap((c) => m[2]!.split(",").map((code) => `${c} ${code.trim()}`));
  });
}

describe("every exit code README documents, for every command", () => {
  test("README's table and the cases below name the same (command, exit) pairs", () => {
    const documented = documentedCodes();
    expect(documented.length).toBeGreaterThan(20);
    expect([...documented].sort()).toEqual(Object.keys(CASES).sort());
  });

  const all = Object.entries(CASES).flatMap(([key, cases]) => cases.map((c) => ({ key, ...c })));
  test.concurrent.each(all)(
    "$key: $why",
    async ({ key, run, check }) => {
      const expected = Number(key.split(" ")[1]);
      const r = await run();
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(expected);
      await check?.(r);
    },
    120_000,
  );
});
