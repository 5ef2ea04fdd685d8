/**
 * Console text is untrusted: whatever the guest prints (`]]>` any number of times, a crafted
 * `</system-out></testcase><testcase …>`, `<`, `&`, control characters, invalid UTF-8, at any
 * position) must come out as text in every XML, HTML and Markdown bootlog writes. Property-based
 * (fast-check): with a real XML parser, the set of testcases and their results never changes
 * with the console's content, and system-out reads back as the console text; the HTML report
 * gains no markup from it; a Markdown summary's table keeps its cells.
 */
import fc from "fast-check";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, test } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { LineSplitter } from "../../harness/console/lines.ts";
import { StreamRouter } from "../../harness/console/stream-router.ts";
import { bootFromLava } from "../../harness/import/lava.ts";
import { LavaImportError } from "../../harness/import/lava-job.ts";
import { compareRuns } from "../../harness/compare/compare.ts";
import { formatMarkdown } from "../../harness/compare/compare-format.ts";
import { parseJunit, recordsFromJunit } from "../../harness/artifacts/junit-read.ts";
import { renderReport } from "../../harness/report/html.ts";
import type { RunView } from "../../harness/report/html-data.ts";
import { junitForBoots } from "../../harness/artifacts/junit.ts";
import { junitForRepeats } from "../../harness/artifacts/junit-repeats.ts";
import { summarizeRuns } from "../../harness/repeat/summary.ts";
import { timelineJson } from "../../harness/artifacts/timeline.ts";
import { xmlSafe } from "../../harness/artifacts/xml-text.ts";
import type { BootResult } from "../../harness/result.ts";
import { bootResult, IDS, infraResult } from "../helpers/history-results.ts";
import { readWithSurefire } from "../helpers/surefire.ts";

const FORGED = `]]></system-out></testcase><testcase classname="x" name="forged"><failure message="forged"/></testcase><testcase name="y"><system-out><![CDATA[`;

/** Console text as the harness sees it: hostile tokens, any code points, and bytes decoded like serial output (invalid UTF-8 included). */
const consoleText = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "]]>",
        "]]>]]>",
        "]]",
        ">",
        "<![CDATA[",
        FORGED,
        "<script>alert(1)</script>",
        "&",
        "&amp;",
        "&#0;",
        "<",
        "\x00",
        "\x07",
        "\x1b[31m",
        "\r",
        "\n",
        "\r\n",
        "\uFFFE",
        "\uFFFF",
        "\uD800",
        "\uDC00",
        "|",
        "`",
        "*",
        "[x](javascript:1)",
        "$x$",
      ),
      fc.string({ unit: "binary", maxLength: 20 }),
      fc.uint8Array({ maxLength: 24 }).map((bytes) => {
        const splitter = new LineSplitter();
        const chunk = splitter.push(Buffer.from(bytes));
        return [...chunk.lines, ...splitter.end().lines].join("\n") + chunk.tail;
      }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(""));

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  trimValues: false,
  parseTagValue: false,
  htmlEntities: true,
  isArray: (name) => ["testsuite", "testcase", "property"].includes(name),
});

/** Each testcase as "suite/name: result". */
function testcases(xml: string): string[] {
  const doc = parser.parse(xml) as {
    testsuites: { testsuite: { name: string; testcase: Record<string, unknown>[] }[] };
  };
  return doc.testsuites.testsuite.flatMap((suite) =>
    suite.testcase.map(
      (c) => `${suite.name}/${String(c.name)}: ${["failure", "error", "skipped"].find((k) => k in c) ?? "pass"}`,
    ),
  );
}

function systemOuts(xml: string): string[] {
  const doc = parser.parse(xml) as { testsuites: { testsuite: { testcase: Record<string, unknown>[] }[] } };
  return doc.testsuites.testsuite.flatMap((s) => s.testcase.map((c) => String(c["system-out"] ?? "")));
}

/** A result whose every console-derived text is `text`: slices, the tail, the last line, summary, error. */
function withConsole(r: BootResult, text: string): BootResult {
  const slices = Object.fromEntries([...IDS, "end"].map((id) => [id, text]));
  return {
    ...r,
    slices,
    summary: `${r.summary} ${text}`,
    ...(r.verdict ? { verdict: { ...r.verdict, lastLine: text } } : {}),
    ...(r.error ? { error: `${r.error} ${text}` } : {}),
    milestones: r.milestones.map((m) => (m.line ? { ...m, line: text } : m)),
  };
}

const KINDS: [string, BootResult][] = [
  ["pass", bootResult("pass")],
  ["hang", bootResult("hang", { reached: 2 })],
  ["fail", bootResult("fail", { reached: 1 })],
  ["known-bad", bootResult("hang", { reached: 1, knownBad: { outcome: "hang", after: "xen-banner", reason: "r" } })],
  ["infra", infraResult()],
];

describe("the guest cannot forge the JUnit", () => {
  test("two ]]> and a crafted testcase in one slice: still the same testcases, valid XML, the text read back", () => {
    const hostile = `one ]]> two ]]>${FORGED} three`;
    const r = withConsole(bootResult("hang", { reached: 2 }), hostile);
    const xml = junitForBoots([r]);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(testcases(xml)).toEqual(
      testcases(junitForBoots([withConsole(bootResult("hang", { reached: 2 }), "plain")])),
    );
    expect(testcases(xml).some((c) => c.includes("forged"))).toBe(false);
    expect(systemOuts(xml)[0]).toBe(hostile);
  });

  test("property: testcases and results never change with console content; system-out is the console text (every outcome, 200 cases)", () => {
    const baseline = new Map(KINDS.map(([kind, r]) => [kind, testcases(junitForBoots([withConsole(r, "plain")]))]));
    fc.assert(
      fc.property(consoleText, fc.constantFrom(...KINDS), (text, [kind, r]) => {
        const xml = junitForBoots([withConsole(r, text), withConsole(bootResult("pass", { name: "other" }), text)]);
        if (XMLValidator.validate(xml) !== true) return false;
        const cases = testcases(xml);
        const expected = [
          ...baseline.get(kind)!,
          ...testcases(junitForBoots([withConsole(bootResult("pass", { name: "other" }), "plain")])),
        ];
        if (JSON.stringify(cases) !== JSON.stringify(expected)) return false;
        // Every system-out that carries the text reads back as exactly the XML-legal part of it.
        const safe = xmlSafe(text);
        return systemOuts(xml).every((out) => out === "" || out === safe || out === `${safe}\n${safe}`);
      }),
      { numRuns: 200 },
    );
  });

  test("property: the repeated-run JUnit keeps its testcases and Surefire elements whatever the console printed (200 cases)", () => {
    const runsOf = (text: string): BootResult[] =>
      [bootResult("pass"), bootResult("hang", { reached: 2 }), bootResult("hang", { reached: 1 })].map((r) =>
        withConsole(r, text),
      );
    const junitOf = (text: string) => {
      const runs = runsOf(text);
      return junitForRepeats([summarizeRuns(runs)], [runs]);
    };
    // The verdict elements of each testcase in order (failure, flakyFailure...), as a reader sees them
    // (system-out is left out: a console that printed nothing XML can hold has none).
    const shape = (xml: string) => {
      const doc = parser.parse(xml) as { testsuites: { testsuite: { testcase: Record<string, unknown>[] }[] } };
      return doc.testsuites.testsuite.flatMap((s) =>
        s.testcase.map((c) => Object.keys(c).filter((k) => k !== "#text" && k !== "system-out")),
      );
    };
    const baseline = shape(junitOf("plain"));
    expect(baseline.flat()).toContain("flakyFailure");
    fc.assert(
      fc.property(consoleText, (text) => {
        const xml = junitOf(text);
        if (XMLValidator.validate(xml) !== true || xml.includes("<![CDATA[")) return false;
        return JSON.stringify(shape(xml)) === JSON.stringify(baseline);
      }),
      { numRuns: 200 },
    );
  });

  test("the records compare reads back are the same whatever the console printed", () => {
    fc.assert(
      fc.property(consoleText, fc.constantFrom(...KINDS), (text, [, r]) => {
        const [hostile] = recordsFromJunit(junitForBoots([withConsole(r, text)]));
        const [plain] = recordsFromJunit(junitForBoots([withConsole(r, "plain")]));
        return (
          hostile!.outcome === plain!.outcome &&
          JSON.stringify(hostile!.milestones) === JSON.stringify(plain!.milestones)
        );
      }),
      { numRuns: 100 },
    );
  });
});

describe("two ]]> and control characters read back exactly (XML's part of them)", () => {
  const text = `one ]]> two ]]>${FORGED}\x07\x1b[31m\r\n\t\x00 end`;
  const safe = xmlSafe(text);
  const hang = withConsole(bootResult("hang", { reached: 2 }), text);
  const infra = withConsole(infraResult({ name: "infra-boot" }), text);
  const xml = junitForBoots([hang, infra]);

  test("through bootlog's reader: system-out, failure and error messages, the error's text; same testcases", () => {
    expect(safe).toContain("]]> two ]]>");
    expect(safe).toContain("\r\n\t");
    const [hangSuite, infraSuite] = parseJunit(xml) as { testcase: Record<string, unknown>[] }[];
    const ended = hangSuite!.testcase[2]!;
    expect(ended["system-out"]).toBe(`${safe}\n${safe}`);
    expect((ended.failure as Record<string, string>[])[0]!.message).toBe(xmlSafe(hang.summary));
    const error = (infraSuite!.testcase[0]!.error as Record<string, string>[])[0]!;
    expect(error.message).toBe(xmlSafe(infra.error!));
    expect(error["#text"]).toBe(xmlSafe(infra.summary));
    expect(testcases(xml)).toEqual(
      testcases(junitForBoots([bootResult("hang", { reached: 2 }), infraResult({ name: "infra-boot" })])),
    );
    // Blanks at either end of a property or message are the console's too.
    const padded = withConsole(bootResult("fail", { reached: 1 }), `  ${text}  `);
    const [record] = recordsFromJunit(junitForBoots([padded]));
    expect(record!.summary).toBe(xmlSafe(padded.summary));
    // Repeated runs: the failing run's log slice in its flakyFailure.
    const runs = [bootResult("pass"), hang];
    const [repeated] = parseJunit(junitForRepeats([summarizeRuns(runs)], [runs])) as {
      testcase: Record<string, unknown>[];
    }[];
    const flaky = repeated!.testcase[2]!.flakyFailure as Record<string, string>;
    expect(flaky["system-out"]).toBe(`${safe}\n${safe}`);
    expect(flaky.message).toBe(`run 2: ${xmlSafe(hang.summary)}`);
  });

  test("through Maven Surefire's report parser: the same messages and error text, no forged testcase", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "bootlog-junit-")), "junit.xml");
    writeFileSync(file, xml);
    const [hangSuite, infraSuite] = await readWithSurefire(file);
    expect(hangSuite).toMatchObject({ tests: 4, failures: 1, errors: 0, skipped: 1 });
    expect(hangSuite!.testcases.map((c) => c.name)).toEqual(IDS);
    expect(hangSuite!.testcases[2]).toMatchObject({ failure: true, message: xmlSafe(hang.summary) });
    expect(infraSuite!.testcases[0]).toMatchObject({ error: true, message: xmlSafe(infra.error!) });
    // Surefire drops whitespace-only character runs (here the CR written as &#xD;): every other character is there.
    const blanksOut = (t: string | null | undefined) => t?.replace(/\s/g, "");
    expect(blanksOut(infraSuite!.testcases[0]!.detail)).toBe(blanksOut(xmlSafe(infra.summary)));
  });
});

/** The HTML report of one boot whose console (log tail, summary, last line) is `text`. */
function html(r: BootResult, text: string): string {
  const hostile = withConsole(r, text);
  const timeline = timelineJson(hostile);
  const run: RunView = {
    runId: "run-1",
    runDir: "/tmp/run-1",
    boots: [{ timeline, dir: "/tmp/run-1/x", serialHref: "x/serial.log", logTail: text.split("\n"), attempts: 1 }],
    history: new Map([[timeline.name, [{ runId: "run-1", timeline, current: true }]]]),
    historyLimit: 10,
    generatedAt: "2025-01-01T00:00:00.000Z",
  };
  return renderReport(run);
}

const count = (text: string, c: string) => text.split(c).length - 1;

describe("console text is text in the HTML report and the Markdown summary", () => {
  test("property: the HTML gains no tag or attribute quote from the console (150 cases)", () => {
    fc.assert(
      fc.property(consoleText, fc.constantFrom(...KINDS), (text, [, r]) => {
        // The same text with every markup character replaced: any difference in markup comes from the console.
        const inert = text.replace(/[<>"'&]/g, "x");
        const [a, b] = [html(r, text), html(r, inert)];
        return count(a, "<") === count(b, "<") && count(a, '"') === count(b, '"') && !a.includes("<script>alert");
      }),
      { numRuns: 150 },
    );
  });

  test("property: a Markdown summary's table rows keep their cells, and console punctuation is escaped (150 cases)", () => {
    const oldRun = { source: "old.xml", runId: null, boots: recordsFromJunit(junitForBoots([bootResult("pass")])) };
    fc.assert(
      fc.property(consoleText, (text) => {
        const now = {
          source: `new ${text}.xml`,
          runId: null,
          boots: recordsFromJunit(junitForBoots([withConsole(bootResult("hang", { reached: 1 }), text)])),
        };
        const md = formatMarkdown(compareRuns(oldRun, now), 1);
        const rows = md.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| boot |"));
        if (rows.length !== 1) return false;
        // Five cells: six unescaped pipes; no unescaped character that makes markup.
        const unescaped = (c: string) =>
          [...rows[0]!.matchAll(/(\\*)(.)/gs)].filter(([, slashes, ch]) => ch === c && slashes!.length % 2 === 0)
            .length;
        return (
          unescaped("|") === 6 &&
          ["<", ">", "[", "]", "*", "_", "`", "&", "$", "!"].every((c) => unescaped(c) === 0) &&
          !md.split("\n")[2]!.includes("\n")
        );
      }),
      { numRuns: 150 },
    );
  });
});

describe("lines dom0 wrote cannot pass for Xen's, and a lab's names cannot leave the run (issue 26)", () => {
  /** Text a shell echoes: no control characters (the line splitter removes them), at least one character. */
  const typed = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => /^\S/.test(s) && !/[\x00-\x1f\x7f]/.test(s));
  const xenPrefix = fc.constantFrom(
    "(XEN) DOM1: ",
    "(XEN) [    1.234567] DOM1: ",
    "(XEN) ",
    "(XEN) [2026-12-07 09:00:00] ",
  );

  test("property: a prefix in a command typed at dom0's prompt never starts another stream's line (300 cases)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("/ # ", "~ # ", "root@dom0:~# ", "$ ", "[root@dom0 /]# "),
        typed,
        xenPrefix,
        fc.string({ maxLength: 40 }),
        (prompt, command, prefix, rest) => {
          const router = new StreamRouter(["(XEN) ", "", "(XEN) DOM1: "]);
          const line = `${prompt}${command} ${prefix}${rest}`.replace(/[\x00-\x1f\x7f]/g, "");
          return router.line(line).every((piece) => piece.stream === 1);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("property: Xen's line cutting into dom0's kernel text still starts its stream (300 cases)", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 64 }).filter((s) => !/[#$\x00-\x1f\x7f]|\(XEN\) /.test(s)),
        fc.string({ maxLength: 40 }).map((s) => s.replace(/[\x00-\x1f\x7f]/g, "")),
        (dom0, text) => {
          const router = new StreamRouter(["(XEN) ", "", "(XEN) DOM1: "]);
          const pieces = router.line(`${dom0}(XEN) [    1.0] DOM1: ${text}`);
          return pieces[0]!.stream === 1 && pieces[0]!.text === dom0 && pieces[1]!.stream === 2;
        },
      ),
      { numRuns: 300 },
    );
  });

  test("property: a boot name from a LAVA job file is refused or names a directory inside the run (500 cases)", () => {
    const runDir = "/artifacts/run-1";
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.constantFrom("..", ".", "../x", "../../../escaped-by-import", "/etc", "a/../../b", "a\\..\\b", "ok-name"),
          fc.array(fc.constantFrom("..", "/", ".", "a", "-", "\0"), { maxLength: 8 }).map((parts) => parts.join("")),
        ),
        (name) => {
          let dir: string;
          try {
            dir = bootFromLava(
              {
                source: "job.yaml",
                definition: { metadata: { "bootlog.expectation": name } },
                log: [],
                results: [{ definition: "0_boot", case: "banner", result: "pass" }],
              },
              runDir,
            ).result.dir;
          } catch (error) {
            return error instanceof LavaImportError;
          }
          return dirname(resolve(dir)) === runDir && basename(dir) === name;
        },
      ),
      { numRuns: 500 },
    );
  });
});
