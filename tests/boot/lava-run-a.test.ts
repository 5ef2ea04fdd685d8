// Every exported job in LAVA's real lava-run, lane 0 of 4 (see tests/helpers/lava-lane.ts).
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { compareExitCode, compareRuns } from "../../harness/compare/compare.ts";
import { readRun } from "../../harness/artifacts/read-run.ts";
import { importLava } from "../../harness/import/lava.ts";
import { outcomeAfter } from "../../harness/vocabulary.ts";
import { testRunDir } from "../helpers/boot.ts";
import { laneExpectations, lavaLane } from "../helpers/lava-lane.ts";

const lane = await laneExpectations(0);
const runs = lavaLane(lane);

describe.runIf(lane.some((e) => e.name === "arm64-linux"))("compare reads LAVA runs like bootlog's own", () => {
  test("arm64-linux passing in lava-run, then timing out in lava-run (recorded): a regression at run-init", async () => {
    const root = testRunDir("lava-compare");
    const good = await importLava([runs.get("arm64-linux")!().dir], { artifactsDir: root, runId: "good" });
    // The recorded job: run-init not seen within 2 s while Linux kept printing (tests/fixtures/lava-arm64-linux-timeout).
    const fixture = join("tests", "fixtures", "lava-arm64-linux-timeout");
    const badJob = join(root, "bad-job");
    await mkdir(badJob);
    await copyFile(join(fixture, "job.yaml"), join(badJob, "job.yaml"));
    await writeFile(join(badJob, "output.log"), gunzipSync(await readFile(join(fixture, "output.log.gz"))));
    const bad = await importLava([badJob], { artifactsDir: root, runId: "bad" });
    const comparison = compareRuns(await readRun(good.runDir), await readRun(join(bad.runDir, "junit.xml")));
    expect(comparison.changes.filter((c) => c.regressed).map((c) => [c.boot, c.new])).toEqual([
      ["arm64-linux", outcomeAfter("timeout", "linux-banner")],
    ]);
    expect(comparison.changes[0]!.milestones.find((m) => m.id === "run-init")).toMatchObject({
      old: "pass",
      new: "timeout",
    });
    expect(compareExitCode(comparison)).toBe(1);
    expect(compareExitCode(compareRuns(await readRun(good.runDir), await readRun(good.runDir)))).toBe(0);
  });
});
