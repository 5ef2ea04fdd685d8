/**
 * Read a finished run back from disk: a JUnit file (ours, or any JUnit with one testsuite per
 * boot and one testcase per milestone), a timeline.json, or a run directory (its timeline.json
 * files, else its junit.xml).
 */
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { XMLParser } from "fast-xml-parser";
import type { ResultOutcome } from "../result.ts";
import type { Timeline } from "../report/timeline.ts";
import { REPEAT_FILE, repeatFacts, type RepeatFacts, type RepeatFile } from "../repeat/run-repeated.ts";
import { endIndexOf, finalAttempts, milestoneStatuses, recordFromTimeline, type BootRecord } from "./records.ts";

export interface RunRecord {
  /** What was read: a path. */
  source: string;
  /** The run id when the path names one (artifacts/<run-id>/...). */
  runId: string | null;
  /** One record per boot: the last attempt. */
  boots: BootRecord[];
}

export class RunReadError extends Error {
  override name = "RunReadError";
}

const OUTCOMES: ResultOutcome[] = ["pass", "fail", "hang", "timeout", "exited", "infra", "skip"];

type Node = Record<string, unknown>;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => ["testsuite", "testcase", "property"].includes(name),
});

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
/** `<skipped/>` parses as "", `<skipped message=".."/>` as an object: both mean present. */
const has = (node: Node, child: string) => child in node;

/** What a testcase says about its milestone. */
function caseState(c: Node): { reached: boolean; kind: "pass" | "failure" | "error" | "skipped"; type?: string } {
  if (has(c, "error")) return { reached: false, kind: "error" };
  if (has(c, "failure")) {
    const failure = c.failure as Node | string;
    const type = typeof failure === "object" ? str(failure.type) : undefined;
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
    return Math.round(clock * 1000) / 1000;
  });
  const outcome = (OUTCOMES as string[]).includes(props.outcome ?? "")
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
  const knownBadText = props.knownBad ? /^(\S+) after (\S+): (.*)$/s.exec(props.knownBad) : null;
  const kbStatus = props["knownBad.status"];
  const name = props.expectation ?? String(suite.name ?? "").replace(/ \(attempt \d+\)$/, "");
  return {
    name,
    outcome,
    ok: kbStatus ? kbStatus === "reproduced" || kbStatus === "clean" : props.outcome ? outcome === "pass" || outcome === "skip" : !states.some((s) => s.kind === "failure" || s.kind === "error"),
    summary: props.summary ?? outcome,
    after: judged ? (lastReached >= 0 ? ids[lastReached]! : "start") : null,
    pending: judged ? pending : null,
    knownBad: knownBadText
      ? {
          outcome: knownBadText[1]!,
          after: knownBadText[2]!,
          reason: knownBadText[3]!,
          status: kbStatus === "reproduced" || kbStatus === "xpass" || kbStatus === "different" || kbStatus === "clean" ? kbStatus : null,
        }
      : null,
    milestones: ids.map((id, i) => ({ id, at: at[i]!, status: statuses[i]! })),
    packages: Object.fromEntries(
      Object.entries(props)
        .filter(([k]) => k.startsWith("package."))
        .map(([k, v]) => [k.slice("package.".length), v.replace(/ \([^)]*\)$/, "")]),
    ),
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
    class: (props.class ?? "pass") as RepeatFacts["class"],
    counts,
  };
}

/** Every testsuite of a JUnit document as a boot record (the last attempt of each boot). */
export function recordsFromJunit(xml: string): BootRecord[] {
  let doc: Node;
  try {
    doc = parser.parse(xml, true) as Node;
  } catch (error) {
    throw new RunReadError(`not valid XML: ${(error as Error).message}`);
  }
  const root = (doc.testsuites as Node | undefined) ?? doc;
  const suites = (root.testsuite as Node[] | undefined) ?? [];
  if (!doc.testsuites && !doc.testsuite) throw new RunReadError("no <testsuites> or <testsuite> element: not a JUnit file");
  return finalAttempts(suites.map(recordFromSuite));
}

async function timelineFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name === "timeline.json")
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** <run>/<boot>/repeat.json of a run with --runs: by boot name. */
async function repeatFiles(dir: string): Promise<Map<string, RepeatFile>> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found = new Map<string, RepeatFile>();
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const text = await readFile(join(dir, e.name, REPEAT_FILE), "utf8").catch(() => undefined);
    if (!text) continue;
    try {
      const r = JSON.parse(text) as RepeatFile;
      if (r.v === 1 && typeof r.name === "string") found.set(r.name, r);
    } catch {
      // not ours
    }
  }
  return found;
}

/** A repeated boot: the last run's record, judged over all runs. */
function withRepeat(b: BootRecord, r: RepeatFile | undefined): BootRecord {
  return r ? { ...b, ok: r.ok, summary: r.summary, repeat: repeatFacts(r) } : b;
}

const RUN_ID = /^\d{4}-\d\d-\d\dT[\d-]+Z-\d+$/;

/** The run id in a path (artifacts/<run-id>/<boot>/timeline.json, or latest → <run-id>). */
function runIdOf(path: string): string | null {
  return path.split(sep).reverse().find((part) => RUN_ID.test(part)) ?? null;
}

/** Read OLD or NEW of a comparison: a JUnit file, a timeline.json, or a run directory. */
export async function readRun(path: string): Promise<RunRecord> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new RunReadError(`${path}: no such file or directory`);
  const parse = async (file: string): Promise<BootRecord[]> => {
    const text = await readFile(file, "utf8");
    try {
      if (file.endsWith(".json")) return [recordFromTimeline(JSON.parse(text) as Timeline)];
      return recordsFromJunit(text);
    } catch (error) {
      throw new RunReadError(`${file}: ${(error as Error).message}`);
    }
  };
  const runId = runIdOf(await realpath(path));
  if (info.isFile()) return { source: path, runId, boots: await parse(path) };
  const timelines = await timelineFiles(path);
  const repeats = await repeatFiles(path);
  const runs = new Set(timelines.map((t) => runIdOf(t)).filter((id) => id !== null && id !== runId));
  if (runs.size > 1) throw new RunReadError(`${path} holds ${runs.size} runs (${[...runs].slice(0, 3).join(", ")}…): name one run directory`);
  if (timelines.length) {
    const boots = finalAttempts((await Promise.all(timelines.map(parse))).flat()).map((b) => withRepeat(b, repeats.get(b.name)));
    return { source: path, runId: runId ?? [...runs][0] ?? null, boots };
  }
  const junit = join(path, "junit.xml");
  if (await stat(junit).catch(() => undefined)) return { source: path, runId, boots: await parse(junit) };
  throw new RunReadError(`${path}: neither timeline.json files nor a junit.xml in this directory`);
}
