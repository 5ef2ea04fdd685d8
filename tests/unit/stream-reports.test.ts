import { XMLParser } from "fast-xml-parser";
import { describe, expect, test } from "vitest";
import { dom0Milestones, guestMilestones, linuxPanics, xenStreamMilestones } from "../../harness/expectations/index.ts";
import { validateExpectation } from "../../harness/expectations/loader.ts";
import { describeVerdict } from "../../harness/milestones/describe.ts";
import { StreamMatcher } from "../../harness/milestones/stream-matcher.ts";
import { laneTimelines } from "../../harness/report/html-lanes.ts";
import { junitForBoots } from "../../harness/artifacts/junit.ts";
import { lavaStreamView } from "../../harness/export/lava-streams.ts";
import { timelineJson } from "../../harness/artifacts/timeline.ts";
import type { BootResult } from "../../harness/result.ts";
import { loadRecording, replay, textChunks } from "../helpers/replay.ts";

const exp = validateExpectation("expectations/dom0less.ts", {
  name: "dom0less",
  machine: { arch: "aarch64", memory: "1G", cpus: 2, firmware: "direct" },
  images: { xen: { kind: "file", path: "/x" }, kernel: { kind: "file", path: "/k" } },
  streams: {
    xen: { milestones: xenStreamMilestones({ dom0: true, domUs: 1 }) },
    dom0: { after: "xen/xen-dom0-loading", milestones: dom0Milestones("arm64") },
    d1: { after: "xen/xen-domu1-loading", silence: "20s", milestones: guestMilestones("arm64"), failOn: linuxPanics },
  },
  failOn: linuxPanics,
  silence: "15s",
  budget: "120s",
});

/** The boot as bootlog would report it, judged from a console (recorded or made up). */
function result(chunks: Parameters<typeof replay>[1]): BootResult {
  const matcher = new StreamMatcher({ ...exp, streams: exp.streams! });
  const { verdict, records } = replay(
    { milestones: [], failOn: [], silenceS: exp.silenceS, budgetS: exp.budgetS },
    chunks,
    { matcher },
  );
  return {
    name: exp.name,
    file: exp.file,
    outcome: verdict.outcome,
    summary: describeVerdict(verdict),
    ok: verdict.outcome === "pass",
    verdict,
    milestones: records,
    slices: {},
    startedAt: "2026-11-26T00:00:00.000Z",
    durationS: verdict.at,
    qemu: { binary: "qemu-system-aarch64", argv: [] },
    packages: [],
    reproduce: "",
    expectationHash: "h",
    dir: "/tmp/x",
    serialLog: "/tmp/x/serial.log",
    attempt: 1,
  };
}

const testcases = (r: BootResult) => {
  const suite = new XMLParser({ ignoreAttributes: false }).parse(junitForBoots([r])).testsuites.testsuite;
  return (suite.testcase as Record<string, unknown>[]).map((t) => ({
    name: t["@_name"],
    time: Number(t["@_time"]),
    failure: t.failure !== undefined,
    skipped: t.skipped !== undefined,
  }));
};

describe("reports of a boot with milestones per stream", () => {
  const good = result(loadRecording("arm64-xen-dom0less.chunks.jsonl.gz"));

  test("JUnit: a testcase per stream/milestone, times since the previous milestone of the same stream", () => {
    const cases = testcases(good);
    expect(cases.map((c) => c.name)).toEqual(exp.milestones.map((m) => m.id));
    const at = (id: string) => good.milestones.find((m) => m.id === id)!.at!;
    const d1Run = cases.find((c) => c.name === "d1/run-init")!;
    expect(d1Run.time).toBeCloseTo(at("d1/run-init") - at("d1/linux-banner"), 3);
    expect(cases.every((c) => c.time >= 0 && !c.failure)).toBe(true);
  });

  test("JUnit: a stalled stream fails at its pending milestone; the other streams' reached milestones pass", () => {
    const text = [
      "(XEN) Xen version 4.17.7",
      "(XEN) *** LOADING DOMAIN 0 ***",
      "(XEN) *** LOADING DOMU cpus=1 memory=20000KB ***",
      "(XEN) DOM1: Linux version 6.1.0-56-arm64",
    ]
      .concat(Array.from({ length: 30 }, (_, i) => `[ ${i}.0] Linux version 6.1.0-56-arm64 dom0 keeps printing`))
      .join("\r\n");
    const chunks = textChunks(`${text}\r\n`, 40, { step: 1 });
    const r = result(chunks);
    expect(r.verdict).toMatchObject({ outcome: "hang", stream: { name: "d1" }, pending: "d1/run-init" });
    const cases = testcases(r);
    expect(cases.find((c) => c.name === "d1/run-init")).toMatchObject({ failure: true });
    expect(cases.find((c) => c.name === "dom0/linux-banner")).toMatchObject({ failure: false, skipped: false });
    expect(cases.find((c) => c.name === "dom0/run-init")).toMatchObject({ skipped: true });
  });

  test("timeline.json says each milestone's stream; the HTML report draws a lane per stream", () => {
    const t = timelineJson(good);
    expect(new Set(t.milestones.map((m) => m.stream))).toEqual(new Set(["xen", "dom0", "d1"]));
    const html = laneTimelines(t);
    expect([...html.matchAll(/<div class="lane" data-stream="([^"]+)">/g)].map((m) => m[1])).toEqual([
      "xen",
      "dom0",
      "d1",
    ]);
    expect(html.match(/<svg class="timeline"/g)).toHaveLength(3);
  });

  test("LAVA export keeps one stream and says what it cannot map", () => {
    const notes: string[] = [];
    const view = lavaStreamView(exp, notes);
    expect(view.milestones.map((m) => m.id)).toEqual(dom0Milestones("arm64").map((m) => `dom0.${m.id}`));
    expect(notes.join("\n")).toMatch(
      /only stream "dom0" is exported; left out: xen \(4 milestones\), d1 \(4 milestones\)/,
    );
    expect(notes.join("\n")).toMatch(/after xen\/xen-dom0-loading is not mapped/);
  });
});

test("LAVA: a prefixed stream's anchored patterns get the prefix back", () => {
  const notes: string[] = [];
  const view = lavaStreamView({ ...exp, streams: { d1: exp.streams!.d1! } }, notes);
  const guestUp = view.milestones.find((m) => m.id === "d1.guest-up")!.match as RegExp;
  expect(guestUp.test("(XEN) DOM1: guest up: 6.1.0-56-arm64")).toBe(true);
  expect(guestUp.test("guest up: 6.1.0-56-arm64")).toBe(false);
});
