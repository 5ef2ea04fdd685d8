/** A culprit report for people: Markdown for a CI job summary (and culprit.md), plain text for a terminal. */
import { candidateName } from "../images/package-versions.ts";
import type { BootCulprit, CulpritReport } from "./culprit.ts";
import { describeDifferences } from "../compare/changes.ts";
import { markdownText } from "../compare/markdown-text.ts";

/** Console lines and file names are untrusted: escaped wherever they are not in a code span. */
const cell = markdownText;
const shorten = (text: string, max = 160) => (text.length > max ? `${text.slice(0, max)}…` : text);
const ICON: Record<BootCulprit["status"], string> = {
  culprit: "🎯",
  "not-reproducible": "❔",
  "not-a-package": "➡️",
  inconclusive: "❔",
  infra: "⚠️",
};

function bootMarkdown(b: BootCulprit): string[] {
  const out = [`#### ${ICON[b.status]} ${cell(b.boot)}: ${b.status}`, "", cell(b.message), ""];
  out.push(
    `- regression: ${cell(b.regression)}`,
    `- symptom judged: \`${b.badIf.join(" ")}\``,
    `- changed: ${cell(describeDifferences(b.differences).join("; ") || "nothing recorded")}`,
  );
  if (b.culprit)
    out.push(
      `- **first bad: \`${candidateName(b.culprit.firstBad)}\`**, last good: \`${candidateName(b.culprit.lastGood)}\``,
      `- confidence: ${b.confidence.level} — ${cell(b.confidence.text)}`,
    );
  if (b.suspects.length) out.push(`- suspects: ${cell(b.suspects.join("; "))}`);
  for (const note of b.notes) out.push(`- note: ${cell(note)}`);
  if (b.steps.length) {
    out.push("", "| # | step | booted | verdict | why | runs |", "|---:|---|---|---|---|---|");
    b.steps.forEach((s, i) =>
      out.push(
        `| ${i + 1} | ${s.step} | ${cell(s.what)} | ${s.verdict} | ${cell(shorten(s.reason))} | ${s.runs.length} |`,
      ),
    );
  }
  if (b.gitBisect) out.push("", "Next, bisect the commits:", "", "```sh", b.gitBisect, "```");
  if (b.reproduce.length) out.push("", "Reproduce by hand:", "", "```sh", ...b.reproduce, "```");
  return out;
}

export function culpritMarkdown(r: CulpritReport): string {
  const icon = r.exitCode === 0 ? "🎯" : r.exitCode === 125 ? "⚠️" : "❔";
  const out = [
    `### ${icon} bootlog culprit`,
    "",
    `${cell(r.old)} → ${cell(r.new)}: ${cell(r.message)} → exit ${r.exitCode}`,
  ];
  for (const b of r.boots) out.push("", ...bootMarkdown(b));
  return `${out.join("\n")}\n`;
}

export function culpritText(r: CulpritReport): string {
  const out = [`culprit: ${r.old} → ${r.new}: ${r.message} → exit ${r.exitCode}`];
  for (const b of r.boots) {
    out.push(
      "",
      `${b.boot}: ${b.status.toUpperCase()}: ${b.message}`,
      `  regression: ${b.regression}`,
      `  changed: ${describeDifferences(b.differences).join("; ") || "nothing recorded"}`,
    );
    if (b.culprit)
      out.push(
        `  first bad: ${candidateName(b.culprit.firstBad)}; last good: ${candidateName(b.culprit.lastGood)}`,
        `  confidence: ${b.confidence.level}: ${b.confidence.text}`,
      );
    for (const note of b.notes) out.push(`  note: ${note}`);
    b.steps.forEach((s, i) =>
      out.push(
        `  ${String(i + 1).padStart(2)}. ${s.step.padEnd(9)} ${s.verdict.toUpperCase().padEnd(4)} ${s.what}: ${s.reason}`,
      ),
    );
    if (b.gitBisect) out.push(`  next: ${b.gitBisect}`);
    for (const c of b.reproduce) out.push(`  reproduce: ${c}`);
  }
  return out.join("\n");
}
