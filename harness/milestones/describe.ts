import { outcomeAfter } from "../vocabulary.ts";
import type { MatcherVerdict } from "./matcher.ts";

const seconds = (s: number) => `${s.toFixed(1)} s`;
const quote = (text: string, max = 160) => JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
const lastLine = (text: string) => (text ? `last line ${quote(text)}` : "no output at all");

/** A stream that ended the boot is named; one that never saw a line says what its prefix was. */
function streamWords(v: MatcherVerdict): string {
  if (!v.stream) return "";
  const never = v.stream.lines === 0 ? ` (no line had its prefix ${JSON.stringify(v.stream.prefix)})` : "";
  return `stream ${v.stream.name}${never}: `;
}

/** Why the boot ended, without the outcome word: `silent 15.0 s, last line "Run /init as init process"`. */
export function describeCause(v: MatcherVerdict): string {
  return v.cause.kind === "all-milestones" ? causeWords(v) : streamWords(v) + causeWords(v);
}

function causeWords(v: MatcherVerdict): string {
  const cause = v.cause;
  switch (cause.kind) {
    case "all-milestones":
      return `every milestone seen in ${seconds(v.at)}`;
    case "failure-pattern":
      return `failure pattern ${cause.pattern} matched ${quote(cause.line)}${v.pending ? ` while awaiting "${v.pending}"` : ""}`;
    case "silence":
      return `silent ${seconds(cause.silentS)}, ${lastLine(v.lastLine)}`;
    case "within":
      return `"${v.pending}" not seen within ${seconds(cause.limitS)}, ${lastLine(v.lastLine)}`;
    case "budget":
      return `budget of ${seconds(cause.limitS)} ran out while awaiting "${v.pending}", ${lastLine(v.lastLine)}`;
    case "exit":
      return `QEMU exited (${cause.signal ? `signal ${cause.signal}` : `code ${cause.code}`}) while awaiting "${v.pending}", ${lastLine(v.lastLine)}`;
  }
}

/** The one-line human verdict: `HANG after "linux-banner": silent 15.0 s, last line "Run /init as init process"`. */
export function describeVerdict(v: MatcherVerdict): string {
  if (v.outcome === "pass") return `PASS: ${describeCause(v)}`;
  return `${outcomeAfter(v.outcome.toUpperCase(), v.after, true)}: ${describeCause(v)}`;
}
