/**
 * Writes every JUnit bootlog produces (per boot, per run, repeated runs) from one model: a
 * testsuite per boot, a testcase per milestone. junit-report-builder, the project's JUnit
 * library, builds the document (suites, properties, counts, testcases, failure and error
 * attributes, skipped) through its public API only. Three things that API has no call for are
 * added afterwards, on the document fast-xml-parser reads back from the builder's output:
 * - text bodies (console slices, stack traces) as escaped text: the builder writes them only as
 *   CDATA, and its CDATA escapes just the first `]]>`, so a console printing two could close the
 *   section and write testcases of its own;
 * - the `message` of `<skipped>` (the builder writes a bare `<skipped/>`; CI shows the message);
 * - Surefire's rerun elements (rerunFailure, flakyFailure, rerunError, flakyError) and a second
 *   failure, which JUnit's own schema has no place for.
 * Each testcase's children are then put in the order of surefire-test-report-3.0.xsd.
 */
import { createRequire } from "node:module";
import type { Builder, TestCase } from "junit-report-builder";
import { XMLBuilder, XMLParser } from "fast-xml-parser";
import { xmlSafe } from "./xml-text.ts";

/** Surefire's elements for the runs of a repeated boot that are not the testcase's verdict. */
export type RerunKind = "rerunFailure" | "flakyFailure" | "rerunError" | "flakyError";

export interface JunitRerun {
  kind: RerunKind;
  message: string;
  type: string;
  stackTrace: string;
  systemOut?: string;
}

export interface JunitCase {
  classname: string;
  name: string;
  time: number;
  /** The first is the testcase's failure; a second (an XPASS beside a repeated boot's failure) is written after it. */
  failures?: { message: string; type: string; text?: string }[];
  error?: { message: string; type: string; text?: string };
  skipped?: { message: string };
  reruns?: JunitRerun[];
  systemOut?: string;
  systemErr?: string;
}

export interface JunitSuite {
  name: string;
  timestamp: string;
  time: number;
  properties: [string, string][];
  cases: JunitCase[];
}

/**
 * The package's CommonJS build assigns the builder to module.exports, but its types say
 * `export default`, so under NodeNext TypeScript sees the builder one level too deep.
 * Accept both shapes rather than trust either. Required on first use: loading it takes a good
 * part of a second, and a boot needs it only once its verdict is in (not on the way to it).
 */
function rootBuilder(): Builder {
  const loaded = createRequire(import.meta.url)("junit-report-builder") as Builder | { default: Builder };
  return "newBuilder" in loaded ? loaded : loaded.default;
}

/** The JUnit document of these suites, every text made XML-safe (whatever the guest printed, it stays valid). */
export function writeJunit(suites: JunitSuite[]): string {
  const report = rootBuilder().newBuilder();
  for (const s of suites) {
    const suite = report.testSuite().name(xmlSafe(s.name)).timestamp(xmlSafe(s.timestamp)).time(s.time);
    for (const [name, value] of s.properties) suite.property(xmlSafe(name), xmlSafe(value));
    for (const c of s.cases) buildCase(suite.testCase(), c);
  }
  const cases = suites.flatMap((s) => s.cases);
  const totalTime = Math.round(suites.reduce((sum, s) => sum + s.time, 0) * 1000) / 1000;
  return complete(report.build(), cases, totalTime);
}

function buildCase(testCase: TestCase, c: JunitCase): void {
  testCase.className(xmlSafe(c.classname)).name(xmlSafe(c.name)).time(c.time);
  const [failure] = c.failures ?? [];
  if (failure) testCase.failure(xmlSafe(failure.message), xmlSafe(failure.type));
  if (c.error) testCase.error(xmlSafe(c.error.message), xmlSafe(c.error.type));
  if (c.skipped) testCase.skipped();
}

// What completes the builder's document: fast-xml-parser's ordered form, each element one
// { name: children, ":@": attributes } object. Read with every value a string; written back with
// the same escapes as the builder (xmlbuilder's): CR, tab and LF as character references where
// a reader would otherwise normalize them away.
type XmlNode = Record<string, unknown> & { ":@"?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  // Attribute values as written, blanks included (the builder's indentation is dropped below).
  trimValues: false,
  htmlEntities: true,
});

const escapeText = (v: string) =>
  v.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\r/g, "&#xD;");
const escapeAttribute = (v: string) =>
  v
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/"/g, "&quot;")
    .replace(/\t/g, "&#x9;")
    .replace(/\n/g, "&#xA;")
    .replace(/\r/g, "&#xD;");

const writer = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  format: true,
  indentBy: "  ",
  suppressEmptyNode: true,
  processEntities: false,
  tagValueProcessor: (_name, value) => escapeText(String(value)),
  attributeValueProcessor: (_name, value) => escapeAttribute(String(value)),
});

/** Where each child of a testcase goes: the order of surefire-test-report-3.0.xsd. */
const XSD_ORDER = [
  "properties",
  "failure",
  "rerunFailure",
  "flakyFailure",
  "skipped",
  "error",
  "rerunError",
  "flakyError",
  "system-out",
  "system-err",
];

const nameOf = (node: XmlNode) => Object.keys(node).find((k) => k !== ":@")!;
const element = (name: string, attributes: Record<string, string> | null, children: XmlNode[]): XmlNode => ({
  [name]: children,
  ...(attributes ? { ":@": attributes } : {}),
});
const text = (value: string): XmlNode[] => (xmlSafe(value) ? [{ "#text": xmlSafe(value) }] : []);
const childrenOf = (node: XmlNode | undefined) => ((node ? node[nameOf(node)] : []) as XmlNode[]) ?? [];

/** The builder's document with what its API cannot say added to each testcase (in build order). */
function complete(xml: string, cases: JunitCase[], totalTime: number): string {
  const doc = withoutIndentation(parser.parse(xml) as XmlNode[]);
  const root = doc.find((n) => nameOf(n) === "testsuites");
  if (root) root[":@"] = { ...root[":@"], time: String(totalTime) };
  const testcases = childrenOf(root)
    .filter((s) => nameOf(s) === "testsuite")
    .flatMap((s) => childrenOf(s).filter((c) => nameOf(c) === "testcase"));
  testcases.forEach((node, i) => completeCase(node, cases[i]!));
  return `${writer.build(doc) as string}`.replace(/^\s+/, "");
}

/** The document without the builder's indentation (its only text nodes: it is given no text), which the writer redoes. */
function withoutIndentation(nodes: XmlNode[]): XmlNode[] {
  return nodes
    .filter((n) => nameOf(n) !== "#text")
    .map((n) => (nameOf(n) === "?xml" ? n : { ...n, [nameOf(n)]: withoutIndentation(childrenOf(n)) }));
}

function completeCase(node: XmlNode, c: JunitCase): void {
  const children = childrenOf(node);
  for (const child of children) {
    const name = nameOf(child);
    if (name === "skipped" && c.skipped) child[":@"] = { message: xmlSafe(c.skipped.message) };
    if (name === "failure") child.failure = text(c.failures?.[0]?.text ?? "");
    if (name === "error") child.error = text(c.error?.text ?? "");
  }
  for (const f of (c.failures ?? []).slice(1))
    children.push(element("failure", { message: xmlSafe(f.message), type: xmlSafe(f.type) }, text(f.text ?? "")));
  for (const r of c.reruns ?? [])
    children.push(
      element(r.kind, { message: xmlSafe(r.message), type: xmlSafe(r.type) }, [
        element("stackTrace", null, text(r.stackTrace)),
        ...(text(r.systemOut ?? "").length ? [element("system-out", null, text(r.systemOut!))] : []),
      ]),
    );
  // A console that printed nothing XML can hold leaves no empty element.
  if (text(c.systemOut ?? "").length) children.push(element("system-out", null, text(c.systemOut!)));
  if (text(c.systemErr ?? "").length) children.push(element("system-err", null, text(c.systemErr!)));
  // A stable sort: reruns stay in run order.
  children.sort((a, b) => XSD_ORDER.indexOf(nameOf(a)) - XSD_ORDER.indexOf(nameOf(b)));
  node.testcase = children;
}
