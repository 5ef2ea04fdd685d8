import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { once } from "node:events";
import { execa } from "execa";
import { afterAll, describe, expect, test } from "vitest";
import { appendHistory, historyPath, readHistory } from "../../harness/artifacts/history.ts";
import { formatHistory, historyOf, stoppedAt } from "../../harness/compare/history-file.ts";
import { bootResult, infraResult } from "../helpers/history-results.ts";
import { bootlog } from "../helpers/cli.ts";

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "bootlog-history-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("artifacts/history.jsonl", () => {
  test("one compact line per boot per run: run id, time, commit, packages, milestone times and outcomes", () => {
    const dir = freshDir();
    appendHistory(dir, "run-1", [
      bootResult("pass", { gitCommit: "aaaa1111" }),
      bootResult("hang", { name: "x86", reached: 1 }),
    ]);
    const lines = readFileSync(historyPath(dir), "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({
      v: 1,
      runId: "run-1",
      time: "2025-01-02T03:04:05.000Z",
      boot: "arm64-xen",
      gitCommit: "aaaa1111",
      outcome: "pass",
      attempts: 1,
      packages: { "xen-hypervisor-4.17-arm64": "4.17.7", "linux-image-6.1.0-56-arm64": "6.1.192-2" },
    });
    expect(first.milestones[2]).toEqual({ id: "linux-banner", at: 3.5, status: "pass" });
    expect(JSON.parse(lines[1]!)).toMatchObject({
      boot: "x86",
      outcome: "hang",
      after: "xen-banner",
      pending: "xen-dom0-loading",
    });
  });

  test("attempts counts the infra retries of a boot", () => {
    const dir = freshDir();
    const final = bootResult("pass", { attempt: 2 });
    appendHistory(dir, "run-1", [final], [infraResult({ attempt: 1 }), final]);
    expect(readHistory(dir)[0]).toMatchObject({ attempts: 2, outcome: "pass" });
  });

  test("lines that do not parse are skipped; a missing file is an empty history", () => {
    const dir = freshDir();
    expect(readHistory(dir)).toEqual([]);
    appendHistory(dir, "run-1", [bootResult("pass")]);
    appendFileSync(historyPath(dir), '{"v":1,"boot":"half a li');
    appendFileSync(historyPath(dir), "\n");
    appendHistory(dir, "run-2", [bootResult("pass")]);
    expect(readHistory(dir).map((e) => e.runId)).toEqual(["run-1", "run-2"]);
  });

  test("concurrent runs never interleave inside a line", async () => {
    const dir = freshDir();
    const writer = resolve(dir, "writer.mts");
    const { writeFileSync } = await import("node:fs");
    // Each process appends 40 runs of 5 boots with long summaries, as fast as it can, all at the same moment.
    writeFileSync(
      writer,
      `import { appendHistory } from ${JSON.stringify(resolve("harness/artifacts/history.ts"))};
import { bootResult } from ${JSON.stringify(resolve("tests/helpers/history-results.ts"))};
import { once } from "node:events";
const id = process.argv[2]!;
// All writers start together: each says it is ready, then waits (idle, not spinning) for the go.
process.stdout.write("ready\\n");
await once(process.stdin, "data");
for (let run = 0; run < 40; run++) {
  const boots = Array.from({ length: 5 }, (_, i) => ({ ...bootResult("pass", { name: "b" + i }), summary: id.repeat(3000) }));
  appendHistory(${JSON.stringify(dir)}, id + "-" + run, boots);
}
`,
    );
    const writers = ["p", "q", "r", "s"].map((id) => execa(process.execPath, ["--import", "tsx", writer, id]));
    await Promise.all(writers.map((w) => once(w.stdout, "data")));
    for (const w of writers) w.stdin.end("go\n");
    await Promise.all(writers);
    const lines = readFileSync(historyPath(dir), "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(4 * 40 * 5);
    for (const line of lines) {
      const entry = JSON.parse(line);
      expect(entry.summary).toBe(entry.runId[0].repeat(3000));
    }
  });
});

describe("bootlog history", () => {
  test("the table shows each run of a boot with the milestone where it stopped, oldest first", () => {
    const dir = freshDir();
    appendHistory(dir, "run-1", [
      bootResult("pass", { gitCommit: "1111111111aaaa" }),
      bootResult("pass", { name: "other" }),
    ]);
    appendHistory(dir, "run-2", [bootResult("hang", { reached: 2, gitCommit: "2222222222bbbb" })]);
    appendHistory(dir, "run-3", [infraResult()]);
    appendHistory(dir, "run-4", [
      bootResult("pass", {
        packages: { "xen-hypervisor-4.17-arm64": "4.17.5", "linux-image-6.1.0-56-arm64": "6.1.192-2" },
      }),
    ]);
    const entries = historyOf(readHistory(dir), "arm64-xen", 20);
    expect(entries.map((e) => e.runId)).toEqual(["run-1", "run-2", "run-3", "run-4"]);
    expect(entries.map(stoppedAt)).toEqual(["-", "linux-banner (after xen-dom0-loading)", "infra", "-"]);
    const table = formatHistory(entries).split("\n");
    expect(table[0]).toMatch(/^TIME\s+COMMIT\s+OUTCOME\s+STOPPED AT\s+REACHED\s+LAST\s+ATTEMPTS\s+PACKAGES CHANGED$/);
    expect(table[1]).toMatch(/^2025-01-02 03:04:05Z\s+1111111111\s+pass\s+-\s+4\/4\s+5\.00 s\s+1$/);
    expect(table[2]).toMatch(/2222222222\s+hang\s+linux-banner \(after xen-dom0-loading\)\s+2\/4\s+0\.60 s/);
    expect(table[3]).toMatch(/-\s+infra\s+infra\s+0\/4\s+-/);
    expect(table[4]).toMatch(/pass .* xen-hypervisor-4\.17-arm64 4\.17\.5$/);
    expect(historyOf(readHistory(dir), "arm64-xen", 2).map((e) => e.runId)).toEqual(["run-3", "run-4"]);
    expect(historyOf(readHistory(dir), "*", 20)).toHaveLength(5);
    expect(formatHistory([])).toMatch(/^no history/);
    appendHistory(dir, "run-5", [
      bootResult("pass", {
        packages: { "xen-hypervisor-4.17-arm64": "4.17.5", "linux-image-6.1.0-53-arm64": "6.1.187-1" },
      }),
    ]);
    expect(formatHistory(historyOf(readHistory(dir), "arm64-xen", 20)).split("\n")[5]).toMatch(
      / linux-image-6\.1\.0-53-arm64 6\.1\.187-1, -linux-image-6\.1\.0-56-arm64$/,
    );
  });

  test("the CLI reads --artifacts and prints the table (or --json)", async () => {
    const dir = freshDir();
    appendHistory(dir, "run-1", [bootResult("pass")]);
    appendHistory(dir, "run-2", [bootResult("timeout", { reached: 3 })]);
    const [table, json] = await Promise.all([
      bootlog(["history", "arm64-xen", "--artifacts", dir]),
      bootlog(["history", "arm64-xen", "--artifacts", dir, "--json", "--last", "1"]),
    ]);
    expect(table.stdout).toContain("STOPPED AT");
    expect(table.stdout).toMatch(/timeout\s+dom0-shell \(after linux-banner\)\s+3\/4/);
    expect(JSON.parse(json.stdout).map((e: { runId: string }) => e.runId)).toEqual(["run-2"]);
  });
});
