import { escapeHtml, timelineSvg } from "./html-timeline.ts";
import type { Timeline } from "../artifacts/timeline.ts";

/**
 * A boot with milestones per stream: one lane per stream, each its own timeline on the same
 * seconds axis (every lane ends at the verdict). A lane whose milestones were all reached shows
 * no stop marker; the others show where the boot stopped.
 */
export function laneTimelines(t: Timeline): string {
  const streams = [...new Set(t.milestones.map((m) => m.stream).filter((s): s is string => !!s))];
  if (!streams.length) return timelineSvg(t);
  const end = t.verdict?.at ?? Math.max(0, ...t.milestones.map((m) => m.at ?? 0));
  return streams
    .map((stream) => {
      const milestones = t.milestones.filter((m) => m.stream === stream);
      const done = milestones.every((m) => m.reached);
      const verdict = t.verdict ?? {
        outcome: t.outcome,
        at: end,
        cause: { kind: "all-milestones" },
        after: "start",
        lastLine: "",
      };
      const lane: Timeline = {
        ...t,
        name: `${t.name}/${stream}`,
        milestones,
        outcome: done ? "pass" : t.outcome,
        verdict: { ...verdict, at: end } as Timeline["verdict"],
      };
      return `<div class="lane" data-stream="${escapeHtml(stream)}"><div class="lane-name">${escapeHtml(stream)}</div>${timelineSvg(lane)}</div>`;
    })
    .join("");
}
