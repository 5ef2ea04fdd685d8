// Every exported job in LAVA's real lava-run, lane 1 of 4 (see tests/helpers/lava-lane.ts).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { exportLava } from "../../harness/export/lava.ts";
import { expectationNamed, testRunDir } from "../helpers/boot.ts";
import { SAME_MAPPING_AS, laneExpectations, lavaLane, lavaSchemaErrors } from "../helpers/lava-lane.ts";

lavaLane(await laneExpectations(1));

for (const [name, twin] of Object.entries(SAME_MAPPING_AS)) {
  describe(`lava export ${name} (maps as ${twin}, which lava-run runs)`, () => {
    test("LAVA's strict schema accepts it, and its actions are its twin's: the same milestone kinds and timeouts", async () => {
      const [exp, twinExp] = [await expectationNamed(name), await expectationNamed(twin)];
      const [{ export: out, yaml }, { export: twinOut }] = [await exportLava(exp), await exportLava(twinExp)];
      const job = join(testRunDir(`lava-export-${name}`), "job.yaml");
      writeFileSync(job, yaml);
      expect(await lavaSchemaErrors(job)).toBe("");
      // Each action's kind, and each test action's timeout: where and when a hang fails in LAVA.
      const shape = (actions: object[]) =>
        actions.map((a) => Object.entries(a).map(([kind, body]) => (kind === "test" ? [kind, body.timeout] : [kind])));
      expect(shape(out.job.actions)).toEqual(shape(twinOut.job.actions));
      expect(exp.knownBad).toMatchObject({ outcome: twinExp.knownBad!.outcome, after: twinExp.knownBad!.after });
      expect(out.job.metadata?.["bootlog.known_bad"]).toMatch(/^hang after start: /);
    });
  });
}
