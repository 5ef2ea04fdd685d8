import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { bootsOnce, expectationNamed, milestoneTests } from "../helpers/boot.ts";

const exp = await expectationNamed("arm64-xen-dom0");

describe("arm64-xen-dom0 boots to a dom0 shell under Xen", () => {
  const result = bootsOnce(exp);
  milestoneTests(exp, result);

  test("verdict is pass and the shell answered uname -r", () => {
    const r = result();
    expect(r.outcome, r.summary).toBe("pass");
    expect(r.milestones.at(-1)!.line).toMatch(/^6\.1\.0-\d+-arm64$/);
    expect(r.packages.map((p) => p.package)).toEqual(
      expect.arrayContaining(["xen-hypervisor-4.17-arm64", "busybox-static"]),
    );
  });

  test("serial.log holds the whole console and junit.xml one testcase per milestone", () => {
    const r = result();
    const log = readFileSync(r.serialLog, "utf8");
    expect(log).toContain("*** LOADING DOMAIN 0 ***");
    expect(log).toContain("dom0 init: 6.1.0");
    const xml = readFileSync(`${r.dir}/junit.xml`, "utf8");
    expect(XMLValidator.validate(xml)).toBe(true);
    const suite = new XMLParser({ ignoreAttributes: false }).parse(xml).testsuites.testsuite;
    expect(suite.testcase.map((t: Record<string, string>) => t["@_name"])).toEqual(exp.milestones.map((m) => m.id));
    expect(suite["@_failures"]).toBe("0");
  });
});
