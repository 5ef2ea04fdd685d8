/**
 * `bootlog verdict`: any producer's JUnit as a git-bisect answer. bootlog's own JUnit (written
 * by its writer), vitest's JUnit (vitest really run on a two-test file), one with only errors,
 * a truncated file, a file that is not JUnit, and selecting one failing testcase among several.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { junitForBoots } from "../../harness/artifacts/junit.ts";
import { parseSelectors, verdict } from "../../harness/bisection/verdict.ts";
import { recordsFromJunit } from "../../harness/artifacts/junit-read.ts";
import { bootResult } from "../helpers/history-results.ts";
import { bootlog } from "../helpers/cli.ts";

const work = mkdtempSync(join(tmpdir(), "bootlog-verdict-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  writeFileSync(join(work, name), text);
  return join(work, name);
};
const none = parseSelectors([], []);

let vitestJunit: string;
beforeAll(async () => {
  // vitest's own JUnit, from a real vitest run: one passing and two failing tests.
  const project = join(work, "vitest-project");
  mkdirSync(project);
  writeFileSync(
    join(project, "sample.test.ts"),
    `import { expect, test } from "vitest";
test("boots", () => expect(1).toBe(1));
test("reaches the shell", () => expect("hang after linux-banner").toBe("pass"));
test("prints the version", () => expect(6.1).toBe(6.2));
`,
  );
  vitestJunit = join(project, "vitest-junit.xml");
  await execa(
    "npx",
    ["vitest", "run", "--root", project, "--reporter=junit", `--outputFile=${vitestJunit}`, "--pool=threads"],
    { reject: false, cwd: resolve(".") },
  );
  expect(readFileSync(vitestJunit, "utf8")).toContain("<testsuites");
}, 60_000);

describe("bootlog verdict", () => {
  test("bootlog's JUnit: a pass → 0, a hang → 1, a reproduced known-bad (skipped) → 0, infra (errors only) → 125", async () => {
    const pass = file("pass.xml", junitForBoots([bootResult("pass")]));
    const hang = file("hang.xml", junitForBoots([bootResult("hang", { reached: 2 })]));
    const knownBad = file(
      "known-bad.xml",
      junitForBoots([
        bootResult("hang", {
          reached: 1,
          knownBad: { outcome: "hang", after: "xen-banner", reason: "old dtuart syntax" },
        }),
      ]),
    );
    const infra = file(
      "infra.xml",
      junitForBoots([
        { ...bootResult("pass"), outcome: "infra", ok: false, error: "QEMU missing", summary: "INFRA: QEMU missing" },
      ]),
    );
    expect((await verdict([pass], none)).exitCode).toBe(0);
    const bad = await verdict([hang], none);
    expect(bad.exitCode).toBe(1);
    expect(bad.lines).toContain(
      'FAIL arm64-xen > linux-banner: HANG after "xen-dom0-loading": silent 5.0 s, last line "(XEN) Freed 356kB init memory"',
    );
    expect((await verdict([knownBad], none)).exitCode).toBe(0);
    const errors = await verdict([infra], none);
    expect(errors.exitCode).toBe(125);
    expect(errors.lines.at(-1)).toBe("verdict: skip (exit 125): 4 error(s), no failure");
  });

  test("vitest's JUnit: failures → 1; --bad-if-testcase picks one failing case among several; a passing one selected → 125 (other failures)", async () => {
    expect((await verdict([vitestJunit], none)).exitCode).toBe(1);
    const one = await verdict([vitestJunit], parseSelectors(["reaches the shell"], []));
    expect(one.exitCode).toBe(1);
    expect(one.lines.filter((l) => l.startsWith("FAIL"))).toEqual([
      expect.stringMatching(/^FAIL sample\.test\.ts > reaches the shell: .*hang after linux-banner/),
    ]);
    const byRegex = await verdict([vitestJunit], parseSelectors(["/version$/"], []));
    expect(byRegex.lines.filter((l) => l.startsWith("FAIL"))).toEqual([
      expect.stringMatching(/^FAIL sample\.test\.ts > prints the version: /),
    ]);
    const notIt = await verdict([vitestJunit], parseSelectors(["boots"], []));
    expect(notIt.exitCode).toBe(125);
    expect(notIt.lines).toContainEqual(
      expect.stringMatching(/^other failure, not the symptom selected: sample\.test\.ts > reaches the shell/),
    );
    expect((await verdict([vitestJunit], parseSelectors([], ["/expected 6\\.1 to be 6\\.2/"]))).exitCode).toBe(1);
    expect((await verdict([vitestJunit], parseSelectors([], ["Kernel panic"]))).exitCode).toBe(125);
  });

  test("unreadable files are 125 with the reason: truncated, not JUnit, no testcases, missing", async () => {
    const whole = junitForBoots([bootResult("pass")]);
    const cases: [string, string][] = [
      [file("truncated.xml", whole.slice(0, Math.floor(whole.length / 2))), "not well-formed XML"],
      [
        file("not-junit.xml", "<html><body>502 Bad Gateway</body></html>"),
        "no <testsuites> or <testsuite> element: not a JUnit file",
      ],
      [
        file("empty-suite.xml", '<testsuites><testsuite name="x" tests="0"/></testsuites>'),
        "no <testcase>: nothing was judged",
      ],
      [join(work, "missing.xml"), "ENOENT"],
    ];
    for (const [path, reason] of cases) {
      const result = await verdict([path], none);
      expect(result.exitCode, path).toBe(125);
      expect(result.lines[0], path).toContain(`${path}: unreadable: `);
      expect(result.lines[0], path).toContain(reason);
    }
    // A failure in a readable file still decides: bad is bad even next to an unreadable file.
    expect(
      (await verdict([cases[0]![0], file("hang2.xml", junitForBoots([bootResult("hang", { reached: 2 })]))], none))
        .exitCode,
    ).toBe(1);
  });

  test(
    "the CLI: exit codes as git bisect run reads them; no file is a usage mistake (128: git bisect stops)",
    { timeout: 30_000 },
    async () => {
      const hang = file("cli-hang.xml", junitForBoots([bootResult("hang", { reached: 2 })]));
      const [bad, skip, usage, culpritUsage] = await Promise.all([
        bootlog(["verdict", hang, "--bad-if-testcase", "linux-banner"]),
        bootlog(["verdict", hang, "--bad-if-message", "/Kernel panic/"]),
        bootlog(["verdict"]),
        bootlog(["culprit", hang]),
      ]);
      expect(bad.code, bad.stderr).toBe(1);
      expect(bad.stdout).toContain("verdict: bad (exit 1): 1 failing testcase(s) with the selected symptom");
      expect(skip.code, skip.stderr).toBe(125);
      expect(usage.code).toBe(128);
      expect(usage.stderr).toContain("name at least one JUnit file");
      // culprit without NEW: a usage error (2), before anything is read.
      expect(culpritUsage.code).toBe(2);
      expect(culpritUsage.stderr).toContain("missing required args for command `culprit <old> <new>`");
    },
  );
});

describe("a large JUnit (issue 26, defect 9)", () => {
  // 150,000 testcases, about 7 MB, a failure in the very last one: spreading that many testcases
  // into one push() overflowed the call stack ("unreadable", 125) instead of answering 1.
  const CASES = 150_000;
  const big = () => {
    const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<testsuites><testsuite name="lab" tests="150000">'];
    for (let i = 0; i < CASES - 1; i++) lines.push(`<testcase classname="lab.suite" name="case ${i}" time="0.001"/>`);
    lines.push(
      `<testcase classname="lab.suite" name="case ${CASES - 1}"><failure message="hang after linux-banner" type="hang"/></testcase>`,
    );
    lines.push("</testsuite></testsuites>");
    return file("big.xml", lines.join("\n"));
  };

  test("bootlog verdict reads it and answers 1 (the failure at the end)", { timeout: 120_000 }, async () => {
    const path = big();
    expect(readFileSync(path).length).toBeGreaterThan(7_000_000);
    const r = await verdict([path], none);
    expect(r.lines.join("\n")).toContain(`${CASES} testcase(s)`);
    expect(r.lines.join("\n")).toContain(`case ${CASES - 1}`);
    expect(r.exitCode).toBe(1);
    // compare, culprit and import read JUnit through recordsFromJunit: the same file is one failed boot there.
    const boots = recordsFromJunit(readFileSync(path, "utf8"));
    expect(boots.map((b) => [b.name, b.outcome, b.pending])).toEqual([["lab", "fail", `case ${CASES - 1}`]]);
  });
});
