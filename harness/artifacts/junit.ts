import type { BootResult, HostShare, PackageVersion } from "../result.ts";
import { endIndexOf, outcomeAfter, roundSeconds } from "../vocabulary.ts";
import { streamOf } from "../milestones/stream-matcher.ts";
import { writeJunit, type JunitCase, type JunitSuite } from "./junit-write.ts";
import { postMortemText } from "../postmortem/summary.ts";

/**
 * The JUnit bootlog writes: one testsuite per boot attempt, one testcase per milestone. What the
 * reader (junit-read.ts) parses back is spelled here once: the retried attempt's suite name, the
 * knownBad property and the package properties.
 */

/** A retried attempt's suite: "<boot> (attempt N)". */
export const attemptSuiteName = (name: string, attempt: number) => `${name} (attempt ${attempt})`;
/** The boot's name in a suite name written by attemptSuiteName. */
export const bootOfSuiteName = (suiteName: string) => suiteName.replace(/ \(attempt \d+\)$/, "");

/** The knownBad property: "OUTCOME after MILESTONE: reason". */
export const knownBadProperty = (kb: { outcome: string; after: string; reason: string }) =>
  `${outcomeAfter(kb.outcome, kb.after)}: ${kb.reason}`;
export function parseKnownBadProperty(text: string): { outcome: string; after: string; reason: string } | null {
  const m = /^(\S+) after (\S+): (.*)$/s.exec(text);
  return m ? { outcome: m[1]!, after: m[2]!, reason: m[3]! } : null;
}

/** A package property: name "package.<name>", value "<version> (<arch>)". */
export const PACKAGE_PREFIX = "package.";
export const packagePropertyValue = (p: PackageVersion) => `${p.version} (${p.arch})`;
export const versionOfPackageProperty = (value: string) => value.replace(/ \([^)]*\)$/, "");

/** What one milestone's testcase reports (the outcome model in docs/architecture.md). */
export type CaseVerdict =
  | { kind: "pass" }
  | { kind: "failure"; message: string; type: string }
  | { kind: "error"; message: string; type: string; content?: string }
  | { kind: "skipped"; message: string };

/** Stands in for the milestones when a boot ended before its expectation was known (infra): CI must still see it. */
const NO_MILESTONES = "boot";

const PASS: CaseVerdict = { kind: "pass" };

/** JUnit for one boot (its junit.xml) or many (the run's junit.xml): one testsuite per boot, one testcase per milestone. */
export function junitForBoots(results: BootResult[]): string {
  // A boot retried for infra appears once per attempt; the last one is its result.
  return writeJunit(
    results.map((r, i) => bootSuite(r, results.slice(i + 1).find((later) => later.name === r.name)?.attempt)),
  );
}

/** An attempt that was retried is reported as "<boot> (attempt N)" with skipped testcases: the retry decides, and CI stays as green as the retry. */
function bootSuite(r: BootResult, retriedAs?: number): JunitSuite {
  const ids = testcaseIds(r);
  const verdicts: CaseVerdict[] =
    retriedAs === undefined
      ? caseVerdicts(r)
      : ids.map(() => ({
          kind: "skipped",
          message: `attempt ${r.attempt} ${r.outcome}, retried as attempt ${retriedAs}: ${r.summary}`,
        }));
  const times = secondsSincePrevious(r);
  const end = endedAtIndex(r);
  return {
    name: retriedAs === undefined ? r.name : attemptSuiteName(r.name, r.attempt),
    timestamp: r.startedAt,
    time: roundSeconds(r.durationS),
    properties: suiteProperties(r),
    cases: ids.map((id, i) => ({
      classname: r.name,
      name: id,
      time: times[i] ?? 0,
      ...verdictElements(verdicts[i] ?? PASS),
      systemOut: systemOut(r, id, i === end) || undefined,
      // What the machine said after the verdict goes with the testcase where the boot ended.
      systemErr: i === end && r.postmortem && retriedAs === undefined ? postMortemText(r.postmortem) : undefined,
    })),
  };
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
  props.push(
    ["outcome", r.outcome],
    ["summary", r.summary],
    ["reproduce", r.reproduce],
    ["attempt", String(r.attempt)],
  );
  if (r.knownBad) props.push(["knownBad", knownBadProperty(r.knownBad)]);
  if (r.knownBad?.judgement) props.push(["knownBad.status", r.knownBad.judgement.status]);
  for (const p of r.packages) props.push([`${PACKAGE_PREFIX}${p.package}`, packagePropertyValue(p)]);
  for (const i of r.images ?? []) {
    props.push([`image.${i.role}.sha256`, i.sha256]);
    if (i.package) props.push([`image.${i.role}.package`, i.package]);
    if (i.build)
      props.push(
        [`image.${i.role}.build.source`, i.build.source],
        [`image.${i.role}.build.options`, i.build.options],
        [`image.${i.role}.build.compiler`, i.build.compiler],
      );
  }
  if (r.host) props.push(...hostProperties(r.host));
  if (r.postmortem) props.push(["postmortem.files", r.postmortem.files.join(" ")]);
  if (r.postmortem?.missing) props.push(["postmortem.missing", r.postmortem.missing]);
  if (r.postmortem?.telling.length)
    props.push(["postmortem.cause", r.postmortem.telling.map((t) => t.line).join(" | ")]);
  return props;
}

function testcaseIds(r: BootResult): string[] {
  return r.milestones.length ? r.milestones.map((m) => m.id) : [NO_MILESTONES];
}

/** One verdict per testcase, in milestone order. */
export function caseVerdicts(r: BootResult): CaseVerdict[] {
  const ids = testcaseIds(r);
  if (r.outcome === "infra") {
    const error: CaseVerdict = {
      kind: "error",
      message: r.error ?? r.summary,
      type: "infra",
      content: r.error ? r.summary : undefined,
    };
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
      : {
          kind: "failure",
          message: judgement?.status === "different" ? judgement.message : r.summary,
          type: r.outcome,
        };
  // Reached is a pass: with one ordered list those are exactly the ones before the end; with streams, any stream's.
  return ids.map((_, i) => (i === end ? atEnd : r.milestones[i]?.at !== undefined ? PASS : notReached));
}

/** The testcase where the boot stopped: the pending milestone, else the first unreached one, else the last. */
export function endedAtIndex(r: BootResult): number {
  const end = endIndexOf(
    r.milestones.map((m) => m.id),
    r.milestones.map((m) => m.at !== undefined),
    r.verdict?.pending,
  );
  return end >= 0 ? end : Math.max(r.milestones.length - 1, 0);
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

function verdictElements(verdict: CaseVerdict): Pick<JunitCase, "failures" | "error" | "skipped"> {
  switch (verdict.kind) {
    case "pass":
      return {};
    case "failure":
      return { failures: [{ message: verdict.message, type: verdict.type }] };
    case "error":
      return { error: { message: verdict.message, type: verdict.type, text: verdict.content } };
    case "skipped":
      return { skipped: { message: verdict.message } };
  }
}

/** The host's share of the boot: which clock judged it, QEMU's CPU and waiting, the boot and its last silence on both clocks. */
function hostProperties(h: HostShare): [string, string][] {
  const s = (x: number) => String(roundSeconds(x));
  return [
    ["host.clock", `${h.source}: ${h.note}`],
    ["host.cpuS", s(h.cpuS)],
    ["host.waitedS", s(h.waitedS)],
    ["host.wallS", s(h.wallS)],
    ["host.countedS", s(h.countedS)],
    ["host.lastSilence.wallS", s(h.lastSilence.wallS)],
    ["host.lastSilence.countedS", s(h.lastSilence.countedS)],
    ...(h.pressureS === undefined ? [] : [["host.pressureS", s(h.pressureS)] as [string, string]]),
  ];
}
