/**
 * report.html in a real browser: Debian's Chromium (installed by ci/setup-host.sh) through
 * playwright-core. The run directories are built from BootResult objects written with
 * writeBootArtifacts, the way runBoot writes them: three earlier runs and the current one.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { KnownBad } from "../../harness/expectations/schema.ts";
import { describeVerdict } from "../../harness/milestones/describe.ts";
import { judgeKnownBad } from "../../harness/milestones/known-bad.ts";
import type { BootOutcome, Cause, MatcherVerdict } from "../../harness/milestones/matcher.ts";
import { writeReport } from "../../harness/report/html.ts";
import { OUTCOME_COLORS, SERIES_COLORS } from "../../harness/report/html-style.ts";
import { writeBootArtifacts } from "../../harness/artifacts/run-dir.ts";
import type { BootResult } from "../../harness/result.ts";

const CHROMIUM = process.env.BOOTLOG_CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const XEN_IDS = ["xen-banner", "xen-dom0-loading", "linux-banner", "run-init", "shell"];

interface Spec {
  name: string;
  ids: string[];
  times: number[];
  outcome: BootOutcome;
  cause: Cause;
  startedAt: string;
  knownBad?: KnownBad;
  lastLine?: string;
}

function result(root: string, runId: string, s: Spec): BootResult {
  const reached = s.times.length;
  const milestones = s.ids.map((id, i) => (i < reached ? { id, at: s.times[i]!, line: `${id} line` } : { id }));
  const lastAt = s.times.at(-1) ?? 0;
  const verdict: MatcherVerdict = {
    outcome: s.outcome,
    at: s.outcome === "pass" ? lastAt : s.cause.kind === "silence" ? lastAt + 0.2 + s.cause.silentS : lastAt + 0.7,
    cause: s.cause,
    after: reached ? s.ids[reached - 1]! : "start",
    lastLine: s.lastLine ?? "",
    ...(reached < s.ids.length ? { pending: s.ids[reached] } : {}),
  };
  const judgement = s.knownBad ? judgeKnownBad(s.knownBad, verdict) : undefined;
  const dir = join(root, runId, s.name);
  return {
    name: s.name,
    file: `expectations/${s.name}.ts`,
    outcome: s.outcome,
    summary: `${judgement?.status === "reproduced" ? "KNOWN-BAD " : ""}${describeVerdict(verdict)}`,
    ok: judgement ? judgement.status === "reproduced" : s.outcome === "pass",
    verdict,
    ...(s.knownBad && judgement ? { knownBad: { ...s.knownBad, judgement } } : {}),
    milestones,
    slices: {},
    startedAt: s.startedAt,
    durationS: verdict.at + 0.3,
    qemu: { binary: "qemu-system-aarch64", version: "7.2.22", argv: ["-machine", "virt"] },
    packages: [{ package: "xen-hypervisor-4.17-arm64", version: "4.17.7", arch: "arm64" }],
    reproduce: "qemu-system-aarch64 -machine virt",
    expectationHash: "abc123",
    gitCommit: "0123456789abcdef0123",
    dir,
    serialLog: join(dir, "serial.log"),
    attempt: 1,
  };
}

async function writeRun(root: string, runId: string, specs: Spec[], log: (s: Spec) => string): Promise<void> {
  for (const s of specs) {
    const r = result(root, runId, s);
    await mkdir(r.dir, { recursive: true });
    await writeFile(r.serialLog, log(s));
    await writeBootArtifacts(r);
  }
}

const PASS_TIMES = [0.4, 0.55, 3.4, 5.8, 6.4];
const passing = (startedAt: string, times = PASS_TIMES): Spec => ({
  name: "arm64-xen-dom0",
  ids: XEN_IDS,
  times,
  outcome: "pass",
  cause: { kind: "all-milestones" },
  startedAt,
  lastLine: "/ # ",
});
const HANG_KB: KnownBad = {
  outcome: "hang",
  after: "xen-banner",
  reason: "Xen cannot run at EL2 without virtualization",
  tracking: "#12",
};
const hanging = (startedAt: string): Spec => ({
  name: "arm64-hang",
  ids: XEN_IDS,
  times: [0.3],
  outcome: "hang",
  cause: { kind: "silence", silentS: 8, limitS: 8 },
  startedAt,
  knownBad: HANG_KB,
  lastLine: "(XEN) Xen version 4.17.7",
});
const failing = (startedAt: string): Spec => ({
  name: "x86-fail",
  ids: XEN_IDS,
  times: [0.5, 1.2],
  outcome: "fail",
  cause: {
    kind: "failure-pattern",
    pattern: 'xen-unhandled "Unhandled: "',
    line: "(XEN) d0v0 Unhandled: vec 14, #PF[0001]",
  },
  startedAt,
  lastLine: "(XEN) d0v0 Unhandled: vec 14, #PF[0001]",
});

const consoleLog = (s: Spec) =>
  [
    "\x1b[0m Xen 4.17",
    "(XEN) Xen version 4.17.7 (Debian 4.17.7)",
    ...(s.outcome === "fail"
      ? ["(XEN) *** LOADING DOMAIN 0 ***", "(XEN) d0v0 Unhandled: vec 14, #PF[0001]", "(XEN) Domain 0 crashed"]
      : []),
    ...(s.outcome === "pass"
      ? ["Booting Linux on physical CPU 0x0", "Run /init as init process", "dom0 init: 6.1.0-56-arm64 xen: xen", "/ # "]
      : []),
  ].join("\r\n") + "\r\n";

let root: string;
let reportFile: string;
let html: string;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];
const requests: string[] = [];

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: ci/setup-host.sh installs Debian's chromium`).toBe(true);
  root = await mkdtemp(join(tmpdir(), "bootlog-html-"));
  // Earlier runs: pass, a hang of the passing boot, pass; then the current run.
  await writeRun(
    root,
    "run-1",
    [passing("2026-01-01T02:00:00.000Z", [0.5, 0.6, 3.6, 6.1, 6.6]), hanging("2026-01-01T02:00:01.000Z")],
    consoleLog,
  );
  await writeRun(
    root,
    "run-2",
    [
      {
        ...passing("2026-01-02T02:00:00.000Z", [0.4, 0.5, 3.5]),
        outcome: "hang",
        cause: { kind: "silence", silentS: 8, limitS: 8 },
      },
    ],
    consoleLog,
  );
  await writeRun(
    root,
    "run-3",
    [passing("2026-01-03T02:00:00.000Z", [0.45, 0.6, 3.3, 5.9, 6.2]), failing("2026-01-03T02:00:02.000Z")],
    consoleLog,
  );
  await writeRun(
    root,
    "run-4",
    [passing("2026-01-04T02:00:00.000Z"), hanging("2026-01-04T02:00:01.000Z"), failing("2026-01-04T02:00:02.000Z")],
    consoleLog,
  );
  await symlink("run-4", join(root, "latest"));
  const written = await writeReport(join(root, "latest"), { historyLimit: 10 });
  reportFile = written.file;
  html = await readFile(reportFile, "utf8");

  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(`file://${reportFile}`, { waitUntil: "load" });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("bootlog report: report.html", () => {
  test("is written into the real run directory and embeds everything (no external URL)", () => {
    expect(reportFile).toBe(join(root, "run-4", "report.html"));
    expect(html).toContain("Content-Security-Policy");
    expect(html).not.toMatch(/<link\b|@import|<iframe\b/i);
    const refs = [...html.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/gi)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref, ref).not.toMatch(/http/i);
      expect(ref === "" || ref.startsWith("#") || /^[\w.-]+\/serial\.log$/.test(ref), ref).toBe(true);
    }
    expect(refs.filter((r) => r.endsWith("serial.log")).sort()).toEqual([
      "arm64-hang/serial.log",
      "arm64-xen-dom0/serial.log",
      "x86-fail/serial.log",
    ]);
  });

  test("renders in Chromium without console errors and without fetching anything", async () => {
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([`file://${reportFile}`]);
    expect(await page.title()).toContain("2/3 ok");
  });

  test("the timeline's milestone markers run left to right in milestone order", async () => {
    const markers = page.locator("#boot-arm64-xen-dom0 svg.timeline .milestone-marker");
    expect(await markers.count()).toBe(XEN_IDS.length);
    const boxes = await markers.evaluateAll((els) =>
      els.map((el) => ({ id: el.getAttribute("data-id"), x: el.getBoundingClientRect().x })),
    );
    expect(boxes.map((b) => b.id)).toEqual(XEN_IDS);
    for (let i = 1; i < boxes.length; i++)
      expect(boxes[i]!.x, `${boxes[i]!.id} right of ${boxes[i - 1]!.id}`).toBeGreaterThan(boxes[i - 1]!.x);
    // Proportional: 0.4 s → 6.4 s spans most of the axis, 0.4 → 0.55 s a sliver.
    const span = boxes.at(-1)!.x - boxes[0]!.x;
    expect(boxes[1]!.x - boxes[0]!.x).toBeLessThan(span * 0.05);
    expect(await page.locator("#boot-arm64-xen-dom0 .silence-gap").count()).toBe(0);
  });

  test("a hang shows where it stopped and the silence before it", async () => {
    const section = page.locator("#boot-arm64-hang");
    const gap = section.locator("svg.timeline .silence-gap");
    expect(await gap.count()).toBe(1);
    const gapBox = (await gap.boundingBox())!;
    const lastMarker = (await section.locator(".milestone-marker").last().boundingBox())!;
    const stop = (await section.locator(".stop-marker").boundingBox())!;
    expect(gapBox.width).toBeGreaterThan(100); // 8 s of an ~8.5 s axis
    expect(Math.abs(gapBox.x - (lastMarker.x + lastMarker.width / 2))).toBeLessThan(25); // silence starts after the last output
    expect(Math.abs(gapBox.x + gapBox.width - (stop.x + stop.width / 2))).toBeLessThan(3); // and ends at the verdict
    expect(await section.locator("h2 .badge").allTextContents()).toEqual(["hang", "known-bad"]);
    expect(await section.locator(".known-bad-note").textContent()).toContain("Xen cannot run at EL2");
    expect(await section.locator(".known-bad-note").textContent()).toContain("#12");
  });

  test("the header counts boots by class, not by outcome: a reproduced known-bad is not a failure", async () => {
    const counts = page.locator("header.run .counts");
    expect(await counts.locator(".badge").allTextContents()).toEqual(["1 pass", "1 known-bad reproduced", "1 failed"]);
    expect(await counts.textContent()).toMatch(/^3 boots:/);
    // Neither red outcome words nor "ok" next to them.
    expect(await counts.textContent()).not.toMatch(/\bhang\b|\bok\b/);
  });

  test("a reproduced known-bad says its reason once", async () => {
    const section = page.locator("#boot-arm64-hang");
    const text = (await section.textContent())!;
    expect(text.split(HANG_KB.reason).length - 1).toBe(1);
    expect(await section.locator(".known-bad-note").textContent()).toContain("Reproduced in this run");
  });

  test("a failure shows the last console lines, the failing line marked, and links serial.log", async () => {
    const section = page.locator("#boot-x86-fail");
    expect(await section.locator("pre.log-tail").textContent()).toContain("(XEN) *** LOADING DOMAIN 0 ***");
    expect(await section.locator("pre.log-tail .hl").textContent()).toBe("(XEN) d0v0 Unhandled: vec 14, #PF[0001]");
    expect(await section.locator("pre.log-tail").textContent()).not.toContain("\x1b");
    const href = await section.locator("a.serial-log").getAttribute("href");
    const target = fileURLToPath(new URL(href!, page.url()));
    expect(await readFile(target, "utf8")).toContain("Unhandled: vec 14");
    expect(await page.locator("#boot-arm64-xen-dom0 pre.log-tail").count()).toBe(0);
  });

  test("the trend covers the earlier runs and marks the failed ones", async () => {
    const trend = page.locator("#boot-arm64-xen-dom0 svg.trend");
    expect(await trend.locator(".run-label").count()).toBe(4);
    const failures = trend.locator(".trend-failure");
    expect(await failures.count()).toBe(1);
    expect(await failures.getAttribute("data-outcome")).toBe("hang");
    expect(await failures.getAttribute("data-run")).toBe("run-2");
    // xen-banner in all four runs; shell only where the boot passed: the line breaks at run-2, leaving
    // run-1 a lone point and run-3 → run-4 one segment.
    expect(await trend.locator('.trend-point[data-id="xen-banner"]').count()).toBe(4);
    expect(await trend.locator('.trend-point[data-id="shell"]').count()).toBe(3);
    expect(await trend.locator('.trend-line[data-id="shell"]').count()).toBe(1);
    expect(await trend.locator('.trend-line[data-id="xen-banner"]').count()).toBe(1);
    // The known-bad boot has two runs; the failing one two as well (run-3, run-4).
    expect(await page.locator("#boot-arm64-hang svg.trend .run-label").count()).toBe(2);
    expect(await page.locator("#boot-x86-fail svg.trend .trend-failure").count()).toBe(2);
  });

  test("the screenshot shows the badges and the timeline (pixels)", async () => {
    const shot = await page.screenshot({ fullPage: true });
    const timeline = await page.locator("#boot-arm64-xen-dom0 svg.timeline").screenshot();
    const hex = (h: string) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
    const colors = {
      pass: hex(OUTCOME_COLORS.pass!),
      hang: hex(OUTCOME_COLORS.hang!),
      fail: hex(OUTCOME_COLORS.fail!),
      knownBad: hex(OUTCOME_COLORS["known-bad"]!),
      marker: hex(SERIES_COLORS[0]!),
    };
    const scratch = await browser.newPage();
    const count = (png: Buffer) =>
      scratch.evaluate(
        async ({ b64, colors }) => {
          const img = new Image();
          img.src = `data:image/png;base64,${b64}`;
          await img.decode();
          const canvas = document.createElement("canvas");
          canvas.width = img.width;
          canvas.height = img.height;
          const ctx = canvas.getContext("2d")!;
          ctx.drawImage(img, 0, 0);
          const data = ctx.getImageData(0, 0, img.width, img.height).data;
          const out: Record<string, number> = {};
          for (const [name, [r, g, b]] of Object.entries(colors)) {
            let n = 0;
            for (let i = 0; i < data.length; i += 4)
              if (Math.abs(data[i]! - r!) <= 3 && Math.abs(data[i + 1]! - g!) <= 3 && Math.abs(data[i + 2]! - b!) <= 3)
                n++;
            out[name] = n;
          }
          return { out, width: img.width, height: img.height };
        },
        { b64: png.toString("base64"), colors },
      );
    const page1 = await count(shot);
    expect(page1.width).toBeGreaterThanOrEqual(1000);
    // Badges are solid: dozens of pixels each in the outcome colours.
    expect(page1.out.pass, "green pass badges").toBeGreaterThan(300);
    expect(page1.out.hang, "purple hang badges").toBeGreaterThan(300);
    expect(page1.out.fail, "red fail badges").toBeGreaterThan(300);
    expect(page1.out.knownBad, "blue known-bad badges").toBeGreaterThan(300);
    const tl = await count(timeline);
    expect(tl.out.marker, "the first milestone's marker").toBeGreaterThan(30);
    await scratch.close();
  });

  test("'Problems only' hides the boots that are ok", async () => {
    await page.locator('button[data-filter="problems"]').click();
    expect(await page.locator("#boot-arm64-xen-dom0").isVisible()).toBe(false);
    expect(await page.locator("#boot-x86-fail").isVisible()).toBe(true);
    await page.locator('button[data-filter="all"]').click();
    expect(await page.locator("#boot-arm64-xen-dom0").isVisible()).toBe(true);
    expect(consoleErrors).toEqual([]);
  });
});
