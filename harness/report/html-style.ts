/** Colours, CSS and the little script of report.html: everything inline, nothing fetched. */

/** Badge colour per outcome (and per known-bad judgement); tests look for these exact pixels. */
export const OUTCOME_COLORS: Record<string, string> = {
  pass: "#1a7f37",
  fail: "#cf222e",
  hang: "#8250df",
  timeout: "#bc4c00",
  exited: "#9a6700",
  infra: "#57606a",
  skip: "#8c959f",
  "known-bad": "#0969da",
  xpass: "#cf222e",
  changed: "#cf222e",
  flaky: "#bc4c00",
};

export const outcomeColor = (key: string): string => OUTCOME_COLORS[key] ?? "#57606a";

/** Milestone series in the trend view (Tableau 10): distinct, and readable on white. */
export const SERIES_COLORS = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

export const seriesColor = (i: number): string => SERIES_COLORS[i % SERIES_COLORS.length]!;

export const CSS = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #ffffff; --panel: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header.run { padding: 16px 24px; border-bottom: 1px solid var(--line); background: var(--panel); }
header.run h1 { margin: 0 0 4px; font-size: 20px; }
main { padding: 8px 24px 40px; max-width: 1200px; }
.muted { color: var(--muted); }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.badge { display: inline-block; min-width: 64px; padding: 2px 10px; border-radius: 12px; color: #fff; font-weight: 600;
  font-size: 12px; letter-spacing: .03em; text-align: center; text-transform: uppercase; vertical-align: middle; }
.counts .badge { min-width: 0; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; background: var(--panel); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
section.boot { margin: 28px 0; padding-top: 8px; border-top: 2px solid var(--line); }
section.boot h2 { margin: 8px 0 4px; font-size: 18px; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
section.boot h3 { font-size: 14px; margin: 18px 0 6px; }
.summary { margin: 4px 0 8px; }
.note { border-left: 4px solid ${OUTCOME_COLORS["known-bad"]}; background: #ddf4ff; padding: 6px 10px; margin: 8px 0; }
.note.bad { border-color: ${OUTCOME_COLORS.fail}; background: #ffebe9; }
.chart { width: 100%; max-width: 1000px; overflow-x: auto; }
.chart svg { display: block; width: 100%; height: auto; }
.lane-name { font-weight: 600; margin: 6px 0 -4px; }
svg text { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 11px; fill: var(--fg); }
svg .axis { stroke: #8c959f; stroke-width: 1; }
svg .grid { stroke: #eaeef2; stroke-width: 1; }
svg .tick-label { fill: var(--muted); font-size: 10px; }
svg .leader { stroke: #afb8c1; stroke-width: 1; stroke-dasharray: 2 2; }
svg .milestone-marker { stroke: #fff; stroke-width: 1.5; }
svg .milestone-span { stroke-width: 6; stroke-linecap: butt; opacity: .35; }
svg .silence-gap { stroke: ${OUTCOME_COLORS.hang}; stroke-width: 1; }
svg .stop-marker { stroke-width: 2; }
svg .trend-line { fill: none; stroke-width: 2; }
svg .trend-failure-band { opacity: .12; }
svg .current-run { fill: none; stroke: #9a6700; stroke-width: 1.5; stroke-dasharray: 4 3; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 4px 0; padding: 0; list-style: none; font-size: 12px; }
.legend .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
pre.log-tail { background: #0d1117; color: #e6edf3; padding: 8px 10px; overflow-x: auto; border-radius: 6px; margin: 4px 0; }
pre.log-tail .hl { background: #6e2a2a; color: #fff; display: inline-block; width: 100%; }
.postmortem table.vcpus td, .postmortem table.vcpus th { padding: 2px 8px; }
.postmortem ul.telling { margin: 4px 0; }
details { margin: 6px 0; }
summary { cursor: pointer; }
.filters { margin: 12px 0; }
.filters button { font: inherit; padding: 2px 10px; border: 1px solid var(--line); background: #fff; border-radius: 6px; cursor: pointer; }
.filters button[aria-pressed="true"] { background: var(--fg); color: #fff; }
body.only-problems .ok-boot { display: none; }
.not-reached { color: var(--muted); }
`;

/** "Problems only" filter; everything else in the page is static. */
export const SCRIPT = `
(function () {
  var buttons = document.querySelectorAll(".filters button");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener("click", function (event) {
      var only = event.currentTarget.getAttribute("data-filter") === "problems";
      document.body.classList.toggle("only-problems", only);
      for (var j = 0; j < buttons.length; j++)
        buttons[j].setAttribute("aria-pressed", String(buttons[j] === event.currentTarget));
    });
  }
})();
`;
