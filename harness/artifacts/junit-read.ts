/**
 * The one JUnit reader: parseJunit gives any JUnit file's testsuites (`bootlog verdict` reads
 * its testcases from them), and recordsFromJunit reads them back into boot records: ours (its
 * properties name outcome, knownBad, packages), or any JUnit with one testsuite per boot and one
 * testcase per milestone.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { endIndexOf, isResultOutcome, lastAttempts, roundSeconds, type ResultOutcome } from "../vocabulary.ts";
import { bootOfSuiteName, PACKAGE_PREFIX, parseKnownBadProperty, versionOfPackageProperty } from "./junit.ts";
import { milestoneStatuses, type BootRecord, type RepeatFacts } from "./records.ts";

/** A file that is not what it should be: not XML, not JUnit, not a timeline. */
export class RunReadError extends Error {
  override name = "RunReadError";
}

export type Node = Record<string, unknown>;
/** Attributes unprefixed, every value a string, the elements that repeat always arrays. */
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  // Console text reads back as written, its leading and trailing blanks included.
  trimValues: false,
  // Character references (&#xD; for a CR in console text) read back as the characters.
  htmlEntities: true,
  isArray: (name) => ["testsuite", "testcase", "property", "failure", "error"].includes(name),
});

/**
 * A JUnit document's top-level testsuites (nested ones stay under their parent's `testsuite`).
 * Throws a plain Error saying what is wrong (the line, for XML that is not well-formed); each
 * caller names the file in its own error.
 */
export function parseJunit(xml: string): Node[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`);
  const doc = parser.parse(xml) as Node;
  const root = doc.testsuites as Node | undefined;
  if (!root && !doc.testsuite) throw new Error("no <testsuites> or <testsuite> element: not a JUnit file");
  return ((root ?? doc).testsuite as Node[] | undefined) ?? [];
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
/** `<skipped/>` parses as "", `<skipped message=".."/>` as an object: both mean present. */
const has = (node: Node, child: string) => child in node;

/** What a testcase says about its milestone. */
function caseState(c: Node): { reached: boolean; kind: "pass" | "failure" | "error" | "skipped"; type?: string } {
  if (has(c, "error")) return { reached: false, kind: "error" };
  if (has(c, "failure")) {
    const failure = (c.failure as (Node | string)[])[0];
    const type = failure && typeof failure === "object" ? str(failure.type) : undefined;
    // XPASS: the boot reached everything; the last case fails only because knownBad is stale.
    return { reached: type === "xpass", kind: "failure", type };
  }
  if (has(c, "skipped")) return { reached: false, kind: "skipped" };
  return { reached: true, kind: "pass" };
}

function properties(suite: Node): Record<string, string> {
  const list = ((suite.properties as Node | undefined)?.property as Node[] | undefined) ?? [];
  return Object.fromEntries(list.map((p) => [String(p.name), String(p.value ?? "")]));
}

/** `image.<role>.sha256` and `image.<role>.package` properties, by role. */
function imagesOf(props: Record<string, string>): BootRecord["images"] {
  const images: BootRecord["images"] = {};
  for (const [key, value] of Object.entries(props)) {
    const m = /^image\.(.+)\.(sha256|package)$/.exec(key);
    if (!m) continue;
    const image = (images[m[1]!] ??= { sha256: "", package: null });
    if (m[2] === "sha256") image.sha256 = value;
    else image.package = value;
  }
  return images;
}

function recordFromSuite(suite: Node): BootRecord {
  const props = properties(suite);
  const cases = (suite.testcase as Node[] | undefined) ?? [];
  const states = cases.map(caseState);
  const ids = cases.map((c) => String(c.name));
  const reached = states.map((s) => s.reached);
  // Our testcase times are seconds since the previous milestone: their running sum is the time from QEMU start.
  let clock = 0;
  const at = cases.map((c, i) => {
    if (!reached[i]) return null;
    clock += Number(c.time ?? 0) || 0;
    return roundSeconds(clock);
  });
  const outcome: ResultOutcome = isResultOutcome(props.outcome ?? "")
    ? (props.outcome as ResultOutcome)
    : states.some((s) => s.kind === "error")
      ? "infra"
      : states.some((s) => s.kind === "failure")
        ? "fail"
        : "pass";
  const failedAt = states.findIndex((s) => s.kind === "failure" && s.type !== "xpass");
  const endIndex = outcome === "pass" ? -1 : failedAt >= 0 ? failedAt : reached.indexOf(false);
  const pending = endIndex >= 0 ? (ids[endIndex] ?? null) : null;
  const lastReached = reached.lastIndexOf(true);
  const judged = outcome !== "infra" && outcome !== "skip";
  const statuses = milestoneStatuses(outcome, reached, endIndexOf(ids, reached, pending));
  const knownBadText = props.knownBad ? parseKnownBadProperty(props.knownBad) : null;
  const kbStatus = props["knownBad.status"];
  const name = props.expectation ?? bootOfSuiteName(String(suite.name ?? ""));
  return {
    name,
    outcome,
    ok: kbStatus
      ? kbStatus === "reproduced" || kbStatus === "clean"
      : props.outcome
        ? outcome === "pass" || outcome === "skip"
        : !states.some((s) => s.kind === "failure" || s.kind === "error"),
    summary: props.summary ?? outcome,
    after: judged ? (lastReached >= 0 ? ids[lastReached]! : "start") : null,
    pending: judged ? pending : null,
    knownBad: knownBadText
      ? {
          ...knownBadText,
          status:
            kbStatus === "reproduced" || kbStatus === "xpass" || kbStatus === "different" || kbStatus === "clean"
              ? kbStatus
              : null,
        }
      : null,
    cause: props["postmortem.cause"] ?? null,
    milestones: ids.map((id, i) => ({ id, at: at[i]!, status: statuses[i]! })),
    packages: Object.fromEntries(
      Object.entries(props)
        .filter(([k]) => k.startsWith(PACKAGE_PREFIX))
        .map(([k, v]) => [k.slice(PACKAGE_PREFIX.length), versionOfPackageProperty(v)]),
    ),
    images: imagesOf(props),
    file: props["expectation.file"] ?? null,
    gitCommit: props["git.commit"] ?? null,
    qemuVersion: props["qemu.version"] ?? null,
    expectationHash: props["expectation.hash"] ?? null,
    attempt: Number(props.attempt ?? 1) || 1,
    startedAt: str(suite.timestamp) ?? null,
    durationS: suite.time === undefined ? null : Number(suite.time),
    ...(props.runs ? { repeat: repeatFromProperties(props) } : {}),
  };
}

/** The properties a repeated boot's testsuite carries (runs, judged, failures, rate, interval, class, counts). */
function repeatFromProperties(props: Record<string, string>): RepeatFacts {
  const [low, high] = (props.interval ?? "").split("-").map(Number);
  const counts = (props.counts ?? "").split(", ").flatMap((part) => {
    const m = /^(\d+) (.+)$/.exec(part);
    return m ? [{ symptom: m[2]!, count: Number(m[1]) }] : [];
  });
  return {
    runs: Number(props.runs),
    judged: Number(props.judged ?? props.runs),
    failures: Number(props.failures ?? 0),
    rate: props.rate === undefined ? null : Number(props.rate),
    interval: low === undefined || high === undefined || Number.isNaN(low) || Number.isNaN(high) ? null : { low, high },
    class: (["pass", "fail", "flaky", "infra"].includes(props.class ?? "")
      ? props.class
      : "pass") as RepeatFacts["class"],
    counts,
  };
}

/** Every testsuite of a JUnit document as a boot record (the last attempt of each boot). */
export function recordsFromJunit(xml: string): BootRecord[] {
  let suites: Node[];
  try {
    suites = parseJunit(xml);
  } catch (error) {
    throw new RunReadError((error as Error).message);
  }
  return lastAttempts(suites.map(recordFromSuite));
}
