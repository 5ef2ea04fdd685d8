/**
 * `bootlog/vitest`: the project's expectations as vitest tests. Each expectation is a `describe`
 * block that boots once (in its beforeAll) and has one test per milestone, judged as bootlog's
 * JUnit judges its testcases (artifacts/junit.ts caseVerdicts): reached passes, where the boot
 * ended fails with the verdict, a reproduced known-bad is skipped with its reason, XPASS and a
 * known-bad that ended differently fail, infra fails as an error. vitest's filters pick boots
 * (a describe with no test left is never booted), its reporters report them.
 */
import { beforeAll, describe, test } from "vitest";
import type { BootResult } from "../result.ts";
import type { Expectation } from "../expectations/loader.ts";
import { milestoneTest, type MilestoneCheck } from "./milestone-test.ts";

export interface BootTestOptions {
  /** Names, paths under the expectations folder or globs (default: every expectation). */
  names?: string[];
  /** Only expectations with every one of these tags. */
  tags?: string[];
  /** The expectations folder (default: the project's, from bootlog.config.* or expectations/). */
  expectations?: string;
  /** Where run directories go (default: the project's artifacts folder). */
  artifacts?: string;
  /** Re-run a boot whose outcome was infra, up to this many times (default 0). */
  retries?: number;
  /** Time for a boot's images to be downloaded and built before it boots (default 600 s). */
  prepareS?: number;
}

/** Register one describe block per selected expectation; `await` it at the top of a test file. */
export async function bootTests(options: BootTestOptions = {}): Promise<void> {
  const [{ findProject }, { setProject }, { pickExpectations }] = await Promise.all([
    import("../project/find.ts"),
    import("../project/current.ts"),
    import("../cli-select.ts"),
  ]);
  setProject(await findProject());
  const expectations = await pickExpectations(options.names ?? [], options.tags ?? [], options.expectations);
  for (const exp of expectations) describeBoot(exp, options);
}

function describeBoot(exp: Expectation, options: BootTestOptions): void {
  describe(exp.name, () => {
    let result: BootResult | undefined;
    const attempts = (options.retries ?? 0) + 1;
    beforeAll(
      async () => {
        // A run directory as `bootlog run` writes it (the runner and the writers: artifacts/record-run.ts).
        const { recordRun } = await import("../artifacts/record-run.ts");
        const run = await recordRun([exp], { artifactsDir: options.artifacts, retries: options.retries, jobs: 1 });
        result = run.results[0];
      },
      ((options.prepareS ?? 600) + exp.budgetS * attempts + 30) * 1000,
    );
    const ids = exp.milestones.map((m) => m.id);
    for (const id of ids)
      test(id, (context) => {
        const check: MilestoneCheck = milestoneTest(result, id);
        if (check.kind === "skip") context.skip(check.message);
        if (check.kind === "fail") throw new Error(check.message);
      });
  });
}
