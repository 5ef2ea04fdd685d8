import { escapeHtml as esc } from "./html-timeline.ts";
import type { Timeline } from "../artifacts/timeline.ts";

/** The recovered logs a boot's panel shows (their last lines), read next to serial.log. */
export interface RecoveredLogs {
  xen: string[];
  linux: string[];
}

function logBlock(title: string, file: string, lines: string[], telling: Set<string>): string {
  if (!lines.length) return "";
  const body = lines
    .map((line) =>
      telling.has(line.replace(/^\[\s*\d+\.\d+\] /, "")) ? `<span class="hl">${esc(line)}</span>` : esc(line),
    )
    .join("\n");
  return `<h4>${esc(title)} <span class="muted">(last ${lines.length} lines of ${esc(file)})</span></h4>
<pre class="log-tail">${body}</pre>`;
}

/** "What the machine says": the vCPU table and the logs recovered from guest RAM, telling lines marked. */
export function postMortemPanel(t: Timeline, logs: RecoveredLogs): string {
  const pm = t.postmortem;
  if (!pm) return "";
  const rows = pm.vcpus
    .map(
      (v) =>
        `<tr><td class="num">${v.index}</td><td>${esc(v.level)}${v.halted ? " (halted)" : ""}</td><td>${esc(v.owner)}</td><td class="mono">${esc(v.pc)}</td></tr>`,
    )
    .join("");
  const table = rows
    ? `<table class="vcpus"><thead><tr><th class="num">vCPU</th><th>level</th><th>whose code</th><th>PC</th></tr></thead><tbody>${rows}</tbody></table>`
    : `<p class="muted">no vCPU state</p>`;
  const telling = new Set(pm.telling.map((x) => x.line));
  const found = [
    pm.xen
      ? `Xen console ring: ${pm.xen.lines} lines${pm.xen.wrapped ? " (wrapped)" : ""} at ${pm.xen.address}`
      : "no Xen console ring",
    pm.linux ? `kernel log: ${pm.linux.records} records at ${pm.linux.address}` : "no kernel log",
  ];
  return `<div class="postmortem">
<h3>What the machine says</h3>
${pm.missing ? `<div class="note bad">post-mortem incomplete: ${esc(pm.missing)}</div>` : ""}
<p class="muted">${esc(found.join(" · "))}${pm.ram ? ` · ${esc(pm.ram.how)}, ${Math.round(pm.ram.dataBytes / 2 ** 20)} of ${Math.round(pm.ram.fileBytes / 2 ** 20)} MiB held data, scanned in ${pm.ram.scanMs} ms` : ""}</p>
${table}
${pm.telling.length ? `<ul class="telling">${pm.telling.map((x) => `<li><b>${esc(x.source)}</b> <code>${esc(x.line)}</code></li>`).join("")}</ul>` : ""}
${logBlock("Xen console ring, recovered from RAM", "xen-ring.log", logs.xen, telling)}
${logBlock("Guest kernel log, recovered from RAM", "guest-kernel.log", logs.linux, telling)}
</div>`;
}
