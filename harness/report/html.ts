/**
 * report.html: one self-contained page for a run (inline CSS, SVG and script; no network, and a
 * Content-Security-Policy that forbids fetching anything). Per boot: outcome badges, known-bad
 * notes, a milestone timeline with the stop and the silence of a hang, the last log lines before a
 * failure, a link to serial.log, and the trend of the last runs.
 */
import { realpath } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { writeFileAtomic } from "../artifacts/atomic-write.ts";
import { postMortemPanel } from "./html-postmortem.ts";
import { loadRun, type BootView, type HistoryPoint, type RunView } from "./html-data.ts";
import { CSS, outcomeColor, SCRIPT, seriesColor } from "./html-style.ts";
import { escapeHtml as esc, fmtSeconds, trendKey, trendSvg } from "./html-timeline.ts";
import { laneTimelines } from "./html-lanes.ts";
import type { Timeline } from "../artifacts/timeline.ts";
import { repeatHtml } from "./html-repeat.ts";

const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

interface Badge {
  key: string;
  label: string;
}

/** The outcome, then what known-bad made of it. */
export function badgesFor(t: Timeline): Badge[] {
  const badges: Badge[] = [{ key: t.outcome, label: t.outcome }];
  const status = t.knownBad?.judgement?.status;
  if (status === "reproduced") badges.push({ key: "known-bad", label: "known-bad" });
  else if (status === "xpass") badges.push({ key: "xpass", label: "xpass" });
  else if (status === "different") badges.push({ key: "changed", label: "changed" });
  return badges;
}

/** A repeated boot is badged by its class over the runs and its known-bad verdict, not by its last run. */
function bootBadges(b: BootView): Badge[] {
  if (!b.repeat) return badgesFor(b.timeline);
  const r = b.repeat;
  const badges: Badge[] = [{ key: r.class, label: `${r.class} ${r.failures}/${r.judged}` }];
  const status = r.knownBad?.status;
  if (status === "reproduced" || status === "clean") badges.push({ key: "known-bad", label: "known-bad" });
  else if (status === "xpass") badges.push({ key: "xpass", label: "xpass" });
  else if (status) badges.push({ key: "changed", label: status });
  return badges;
}

const badgeHtml = (b: Badge) =>
  `<span class="badge badge-${esc(b.key)}" style="background:${outcomeColor(b.key)}">${esc(b.label)}</span>`;

const bootAnchor = (name: string) => `boot-${name.replace(/[^a-zA-Z0-9_-]/g, "_")}`;

function lastReached(t: Timeline): { id: string; at: number } | undefined {
  const reached = t.milestones.filter((m) => m.at !== null);
  const m = reached.at(-1);
  return m ? { id: m.id, at: m.at! } : undefined;
}

/** The header's classes: what a reader of the run needs to act on, whatever each outcome was. */
const CLASSES = [
  { key: "pass", label: "pass", color: "pass" },
  { key: "reproduced", label: "known-bad reproduced", color: "known-bad" },
  { key: "failed", label: "failed", color: "fail" },
  { key: "infra", label: "infra", color: "infra" },
] as const;

function classOf(t: Timeline): (typeof CLASSES)[number]["key"] | undefined {
  if (t.knownBad?.judgement?.status === "reproduced" && t.ok) return "reproduced";
  if (t.outcome === "infra") return "infra";
  if (t.outcome === "skip") return undefined;
  return t.ok ? "pass" : "failed";
}

function classCounts(run: RunView): string {
  const counts = CLASSES.map((c) => ({ ...c, n: run.boots.filter((b) => classOf(b.timeline) === c.key).length }));
  const skipped = run.boots.length - counts.reduce((sum, c) => sum + c.n, 0);
  const shown = counts.filter((c) => c.n > 0 || c.key === "pass" || c.key === "failed");
  const badges = shown.map(
    (c) =>
      `<span class="badge badge-class-${c.key}" data-class="${c.key}" style="background:${outcomeColor(c.n ? c.color : "skip")}">${c.n} ${esc(c.label)}</span>`,
  );
  if (skipped) badges.push(badgeHtml({ key: "skip", label: `${skipped} skipped` }));
  return `${run.boots.length} boot${run.boots.length === 1 ? "" : "s"}: ${badges.join(" ")}`;
}

function runHeader(run: RunView): string {
  const commits = [...new Set(run.boots.map((b) => b.timeline.gitCommit).filter(Boolean))] as string[];
  const qemus = [...new Set(run.boots.map((b) => b.timeline.qemu?.version).filter(Boolean))] as string[];
  const started = run.boots.map((b) => b.timeline.startedAt).sort()[0];
  const facts = [
    started ? `started ${esc(started)}` : "",
    commits.length ? `git ${commits.map((c) => `<code>${esc(c.slice(0, 12))}</code>`).join(", ")}` : "",
    qemus.length ? `QEMU ${qemus.map(esc).join(", ")}` : "",
    `report generated ${esc(run.generatedAt)}`,
  ].filter(Boolean);
  return `<header class="run">
<h1>bootlog run <code>${esc(run.runId)}</code></h1>
<div class="muted">${facts.join(" · ")}</div>
<div class="counts">${classCounts(run)}</div>
</header>`;
}

function bootsTable(run: RunView): string {
  const rows = run.boots.map((b) => {
    const t = b.timeline;
    const reached = t.milestones.filter((m) => m.at !== null).length;
    const last = lastReached(t);
    return `<tr class="${t.ok ? "ok-boot" : "problem-boot"}"><td><a href="#${bootAnchor(t.name)}">${esc(t.name)}</a></td>
<td>${bootBadges(b).map(badgeHtml).join(" ")}</td>
<td class="num">${reached}/${t.milestones.length}</td>
<td class="num">${last ? fmtSeconds(last.at) : "–"}</td>
<td>${esc(b.repeat?.summary ?? t.summary)}</td></tr>`;
  });
  return `<table class="boots"><thead><tr><th>boot</th><th>outcome</th><th class="num">milestones</th><th class="num">last milestone</th><th>summary</th></tr></thead>
<tbody>${rows.join("\n")}</tbody></table>`;
}

function knownBadNote(t: Timeline): string {
  const kb = t.knownBad;
  if (!kb) return "";
  const tracking = kb.tracking ? ` (tracking: ${esc(kb.tracking)})` : "";
  const expected = `Known bad: expected <b>${esc(kb.outcome)}</b> after <code>${esc(kb.after)}</code> — ${esc(kb.reason)}${tracking}.`;
  // The judgement's message repeats the symptom and reason (and the summary above carries it): say only how it went.
  const judgement = !kb.judgement
    ? ""
    : kb.judgement.status === "reproduced" || kb.judgement.status === "clean"
      ? kb.judgement.status === "clean"
        ? " Intermittent: not seen in this run (one run cannot tell)."
        : " Reproduced in this run."
      : ` <br><b>Not reproduced: ${kb.judgement.status === "xpass" ? "this boot passed (remove knownBad)" : "it failed differently"}.</b>`;
  const bad = kb.judgement && kb.judgement.status !== "reproduced" && kb.judgement.status !== "clean";
  return `<div class="note known-bad-note${bad ? " bad" : ""}">${expected}${judgement}</div>`;
}

function milestoneTable(t: Timeline): string {
  const pending = t.verdict?.pending;
  const rows = t.milestones.map((m, i) => {
    const state = m.at !== null ? "" : m.id === pending ? "awaited when the boot ended" : "not reached";
    return `<tr class="${m.at === null ? "not-reached" : ""}"><td class="num">${i + 1}</td>
<td><span class="legend-swatch" style="display:inline-block;width:10px;height:10px;border-radius:5px;background:${m.at === null ? "#d1d9e0" : seriesColor(i)}"></span> <code>${esc(m.id)}</code></td>
<td class="num">${m.at === null ? "–" : fmtSeconds(m.at)}</td>
<td class="num">${m.sincePrevious === null ? "–" : `+${fmtSeconds(m.sincePrevious)}`}</td>
<td>${esc(state)}</td></tr>`;
  });
  return `<table class="milestones"><thead><tr><th class="num">#</th><th>milestone</th><th class="num">reached at</th><th class="num">since previous</th><th></th></tr></thead>
<tbody>${rows.join("\n")}</tbody></table>`;
}

function logTailHtml(b: BootView): string {
  if (!b.logTail.length) return "";
  const t = b.timeline;
  const cause = t.verdict?.cause;
  const marks = [cause?.kind === "failure-pattern" ? cause.line : undefined, t.verdict?.lastLine]
    .filter((s): s is string => !!s?.trim())
    .map((s) => s.trim());
  let hl = -1;
  for (const mark of marks) {
    for (let i = b.logTail.length - 1; i >= 0 && hl < 0; i--) {
      const line = b.logTail[i]!;
      if (line.trim() === mark || (mark.length > 8 && line.includes(mark))) hl = i;
    }
    if (hl >= 0) break;
  }
  const lines = b.logTail.map((line, i) => (i === hl ? `<span class="hl">${esc(line)}</span>` : esc(line)));
  return `<h3>Last ${b.logTail.length} lines of the console before the boot ended</h3>
<pre class="log-tail">${lines.join("\n")}</pre>`;
}

function detailsHtml(b: BootView): string {
  const t = b.timeline;
  const packages = (t.packages ?? [])
    .map(
      (p) =>
        `<tr><td><code>${esc(p.package)}</code></td><td><code>${esc(p.version)}</code></td><td>${esc(p.arch)}</td></tr>`,
    )
    .join("");
  return `<details><summary>Reproduce, versions, expectation</summary>
<p>Expectation <code>${esc(t.file)}</code>, hash <code>${esc(t.expectationHash)}</code>${t.gitCommit ? `, git <code>${esc(t.gitCommit)}</code>` : ""}; QEMU ${esc(t.qemu?.version ?? "unknown")}; started ${esc(t.startedAt)}, ${fmtSeconds(t.durationS)} in all.</p>
<pre class="mono">${esc(t.reproduce)}</pre>
${packages ? `<table class="packages"><thead><tr><th>package</th><th>version</th><th>arch</th></tr></thead><tbody>${packages}</tbody></table>` : ""}
</details>`;
}

function trendHtml(name: string, points: HistoryPoint[], current: Timeline, limit: number): string {
  const ids = [...current.milestones.map((m) => m.id)];
  for (const p of points) for (const m of p.timeline.milestones) if (!ids.includes(m.id)) ids.push(m.id);
  const legend = ids
    .map((id, k) => `<li><span class="swatch" style="background:${seriesColor(k)}"></span><code>${esc(id)}</code></li>`)
    .join("");
  const failures = points.filter((p) => trendKey(p.timeline)).length;
  const head = ids.map((id) => `<th class="num"><code>${esc(id)}</code></th>`).join("");
  const rows = [...points]
    .reverse()
    .map((p) => {
      const t = p.timeline;
      const cells = ids
        .map((id) => {
          const m = t.milestones.find((mm) => mm.id === id);
          return `<td class="num">${m?.at === null || m?.at === undefined ? "–" : fmtSeconds(m.at)}</td>`;
        })
        .join("");
      return `<tr class="${p.current ? "current" : ""}"><td class="mono">${esc(t.startedAt)}${p.current ? " <b>(this run)</b>" : ""}</td><td>${badgesFor(t).map(badgeHtml).join(" ")}</td><td class="mono">${esc((t.gitCommit ?? "").slice(0, 10))}</td>${cells}</tr>`;
    })
    .join("\n");
  return `<h3>Trend: the last ${points.length} run${points.length === 1 ? "" : "s"} of ${esc(name)} (up to ${limit}; ${failures} failed)</h3>
<ul class="legend">${legend}</ul>
<div class="chart">${trendSvg(points, ids)}</div>
<details><summary>Seconds to each milestone, per run</summary>
<div class="chart"><table class="trend-table"><thead><tr><th>started</th><th>outcome</th><th>commit</th>${head}</tr></thead><tbody>${rows}</tbody></table></div>
</details>`;
}

function bootSection(b: BootView, run: RunView): string {
  const t = b.timeline;
  const notReached = t.milestones.filter((m) => m.at === null).map((m) => m.id);
  const error = t.error ? `<div class="note bad">${esc(t.error)}</div>` : "";
  const link = b.serialHref
    ? `<a class="serial-log" href="${esc(b.serialHref)}">Full serial log (serial.log)</a>`
    : `<span class="muted">no serial.log</span>`;
  const attempts = b.attempts > 1 ? ` · ${b.attempts} attempts (infra retries)` : "";
  return `<section class="boot ${t.ok ? "ok-boot" : "problem-boot"}" id="${bootAnchor(t.name)}" data-outcome="${esc(t.outcome)}">
<h2><span>${esc(t.name)}</span> ${bootBadges(b).map(badgeHtml).join(" ")}</h2>
<p class="summary">${esc(b.repeat?.summary ?? t.summary)}</p>
${b.repeat ? repeatHtml(b.repeat) : knownBadNote(t)}${error}
<div class="chart">${laneTimelines(t)}</div>
${notReached.length ? `<p class="not-reached">Not reached: ${notReached.map((id) => `<code>${esc(id)}</code>`).join(", ")}</p>` : ""}
${milestoneTable(t)}
${logTailHtml(b)}
${postMortemPanel(t, b.recovered ?? { xen: [], linux: [] })}
<p>${link}${attempts}</p>
${detailsHtml(b)}
${trendHtml(t.name, run.history.get(t.name) ?? [], t, run.historyLimit)}
</section>`;
}

/** The whole page as a string. */
export function renderReport(run: RunView): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>bootlog ${esc(run.runId)}: ${run.boots.filter((b) => b.timeline.ok).length}/${run.boots.length} ok</title>
<style>${CSS}</style>
</head>
<body>
${runHeader(run)}
<main>
<div class="filters" role="group" aria-label="Filter boots"><button type="button" data-filter="all" aria-pressed="true">All boots</button> <button type="button" data-filter="problems" aria-pressed="false">Problems only</button></div>
${bootsTable(run)}
${run.boots.map((b) => bootSection(b, run)).join("\n")}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

export interface WriteReportOptions {
  /** Default: <run-dir>/report.html. */
  out?: string;
  historyRoots?: string[];
  historyLimit?: number;
}

/** Read a run directory and write its report; returns the report's path. */
export async function writeReport(
  runDir: string,
  opts: WriteReportOptions = {},
): Promise<{ file: string; run: RunView }> {
  // Links are relative to the report: resolve links (artifacts/latest) so they survive moving the run directory.
  const dir = opts.out ? dirname(resolve(opts.out)) : resolve(runDir);
  const file = join(await realpath(dir).catch(() => dir), opts.out ? basename(opts.out) : "report.html");
  const run = await loadRun(runDir, {
    outFile: file,
    historyRoots: opts.historyRoots?.map((r) => resolve(r)),
    historyLimit: opts.historyLimit,
  });
  await writeFileAtomic(file, renderReport(run));
  return { file, run };
}
