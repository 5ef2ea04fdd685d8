/**
 * The part of a boot's report section for `--runs N`: outcome counts, the failure rate with its
 * 95 % interval, and per milestone a strip of every run's time (a dot per run) over its
 * min–max range, with the median and p95 marked.
 */
import type { RepeatFile } from "../artifacts/repeat-file.ts";
import { intervalText, percent } from "../repeat/summary.ts";
import { outcomeColor, seriesColor } from "./html-style.ts";
import { escapeHtml as esc, fmtSeconds } from "./html-timeline.ts";

const WIDTH = 560;
const ROW = 22;
const LEFT = 150;

function strips(r: RepeatFile): string {
  const times = r.milestones.flatMap((m) => m.times.filter((t): t is number => t !== null));
  if (!times.length) return "";
  const max = Math.max(...times) * 1.05 || 1;
  const x = (s: number) => LEFT + (s / max) * (WIDTH - LEFT - 10);
  const rows = r.milestones.map((m, i) => {
    const y = 14 + i * ROW;
    const label = `<text x="4" y="${y + 4}" font-size="11">${esc(m.id)} (${m.reached}/${r.runs})</text>`;
    if (!m.spread) return `${label}<text x="${LEFT}" y="${y + 4}" font-size="11" fill="#59636e">not reached</text>`;
    const s = m.spread;
    const dots = m.times
      .map((t, k) =>
        t === null
          ? ""
          : `<circle cx="${x(t).toFixed(1)}" cy="${y}" r="3" fill="${seriesColor(i)}" fill-opacity="0.6"><title>run ${k + 1}: ${fmtSeconds(t)}</title></circle>`,
      )
      .join("");
    return `${label}<line x1="${x(s.min).toFixed(1)}" x2="${x(s.max).toFixed(1)}" y1="${y}" y2="${y}" stroke="#8c959f"/>
<line class="median" x1="${x(s.median).toFixed(1)}" x2="${x(s.median).toFixed(1)}" y1="${y - 7}" y2="${y + 7}" stroke="#1f2328" stroke-width="2"><title>median ${fmtSeconds(s.median)}</title></line>
<line class="p95" x1="${x(s.p95).toFixed(1)}" x2="${x(s.p95).toFixed(1)}" y1="${y - 5}" y2="${y + 5}" stroke="#cf222e" stroke-dasharray="2 2"><title>p95 ${fmtSeconds(s.p95)}</title></line>${dots}`;
  });
  const height = 14 + r.milestones.length * ROW;
  const axis = `<text x="${LEFT}" y="${height}" font-size="10" fill="#59636e">0 s</text><text x="${WIDTH - 10}" y="${height}" font-size="10" fill="#59636e" text-anchor="end">${fmtSeconds(max)}</text>`;
  return `<svg class="spread" role="img" aria-label="milestone times across ${r.runs} runs" style="width:${WIDTH}px;max-width:100%" viewBox="0 0 ${WIDTH} ${height + 4}">${rows.join("\n")}${axis}</svg>`;
}

function spreadTable(r: RepeatFile): string {
  const rows = r.milestones.map(
    (m) =>
      `<tr><td><code>${esc(m.id)}</code></td><td class="num">${m.reached}/${r.runs}</td>${
        m.spread
          ? [m.spread.min, m.spread.median, m.spread.p95, m.spread.max]
              .map((v) => `<td class="num">${fmtSeconds(v)}</td>`)
              .join("")
          : `<td class="num">–</td>`.repeat(4)
      }</tr>`,
  );
  return `<table class="spread-table"><thead><tr><th>milestone</th><th class="num">reached</th><th class="num">min</th><th class="num">median</th><th class="num">p95</th><th class="num">max</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

export function repeatHtml(r: RepeatFile): string {
  const counts = r.counts
    .map(
      (c) =>
        `<span class="badge" style="background:${outcomeColor(c.symptom.split(" ")[0]!)}">${c.count} ${esc(c.symptom)}</span>`,
    )
    .join(" ");
  const rate =
    r.rate === null || !r.interval
      ? "nothing judged"
      : `failure rate <b>${percent(r.rate)}</b> (${r.failures}/${r.judged}, ${intervalText(r.interval)})`;
  return `<div class="repeat" data-class="${esc(r.class)}">
<p><b>${r.runs} runs</b>, class <b>${esc(r.class)}</b>: ${counts}</p>
<p class="rate">${rate}</p>
<p class="muted">${r.knownBad ? `Known bad: expected <b>${esc(r.knownBad.outcome)}</b> after <code>${esc(r.knownBad.after)}</code>${r.knownBad.rate === undefined ? "" : ` in ${percent(r.knownBad.rate)} of runs`}: ${esc(r.knownBad.status)}. ` : ""}The timeline below is the last run (run ${r.runs}); every run's artifacts are in its <code>run-K/</code> directory.</p>
<h3>Milestone times across the runs</h3>
<div class="chart">${strips(r)}</div>
${spreadTable(r)}
</div>`;
}
