/**
 * `bootlog verdict FILE…`: any JUnit file (bootlog's, vitest's, a lab's) as a `git bisect run`
 * answer: 0 no failures or errors, 1 failures (or the selected symptom), 125 only errors, an
 * unreadable file, or another failure than the one selected.
 */
import { readFile } from "node:fs/promises";
import { parseJunit, type Node } from "../artifacts/junit-read.ts";
import { parseLinePredicate, type LinePredicate } from "./bisect.ts";

export interface JunitCase {
  file: string;
  suite: string;
  classname: string;
  name: string;
  status: "pass" | "failure" | "error" | "skipped";
  message: string;
}

export class JunitFileError extends Error {
  override name = "JunitFileError";
}

const text = (v: unknown): string =>
  typeof v === "string"
    ? v
    : v && typeof v === "object"
      ? [(v as Node).message, (v as Node)["#text"]].filter((x) => typeof x === "string").join("\n")
      : "";

function caseOf(file: string, suite: string, c: Node): JunitCase {
  const base = { file, suite, classname: String(c.classname ?? ""), name: String(c.name ?? "") };
  if (Array.isArray(c.failure)) return { ...base, status: "failure", message: c.failure.map(text).join("\n") };
  if (Array.isArray(c.error)) return { ...base, status: "error", message: c.error.map(text).join("\n") };
  if ("skipped" in c) return { ...base, status: "skipped", message: text(c.skipped) };
  return { ...base, status: "pass", message: "" };
}

/** Testcases of every testsuite, nested suites included, in document order: a stack, not recursion, so no nesting depth overflows it. */
function casesOf(file: string, suites: Node[]): JunitCase[] {
  const out: JunitCase[] = [];
  const stack = [...suites].reverse();
  for (let s = stack.pop(); s; s = stack.pop()) {
    for (const c of (s.testcase as Node[] | undefined) ?? []) out.push(caseOf(file, String(s.name ?? ""), c));
    const nested = (s.testsuite as Node[] | undefined) ?? [];
    for (let i = nested.length - 1; i >= 0; i--) stack.push(nested[i]!);
  }
  return out;
}

export function junitCases(file: string, xml: string): JunitCase[] {
  let suites: Node[];
  try {
    suites = parseJunit(xml);
  } catch (error) {
    throw new JunitFileError(`${file}: ${(error as Error).message}`);
  }
  const cases = casesOf(file, suites);
  if (!cases.length) throw new JunitFileError(`${file}: no <testcase>: nothing was judged`);
  return cases;
}

export interface VerdictSelectors {
  testcases: LinePredicate[];
  messages: LinePredicate[];
}

export function parseSelectors(testcases: string[], messages: string[]): VerdictSelectors {
  // A literal testcase selector names the whole testcase; a literal message is found anywhere in it.
  const exact = (spec: string): LinePredicate =>
    /^\/.+\/[a-z]*$/s.test(spec) ? parseLinePredicate(spec) : { text: spec, test: (name) => name === spec };
  return { testcases: testcases.map(exact), messages: messages.map(parseLinePredicate) };
}

export interface VerdictResult {
  exitCode: 0 | 1 | 125;
  lines: string[];
}

const label = (c: JunitCase) => `${c.classname ? `${c.classname} > ` : ""}${c.name}`;

/** The selected symptom: a failing testcase whose name (or "classname name") and message match every kind of selector given. */
function selected(c: JunitCase, s: VerdictSelectors): boolean {
  const byName = !s.testcases.length || s.testcases.some((p) => p.test(c.name) || p.test(`${c.classname} ${c.name}`));
  const byMessage = !s.messages.length || s.messages.some((p) => c.message.split("\n").some((line) => p.test(line)));
  return byName && byMessage;
}

/** What a JUnit whose every testcase was skipped answers: skip (125, the default) or good (0). */
export type AllSkipped = "skip" | "good";

export async function verdict(
  files: string[],
  selectors: VerdictSelectors,
  allSkipped: AllSkipped = "skip",
): Promise<VerdictResult> {
  const lines: string[] = [];
  const cases: JunitCase[] = [];
  let unreadable = 0;
  for (const file of files) {
    try {
      const found = junitCases(file, await readFile(file, "utf8"));
      for (const c of found) cases.push(c); // not push(...found): 150,000 arguments overflow the stack
      const count = (status: JunitCase["status"]) => found.filter((c) => c.status === status).length;
      lines.push(
        `${file}: ${found.length} testcase(s): ${count("pass")} passed, ${count("failure")} failed, ${count("error")} error(s), ${count("skipped")} skipped`,
      );
    } catch (error) {
      unreadable++;
      lines.push(
        `${file}: unreadable: ${error instanceof JunitFileError ? error.message.slice(file.length + 2) : (error as Error).message}`,
      );
    }
  }
  const failures = cases.filter((c) => c.status === "failure");
  const errors = cases.filter((c) => c.status === "error");
  const filtering = selectors.testcases.length + selectors.messages.length > 0;
  const bad = filtering ? failures.filter((c) => selected(c, selectors)) : failures;
  const first = (c: JunitCase) => `${label(c)}: ${c.message.split("\n")[0]?.slice(0, 160) ?? ""}`;
  for (const c of bad) lines.push(`FAIL ${first(c)}`);
  if (bad.length)
    return {
      exitCode: 1,
      lines: [
        ...lines,
        `verdict: bad (exit 1): ${bad.length} failing testcase(s)${filtering ? " with the selected symptom" : ""}`,
      ],
    };
  const others = filtering ? failures : [];
  for (const c of others) lines.push(`other failure, not the symptom selected: ${first(c)}`);
  for (const c of errors) lines.push(`ERROR ${first(c)}`);
  if (others.length || errors.length || unreadable)
    return {
      exitCode: 125,
      lines: [
        ...lines,
        `verdict: skip (exit 125): ${[others.length && `${others.length} other failure(s)`, errors.length && `${errors.length} error(s)`, unreadable && `${unreadable} unreadable file(s)`].filter(Boolean).join(", ")}, no ${filtering ? "selected " : ""}failure`,
      ],
    };
  // A lab that tested nothing is no answer, unless asked (a reproduced bootlog known-bad was tested: it counts).
  const tested = cases.filter((c) => c.status !== "skipped" || /^known-bad\b/.test(c.message));
  if (!tested.length && allSkipped !== "good")
    return {
      exitCode: 125,
      lines: [
        ...lines,
        `verdict: skip (exit 125): every one of the ${cases.length} testcase(s) was skipped: nothing was tested (--all-skipped good to call that good)`,
      ],
    };
  return {
    exitCode: 0,
    lines: [...lines, `verdict: good (exit 0): ${cases.length} testcase(s), no failures or errors`],
  };
}
