/** A repeat verdict for the terminal: the verdict line, then each milestone's time spread. */
import type { RepeatSummary } from "./summary.ts";

const s = (x: number) => `${x.toFixed(2)} s`;

export function formatRepeat(r: RepeatSummary): string[] {
  const width = Math.max(9, ...r.milestones.map((m) => m.id.length));
  const rows = r.milestones.map((m) =>
    m.spread
      ? `${m.id.padEnd(width)}  ${`${m.reached}/${r.runs}`.padStart(7)}  ${s(m.spread.min).padStart(8)}  ${s(m.spread.median).padStart(8)}  ${s(m.spread.p95).padStart(8)}  ${s(m.spread.max).padStart(8)}`
      : `${m.id.padEnd(width)}  ${`0/${r.runs}`.padStart(7)}  ${"-".padStart(8)}  ${"-".padStart(8)}  ${"-".padStart(8)}  ${"-".padStart(8)}`,
  );
  return [
    `${"milestone".padEnd(width)}  ${"reached".padStart(7)}  ${"min".padStart(8)}  ${"median".padStart(8)}  ${"p95".padStart(8)}  ${"max".padStart(8)}`,
    ...rows,
  ];
}
