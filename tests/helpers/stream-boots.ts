import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { XMLParser } from "fast-xml-parser";
import { splitQualified } from "../../harness/expectations/streams.ts";
import { bootsOnce, expectationNamed, milestoneTests } from "./boot.ts";

/**
 * A multi-domain boot, booted for real: one vitest test per `stream/milestone`, the verdict,
 * each stream's milestones in its own order, and bootlog's JUnit naming testcases `stream/milestone`.
 */
export async function streamBootSuite(name: string, prefixes: string[]): Promise<void> {
  const exp = await expectationNamed(name);
  describe(name, () => {
    const result = bootsOnce(exp);
    milestoneTests(exp, result);

    test("passes, each stream in its own order", () => {
      const r = result();
      expect(r.outcome, r.summary).toBe("pass");
      for (const stream of Object.keys(exp.streams!)) {
        const times = r.milestones.filter((m) => splitQualified(m.id)?.stream === stream).map((m) => m.at!);
        expect(times, stream).toEqual([...times].sort((a, b) => a - b));
      }
      // Time to the last milestone, for the note on boot times.
      console.log(`${name}: last milestone at ${Math.max(...r.milestones.map((m) => m.at!)).toFixed(2)} s`);
    });

    test("the console carries every stream's prefix; JUnit names testcases stream/milestone", () => {
      const r = result();
      const log = readFileSync(r.serialLog, "utf8");
      for (const prefix of prefixes) expect(log).toContain(prefix);
      const suite = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(`${r.dir}/junit.xml`, "utf8"))
        .testsuites.testsuite;
      expect(suite.testcase.map((t: Record<string, string>) => t["@_name"])).toEqual(exp.milestones.map((m) => m.id));
      expect(suite["@_failures"]).toBe("0");
    });
  });
}
