import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, test } from "vitest";
import { validateExpectation } from "../../harness/expectations/loader.ts";
import {
  bisectExitCode,
  checkSymptoms,
  judgeForBisect,
  parseBadIf,
  parseSymptom,
} from "../../harness/bisection/bisect.ts";
import { walkVersions } from "../../harness/bisection/bisect-versions.ts";
import { findCandidate, roleFor, withPackage, type Candidate } from "../../harness/images/package-versions.ts";
import { compareDebianVersions } from "../../harness/images/debian-version.ts";
import { bootResult, infraResult } from "../helpers/history-results.ts";
import { bootlog } from "../helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "bootlog-bisect-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const none = parseBadIf([], []);
const noLines = () => [] as string[];

describe("bisect verdicts (git bisect run: 0 good, 1 bad, 125 skip)", () => {
  test("without --bad-if: pass is good, a real failure bad, infra and skipped boots skip", () => {
    expect(judgeForBisect(bootResult("pass"), none, noLines).kind).toBe("good");
    for (const outcome of ["fail", "hang", "timeout", "exited"] as const)
      expect(judgeForBisect(bootResult(outcome, { reached: 1 }), none, noLines).kind).toBe("bad");
    expect(judgeForBisect(infraResult(), none, noLines)).toMatchObject({
      kind: "skip",
      reason: "infra, not judged: QEMU was killed by SIGKILL",
    });
    expect(judgeForBisect({ ...infraResult(), outcome: "skip", ok: true }, none, noLines).kind).toBe("skip");
  });

  test("a reproduced known-bad is good; one that fails differently is bad", () => {
    const knownBad = { outcome: "hang", after: "xen-banner", reason: "r" } as const;
    expect(judgeForBisect(bootResult("hang", { reached: 1, knownBad }), none, noLines).kind).toBe("good");
    expect(judgeForBisect(bootResult("hang", { reached: 2, knownBad }), none, noLines).kind).toBe("bad");
  });

  test("--bad-if: only that symptom is bad, other failures skip, a pass is good", () => {
    const badIf = parseBadIf(["hang after xen-banner"], []);
    expect(judgeForBisect(bootResult("hang", { reached: 1 }), badIf, noLines)).toMatchObject({ kind: "bad" });
    expect(judgeForBisect(bootResult("hang", { reached: 2 }), badIf, noLines).kind).toBe("skip");
    expect(judgeForBisect(bootResult("fail", { reached: 1 }), badIf, noLines).kind).toBe("skip");
    expect(judgeForBisect(bootResult("pass"), badIf, noLines).kind).toBe("good");
    expect(judgeForBisect(infraResult(), badIf, noLines).kind).toBe("skip");
  });

  test("--bad-if forms: OUTCOME, OUTCOME after M, OUTCOME before M, failure = any failure", () => {
    const hangAt1 = bootResult("hang", { reached: 1 });
    const bad = (text: string) => judgeForBisect(hangAt1, parseBadIf([text], []), noLines).kind;
    expect(bad("hang")).toBe("bad");
    expect(bad("fail")).toBe("skip");
    expect(bad("failure after xen-banner")).toBe("bad");
    expect(bad("hang before linux-banner")).toBe("bad");
    expect(bad("hang before xen-banner")).toBe("skip");
    expect(bad("hang after start")).toBe("skip");
    expect(judgeForBisect(bootResult("hang", { reached: 0 }), parseBadIf(["hang after start"], []), noLines).kind).toBe(
      "bad",
    );
    expect(parseSymptom("timeout after linux-banner")).toEqual({
      text: "timeout after linux-banner",
      outcome: "timeout",
      relation: "after",
      milestone: "linux-banner",
    });
    expect(() => parseSymptom("stuck after x")).toThrow(/OUTCOME one of/);
    expect(() => parseSymptom("hang during x")).toThrow(/--bad-if/);
  });

  test("--bad-if-line: a console line (literal or /regex/) makes the boot bad, whatever its outcome", () => {
    const lines = () => [
      "(XEN) Xen version 4.17.7 (Debian 4.17.7+13-g2445b30a44-0+deb12u1)",
      "[    0.000000] Linux version 6.1.0-53-arm64 (debian-kernel@lists.debian.org)",
    ];
    const verdict = (p: string) => judgeForBisect(bootResult("pass"), parseBadIf([], [p]), lines);
    expect(verdict("Xen version 4.17.7")).toMatchObject({
      kind: "bad",
      reason: expect.stringContaining("[--bad-if-line Xen version 4.17.7]"),
    });
    expect(verdict("Xen version 4.17.5").kind).toBe("good");
    expect(verdict("/Linux version 6\\.1\\.0-5[3-9]-arm64/").kind).toBe("bad");
    expect(verdict("/Linux version 6\\.1\\.0-5[4-9]-arm64/").kind).toBe("good");
    expect(judgeForBisect(bootResult("hang", { reached: 1 }), parseBadIf([], ["nothing like this"]), lines).kind).toBe(
      "skip",
    );
    expect(() => parseBadIf([], ["/(unclosed/"])).toThrow(/--bad-if-line/);
  });

  test("the console lines come from serial.log, cleaned as the matcher sees them", () => {
    const logDir = join(dir, "log");
    const r = { ...bootResult("pass"), serialLog: join(dir, "serial.log") };
    writeFileSync(r.serialLog, "\x1b[0m(XEN) Xen version 4.17.5 (Debian)\r\n/ # \x1b[6n");
    expect(judgeForBisect(r, parseBadIf([], ["/^\\(XEN\\) Xen version 4\\.17\\.5 /"])).kind).toBe("bad");
    expect(judgeForBisect({ ...r, serialLog: join(logDir, "missing.log") }, parseBadIf([], ["Xen"])).kind).toBe("good");
  });

  test("exit code: any bad → 1, else any skip → 125, else 0; nothing judged → 125", () => {
    const v = (kind: "good" | "bad" | "skip") => ({ boot: "b", kind, reason: "" });
    expect(bisectExitCode([v("good"), v("good")])).toBe(0);
    expect(bisectExitCode([v("good"), v("bad"), v("skip")])).toBe(1);
    expect(bisectExitCode([v("good"), v("skip")])).toBe(125);
    expect(bisectExitCode([])).toBe(125);
  });

  test("a symptom naming a milestone the expectation does not have is reported (the bisect step skips)", () => {
    const exp = validateExpectation("e.ts", {
      name: "e",
      machine: { arch: "aarch64", memory: "1G", cpus: 1, firmware: "direct" },
      images: { kernel: { kind: "file", path: "/nonexistent" } },
      milestones: [{ id: "linux-banner", match: "Linux version" }],
      silence: "5s",
      budget: "10s",
    });
    expect(checkSymptoms(parseBadIf(["hang after start"], []), exp)).toBeUndefined();
    expect(checkSymptoms(parseBadIf(["hang after xen-banner"], []), exp)).toMatch(/e has no milestone "xen-banner"/);
  });
});

describe("bootlog bisect: infra and mistakes never answer 1", () => {
  const bisect = (...args: string[]) => bootlog(["bisect", ...args], {}, dir);

  test("a bad expectation file → 125; an unknown name → 125; a bad --bad-if → 128 (git bisect stops)", async () => {
    writeFileSync(join(dir, "broken.ts"), 'export default { name: "Broken Name", milestones: [] };\n');
    writeFileSync(join(dir, "throws.ts"), 'throw new Error("syntax of the week");\n');
    const [broken, throws, unknown, usage] = await Promise.all([
      bisect("broken.ts"),
      bisect("throws.ts"),
      bisect("no-such-boot", "--expectations", dir),
      bisect("broken.ts", "--bad-if", "stuck after x"),
    ]);
    expect(broken.code, broken.stdout + broken.stderr).toBe(125);
    expect(broken.stdout).toMatch(/SKIP expectation error: broken\.ts: name/);
    expect(throws.code, throws.stdout + throws.stderr).toBe(125);
    expect(throws.stdout).toContain("syntax of the week");
    expect(unknown.code, unknown.stdout + unknown.stderr).toBe(125);
    expect(usage.code, usage.stdout + usage.stderr).toBe(128);
  });

  test("versions and patterns arrive as typed, not as numbers (1.10 stays 1.10)", async () => {
    const file = join(dir, "xen-axis.ts");
    writeFileSync(
      file,
      `export default ${JSON.stringify({
        name: "xen-axis",
        machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "direct" },
        images: { xen: { kind: "deb", package: "xen-hypervisor-4.17-arm64", path: "boot/xen-4.17-arm64" } },
        milestones: [{ id: "xen-banner", match: "Xen version" }],
        silence: "5s",
        budget: "10s",
      })};\n`,
    );
    const run = await bootlog([
      "bisect-versions",
      file,
      "--package",
      "xen-hypervisor-4.17-arm64",
      "--good",
      "1.10",
      "--bad=4.170",
    ]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('"1.10" is not among the versions apt offers: xen-hypervisor-4.17-arm64 4.17.5');
  });
});

describe("Debian version order", () => {
  const pairs: [string, string][] = [
    ["4.17.5+72-g01140da4e8-1", "4.17.7+13-g2445b30a44-0+deb12u1"],
    ["6.1.170-3", "6.1.176-1"],
    ["6.1.99-1", "6.1.100-1"],
    ["1.0~rc1-1", "1.0-1"],
    ["1.0-1", "1.0-1~bpo12+1"],
    ["1:1.35.0-4", "1.36.0-1"],
    ["1.0a", "1.0+"],
    ["2.0-1", "2.0-1"],
    ["1.0", "1.0-0"],
    ["10.0012", "10.12"],
  ];
  test.each(pairs)("%s vs %s agrees with dpkg --compare-versions", async (a, b) => {
    const mine = compareDebianVersions(a, b);
    const lt = (await execa("dpkg", ["--compare-versions", a, "lt", b], { reject: false })).exitCode === 0;
    const eq = (await execa("dpkg", ["--compare-versions", a, "eq", b], { reject: false })).exitCode === 0;
    expect(mine).toBe(lt ? -1 : eq ? 0 : 1);
    expect(compareDebianVersions(b, a)).toBe(-mine || 0);
  });
});

describe("the version walk (binary search with skips)", () => {
  /** Versions 0..n-1; everything from `firstBad` on is bad; `skips` cannot be judged. */
  const judgeFrom =
    (firstBad: number, skips: number[] = [], probed: number[] = []) =>
    async (i: number) => {
      probed.push(i);
      return {
        kind: skips.includes(i) ? ("skip" as const) : i >= firstBad ? ("bad" as const) : ("good" as const),
        reason: `v${i}`,
      };
    };

  test.each([1, 2, 5, 8, 9])(
    "finds first bad %i among 10 versions in at most 2 + ceil(log2(9)) boots",
    async (firstBad) => {
      const probed: number[] = [];
      const result = await walkVersions(0, 9, judgeFrom(firstBad, [], probed));
      expect(result).toMatchObject({ status: "found", firstBad, lastGood: firstBad - 1 });
      expect(probed.slice(0, 2)).toEqual([0, 9]);
      expect(probed.length).toBeLessThanOrEqual(2 + 4);
    },
  );

  test("a skipped version is stepped around; if it hides the answer, the walk says which versions remain", async () => {
    expect(await walkVersions(0, 9, judgeFrom(6, [4]))).toMatchObject({ status: "found", firstBad: 6 });
    expect(await walkVersions(0, 9, judgeFrom(5, [4]))).toMatchObject({
      status: "inconclusive",
      firstBadAmong: [4, 5],
      lastGood: 3,
    });
  });

  test("with verify, ends that are not good and bad stop the walk; without it they are trusted", async () => {
    expect(await walkVersions(0, 9, judgeFrom(0))).toMatchObject({
      status: "endpoints",
      message: "the good end is bad: v0",
    });
    expect(await walkVersions(0, 9, judgeFrom(10))).toMatchObject({
      status: "endpoints",
      message: "the bad end is good: v9",
    });
    const probed: number[] = [];
    expect(await walkVersions(2, 3, judgeFrom(3, [], probed), false)).toMatchObject({
      status: "found",
      firstBad: 3,
      steps: [],
    });
    expect(probed).toEqual([]);
  });
});

describe("picking versions and images", () => {
  const candidates: Candidate[] = [
    { package: "linux-image-6.1.0-51-arm64", version: "6.1.177-1" },
    { package: "linux-image-6.1.0-52-arm64", version: "6.1.180-1" },
    { package: "xen-hypervisor-4.17-arm64", version: "4.17.5+72-g01140da4e8-1" },
    { package: "xen-hypervisor-4.17-arm64", version: "4.17.7+13-g2445b30a44-0+deb12u1" },
  ];
  test("--good/--bad: a version, a package with one version, or PACKAGE=VERSION", () => {
    expect(findCandidate("6.1.180-1", candidates)).toBe(1);
    expect(findCandidate("linux-image-6.1.0-51-arm64", candidates)).toBe(0);
    expect(findCandidate("xen-hypervisor-4.17-arm64=4.17.7+13-g2445b30a44-0+deb12u1", candidates)).toBe(3);
    expect(() => findCandidate("xen-hypervisor-4.17-arm64", candidates)).toThrow(/ambiguous/);
    expect(() => findCandidate("6.1.999-1", candidates)).toThrow(/not among the versions apt offers/);
  });

  test("the role a package replaces, and the expectation with that image pinned", () => {
    const exp = validateExpectation("e.ts", {
      name: "e",
      machine: { arch: "aarch64", memory: "1G", cpus: 1, firmware: "direct" },
      images: {
        xen: { kind: "deb", package: "xen-hypervisor-4.17-arm64", path: "boot/xen-4.17-arm64" },
        kernel: { kind: "deb", package: "linux-image-arm64", path: "boot/vmlinuz-*", follow: true },
        initrd: { kind: "file", path: "/x/initrd.gz" },
      },
      milestones: [{ id: "linux-banner", match: "Linux version" }],
      silence: "5s",
      budget: "10s",
    });
    expect(roleFor(exp, "xen-hypervisor-4.17-arm64")).toBe("xen");
    expect(roleFor(exp, "linux-image-6.1.0-*-arm64")).toBe("kernel");
    expect(() => roleFor(exp, "busybox-static")).toThrow(/pass --role/);
    const pinned = withPackage(exp, "kernel", candidates[1]!);
    expect(pinned.images.kernel).toEqual({
      kind: "deb",
      package: "linux-image-6.1.0-52-arm64",
      path: "boot/vmlinuz-*",
      version: "6.1.180-1",
    });
    expect(pinned.images.xen).toBe(exp.images.xen);
    expect(() => withPackage(exp, "initrd", candidates[0]!)).toThrow(/--path/);
  });
});
