/**
 * Bad input, round two (issue 26): each defect and rough edge a new user met, through the real
 * CLI on fake boots (fake QEMU, fake apt) or in-process where the defect lives below the CLI.
 * Every case here failed on the main branch the issue was filed against.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { cac } from "cac";
import { afterAll, describe, expect, test } from "vitest";
import { parseCommandLine } from "../../harness/cli-options.ts";
import { validateExpectation } from "../../harness/expectations/loader.ts";
import { cachedEntry, writeEntry } from "../../harness/images/cache.ts";
import { bisectPlan } from "../../harness/bisection/bisect-runs.ts";
import { junitForBoots } from "../../harness/artifacts/junit.ts";
import { bootResult } from "../helpers/history-results.ts";
import { fakeSpec } from "./fake-qemu.ts";
import { bootlog, ROOT } from "../helpers/cli.ts";
import {
  fakeApt,
  fakeExpectationFile,
  fakeQemu,
  PASSING,
  versionedExpectationFile,
  versionedQemu,
} from "./fake-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "bootlog-bad-input-2-"));
const mounts: string[] = [];
afterAll(() => {
  for (const at of mounts) execFileSync("umount", ["-l", at], { stdio: "pipe" });
  rmSync(dir, { recursive: true, force: true });
});

const E = join(dir, "expectations");
fakeExpectationFile(E, "pass-boot");
const passing = fakeQemu(dir, "passing", PASSING);
const qemu = { BOOTLOG_QEMU_AARCH64: passing };
/** What a directory holds, recursively (relative paths), for "nothing was written". */
const tree = (root: string): string[] =>
  existsSync(root) ? readdirSync(root, { recursive: true }).map(String).sort() : [];

describe("1. a LAVA job file cannot write outside the artifacts folder", () => {
  const FIXTURE = join(ROOT, "tests", "fixtures", "lava-arm64-linux-timeout");
  /** A lava-run job directory whose job.yaml names the boot `name`. */
  function labJob(label: string, name: string): string {
    const job = join(dir, "lab", label);
    mkdirSync(job, { recursive: true });
    writeFileSync(join(job, "output.log"), gunzipSync(readFileSync(join(FIXTURE, "output.log.gz"))));
    writeFileSync(
      join(job, "job.yaml"),
      readFileSync(join(FIXTURE, "job.yaml"), "utf8").replace(
        "bootlog.expectation: arm64-linux",
        `bootlog.expectation: ${JSON.stringify(name)}`,
      ),
    );
    return job;
  }

  test("bootlog.expectation ../../../escaped-by-import: usage error naming the file and field, nothing written anywhere", async () => {
    const base = join(dir, "escape", "a", "b", "c");
    const artifacts = join(base, "A");
    mkdirSync(artifacts, { recursive: true });
    const r = await bootlog([
      "import",
      "lava",
      labJob("escape", "../../../escaped-by-import"),
      "--artifacts",
      artifacts,
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/metadata bootlog\.expectation: "\.\.\/\.\.\/\.\.\/escaped-by-import" is not a boot name/);
    expect(tree(join(dir, "escape"))).toEqual(["a", "a/b", "a/b/c", "a/b/c/A"]);
  });

  test("--run-id ../x, --run-id latest and an existing run id: usage errors, the existing run untouched", async () => {
    const artifacts = join(dir, "run-ids");
    const job = labJob("run-ids", "arm64-linux");
    const first = await bootlog(["import", "lava", job, "--artifacts", artifacts, "--run-id", "r1"]);
    expect(first.code, first.stderr).toBe(1); // the recorded job timed out: a real verdict
    const before = readFileSync(join(artifacts, "r1", "junit.xml"), "utf8");
    for (const [id, message] of [
      ["../x", /--run-id "\.\.\/x" is not a run id/],
      ["latest", /--run-id "latest" is reserved/],
      ["r1", /--run-id "r1": \S+r1 already exists \(a run is never overwritten\)/],
    ] as const) {
      const r = await bootlog(["import", "lava", job, "--artifacts", artifacts, "--run-id", id]);
      expect(r.code, `${id}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(join(dir, "x"))).toBe(false);
    expect(readFileSync(join(artifacts, "r1", "junit.xml"), "utf8")).toBe(before);
    expect(readdirSync(artifacts).sort()).toEqual(["history.jsonl", "latest", "r1"]);
  });
});

describe("3. an intermittent known-bad rate too rare to judge", () => {
  const spec = (rate: number) =>
    fakeSpec(join(dir, "unused"), { knownBad: { outcome: "hang", after: "first", reason: "r", rate } });
  test.each([1e-300, 1e-9, 0.006])("rate %s is refused, naming the runs it implies and the lowest rate", (rate) => {
    expect(() => validateExpectation("rare.ts", spec(rate))).toThrow(
      /rare\.ts: knownBad\.rate: .* is too rare to judge: telling it from a fix takes .* clean runs .*--runs allows at most 1000; the lowest rate bootlog can judge is 0\.0069/,
    );
  });
  test("rate 0.007 (about 990 runs) is accepted", () => {
    expect(() => validateExpectation("ok.ts", spec(0.007))).not.toThrow();
  });
  test("bisect prints its plan before booting: runs, rule, and how likely a bad commit passes as good", () => {
    const exp = validateExpectation("flaky.ts", spec(0.1));
    expect(bisectPlan([exp], 100, false)).toMatch(
      /^bisect: plan: 100 runs of fake-boot \(fake-boot's knownBad\.rate 10 %: a bad commit passes as good with probability 0\.98\); bad when 17 show the symptom/,
    );
    expect(bisectPlan([exp], 1, false)).toMatch(/^bisect: plan: boot fake-boot once/);
  });
  test("through the CLI: run refuses it (125, an expectation error) before any boot", async () => {
    const rare = join(dir, "rare");
    fakeExpectationFile(rare, "rare-boot", {
      knownBad: `{ outcome: "hang", after: "first", reason: "r", rate: 1e-300 }`,
    });
    const r = await bootlog(["run", "--expectations", rare, "--artifacts", join(dir, "rare-art")], qemu);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/rare-boot\.ts: knownBad\.rate: 1e-300 is too rare to judge/);
  });
});

describe("4. every pattern an expectation holds goes through the catastrophic-pattern check", () => {
  test("knownBad.shows /^(a+)+$/ is refused, naming the field", () => {
    const spec = fakeSpec(join(dir, "unused"), {
      knownBad: { outcome: "hang", after: "first", reason: "r", shows: /^(a+)+$/ },
    });
    expect(() => validateExpectation("evil.ts", spec)).toThrow(
      /evil\.ts: knownBad\.shows: \/\^\(a\+\)\+\$\/: catastrophic backtracking/,
    );
  });
  test("--bad-if-line and verdict's --bad-if-message /^(a+)+$/ stop git bisect (128)", async () => {
    const bisect = await bootlog(["bisect", "pass-boot", "--expectations", E, "--bad-if-line", "/^(a+)+$/"], qemu);
    expect(bisect.code, bisect.stderr).toBe(128);
    expect(bisect.stderr).toMatch(/--bad-if-line \/\^\(a\+\)\+\$\/: catastrophic backtracking/);
    const xml = join(dir, "one.xml");
    writeFileSync(xml, junitForBoots([bootResult("pass")]));
    const verdict = await bootlog(["verdict", xml, "--bad-if-message", "/^(a+)+$/"]);
    expect(verdict.code, verdict.stderr).toBe(128);
  });
});

describe("5. streams: {} is an expectation error", () => {
  test("refused: a boot needs a milestone", () => {
    const spec = { ...fakeSpec(join(dir, "unused")), milestones: undefined, streams: {} };
    expect(() => validateExpectation("empty.ts", spec)).toThrow(/empty\.ts: streams: has no stream: a boot needs/);
  });
});

describe("7. huge counts are usage errors, before anything is written", () => {
  const HUGE = "99999999999999999999";
  test.each([
    [["run", "pass-boot", "--runs", HUGE], 2, /--runs: at most 1000, got "99999999999999999999"/],
    [["run", "pass-boot", "--jobs", "100000"], 2, /--jobs: at most 256/],
    [["run", "pass-boot", "--retries", HUGE], 2, /--retries: at most 100/],
    [["bisect", "pass-boot", "--runs", HUGE], 128, /--runs: at most 1000/],
    [["bisect-versions", "pass-boot", "--package", "p", "--good", "1", "--bad", "2", "--runs", HUGE], 2, /--runs/],
  ])("%j → %i", async (args, code, message) => {
    const artifacts = join(dir, `huge-${args[0]}-${args.at(-2)}`);
    const r = await bootlog([...args, "--expectations", E, "--artifacts", artifacts], qemu);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(existsSync(artifacts), "a usage error wrote the artifacts directory").toBe(false);
  });
});

describe("8. a garbage entry.json is rebuilt, never fatal, and named", () => {
  test("{garbage → the entry is built again; the reason names the file", async () => {
    process.env.BOOTLOG_CACHE = join(dir, "cache");
    try {
      const build = async (tmp: string) => {
        writeFileSync(join(tmp, "image.bin"), "image");
        await writeEntry(tmp, "image.bin");
      };
      const first = await cachedEntry("t", "garbage", build);
      const entryJson = join(first.file, "..", "entry.json");
      writeFileSync(entryJson, "{garbage");
      const again = await cachedEntry("t", "garbage", build);
      expect(again.built).toBe(true);
      expect(again.repaired).toMatch(/entry\.json is unreadable \(.*JSON/);
      expect(again.repaired).toContain(entryJson);
      expect(readFileSync(again.file, "utf8")).toBe("image");
    } finally {
      delete process.env.BOOTLOG_CACHE;
    }
  });
});

describe("rough edges", () => {
  test("verdict: a JUnit whose every testcase is skipped is 125, 0 when asked (--all-skipped good)", async () => {
    const xml = join(dir, "skipped.xml");
    writeFileSync(
      xml,
      `<?xml version="1.0"?><testsuites><testsuite name="lab" tests="2"><testcase name="a"><skipped/></testcase><testcase name="b"><skipped message="no board"/></testcase></testsuite></testsuites>`,
    );
    const skip = await bootlog(["verdict", xml]);
    expect(skip.code).toBe(125);
    expect(skip.stdout).toMatch(/every one of the 2 testcase\(s\) was skipped: nothing was tested/);
    expect((await bootlog(["verdict", xml, "--all-skipped", "good"])).code).toBe(0);
    expect((await bootlog(["verdict", xml, "--all-skipped", "maybe"])).code).toBe(128);
  });

  describe("bisect-versions and culprit check every option on every path", () => {
    const apt = fakeApt(dir, { "fake-kernel": { "1": "pass", "2": "pass", "3": "hang" } });
    const V = join(dir, "versioned");
    versionedExpectationFile(V, "versioned-boot", "fake-kernel");
    const env = { PATH: apt, BOOTLOG_CACHE: join(dir, "bv-cache"), BOOTLOG_QEMU_AARCH64: versionedQemu(dir) };
    const list = (...args: string[]) =>
      bootlog(["bisect-versions", "versioned-boot", "--expectations", V, "--list", ...args], env);
    test.each([
      [["--package", "fake-kernel", "--good", "3", "--bad", "1"], /the good version \(fake-kernel 3\) must be older/],
      [["--package", "no-such-package"], /--package no-such-package: apt offers no version of it/],
      [["--package", "fake-kernel", "--bad-if", "stuck"], /--bad-if "stuck": write OUTCOME/],
      [["--package", "fake-kernel", "--role", "firmware"], /versioned-boot has no image "firmware"/],
    ])("--list %j → 2", async (args, message) => {
      const r = await list(...args);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    });
    test("culprit --bad-if stuck is a usage error, though nothing regressed", async () => {
      const xml = join(dir, "culprit-pass.xml");
      writeFileSync(xml, junitForBoots([bootResult("pass")]));
      const out = join(dir, "culprit-out");
      const r = await bootlog(["culprit", xml, xml, "--bad-if", "stuck", "--out", out]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--bad-if "stuck"/);
      expect(existsSync(out)).toBe(false);
    });
  });

  test.each([
    [
      ["export", "lava", "pass-boot", "--expectations", E, "--bundle", "b", "--out", "o"],
      /--bundle and --out cannot be given together/,
    ],
    [
      ["run", "pass-boot", "--expectations", E, "--postmortem", "off", "--keep-ram"],
      /--keep-ram .* --postmortem off runs none/,
    ],
    [["compare", "a.xml", "b.xml", "--json", "--markdown"], /--json and --markdown cannot be given together/],
    [["run", "pass-boot", "--expectations", E, "--jobs", "1", "--jobs", "2"], /--jobs: given 2 times/],
    [
      ["run", "pass-boot", "--expectations", E, "--jobs", "--retries", "1"],
      /--jobs: needs a value \(got the option --retries\)/,
    ],
    [["list", "--json=yes"], /--json takes no value/],
  ])("contradictory or malformed options %j → 2, nothing written", async (args, message) => {
    const artifacts = join(dir, "contradictory");
    const r = await bootlog(args, { ...qemu, BOOTLOG_ARTIFACTS: artifacts }, dir);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(artifacts)).toBe(false);
    expect(existsSync(join(dir, "b"))).toBe(false);
  });

  test("list of an empty --expectations folder is a usage error", async () => {
    const empty = join(dir, "no-expectations");
    mkdirSync(empty, { recursive: true });
    const r = await bootlog(["list", "--expectations", empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nothing selected: no expectation files in \S+no-expectations/);
  });

  test("report of a folder with no boot is a usage error", async () => {
    const empty = join(dir, "no-boot-run");
    mkdirSync(empty, { recursive: true });
    const r = await bootlog(["report", empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no-boot-run holds no boot/);
    expect(readdirSync(empty)).toEqual([]);
  });

  test("--version prints the version", async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-v"]) {
      const r = await bootlog([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(`bootlog ${version}`);
    }
  });

  test("a read-only folder says EROFS, not ENOENT (culprit --out, export --bundle)", async () => {
    const src = join(dir, "ro-src");
    const ro = join(dir, "ro");
    mkdirSync(src);
    mkdirSync(ro);
    execFileSync("mount", ["--bind", src, ro]);
    mounts.push(ro);
    execFileSync("mount", ["-o", "remount,bind,ro", ro]);
    const xml = join(dir, "ro-pass.xml");
    writeFileSync(xml, junitForBoots([bootResult("pass")]));
    const culprit = await bootlog(["culprit", xml, xml, "--out", join(ro, "c")]);
    expect(culprit.stderr).toMatch(/cannot create --out \S+ro\/c: EROFS/);
    const bundle = await bootlog(["export", "lava", "pass-boot", "--expectations", E, "--bundle", join(ro, "b")]);
    expect(bundle.stderr).toMatch(/cannot create --bundle \S+ro\/b: EROFS/);
    expect(culprit.stderr + bundle.stderr).not.toMatch(/ENOENT/);
  });
});

describe("one argument parser: numbers, negatives and -- as typed", () => {
  function parse(args: string[]): { args: readonly string[]; options: Record<string, unknown> } {
    const cli = cac("bootlog");
    cli
      .command("bisect-versions <expectation>")
      .option("--good <version>", "")
      .option("--bad-if-line <pattern>", "")
      .option("--runs <n>", "")
      .option("--no-verify", "");
    parseCommandLine(cli, ["node", "bootlog", "bisect-versions", ...args]);
    return { args: cli.args, options: cli.options };
  }
  test("values stay as typed; numbers are checked and made numbers; --no-X negates", () => {
    expect(parse(["e", "--good", "1.10", "--bad-if-line", "007", "--runs", "3"])).toMatchObject({
      args: ["e"],
      options: { good: "1.10", badIfLine: ["007"], runs: 3, verify: true },
    });
    expect(parse(["e", "--no-verify"]).options.verify).toBe(false);
  });
  test("a negative number is the value of the option before it (and checked), not an option", () => {
    expect(() => parse(["e", "--runs", "-3"])).toThrow(/--runs: expected a positive integer, got "-3"/);
    expect(parse(["e", "--bad-if-line", "-EIO"]).options.badIfLine).toEqual(["-EIO"]);
  });
  test("after --, everything is positional", () => {
    expect(parse(["--", "--runs", "-x"])).toMatchObject({ args: ["--runs", "-x"] });
    expect(parse(["--", "--runs"]).options.runs).toBeUndefined();
  });
  test("an unknown option is named as typed", () => {
    expect(() => parse(["e", "--bad-iff", "x"])).toThrow("unknown option `--bad-iff`");
  });
});
