/**
 * The LAVA test group: every expectation's exported job run in the real lava-run, then imported
 * back with `bootlog import lava`. Split into four lanes (test files) balanced by measured lava-run time: a known-bad hang waits out the pending
 * milestone's `within` (LAVA has no silence limit) and LAVA spends 5 s powering off a QEMU that
 * does not answer `poweroff`.
 */
import { execa } from "execa";
import { describe, expect, test } from "vitest";
import { UserImageMissing, prepareImages } from "../../harness/images/prepare.ts";
import { loadAllExpectations, type Expectation } from "../../harness/expectations/loader.ts";
import { readRun } from "../../harness/artifacts/read-run.ts";
import { importLava } from "../../harness/import/lava.ts";
import { testRunDir } from "./boot.ts";
import { LAVA_PYTHON, lavaRunsOnce, type LavaRun } from "./lava-run.ts";

/**
 * Four lanes (four test files, so vitest packs them between the other boot tests), balanced by
 * measured lava-run seconds on 2 cores; an expectation not named here runs in lane 0.
 */
const LANES: Record<string, 0 | 1 | 2 | 3> = {
  "arm64-uboot-xen-old-dtuart": 0, // 29
  "arm64-linux": 0, // 8
  "arm64-xen-virt-off": 1, // 27
  "arm64-xen-no-dom0-module": 1, // 7
  "x86_64-xen-dom0": 2, // 20
  "x86_64-xen-cpu-max": 2, // 13
  "arm64-uboot-xen-dom0": 3, // 19
  "arm64-xen-dom0": 3, // 16
  "x86_64-xen-console-com2": 3, // 25
};

/**
 * Known-bad hangs whose LAVA job maps exactly as another one that lava-run runs (a hang after
 * "start" of an arm64 direct Xen boot, as arm64-xen-virt-off): the export is checked (schema,
 * metadata) without waiting out its pending milestone's `within` once more in lava-run.
 */
export const SAME_MAPPING_AS = { "arm64-xen-mute-dom0-no-root": "arm64-xen-virt-off" } as const;

/**
 * LAVA has no silence limit: a hang waits out its pending milestone's test action (its `within`,
 * else the budget), 20-30 s of a booting or spinning QEMU here. lava-run shows the same timeout
 * after 10 s; bootlog's own known-bad test (known-bad.test.ts) waits the declared window.
 */
const HANG_WAIT_S = 10;

function shortHang(exp: Expectation): Expectation {
  if (exp.knownBad?.outcome !== "hang") return exp;
  const after = exp.knownBad.after;
  const pending = after === "start" ? 0 : exp.milestones.findIndex((m) => m.id === after) + 1;
  const milestones = exp.milestones.map((m, i) => {
    const wait = Math.min(HANG_WAIT_S, m.withinS ?? exp.budgetS);
    return i === pending ? { ...m, within: `${wait}s`, withinS: wait } : m;
  });
  return { ...exp, milestones };
}

/** Expectations whose images this machine has (a user image that is not set is left out, as `bootlog run` skips it). */
export async function laneExpectations(lane: 0 | 1 | 2 | 3): Promise<Expectation[]> {
  const all = await loadAllExpectations();
  const runnable: Expectation[] = [];
  for (const exp of all) {
    if ((LANES[exp.name] ?? 0) !== lane || exp.name in SAME_MAPPING_AS) continue;
    // One LAVA job of an intermittent known-bad (knownBad.rate) shows the symptom or not by chance: `run --runs` tests it.
    if (exp.knownBad?.rate !== undefined) continue;
    // Milestones per stream export as one stream only (the job's notes say what is left out):
    // lava-run would judge part of the boot, so these are not in the every-milestone checks here.
    if (exp.streams) continue;
    const prepared = await prepareImages(exp).catch((error: Error) => error);
    if (prepared instanceof UserImageMissing) continue;
    runnable.push(shortHang(exp));
  }
  return runnable;
}

/** LAVA's own job schema (lava_common), strict as a server checks a submission. */
export async function lavaSchemaErrors(jobFile: string): Promise<string> {
  const program =
    "import sys, yaml\nfrom lava_common.schemas import validate\nvalidate(yaml.safe_load(open(sys.argv[1])), strict=True)";
  const r = await execa(LAVA_PYTHON, ["-c", program, jobFile], { reject: false });
  return r.exitCode === 0 ? "" : (r.stderr.split("\n").filter(Boolean).at(-1) ?? `exit ${r.exitCode}`);
}

const stepSummary = (run: LavaRun) => run.steps.map((s) => `${s.case}=${s.result}`).join(" ");

/** One describe per expectation; returns each one's lava-run for tests across jobs. */
export function lavaLane(expectations: Expectation[]): Map<string, () => LavaRun> {
  const runs = new Map<string, () => LavaRun>();
  for (const exp of expectations) {
    describe(`lava-run ${exp.name}`, () => {
      const run = lavaRunsOnce(exp);
      runs.set(exp.name, run);
      const ids = exp.milestones.map((m) => m.id);

      test("LAVA's strict job schema accepts the export", async () => {
        expect(await lavaSchemaErrors(`${run().dir}/job.yaml`)).toBe("");
      });

      if (!exp.knownBad) {
        test("passes: one LAVA result per milestone, in order, each pass", () => {
          const r = run();
          expect(
            r.steps.map((s) => s.case),
            stepSummary(r),
          ).toEqual(ids);
          expect(
            r.steps.filter((s) => s.result !== "pass"),
            stepSummary(r),
          ).toEqual([]);
          expect(r.job?.result, r.job?.errorMsg).toBe("pass");
          expect(r.exitCode).toBe(0);
        });

        test("import lava: a pass with every milestone reached in order, which compare reads back", async () => {
          const imported = await importLava([run().dir], { artifactsDir: testRunDir(`lava-import-${exp.name}`) });
          const [result] = imported.results;
          expect(result!.outcome, result!.summary).toBe("pass");
          expect(imported.exitCode).toBe(0);
          const at = result!.milestones.map((m) => m.at);
          expect(at.every((t) => t !== undefined)).toBe(true);
          expect([...at].sort((a, b) => a! - b!)).toEqual(at);
          const back = await readRun(imported.runDir);
          expect(back.boots.map((b) => [b.name, b.outcome])).toEqual([[exp.name, "pass"]]);
          expect(back.boots[0]!.milestones.map((m) => [m.id, m.status])).toEqual(ids.map((id) => [id, "pass"]));
        });
        return;
      }

      const knownBad = exp.knownBad;
      const failAt = knownBad.after === "start" ? 0 : ids.indexOf(knownBad.after) + 1;

      test(`fails at the milestone bootlog records (${knownBad.outcome} after ${knownBad.after})`, () => {
        const r = run();
        expect(
          r.steps.map((s) => s.case),
          stepSummary(r),
        ).toEqual(ids.slice(0, failAt + 1));
        expect(
          r.steps.map((s) => s.result),
          stepSummary(r),
        ).toEqual([...ids.slice(0, failAt).map(() => "pass"), "fail"]);
        expect(r.job?.result).toBe("fail");
        // fail: a failure pattern ended the job; hang: LAVA has no silence limit, the pending milestone timed out.
        expect(r.job?.errorMsg).toMatch(
          knownBad.outcome === "fail" ? /^bootlog failOn / : /timed out after \d+ seconds/,
        );
      });

      test("the job's metadata says what LAVA cannot: the known-bad verdict and the silence limit", () => {
        const meta = run().export.job.metadata ?? {};
        expect(meta["bootlog.known_bad"]).toBe(`${knownBad.outcome} after ${knownBad.after}: ${knownBad.reason}`);
        const unmapped = Object.entries(meta)
          .filter(([k]) => k.startsWith("bootlog.lava.unmapped."))
          .map(([, v]) => String(v));
        expect(unmapped.some((n) => n.startsWith("knownBad"))).toBe(true);
        expect(unmapped.some((n) => n.startsWith(`silence (${exp.silence}) is not enforced`))).toBe(true);
      });

      test(`import lava: the same known-bad verdict as a bootlog boot (${knownBad.outcome} after ${knownBad.after}, reproduced)`, async () => {
        const imported = await importLava([run().dir], { artifactsDir: testRunDir(`lava-import-${exp.name}`) });
        const [result] = imported.results;
        expect(result!.verdict?.outcome, result!.summary).toBe(knownBad.outcome);
        expect(result!.verdict?.after).toBe(knownBad.after);
        expect(result!.knownBad?.judgement?.status).toBe("reproduced");
        expect(imported.exitCode).toBe(0);
        const back = await readRun(imported.runDir);
        expect(back.boots[0]!.knownBad?.status).toBe("reproduced");
      });
    });
  }
  return runs;
}
