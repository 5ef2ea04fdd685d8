/**
 * JUnit for repeated boots in the shape Maven Surefire writes for reruns, which CI readers know:
 * one testsuite per boot, one testcase per milestone; a milestone that failed in some runs and
 * passed in others carries <flakyFailure>/<flakyError>, one that failed in every run that got
 * there a <failure>/<error> and <rerunFailure>/<rerunError> for the other runs. Each of those holds
 * the run's message, type, a <stackTrace> (where the run stopped, how to reproduce it) and the
 * run's log slice as <system-out>. Elements follow the order of surefire-test-report-3.0.xsd.
 */
import { caseVerdicts, endedAtIndex, secondsSincePrevious, suiteProperties, type CaseVerdict } from "./junit.ts";
import { writeJunit, type JunitCase, type JunitRerun, type JunitSuite } from "./junit-write.ts";
import type { BootResult } from "../result.ts";
import { spreadOf } from "../stats/spread.ts";
import { countsText, type RepeatSummary } from "../repeat/summary.ts";

const round = (s: number) => Math.round(s * 1000) / 1000;

interface RunCase {
  run: number;
  r: BootResult;
  /** failure or error, or an expected failure (a known-bad reproduced here); pass; or not here at all. */
  kind: "failure" | "error" | "expected" | "pass" | "skipped";
  message: string;
  type: string;
}

function runCase(r: BootResult, run: number, i: number, verdict: CaseVerdict): RunCase {
  const base = { run, r };
  switch (verdict.kind) {
    case "pass":
      return { ...base, kind: "pass", message: "", type: "" };
    case "failure":
    case "error":
      return { ...base, kind: verdict.kind, message: verdict.message, type: verdict.type };
    case "skipped":
      // A reproduced known-bad is reported as skipped where it stopped: across runs it is an (expected) failure there.
      if (r.knownBad?.judgement?.status === "reproduced" && i === endedAtIndex(r))
        return { ...base, kind: "expected", message: r.summary, type: r.outcome };
      return { ...base, kind: "skipped", message: verdict.message, type: "" };
  }
}

/**
 * The console text that led up to where this run stopped at testcase `id`. Slices are cut per
 * console read: the line that ended a run can arrive in the same read as the previous milestone's
 * line and sit in that milestone's slice, leaving this one's empty.
 */
function logSlice(r: BootResult, id: string): string {
  const ids = r.milestones.map((m) => m.id);
  const own = r.slices[id];
  const previous = !own && r.outcome !== "pass" ? r.slices[ids[ids.indexOf(id) - 1] ?? ""] : undefined;
  return [previous, own, r.outcome !== "pass" ? r.slices.end : undefined].filter(Boolean).join("\n");
}

function rerun(kind: JunitRerun["kind"], c: RunCase, id: string): JunitRerun {
  return {
    kind,
    message: `run ${c.run}: ${c.message}`,
    type: c.type || c.r.outcome,
    stackTrace: `run ${c.run}: ${c.r.summary}\nartifacts: ${c.r.dir}\nreproduce: ${c.r.reproduce}`,
    systemOut: logSlice(c.r, id),
  };
}

function testcase(
  s: RepeatSummary,
  results: BootResult[],
  i: number,
  id: string,
  verdicts: CaseVerdict[][],
  last: boolean,
): JunitCase {
  const cases = results.map((r, k) => runCase(r, k + 1, i, verdicts[k]![i] ?? { kind: "pass" }));
  const bad = cases.filter((c) => c.kind === "failure" || c.kind === "error" || c.kind === "expected");
  const good = cases.filter((c) => c.kind === "pass");
  const times = results
    .map((r) => secondsSincePrevious(r)[i])
    .filter((t, k): t is number => t !== undefined && cases[k]!.kind === "pass");
  const failures: NonNullable<JunitCase["failures"]> = [];
  const reruns: JunitRerun[] = [];
  let skipped: JunitCase["skipped"];
  let error: JunitCase["error"];
  if (good.length) {
    // Passed in some runs: the others are flaky. Not ok (undeclared flaky, rate moved...): a failure too, so CI sees red.
    for (const c of bad) reruns.push(rerun(c.kind === "error" ? "flakyError" : "flakyFailure", c, id));
    // Infra (runs cut short by a signal) is an error, even if every run so far passed: the verdict was not seen through.
    if (!s.ok && s.class === "infra") error = { message: s.summary, type: "infra", text: countsText(s.counts) };
    else if (bad.length && !s.ok)
      failures.push({ message: s.summary, type: s.knownBad?.status ?? s.class, text: countsText(s.counts) });
  } else if (bad.length) {
    const [first, ...others] = bad;
    if (s.ok && bad.every((c) => c.kind === "expected")) skipped = { message: s.knownBad?.message ?? first!.message };
    else if (first!.kind === "error")
      error = { message: `run ${first!.run}: ${first!.message}`, type: first!.type, text: s.summary };
    else failures.push({ message: `run ${first!.run}: ${first!.message}`, type: first!.type, text: s.summary });
    for (const c of skipped ? [] : others)
      reruns.push(rerun(c.kind === "error" ? "rerunError" : "rerunFailure", c, id));
  } else if (cases.length) {
    skipped = { message: cases[0]!.message };
  }
  if (last && s.knownBad?.status === "xpass") failures.push({ message: s.knownBad.message, type: "xpass" });
  const passing = good.at(-1)?.r;
  return {
    classname: s.name,
    name: id,
    time: round(spreadOf(times)?.median ?? 0),
    failures,
    error,
    skipped,
    reruns,
    systemOut: passing?.slices[id],
  };
}

/** The properties of a repeated boot: the last run's facts, then the verdict over the runs. */
export function repeatProperties(s: RepeatSummary, last: BootResult): [string, string][] {
  const replaced = new Set(["summary", "outcome", "knownBad.status", "attempt"]);
  const props = suiteProperties(last).filter(([name]) => !replaced.has(name));
  const outcome =
    s.class === "pass"
      ? "pass"
      : (s.counts
          .find((c) => c.symptom !== "pass" && c.symptom !== "infra" && c.symptom !== "skip")
          ?.symptom.split(" ")[0] ?? "infra");
  props.push(["outcome", outcome], ["summary", s.summary]);
  if (s.knownBad) props.push(["knownBad.status", s.knownBad.status]);
  if (s.knownBad?.rate !== undefined) props.push(["knownBad.rate", String(s.knownBad.rate)]);
  props.push(["runs", String(s.runs)], ["judged", String(s.judged)], ["failures", String(s.failures)]);
  if (s.rate !== null && s.interval)
    props.push(["rate", s.rate.toFixed(4)], ["interval", `${s.interval.low.toFixed(4)}-${s.interval.high.toFixed(4)}`]);
  props.push(["class", s.class], ["counts", countsText(s.counts)]);
  return props;
}

/** The run's junit.xml when each boot ran `runs` times: `results[i]` are the runs of `summaries[i]`. */
export function junitForRepeats(summaries: RepeatSummary[], results: BootResult[][]): string {
  return writeJunit(summaries.map((s, b) => repeatSuite(s, results[b]!)));
}

function repeatSuite(s: RepeatSummary, runs: BootResult[]): JunitSuite {
  const last = runs.at(-1)!;
  const verdicts = runs.map((r) => caseVerdicts(r));
  const ids = last.milestones.length ? last.milestones.map((m) => m.id) : ["boot"];
  return {
    name: s.name,
    timestamp: runs[0]!.startedAt,
    time: round(runs.reduce((sum, r) => sum + r.durationS, 0)),
    properties: repeatProperties(s, last),
    cases: ids.map((id, i) => testcase(s, runs, i, id, verdicts, i === ids.length - 1)),
  };
}
