/**
 * `bootlog import lava` on a recorded real lava-run job (tests/fixtures/lava-arm64-linux-timeout:
 * arm64-linux exported with its run-init milestone replaced by a line Linux never prints, within
 * 2 s; LAVA timed out while the kernel kept printing), in the forms a lab gives: the job log as
 * lava-run prints it, the same log as a server's output.yaml, and the server's results list alone.
 */
import { execa } from "execa";
import { mkdtemp, readFile, rm, writeFile, copyFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readRun } from "../../harness/artifacts/read-run.ts";
import { parseLog, resultsFromLog } from "../../harness/import/lava-job.ts";
import { importLava, LavaImportError } from "../../harness/import/lava.ts";

const FIXTURE = join("tests", "fixtures", "lava-arm64-linux-timeout");
const MILESTONES = ["linux-banner", "run-init", "init-not-on-xen", "shell", "uname"];
let dir: string;
let logText: string;

async function jobDir(name: string, files: Record<string, string>): Promise<string> {
  const d = join(dir, name);
  await execa("mkdir", ["-p", d]);
  for (const [file, text] of Object.entries(files)) await writeFile(join(d, file), text);
  return d;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bootlog-lava-import-"));
  logText = gunzipSync(await readFile(join(FIXTURE, "output.log.gz"))).toString("utf8");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("import lava: a milestone that timed out while the console kept printing", () => {
  test("lava-run's log and the job: timeout after linux-banner, pending run-init, within 2 s", async () => {
    const d = await jobDir("lava-run", { "output.log": logText });
    await copyFile(join(FIXTURE, "job.yaml"), join(d, "job.yaml"));
    const { results, runDir, exitCode } = await importLava([d], { artifactsDir: join(dir, "art"), runId: "run-1" });
    const r = results[0]!;
    expect(r.name).toBe("arm64-linux");
    expect(r.outcome, r.summary).toBe("timeout");
    expect(r.verdict).toMatchObject({
      after: "linux-banner",
      pending: "run-init",
      cause: { kind: "within", limitS: 2 },
    });
    expect(r.summary).toMatch(/^TIMEOUT after "linux-banner": "run-init" not seen within 2\.0 s, last line /);
    expect(exitCode).toBe(1);
    expect(r.milestones.map((m) => m.id)).toEqual(MILESTONES);
    expect(r.milestones[0]!.at).toBeGreaterThan(0);
    expect(r.milestones.slice(1).every((m) => m.at === undefined)).toBe(true);
    expect(r.packages.map((p) => p.package)).toContain("busybox-static");
    expect(r.qemu.binary).toBe("/usr/bin/qemu-system-aarch64");

    // The console kept as serial.log, the linux-banner slice ending at its line.
    const serial = await readFile(join(runDir, "arm64-linux", "serial.log"), "utf8");
    expect(serial).toContain("Run /init as init process");
    expect(r.slices["linux-banner"]).toMatch(/Linux version 6\.1/);

    // What compare, history and report read back.
    const back = await readRun(runDir);
    expect(back.boots[0]).toMatchObject({
      name: "arm64-linux",
      outcome: "timeout",
      after: "linux-banner",
      pending: "run-init",
    });
    expect(back.boots[0]!.milestones.map((m) => m.status)).toEqual([
      "pass",
      "timeout",
      "not-reached",
      "not-reached",
      "not-reached",
    ]);
    const history = (await readFile(join(dir, "art", "history.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(history.at(-1)).toMatchObject({ runId: "run-1", boot: "arm64-linux", outcome: "timeout" });
  });

  test("the log as `lavacli jobs logs ID --raw` prints it (PyYAML, double-quoted flow mappings) reads the same", async () => {
    // lavacli's print_logs, with the yaml module of Debian's python3-yaml.
    const program = [
      "import sys, yaml",
      "for line in sys.stdin:",
      "    if line.startswith('{'):",
      "        entry = yaml.safe_load(line)",
      "        print('- ' + yaml.dump(entry, default_flow_style=True, default_style='\"', width=10 ** 6, Dumper=yaml.SafeDumper)[:-1])",
    ].join("\n");
    const yamlLog = (await execa("/usr/bin/python3", ["-c", program], { input: logText })).stdout;
    expect(yamlLog).toMatch(/^- \{"dt": "2026-/);
    const d = await jobDir("server-log", { "output.yaml": yamlLog });
    await copyFile(join(FIXTURE, "job.yaml"), join(d, "job.yaml"));
    const { results } = await importLava([d], { artifactsDir: join(dir, "art"), runId: "run-2" });
    expect(results[0]!.verdict).toMatchObject({ outcome: "timeout", after: "linux-banner", pending: "run-init" });
  });

  test("the server's results alone (no log): a timeout, never a hang, and no serial.log text", async () => {
    // lavacli results --yaml / the REST API: suite, name, result, logged, metadata.
    const server = resultsFromLog(parseLog(logText, "fixture")).map((r, i) => ({
      id: String(i + 1),
      job: "42",
      suite: r.definition,
      name: r.case,
      result: r.result,
      logged: new Date(r.t!).toISOString(),
      metadata: {
        case: r.case,
        definition: r.definition,
        result: r.result,
        ...(r.extra ? { extra: r.extra } : {}),
        ...(r.errorMsg ? { error_msg: r.errorMsg, error_type: r.errorType } : {}),
      },
    }));
    const d = await jobDir("server-results", { "results.yaml": stringify(server) });
    await copyFile(join(FIXTURE, "job.yaml"), join(d, "job.yaml"));
    const { results, runDir } = await importLava([d], { artifactsDir: join(dir, "art"), runId: "run-3" });
    expect(results[0]!.verdict).toMatchObject({ outcome: "timeout", after: "linux-banner", pending: "run-init" });
    expect(await readFile(join(runDir, "arm64-linux", "serial.log"), "utf8")).toBe("");
  });

  test("without the job definition the boot and its reached milestones still come from the results", async () => {
    const d = await jobDir("log-only", { "output.log": logText });
    const { results } = await importLava([d], { artifactsDir: join(dir, "art"), runId: "run-4" });
    expect(results[0]!.name).toBe("arm64-linux");
    expect(results[0]!.milestones.map((m) => m.id)).toEqual(["linux-banner", "run-init"]);
    expect(results[0]!.outcome).toBe("timeout");
  });
});

describe("import lava: jobs that ended for another reason", () => {
  const line = (dt: string, lvl: string, msg: unknown) => JSON.stringify({ dt: `2026-11-26T10:00:${dt}`, lvl, msg });

  test("a deploy that failed (Infrastructure) is infra, exit 125", async () => {
    const log = [
      line("00.000000", "info", "start: 1 deployimages (timeout 00:05:00) [common]"),
      line("01.000000", "error", "Unable to fetch file:///gone/xen: not found"),
      line("01.100000", "results", {
        case: "job",
        definition: "lava",
        error_msg: "Unable to fetch file:///gone/xen",
        error_type: "Infrastructure",
        result: "fail",
      }),
    ].join("\n");
    const d = await jobDir("infra", { "output.log": log });
    await copyFile(join(FIXTURE, "job.yaml"), join(d, "job.yaml"));
    const { results, exitCode } = await importLava([d], { artifactsDir: join(dir, "art"), runId: "run-5" });
    expect(results[0]!.outcome).toBe("infra");
    expect(results[0]!.error).toMatch(/Infrastructure error: Unable to fetch/);
    expect(exitCode).toBe(125);
  });

  test("QEMU gone before the last milestone (Connection closed) is exited", async () => {
    const log = [
      line("00.000000", "results", { case: "execute-qemu", definition: "lava", result: "pass" }),
      line("00.500000", "target", "[    0.000000] Linux version 6.1.0-56-arm64"),
      line("00.510000", "results", { case: "linux-banner", definition: "0_arm64-linux.linux-banner", result: "pass" }),
      line("01.000000", "target", "reboot: Restarting system"),
      line("01.100000", "results", { case: "run-init", definition: "0_arm64-linux.linux-banner", result: "fail" }),
      line("01.200000", "results", {
        case: "job",
        definition: "lava",
        error_msg: "Connection closed",
        error_type: "Infrastructure",
        result: "fail",
      }),
    ].join("\n");
    const d = await jobDir("exited", { "output.log": log });
    await copyFile(join(FIXTURE, "job.yaml"), join(d, "job.yaml"));
    const { results } = await importLava([d], { artifactsDir: join(dir, "art"), runId: "run-6" });
    expect(results[0]!.verdict).toMatchObject({
      outcome: "exited",
      after: "linux-banner",
      pending: "run-init",
      lastLine: "reboot: Restarting system",
    });
  });

  test("what is not a LAVA job is refused, naming the path", async () => {
    await expect(importLava([join(dir, "nothing-here")])).rejects.toThrow(LavaImportError);
    const d = await jobDir("not-lava", { "results.yaml": "just: a mapping\n" });
    await expect(importLava([join(d, "results.yaml")])).rejects.toThrow(
      /results\.yaml: neither a LAVA job log, a results list nor a job definition/,
    );
    const e = await jobDir("empty", { "notes.txt": "x" });
    await expect(importLava([e])).rejects.toThrow(/no job log .* or results .* in it/);
  });
});
