import junitReportBuilder, { type Builder, type TestCase, type TestSuite } from "junit-report-builder";
import type { BootResult } from "../result.ts";
import { streamOf } from "../milestones/stream-matcher.ts";
import { xmlSafe } from "./xml-text.ts";

/** What one milestone's testcase reports, by the rules of DESIGN.md "Outcomes". */
export type CaseVerdict =
  | { kind: "pass" }
  | { kind: "failure"; message: string; type: string }
  | { kind: "error"; message: string; type: string; content?: string }
  | { kind: "skipped"; message: string };

/** Stands in for the milestones when a boot ended before its expectation was known (infra): CI must still see it. */
const NO_MILESTONES = "boot";

const PASS: CaseVerdict = { kind: "pass" };

/**
 * The package's CommonJS build assigns the builder to module.exports, but its types say
 * `export default`, so under NodeNext TypeScript sees the builder one level too deep.
 * Accept both shapes rather than trust either.
 */
function rootBuilder(): Builder {
  const loaded = junitReportBuilder as unknown as Builder | { default: Builder };
  return "newBuilder" in loaded ? loaded : loaded.default;
}

/** JUnit for one boot (its junit.xml) or many (the run's junit.xml): one testsuite per boot, one testcase per milestone. */
export function junitForBoots(results: BootResult[]): string {
  const report = rootBuilder().newBuilder();
  // A boot retried for infra appears once per attempt; the last one is its result.
  results.forEach((r, i) => addBootSuite(report.testSuite(), r, results.slice(i + 1).find((later) => later.name === r.name)?.attempt));
  return report.build();
}

/** An attempt that was retried is reported as "<boot> (attempt N)" with skipped testcases: the retry decides, and CI stays as green as the retry. */
function addBootSuite(suite: TestSuite, r: BootResult, retriedAs?: number): void {
  suite.name(xmlSafe(retriedAs === undefined ? r.name : `${r.name} (attempt ${r.attempt})`)).timestamp(xmlSafe(r.startedAt)).time(roundSeconds(r.durationS));
  for (const [name, value] of suiteProperties(r)) suite.property(xmlSafe(name), xmlSafe(value));
  const ids = testcaseIds(r);
  const verdicts: CaseVerdict[] =
    retriedAs === undefined ? caseVerdicts(r) : ids.map(() => ({ kind: "skipped", message: `attempt ${r.attempt} ${r.outcome}, retried as attempt ${retriedAs}: ${r.summary}` }));
  const times = secondsSincePrevious(r);
  const end = endedAtIndex(r);
  ids.forEach((id, i) => {
    const testCase = suite.testCase().className(xmlSafe(r.name)).name(xmlSafe(id)).time(times[i] ?? 0);
    applyVerdict(testCase, verdicts[i] ?? PASS);
    const out = systemOut(r, id, i === end);
    if (out) testCase.standardOutput(xmlSafe(out));
  });
}

/** The facts needed to reproduce or compare a boot, as (name, value) in a stable order. */
export function suiteProperties(r: BootResult): [string, string][] {
  const props: [string, string][] = [];
  if (r.qemu.version) props.push(["qemu.version", r.qemu.version]);
  props.push(
    ["qemu.argv", r.qemu.argv.join(" ")],
    ["expectation", r.name],
    ["expectation.file", r.file],
    ["expectation.hash", r.expectationHash],
  );
  if (r.gitCommit) props.push(["git.commit", r.gitCommit]);
  props.push(["outcome", r.outcome], ["summary", r.summary], ["reproduce", r.reproduce], ["attempt", String(r.attempt)]);
  if (r.knownBad) props.push(["knownBad", `${r.knownBad.outcome} after ${r.knownBad.after}: ${r.knownBad.reason}`]);
  if (r.knownBad?.judgement) props.push(["knownBad.status", r.knownBad.judgement.status]);
  for (const p of r.packages) props.push([`package.${p.package}`, `${p.version} (${p.arch})`]);
  return props;
}

function testcaseIds(r: BootResult): string[] {
  return r.milestones.length ? r.milestones.map((m) => m.id) : [NO_MILESTONES];
}

/** One verdict per testcase, in milestone order. */
export function caseVerdicts(r: BootResult): CaseVerdict[] {
  const ids = testcaseIds(r);
  if (r.outcome === "infra") {
    const error: CaseVerdict = { kind: "error", message: r.error ?? r.summary, type: "infra", content: r.error ? r.summary : undefined };
    return ids.map(() => error);
  }
  if (r.outcome === "skip") return ids.map(() => ({ kind: "skipped", message: r.error ?? r.summary }));
  const judgement = r.knownBad?.judgement;
  if (judgement?.status === "xpass") {
    const last = ids.length - 1;
    return ids.map((_, i) => (i === last ? { kind: "failure", message: judgement.message, type: "xpass" } : PASS));
  }
  if (r.outcome === "pass") return ids.map(() => PASS);

  const end = endedAtIndex(r);
  const notReached: CaseVerdict = { kind: "skipped", message: `not reached: boot ended at ${ids[end]}` };
  // A reproduced known-bad is expected: skipped with its reason, so CI stays green.
  const atEnd: CaseVerdict =
    judgement?.status === "reproduced"
      ? { kind: "skipped", message: judgement.message }
      : { kind: "failure", message: judgement?.status === "different" ? judgement.message : r.summary, type: r.outcome };
  // Reached is a pass: with one ordered list those are exactly the ones before the end; with streams, any stream's.
  return ids.map((_, i) => (i === end ? atEnd : r.milestones[i]?.at !== undefined ? PASS : notReached));
}

/** The testcase where the boot stopped: the pending milestone, else the first unreached one, else the last. */
export function endedAtIndex(r: BootResult): number {
  const pending = r.verdict?.pending;
  const byPending = pending === undefined ? -1 : r.milestones.findIndex((m) => m.id === pending);
  if (byPending >= 0) return byPending;
  const firstUnreached = r.milestones.findIndex((m) => m.at === undefined);
  if (firstUnreached >= 0) return firstUnreached;
  return Math.max(r.milestones.length - 1, 0);
}

/** Testcase times: seconds since the previous milestone of the same stream (the first since QEMU started); 0 when not reached. */
export function secondsSincePrevious(r: BootResult): number[] {
  const previous = new Map<string, number>();
  return r.milestones.map((m) => {
    if (m.at === undefined) return 0;
    const stream = streamOf(m.id) ?? "";
    const since = roundSeconds(m.at - (previous.get(stream) ?? 0));
    previous.set(stream, m.at);
    return since;
  });
}

function systemOut(r: BootResult, id: string, endedHere: boolean): string {
  const slice = r.slices[id] ?? "";
  const tail = endedHere && r.outcome !== "pass" ? (r.slices.end ?? "") : "";
  return slice && tail ? `${slice}\n${tail}` : slice || tail;
}

function applyVerdict(testCase: TestCase, verdict: CaseVerdict): void {
  switch (verdict.kind) {
    case "pass":
      return;
    case "failure":
      testCase.failure(xmlSafe(verdict.message), verdict.type);
      return;
    case "error":
      testCase.error(xmlSafe(verdict.message), verdict.type, verdict.content === undefined ? undefined : xmlSafe(verdict.content));
      return;
    case "skipped":
      skipWithMessage(testCase, xmlSafe(verdict.message));
      return;
  }
}

type XmlElement = ReturnType<TestCase["build"]>;

/** junit-report-builder 5 writes a bare <skipped/>; CI shows the message, so add it when the case is built. */
function skipWithMessage(testCase: TestCase, message: string): void {
  testCase.skipped();
  const build = testCase.build.bind(testCase);
  testCase.build = (parent: XmlElement) => {
    const element = build(parent);
    const skipped = element.children.find((child) => "name" in child && child.name === "skipped") as XmlElement | undefined;
    skipped?.att("message", message);
    return element;
  };
}

/** Milliseconds are plenty, and 0.30000000000000004 in a report is noise. */
function roundSeconds(s: number): number {
  return Math.round(s * 1000) / 1000;
}
