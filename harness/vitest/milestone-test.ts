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
  const where = `     artifacts: ${result.dir}`;
  // The summary says the outcome ("HANG after ..."); an XPASS or a changed known-bad is named first.
  const label = (message: string, kind: string) =>
    `${kind}${message}${message === result.summary ? "" : `\n${result.summary}`}\n${where}`;
  switch (verdict.kind) {
    case "pass":
      return { kind: "pass" };
    case "skipped":
      return { kind: "skip", message: verdict.message };
    case "failure":
      return {
        kind: "fail",
        message: label(
          verdict.message,
          verdict.type === "xpass" ? "XPASS: " : result.knownBad?.judgement?.status === "different" ? "CHANGED: " : "",
        ),
      };
    case "error":
      return { kind: "fail", message: label(verdict.message, "INFRA: ") };
  }
}
