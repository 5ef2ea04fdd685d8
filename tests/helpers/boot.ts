import { beforeAll, expect, test } from "vitest";
import { mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { loadAllExpectations, selectExpectations, type Expectation } from "../../harness/expectations/loader.ts";
import type { BootResult } from "../../harness/result.ts";
import { runBoot, type RunOptions } from "../../harness/runner/run-boot.ts";
import { bootFiles } from "../../harness/artifacts/writers.ts";

/** Boot tests write under artifacts/tests/ so a failed CI run keeps its serial logs. */
export function testRunDir(label: string): string {
  mkdirSync(join("artifacts", "tests"), { recursive: true });
  return mkdtempSync(join("artifacts", "tests", `${label}-`));
}

export async function expectationNamed(name: string): Promise<Expectation> {
  return selectExpectations(await loadAllExpectations(), [name])[0]!;
}

/**
 * Boot once in beforeAll (one `describe` per expectation); tests read the result, so vitest's
 * JUnit and bootlog's agree testcase for testcase.
 */
export function bootsOnce(exp: Expectation, options: Partial<RunOptions> = {}): () => BootResult {
  let result: BootResult | undefined;
  beforeAll(async () => {
    result = await runBoot(exp, { listeners: [bootFiles], runDir: testRunDir(exp.name), ...options });
  });
  return () => {
    expect(result, "the boot did not run (see beforeAll)").toBeDefined();
    return result!;
  };
}

/**
 * One vitest test per milestone: reached ones pass; for a known-bad boot that reproduced, the
 * ones it never reaches are skipped (as in bootlog's JUnit); otherwise an unreached one fails.
 */
export function milestoneTests(exp: Expectation, result: () => BootResult): void {
  exp.milestones.forEach(({ id }, i) => {
    test(`milestone ${id}`, (ctx) => {
      const r = result();
      expect(r.milestones[i]?.id).toBe(id);
      const reached = r.milestones[i]?.at !== undefined;
      if (!reached && r.knownBad?.judgement?.status === "reproduced") ctx.skip(r.knownBad.judgement.message);
      expect(reached, `${id} not reached: ${r.summary} (log: ${r.serialLog})`).toBe(true);
    });
  });
}
