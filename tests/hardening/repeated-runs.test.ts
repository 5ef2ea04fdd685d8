/**
 * `run --runs N` and `bisect --runs N` go through the one runner: every option of a single run
 * reaches every run (issue 24; issue 26 defect 6), a stop signal ends the loop at once (issue 26
 * defect 3) and an interrupted repeated run is infra, never a pass (issue 26 defect 2). Fake QEMU.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { afterAll, describe, expect, test } from "vitest";
import { bootlog, startBootlog, type StartedCli } from "../helpers/cli.ts";
import { fakeExpectationFile } from "./fake-cli.ts";
import { fakeQemu, waitFor } from "./fake-qemu.ts";

const dir = mkdtempSync(join(tmpdir(), "bootlog-repeated-runs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A fake QEMU that backs guest RAM the way QEMU does when bootlog asks for a post-mortem: it
 * creates the `mem-path` file of `-object memory-backend-file` (sparse, at full size), then
 * prints the first milestone and hangs.
 */
const ramQemu = fakeQemu(
  dir,
  "ram-qemu",
  `const { truncateSync, writeFileSync } = await import("node:fs");
const backend = process.argv.find((a) => a.startsWith("memory-backend-file,"));
if (backend) {
  const path = /mem-path=([^,]+)/.exec(backend)[1];
  writeFileSync(path, "");
  truncateSync(path, Number(/size=(\\d+)/.exec(backend)[1]));
}
await play([{ text: "FAKE-BOOT-1\\r\\n" }]);
await forever();`,
);
const passingQemu = fakeQemu(
  dir,
  "pass-qemu",
  `await play([{ text: "FAKE-BOOT-1\\r\\nFAKE-PROMPT # " }]);\nawait forever();`,
);

const expectations = join(dir, "expectations");
mkdirSync(expectations);
fakeExpectationFile(expectations, "hangs");
fakeExpectationFile(expectations, "passes");

/** Every file named `name` under `root`. */
const filesNamed = (root: string, name: string) =>
  (readdirSync(root, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((e) => e.isFile() && e.name === name)
    .map((e) => join(e.parentPath, e.name));

/** The one run directory under `artifacts`. */
function runDirOf(artifacts: string): string {
  const runs = readdirSync(artifacts).filter((d) => d !== "latest" && d !== "history.jsonl");
  expect(runs).toHaveLength(1);
  return join(artifacts, runs[0]!);
}

describe("run --runs 2 passes the post-mortem options to every run", () => {
  test("--postmortem off: no post-mortem in any run, no RAM file", { timeout: 120_000 }, async () => {
    const artifacts = join(dir, "pm-off");
    const shm = join(dir, "shm-off");
    mkdirSync(shm);
    const r = await bootlog(
      ["run", "hangs", "--runs", "2", "--postmortem", "off", "--expectations", expectations, "--artifacts", artifacts],
      { BOOTLOG_QEMU_AARCH64: ramQemu, BOOTLOG_SHM_DIR: shm },
    );
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const run = runDirOf(artifacts);
    expect(filesNamed(run, "serial.log")).toHaveLength(2);
    expect(filesNamed(run, "postmortem.json")).toEqual([]);
    expect(readdirSync(shm)).toEqual([]);
  });

  test("--keep-ram: every run keeps its RAM file, named in its postmortem.json", { timeout: 120_000 }, async () => {
    const artifacts = join(dir, "keep-ram");
    const shm = join(dir, "shm-keep");
    mkdirSync(shm);
    const r = await bootlog(
      ["run", "hangs", "--runs", "2", "--keep-ram", "--expectations", expectations, "--artifacts", artifacts],
      { BOOTLOG_QEMU_AARCH64: ramQemu, BOOTLOG_SHM_DIR: shm },
    );
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const reports = filesNamed(runDirOf(artifacts), "postmortem.json");
    expect(reports).toHaveLength(2);
    const kept = reports.map(
      (f) => JSON.stringify(JSON.parse(readFileSync(f, "utf8"))).match(/"keptAt":"([^"]+)"/)?.[1],
    );
    expect(
      kept.every((path) => path?.startsWith(shm)),
      reports.map((f) => readFileSync(f, "utf8")).join("\n"),
    ).toBe(true);
    for (const path of kept) expect(existsSync(path!), `${path} kept`).toBe(true);
    expect(readdirSync(shm)).toHaveLength(2);
  });
});

/** Start bootlog, wait until `ready` shows in its output, send SIGTERM, and wait for it to end. */
async function interruptWhen(cli: StartedCli, ready: RegExp): Promise<{ code: number | null; seconds: number }> {
  try {
    const seen = await waitFor(() => ready.test(cli.stdout()), 90_000, 20);
    expect(seen, `never saw ${ready}: ${cli.stdout()}${cli.stderr()}`).toBe(true);
    const t0 = performance.now();
    cli.child.kill("SIGTERM");
    const { code } = await cli.exited;
    return { code, seconds: (performance.now() - t0) / 1000 };
  } finally {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill("SIGKILL");
  }
}

describe("a stop signal during repeated runs", () => {
  test(
    "run --runs 1000: exit 143, runs never started leave no folder, the run's JUnit is infra and verdict is not 0",
    { timeout: 150_000 },
    async () => {
      const artifacts = join(dir, "interrupted-run");
      const cli = startBootlog(
        ["run", "passes", "--runs", "1000", "--jobs", "1", "--expectations", expectations, "--artifacts", artifacts],
        { BOOTLOG_QEMU_AARCH64: passingQemu },
      );
      const { code } = await interruptWhen(cli, /^ok +passes run-2: /m);
      expect(code, cli.stdout() + cli.stderr()).toBe(143);
      const run = runDirOf(artifacts);
      const runDirs = readdirSync(run).filter((d) => /^run-\d+$/.test(d));
      // Runs 1 and 2 ended before the signal; at most the one booting then was started after them.
      expect(runDirs.length).toBeGreaterThanOrEqual(2);
      expect(runDirs.length).toBeLessThanOrEqual(4);
      const xml = readFileSync(join(run, "junit.xml"), "utf8");
      const suites = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(xml).testsuites;
      expect(Number(suites.errors), xml).toBeGreaterThan(0);
      expect(Number(suites.failures), xml).toBe(0);
      expect(xml).toMatch(/INTERRUPTED by SIGTERM after \d+ of 1000 runs/);
      const verdict = await bootlog(["verdict", join(run, "junit.xml")]);
      expect(verdict.code, verdict.stdout + verdict.stderr).toBe(125);
      const repeat = JSON.parse(readFileSync(join(run, "passes", "repeat.json"), "utf8"));
      expect([repeat.class, repeat.ok, repeat.runs]).toEqual(["infra", false, runDirs.length]);
    },
  );

  test("bisect --runs 100: SIGTERM ends it at once, no run started after it", { timeout: 150_000 }, async () => {
    const artifacts = join(dir, "interrupted-bisect");
    const cli = startBootlog(
      ["bisect", "passes", "--runs", "100", "--expectations", expectations, "--artifacts", artifacts],
      { BOOTLOG_QEMU_AARCH64: passingQemu },
    );
    // bisect prints no line per boot: wait for the first run's folder.
    const seen = await waitFor(
      () => existsSync(artifacts) && filesNamed(artifacts, "timeline.json").length > 0,
      90_000,
      20,
    );
    expect(seen, cli.stdout() + cli.stderr()).toBe(true);
    const started = readdirSync(runDirOf(artifacts)).filter((d) => /^run-\d+$/.test(d)).length;
    cli.child.kill("SIGTERM");
    const { code } = await cli.exited;
    expect(code, cli.stdout() + cli.stderr()).toBe(143);
    const runDirs = readdirSync(runDirOf(artifacts)).filter((d) => /^run-\d+$/.test(d));
    // The boots in progress (one per lane) finish as interrupted; nothing new starts.
    expect(runDirs.length, runDirs.join(" ")).toBeLessThanOrEqual(started + 4);
    expect(runDirs.length).toBeLessThan(100);
  });
});
