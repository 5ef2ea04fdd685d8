/** A comparison for people: plain text for a terminal, Markdown for a CI job summary. */
import type { BootChange, ChangeKind, Comparison, Drift } from "./compare.ts";
import { differencesLine } from "./changes.ts";
import { markdownText } from "./markdown-text.ts";

const SECTIONS: { kind: ChangeKind; title: string }[] = [
  { kind: "regression", title: "Regressions" },
  { kind: "fix", title: "Fixes" },
  { kind: "known-bad", title: "Known-bad changes" },
  { kind: "changed", title: "Changed failures" },
  { kind: "new", title: "New boots" },
  { kind: "removed", title: "Removed boots" },
  { kind: "not-comparable", title: "Not comparable (infra or skipped)" },
];

const seconds = (s: number | null) => (s === null ? "-" : `${s.toFixed(2)} s`);
const signed = (n: number, unit: string, digits = 2) => `${n >= 0 ? "+" : ""}${n.toFixed(digits)}${unit}`;
const runName = (r: Comparison["old"]) => (r.runId ? `${r.source} (run ${r.runId})` : r.source);

/** One line of the verdict, shared by every format. */
export function verdictLine(c: Comparison, exitCode: number): string {
  const count = (kind: ChangeKind) => c.changes.filter((x) => x.kind === kind).length;
  const parts = [
    `${count("regression")} regression(s)`,
    `${count("fix")} fix(es)`,
    `${count("known-bad")} known-bad change(s)`,
    `${count("new")} new`,
    `${count("removed")} removed`,
    `${c.drift.length} drifted milestone(s)`,
    `${c.unchanged.length} unchanged`,
  ];
  return `${parts.join(", ")} → exit ${exitCode}`;
}

function milestoneLines(change: BootChange): string[] {
  return change.milestones.map(
    (m) => `${m.id}: ${m.old} → ${m.new}${m.newAt !== null && m.new === "pass" ? ` (${seconds(m.newAt)})` : ""}`,
  );
}

const driftText = (d: Drift) =>
  `${d.boot} ${d.milestone}: ${seconds(d.oldAt)} → ${seconds(d.newAt)} (${signed(d.deltaS, " s")}, ${Number.isFinite(d.percent) ? signed(d.percent, " %", 0) : "from 0"})`;

export function formatText(c: Comparison, exitCode: number): string {
  const out = [`compare: ${runName(c.old)} → ${runName(c.new)}`];
  for (const { kind, title } of SECTIONS) {
    const changes = c.changes.filter((x) => x.kind === kind);
    if (!changes.length) continue;
    out.push("", `${title.toUpperCase()} (${changes.length})`);
    for (const change of changes) {
      out.push(`  ${change.boot}: ${change.message}`);
      for (const line of milestoneLines(change)) out.push(`    ${line}`);
      if (change.differences) out.push(`    ${differencesLine(change.differences)}`);
    }
  }
  if (c.drift.length) {
    out.push(
      "",
      `TIMING DRIFT (${c.drift.length}; later by more than ${c.thresholds.percent} % and ${c.thresholds.seconds} s)`,
    );
    for (const d of c.drift) out.push(`  ${driftText(d)}`);
  }
  if (c.unchanged.length) out.push("", `UNCHANGED (${c.unchanged.length}): ${c.unchanged.join(", ")}`);
  out.push("", verdictLine(c, exitCode));
  return out.join("\n");
}

/** Markdown cells must not break the table, and console text stays text. */
const cell = markdownText;

export function formatMarkdown(c: Comparison, exitCode: number): string {
  const icon = c.regressed ? "❌" : "✅";
  const out = [
    `### ${icon} bootlog compare`,
    "",
    `${cell(runName(c.old))} → ${cell(runName(c.new))}`,
    "",
    `**${verdictLine(c, exitCode)}**`,
  ];
  for (const { kind, title } of SECTIONS) {
    const changes = c.changes.filter((x) => x.kind === kind);
    if (!changes.length) continue;
    out.push(
      "",
      `#### ${title} (${changes.length})`,
      "",
      "| boot | before | now | what | milestones |",
      "|---|---|---|---|---|",
    );
    for (const change of changes)
      out.push(
        `| ${cell(change.boot)} | ${cell(change.old ?? "—")} | ${cell(change.new ?? "—")} | ${cell(change.message)} | ${cell(milestoneLines(change).join("; ") || "—")} |`,
      );
    const changed = changes.filter((change) => change.differences);
    if (changed.length)
      out.push("", ...changed.map((change) => `- ${cell(change.boot)}: ${cell(differencesLine(change.differences!))}`));
  }
  if (c.drift.length) {
    out.push(
      "",
      `#### Timing drift (later by > ${c.thresholds.percent} % and > ${c.thresholds.seconds} s)`,
      "",
      "| boot | milestone | before | now | Δ |",
      "|---|---|---:|---:|---:|",
    );
    for (const d of c.drift)
      out.push(
        `| ${cell(d.boot)} | ${cell(d.milestone)} | ${seconds(d.oldAt)} | ${seconds(d.newAt)} | ${signed(d.deltaS, " s")} (${Number.isFinite(d.percent) ? signed(d.percent, " %", 0) : "from 0"}) |`,
      );
  }
  if (c.unchanged.length) out.push("", `Unchanged: ${c.unchanged.map(cell).join(", ")}`);
  return `${out.join("\n")}\n`;
}

export function formatJson(c: Comparison, exitCode: number): string {
  return JSON.stringify({ ...c, exitCode }, null, 2);
}
