/** One milestone's test, decided as its JUnit testcase is (one outcome model for both). */
import { caseVerdicts } from "../artifacts/junit.ts";
import type { BootResult } from "../result.ts";

export type MilestoneCheck = { kind: "pass" } | { kind: "skip"; message: string } | { kind: "fail"; message: string };

export function milestoneTest(result: BootResult | undefined, id: string): MilestoneCheck {
  if (!result) return { kind: "fail", message: "the boot did not run (its beforeAll failed: see above)" };
  const verdicts = caseVerdicts(result);
  // A boot that ended before its milestones were known (infra) has one testcase for all.
  const index = result.milestones.findIndex((m) => m.id === id);
  const verdict = verdicts[index] ?? verdicts[0]!;
  const where = `${result.summary}\n     artifacts: ${result.dir}`;
  switch (verdict.kind) {
    case "pass":
      return { kind: "pass" };
    case "skipped":
      return { kind: "skip", message: verdict.message };
    case "failure":
      return { kind: "fail", message: `${verdict.type.toUpperCase()}: ${verdict.message}\n${where}` };
    case "error":
      return { kind: "fail", message: `INFRA: ${verdict.message}\n${where}` };
  }
}
