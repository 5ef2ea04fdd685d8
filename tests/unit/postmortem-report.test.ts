import { expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseVcpus } from "../../harness/postmortem/vcpus.ts";
import { memoryShows, postMortemText, type PostMortem } from "../../harness/postmortem/summary.ts";
import { tellingLines } from "../../harness/postmortem/patterns.ts";
import { junitForBoots } from "../../harness/artifacts/junit.ts";
import { recordsFromJunit } from "../../harness/artifacts/junit-read.ts";
import { recordFromResult } from "../../harness/artifacts/records.ts";
import { timelineJson } from "../../harness/artifacts/timeline.ts";
import { compareRuns } from "../../harness/compare/compare.ts";
import { postMortemPanel } from "../../harness/report/html-postmortem.ts";
import { judgeKnownBad } from "../../harness/milestones/known-bad.ts";
import type { BootResult } from "../../harness/result.ts";
import { bootResult } from "../helpers/history-results.ts";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "../fixtures/ram", name), "utf8");

test("arm64 vCPUs from a real `info registers -a`: EL2 is Xen, EL1 at a kernel address is dom0", () => {
  const vcpus = parseVcpus(fixture("arm64-xen-mute-dom0.registers.txt"), { arch: "aarch64", xen: true, loads: [] });
  expect(vcpus.map((v) => v.text)).toEqual([
    "vCPU0: EL2, in Xen (PC 000000000025a8c4)",
    "vCPU1: EL1, in the dom0 kernel (PC ffffc3a5d4c98d98)",
  ]);
});

test("a PC inside an image bootlog loaded names that image (the MMU is not on yet)", () => {
  const registers = "CPU#0\n PC=0000000040200544 X00=0\nPSTATE=400003c5 -Z-- EL1h\n";
  const [v] = parseVcpus(registers, {
    arch: "aarch64",
    xen: true,
    loads: [{ image: "Xen's image", start: 0x4020_0000, end: 0x4034_0000 }],
  });
  expect(v!.text).toBe("vCPU0: EL1, in Xen's image (at its load address, MMU off) (PC 0000000040200544)");
});

test("x86_64: Xen's code segment, a PV dom0 at CPL 3, halted", () => {
  const registers = [
    "CPU#0\nRAX=0 RIP=ffff82d040204c27 RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\nES =0000 0 0 0\nCS =e008 0000000000000000 ffffffff 00a09b00 DPL=0 CS64 [-RA]",
    "CPU#1\nRAX=0 RIP=ffffffff81e0b7a2 RFL=00000246 [---Z-P-] CPL=3 II=0 A20=1 SMM=0 HLT=0\nCS =e033 0000000000000000 ffffffff 00a0fb00 DPL=3 CS64 [-RA]",
  ].join("\n");
  const vcpus = parseVcpus(registers, { arch: "x86_64", xen: true, loads: [] });
  expect(vcpus.map((v) => v.text)).toEqual([
    "vCPU0: CPL0 halted, in Xen (RIP ffff82d040204c27)",
    "vCPU1: CPL3, in the dom0 kernel (PV, ring 3) (RIP ffffffff81e0b7a2)",
  ]);
});

test("telling lines: failOn patterns first, then the built-in ones, one line each, no panic footer", () => {
  const telling = tellingLines(
    [
      {
        source: "xen",
        lines: [
          "(XEN) Looking for dtuart",
          '(XEN) Unable to find device "/pl011,0x09000000"',
          "(XEN) Bad console= option 'dtuart'",
        ],
      },
      {
        source: "linux",
        lines: [
          "Kernel panic - not syncing: VFS: Unable to mount root fs",
          "---[ end Kernel panic - not syncing: VFS ]---",
        ],
      },
    ],
    ["Kernel panic - not syncing"],
  );
  expect(telling.map((t) => t.line)).toEqual([
    "Kernel panic - not syncing: VFS: Unable to mount root fs",
    "(XEN) Bad console= option 'dtuart'",
    '(XEN) Unable to find device "/pl011,0x09000000"',
  ]);
});

const pm: PostMortem = {
  vcpus: parseVcpus(fixture("arm64-xen-mute-dom0.registers.txt"), { arch: "aarch64", xen: true, loads: [] }),
  ram: { how: "file-backed RAM in /dev/shm/x.ram", fileBytes: 2 ** 31, dataBytes: 2 ** 26, scanMs: 500 },
  xen: { lines: 3, wrapped: false, address: "0xbffd0000" },
  linux: { records: 2, lengths: "printk_info", address: "0x61f84c70" },
  telling: [
    { source: "xen", line: "(XEN) Bad console= option 'dtuart'" },
    { source: "linux", line: "Kernel panic - not syncing: VFS" },
  ],
  tails: {
    xen: ["(XEN) Unable to find device", "(XEN) Bad console= option 'dtuart'", "(XEN) *** LOADING DOMAIN 0 ***"],
    linux: ["Booting Linux", "Kernel panic - not syncing: VFS"],
    liveKeys: [],
  },
  files: ["postmortem.json", "xen-ring.log", "guest-kernel.log"],
  ms: 900,
};

function withPostMortem(r: BootResult, p: PostMortem = pm): BootResult {
  return { ...r, postmortem: p, summary: r.summary + memoryShows(p, true) };
}

test("the summary gains what memory shows", () => {
  expect(memoryShows(pm, true)).toBe(
    " — memory shows (XEN) Bad console= option 'dtuart'; dom0: Kernel panic - not syncing: VFS; vCPU0 EL2 Xen; vCPU1 EL1 dom0 kernel",
  );
  expect(memoryShows({ ...pm, xen: undefined, linux: undefined, telling: [] }, true)).toBe(
    " — memory shows no Xen console ring or kernel log in RAM; vCPU0 EL2 Xen; vCPU1 EL1 dom0 kernel",
  );
});

test("JUnit: the failing testcase's system-err holds the vCPU table and the recovered lines; properties name the files and the cause", () => {
  const r = withPostMortem(bootResult("hang", { reached: 2 }));
  const xml = junitForBoots([r]);
  const escaped =
    /<testcase classname="arm64-xen" name="linux-banner"[^>]*>[\s\S]*?<system-err>([\s\S]*?)<\/system-err>/.exec(
      xml,
    )?.[1];
  const err = escaped
    ?.replace(/&apos;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&gt;/g, ">")
    .replace(/&lt;/g, "<")
    .replace(/&amp;/g, "&");
  expect(err).toBe(postMortemText(pm));
  expect(err).toContain("vCPU1: EL1, in the dom0 kernel (PC ffffc3a5d4c98d98)\n");
  expect(err).toContain("-- Xen console ring (last 3) --\n(XEN) Unable to find device\n");
  expect(xml.match(/<system-err>/g)).toHaveLength(1);
  expect(xml).toContain('<property name="postmortem.files" value="postmortem.json xen-ring.log guest-kernel.log"/>');
  expect(recordsFromJunit(xml)[0]!.cause).toBe("(XEN) Bad console= option 'dtuart' | Kernel panic - not syncing: VFS");
});

test("timeline.json keeps the post-mortem summary (no log tails), knownBad.shows as text", () => {
  const r = withPostMortem(
    bootResult("hang", {
      reached: 2,
      knownBad: { outcome: "hang", after: "xen-dom0-loading", shows: /Bad console/, reason: "r" },
    }),
  );
  const t = timelineJson(r);
  expect(t.postmortem?.telling).toEqual(pm.telling);
  expect(t.postmortem).not.toHaveProperty("tails");
  expect(t.knownBad?.shows).toBe("/Bad console/");
});

test("compare: the same hang with another cause is a known-bad change", () => {
  const run = (p: PostMortem) => ({
    source: "x",
    runId: null,
    boots: [recordFromResult(withPostMortem(bootResult("hang", { reached: 2 }), p))],
  });
  const other: PostMortem = {
    ...pm,
    telling: [{ source: "linux", line: "Kernel panic - not syncing: Attempted to kill init!" }],
  };
  const same = compareRuns(run(pm), run(pm));
  expect(same.changes).toEqual([]);
  const changed = compareRuns(run(pm), run(other)).changes;
  expect(changed).toHaveLength(1);
  expect(changed[0]!.kind).toBe("known-bad");
  expect(changed[0]!.message).toBe(
    "hang after xen-dom0-loading, cause changed: (XEN) Bad console= option 'dtuart' | Kernel panic - not syncing: VFS → Kernel panic - not syncing: Attempted to kill init!",
  );
});

test("knownBad.shows: the same symptom reproduces only with the named cause; otherwise both causes are said", () => {
  const r = bootResult("hang", { reached: 2 });
  const kb = {
    outcome: "hang" as const,
    after: "xen-dom0-loading",
    shows: /Bad console= option 'dtuart'/,
    reason: "old dtuart syntax",
  };
  expect(judgeKnownBad(kb, r.verdict!, { lines: ["(XEN) Bad console= option 'dtuart'"], cause: "" }).status).toBe(
    "reproduced",
  );
  const different = judgeKnownBad(kb, r.verdict!, {
    lines: ["Kernel panic - not syncing: Attempted to kill init!"],
    cause: "memory shows dom0: Kernel panic - not syncing: Attempted to kill init!",
  });
  expect(different).toEqual({
    status: "different",
    message:
      "known-bad boot failed with another cause: expected it to show /Bad console= option 'dtuart'/ (old dtuart syntax), but memory shows dom0: Kernel panic - not syncing: Attempted to kill init!",
  });
});

test("HTML panel: vCPU table and recovered logs, telling lines marked", () => {
  const t = timelineJson(withPostMortem(bootResult("hang", { reached: 2 })));
  const html = postMortemPanel(t, { xen: pm.tails.xen, linux: ["[    2.628648] Kernel panic - not syncing: VFS"] });
  expect(html).toContain("<h3>What the machine says</h3>");
  expect(html).toContain("<td>EL1</td><td>the dom0 kernel</td>");
  expect(html).toContain(`<span class="hl">(XEN) Bad console= option &#39;dtuart&#39;</span>`);
  expect(html).toContain(`<span class="hl">[    2.628648] Kernel panic - not syncing: VFS</span>`);
  expect(postMortemPanel({ ...t, postmortem: null }, { xen: [], linux: [] })).toBe("");
});
