/**
 * The two pictures of report.html, as inline SVG strings:
 * - a boot's timeline: milestones on a seconds axis, where the boot stopped, the silence before a hang;
 * - a boot's trend: time to each milestone over the last runs, failed runs marked.
 */
import { outcomeAfter } from "../vocabulary.ts";
import type { HistoryPoint } from "./html-data.ts";
import { outcomeColor, seriesColor } from "./html-style.ts";
import type { Timeline } from "../artifacts/timeline.ts";

const W = 1000;
const CHAR_W = 6.7; // 11px monospace
const ROW_H = 16;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const n = (v: number) => (Math.round(v * 100) / 100).toString();

/** Seconds as people read them on a boot timeline. */
export function fmtSeconds(s: number): string {
  return s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`;
}

/** A round upper bound for an axis: 1, 2, 2.5, 5 × 10^k above v. */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Tick step giving at most `max` ticks up to `top`. */
function tickStep(top: number, max = 10): number {
  const p = 10 ** Math.floor(Math.log10(top / max));
  for (const m of [1, 2, 2.5, 5, 10]) if (top / (m * p) <= max) return m * p;
  return 10 * p;
}

function ticks(top: number, max = 10): number[] {
  const step = tickStep(top, max);
  const out: number[] = [];
  for (let v = 0; v <= top + step / 1000; v += step) out.push(Math.round(v * 1000) / 1000);
  return out;
}

const slug = (text: string) => text.replace(/[^a-zA-Z0-9_-]/g, "_");

/** The moment the boot's verdict fell, or the last milestone for older timelines without one. */
function endOf(t: Timeline): number {
  const reached = t.milestones.filter((m) => m.at !== null).map((m) => m.at!);
  return t.verdict?.at ?? (reached.length ? Math.max(...reached) : 0);
}

interface Label {
  x: number;
  text: string;
  start: number;
  end: number;
  anchor: "start" | "end";
  row: number;
}

const MAX_ROWS = 8;

/**
 * Put each label on the first row where it overlaps nothing. Labels are placed by priority (the
 * last milestone reached, then the first, then in order); when MAX_ROWS are full a label is left
 * out (its marker keeps a tooltip, and the table lists every milestone).
 */
function placeLabels(items: { x: number; text: string }[], left: number, right: number): (Label | undefined)[] {
  const rows: [number, number][][] = [];
  const order = items.map((_, i) => i);
  if (order.length > 1) order.unshift(...order.splice(order.length - 1, 1));
  if (order.length > 2) order.splice(1, 0, ...order.splice(order.indexOf(0), 1));
  const placed: (Label | undefined)[] = items.map(() => undefined);
  for (const i of order) {
    const { x, text } = items[i]!;
    const w = text.length * CHAR_W + 6;
    const anchor = x + w > right ? "end" : "start";
    const start = anchor === "start" ? x - 1 : Math.max(left, x - w);
    const end = anchor === "start" ? x + w : x + 1;
    const free = (row: [number, number][]) => row.every(([s, e]) => end + 4 <= s || e + 4 <= start);
    let row = rows.findIndex(free);
    if (row < 0 && rows.length < MAX_ROWS) row = rows.push([]) - 1;
    if (row < 0) continue;
    rows[row]!.push([start, end]);
    placed[i] = { x, text, start, end, anchor, row };
  }
  return placed;
}

/** One boot: milestones on a time axis (seconds from QEMU start), the stop, and the silence of a hang. */
export function timelineSvg(t: Timeline): string {
  const id = slug(t.name);
  const L = 24;
  const R = 24;
  const plotW = W - L - R;
  const end = endOf(t);
  const reached = t.milestones.map((m, i) => ({ ...m, i })).filter((m) => m.at !== null) as {
    id: string;
    at: number;
    sincePrevious: number | null;
    i: number;
  }[];
  const top = niceCeil(Math.max(end, ...reached.map((m) => m.at), 0.5) * 1.03);
  const x = (s: number) => L + (Math.max(0, s) / top) * plotW;

  const labels = placeLabels(
    reached.map((m) => ({ x: x(m.at), text: `${m.id} ${fmtSeconds(m.at)}` })),
    L,
    W - R,
  );
  const rows = Math.max(1, ...labels.map((l) => (l ? l.row + 1 : 0)));
  const labelTop = 14;
  const axisY = labelTop + rows * ROW_H + 16;
  const height = axisY + 52;
  const parts: string[] = [];

  parts.push(
    `<defs><pattern id="hatch-${id}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
      `<rect width="6" height="6" fill="${outcomeColor("hang")}" fill-opacity="0.12"/>` +
      `<line x1="0" y1="0" x2="0" y2="6" stroke="${outcomeColor("hang")}" stroke-width="2" stroke-opacity="0.45"/></pattern></defs>`,
  );

  // grid and seconds axis
  for (const v of ticks(top)) {
    const tx = n(x(v));
    parts.push(`<line class="grid" x1="${tx}" y1="${labelTop - 10}" x2="${tx}" y2="${axisY}"/>`);
    parts.push(`<line class="axis" x1="${tx}" y1="${axisY}" x2="${tx}" y2="${axisY + 5}"/>`);
    parts.push(`<text class="tick-label" x="${tx}" y="${axisY + 17}" text-anchor="middle">${n(v)}s</text>`);
  }
  parts.push(`<line class="axis" x1="${L}" y1="${axisY}" x2="${W - R}" y2="${axisY}"/>`);

  // the silence before a hang: from the last output to the verdict
  const cause = t.verdict?.cause;
  if (t.verdict && cause?.kind === "silence") {
    const x1 = x(t.verdict.at - cause.silentS);
    const x2 = x(t.verdict.at);
    parts.push(
      `<rect class="silence-gap" data-silent-s="${n(cause.silentS)}" x="${n(x1)}" y="${axisY - 18}" width="${n(Math.max(2, x2 - x1))}" height="36" fill="url(#hatch-${id})">` +
        `<title>no console output for ${fmtSeconds(cause.silentS)} (limit ${fmtSeconds(cause.limitS)})</title></rect>`,
    );
    parts.push(
      `<text x="${n((x1 + x2) / 2)}" y="${axisY + 32}" text-anchor="middle" fill="${outcomeColor("hang")}">silent ${fmtSeconds(cause.silentS)}</text>`,
    );
  }

  // where the host held the guest back (≥ half the wall time): on the guest's clock a starved
  // stretch is short, so it is drawn at least 3 px wide and its title says what it cost in wall time
  for (const st of t.host?.starved ?? []) {
    const x1 = x(st.fromS);
    const x2 = x(st.toS);
    parts.push(
      `<rect class="host-starved" data-denied-s="${n(st.deniedS)}" x="${n(x1)}" y="${labelTop - 10}" width="${n(Math.max(3, x2 - x1))}" height="${n(axisY - labelTop + 10)}" fill="${outcomeColor("infra")}" fill-opacity="0.18">` +
        `<title>host busy: ${fmtSeconds(st.wallS)} of wall time for ${fmtSeconds(st.toS - st.fromS)} of the guest's, waited ${fmtSeconds(st.deniedS)}</title></rect>`,
    );
  }

  // spans between consecutive milestones
  let previous = 0;
  for (const m of reached) {
    parts.push(
      `<line class="milestone-span" x1="${n(x(previous))}" y1="${axisY}" x2="${n(x(m.at))}" y2="${axisY}" stroke="${seriesColor(m.i)}"/>`,
    );
    previous = m.at;
  }

  // where it stopped (anything but a pass)
  if (t.outcome !== "pass" && t.verdict) {
    const sx = n(x(t.verdict.at));
    const color = outcomeColor(t.outcome);
    const text = `${outcomeAfter(t.outcome, t.verdict.after)}${t.verdict.pending ? `, awaiting ${t.verdict.pending}` : ""} (${fmtSeconds(t.verdict.at)})`;
    const anchor = x(t.verdict.at) > W / 2 ? "end" : "start";
    parts.push(
      `<line class="stop-marker" data-at="${n(t.verdict.at)}" x1="${sx}" y1="${axisY - 22}" x2="${sx}" y2="${axisY + 22}" stroke="${color}"/>`,
    );
    parts.push(
      `<text x="${anchor === "end" ? n(x(t.verdict.at) - 6) : n(x(t.verdict.at) + 6)}" y="${axisY + 46}" text-anchor="${anchor}" fill="${color}" font-weight="600">${escapeHtml(text)}</text>`,
    );
  }

  // milestones: leader from the label to the marker
  labels.forEach((l, k) => {
    const m = reached[k]!;
    const mx = x(m.at);
    if (l) {
      const ly = labelTop + l.row * ROW_H;
      parts.push(`<line class="leader" x1="${n(l.x)}" y1="${ly + 3}" x2="${n(l.x)}" y2="${axisY - 7}"/>`);
      parts.push(
        `<text class="milestone-label" x="${n(l.anchor === "start" ? l.x + 2 : l.x - 2)}" y="${ly}" text-anchor="${l.anchor}">${escapeHtml(l.text)}</text>`,
      );
    }
    const since = m.sincePrevious === null ? "" : `, +${fmtSeconds(m.sincePrevious)} after the previous`;
    parts.push(
      `<circle class="milestone-marker" data-id="${escapeHtml(m.id)}" data-at="${m.at}" cx="${n(mx)}" cy="${axisY}" r="6" fill="${seriesColor(m.i)}">` +
        `<title>${escapeHtml(m.id)} at ${fmtSeconds(m.at)}${since}</title></circle>`,
    );
  });

  const label = `Timeline of ${t.name}: ${reached.length} of ${t.milestones.length} milestones reached, ${t.outcome}`;
  return `<svg class="timeline" data-boot="${escapeHtml(t.name)}" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="${escapeHtml(label)}">${parts.join("")}</svg>`;
}

/** "01-02 03:04" in UTC, short enough for an axis. */
function shortTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso.slice(0, 16);
  const p = (v: number) => String(v).padStart(2, "0");
  return `${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

/** A run failed for the trend when it did not pass (a reproduced known-bad is marked too, in its own colour). */
export function trendKey(t: Timeline): string | undefined {
  if (t.outcome === "pass" && t.knownBad?.judgement?.status !== "xpass") return undefined;
  if (t.knownBad?.judgement?.status === "reproduced") return "known-bad";
  if (t.knownBad?.judgement?.status === "xpass") return "xpass";
  return t.outcome;
}

/** Time to each milestone over the last runs (oldest left), failed runs banded and crossed. */
export function trendSvg(points: HistoryPoint[], milestoneIds: string[]): string {
  const L = 52;
  const R = 16;
  const T = 12;
  const plotH = 190;
  const plotW = W - L - R;
  const count = Math.max(1, points.length);
  const colW = plotW / count;
  const x = (i: number) => L + (i + 0.5) * colW;
  const values = points.flatMap((p) => [...p.timeline.milestones.map((m) => m.at ?? 0), p.timeline.verdict?.at ?? 0]);
  const top = niceCeil(Math.max(0.5, ...values) * 1.05);
  const y = (s: number) => T + plotH - (Math.max(0, s) / top) * plotH;
  const parts: string[] = [];
  const bottom = T + plotH;

  points.forEach((p, i) => {
    if (p.current)
      parts.push(
        `<rect class="current-run" x="${n(L + i * colW + 1)}" y="${T + 1}" width="${n(colW - 2)}" height="${plotH - 2}"/>`,
      );
  });
  for (const v of ticks(top, 6)) {
    parts.push(`<line class="grid" x1="${L}" y1="${n(y(v))}" x2="${W - R}" y2="${n(y(v))}"/>`);
    parts.push(`<text class="tick-label" x="${L - 6}" y="${n(y(v) + 3)}" text-anchor="end">${n(v)}s</text>`);
  }
  parts.push(`<line class="axis" x1="${L}" y1="${bottom}" x2="${W - R}" y2="${bottom}"/>`);
  parts.push(`<line class="axis" x1="${L}" y1="${T}" x2="${L}" y2="${bottom}"/>`);

  // failed runs: a band behind the column
  points.forEach((p, i) => {
    const key = trendKey(p.timeline);
    if (key)
      parts.push(
        `<rect class="trend-failure-band" x="${n(L + i * colW)}" y="${T}" width="${n(colW)}" height="${plotH}" fill="${outcomeColor(key)}"/>`,
      );
  });

  // one line per milestone, broken where a run did not reach it
  milestoneIds.forEach((id, k) => {
    const color = seriesColor(k);
    let segment: string[] = [];
    const flush = () => {
      if (segment.length > 1)
        parts.push(
          `<polyline class="trend-line" data-id="${escapeHtml(id)}" stroke="${color}" points="${segment.join(" ")}"/>`,
        );
      segment = [];
    };
    points.forEach((p, i) => {
      const m = p.timeline.milestones.find((mm) => mm.id === id);
      if (m?.at === null || m?.at === undefined) return flush();
      segment.push(`${n(x(i))},${n(y(m.at))}`);
      parts.push(
        `<circle class="trend-point" data-id="${escapeHtml(id)}" cx="${n(x(i))}" cy="${n(y(m.at))}" r="3" fill="${color}">` +
          `<title>${escapeHtml(id)}: ${fmtSeconds(m.at)} (${escapeHtml(p.runId)})</title></circle>`,
      );
    });
    flush();
  });

  // failed runs: a cross where the boot stopped
  points.forEach((p, i) => {
    const key = trendKey(p.timeline);
    if (!key) return;
    const cx = x(i);
    const cy = y(endOf(p.timeline));
    const s = 6;
    parts.push(
      `<path class="trend-failure" data-run="${escapeHtml(p.runId)}" data-outcome="${escapeHtml(p.timeline.outcome)}" d="M${n(cx - s)},${n(cy - s)}L${n(cx + s)},${n(cy + s)}M${n(cx - s)},${n(cy + s)}L${n(cx + s)},${n(cy - s)}" stroke="${outcomeColor(key)}" stroke-width="3">` +
        `<title>${escapeHtml(p.timeline.summary)}</title></path>`,
    );
  });

  // run labels: every k-th so they do not collide
  const every = Math.ceil(count / Math.max(1, Math.floor(plotW / 96)));
  points.forEach((p, i) => {
    if (i % every !== 0 && !p.current) return;
    const commit = p.timeline.gitCommit ? p.timeline.gitCommit.slice(0, 7) : "";
    parts.push(
      `<text class="tick-label run-label" x="${n(x(i))}" y="${bottom + 14}" text-anchor="middle">${escapeHtml(shortTime(p.timeline.startedAt))}</text>`,
    );
    if (commit)
      parts.push(
        `<text class="tick-label" x="${n(x(i))}" y="${bottom + 27}" text-anchor="middle">${escapeHtml(commit)}${p.current ? " (this run)" : ""}</text>`,
      );
    else if (p.current)
      parts.push(`<text class="tick-label" x="${n(x(i))}" y="${bottom + 27}" text-anchor="middle">(this run)</text>`);
  });

  const height = bottom + 34;
  const label = `Trend over ${points.length} runs: seconds to each milestone`;
  return `<svg class="trend" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="${escapeHtml(label)}">${parts.join("")}</svg>`;
}
