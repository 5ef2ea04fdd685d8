/**
 * Retries are for infra only: a QEMU that dies by a signal nobody in bootlog sent is infra and
 * is booted again (each attempt in the JUnit, the timelines and the history); a real failure
 * (a hang) is never retried. `bootlog bisect` answers 125 for the killed QEMU, never 1.
 * Real boots: the stand-in QEMU (tests/fixtures/qemu-killed-once.sh) kills itself once, then
 * execs the real one.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { validateExpectation, type Expectation } from "../../harness/expectations/loader.ts";
import { readHistory } from "../../harness/artifacts/history.ts";
import { readRun } from "../../harness/artifacts/read-run.ts";
import { recordRun } from "../../harness/artifacts/record-run.ts";
import { arm64XenImages, type Arm64Images } from "../helpers/arm64-images.ts";
import { bootlog } from "../helpers/cli.ts";

const KILLED_ONCE = resolve("tests/fixtures/qemu-killed-once.sh");
const work = mkdtempSync(join(tmpdir(), "bootlog-retries-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let images: Arm64Images;
const spec = (name: string, xenArgs: string, silence = "5s") => ({
  name,
  machine: { arch: "aarch64", memory: "2G", cpus: 2, firmware: "direct" },
  images: {
    xen: { kind: "file", path: images.xen },
    kernel: { kind: "file", path: images.kernel },
    initrd: { kind: "file", path: images.initrd },
  },
  boot: { xen: xenArgs, linux: "console=hvc0 earlycon=xen rdinit=/init" },
  milestones: [
    { id: "xen-banner", match: { regex: "\\(XEN\\) Xen version 4\\.17" } },
    { id: "xen-dom0-loading", match: "*** LOADING DOMAIN 0 ***" },
  ],
  silence,
  budget: "60s",
});
let good: Expectation;
let hanging: Expectation;

beforeAll(async () => {
  chmodX(KILLED_ONCE);
  images = await arm64XenImages();
  good = validateExpectation(
    "retry-probe.ts",
    spec("retry-probe", "console=dtuart dtuart=/pl011@9000000 dom0_mem=512M"),
  );
  hanging = validateExpectation(
    "retry-hang.ts",
    spec("retry-hang", "console=dtuart dtuart=/pl011,0x09000000 dom0_mem=512M", "3s"),
  );
});

/** git keeps the mode, but a checkout through an archive may not. */
function chmodX(path: string): void {
  chmodSync(path, 0o755);
}

/** Run with QEMU replaced by the stand-in that dies once. */
async function withKilledOnce<T>(marker: string, body: () => Promise<T>): Promise<T> {
  const saved = { qemu: process.env.BOOTLOG_QEMU_AARCH64, marker: process.env.BOOTLOG_TEST_KILL_ONCE };
  process.env.BOOTLOG_QEMU_AARCH64 = KILLED_ONCE;
  process.env.BOOTLOG_TEST_KILL_ONCE = marker;
  try {
    return await body();
  } finally {
    for (const [key, value] of [
      ["BOOTLOG_QEMU_AARCH64", saved.qemu],
      ["BOOTLOG_TEST_KILL_ONCE", saved.marker],
    ] as const)
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
  }
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  isArray: (n) => ["testsuite", "testcase", "property"].includes(n),
});
const props = (suite: Record<string, any>) =>
  Object.fromEntries(suite.properties.property.map((p: Record<string, string>) => [p.name, p.value]));

describe("--retries: infra only", () => {
  test(
    "QEMU killed by SIGKILL is infra and retried; both attempts are in JUnit, timelines and history",
    { timeout: 120_000 },
    async () => {
      const artifacts = join(work, "killed");
      const marker = join(work, "killed.marker");
      const run = await withKilledOnce(marker, () => recordRun([good], { artifactsDir: artifacts, retries: 2 }));
      expect(existsSync(marker), "the stand-in QEMU never killed itself").toBe(true);
      const final = run.results[0]!;
      expect(final, final.summary).toMatchObject({ name: "retry-probe", outcome: "pass", attempt: 2 });
      expect(run.exitCode).toBe(0);

      const suites = parser.parse(readFileSync(join(run.runDir, "junit.xml"), "utf8")).testsuites.testsuite;
      expect(suites.map((s: Record<string, string>) => s.name)).toEqual(["retry-probe (attempt 1)", "retry-probe"]);
      expect(props(suites[0])).toMatchObject({
        outcome: "infra",
        attempt: "1",
        summary: expect.stringContaining("QEMU was killed by SIGKILL"),
      });
      expect(suites[0].testcase.every((c: Record<string, unknown>) => "skipped" in c && !("error" in c))).toBe(true);
      expect(suites[0].testcase[0].skipped.message).toMatch(
        /^attempt 1 infra, retried as attempt 2: INFRA: QEMU was killed by SIGKILL/,
      );
      expect(props(suites[1])).toMatchObject({ outcome: "pass", attempt: "2" });
      expect(suites[1].failures).toBe("0");
      expect(suites[1].errors).toBe("0");

      const first = JSON.parse(readFileSync(join(run.runDir, "retry-probe", "timeline.json"), "utf8"));
      const second = JSON.parse(readFileSync(join(run.runDir, "retry-2", "retry-probe", "timeline.json"), "utf8"));
      expect(first).toMatchObject({ attempt: 1, outcome: "infra", error: expect.stringContaining("SIGKILL") });
      expect(second).toMatchObject({ attempt: 2, outcome: "pass" });

      expect(readHistory(artifacts).map((e) => [e.boot, e.outcome, e.attempts])).toEqual([["retry-probe", "pass", 2]]);
      expect((await readRun(run.runDir)).boots.map((b) => [b.name, b.outcome, b.attempt])).toEqual([
        ["retry-probe", "pass", 2],
      ]);
    },
  );

  test("a real failure (a hang) is never retried", { timeout: 120_000 }, async () => {
    const run = await recordRun([hanging], { artifactsDir: join(work, "hang"), retries: 2 });
    expect(run.results[0]).toMatchObject({ outcome: "hang", attempt: 1 });
    expect(run.exitCode).toBe(1);
    expect(existsSync(join(run.runDir, "retry-2"))).toBe(false);
    const suites = parser.parse(readFileSync(join(run.runDir, "junit.xml"), "utf8")).testsuites.testsuite;
    expect(suites.map((s: Record<string, string>) => s.name)).toEqual(["retry-hang"]);
  });

  test(
    "bootlog bisect answers 125 (skip) for the killed QEMU when retries run out, never 1",
    { timeout: 120_000 },
    async () => {
      const file = join(work, "retry-probe.ts");
      writeFileSync(
        file,
        `export default ${JSON.stringify(spec("retry-probe", "console=dtuart dtuart=/pl011@9000000 dom0_mem=512M"))};\n`,
      );
      const result = await bootlog(["bisect", file, "--retries", "0", "--artifacts", join(work, "bisect")], {
        BOOTLOG_QEMU_AARCH64: KILLED_ONCE,
        BOOTLOG_TEST_KILL_ONCE: join(work, "bisect.marker"),
      });
      expect(result.code, result.all).toBe(125);
      expect(result.all).toContain("bisect: SKIP retry-probe: infra, not judged: QEMU was killed by SIGKILL");
    },
  );
});
