import type { Expectation } from "../expectations/loader.ts";
import { timed } from "../expectations/loader.ts";
import type { Pattern } from "../expectations/schema.ts";
import { defaultPrefix } from "../expectations/streams.ts";

/**
 * What LAVA can take of an expectation with milestones per stream. A LAVA interactive test is
 * one ordered script over the console, and streams interleave on it: a script awaiting dom0's
 * next line consumes (and loses) a domU's lines in between. So one stream is exported — dom0
 * (the unprefixed lines) when there is one, else the first declared — and every left-out part
 * is said in the notes.
 */
export function lavaStreamView(exp: Expectation, notes: string[]): Expectation {
  if (!exp.streams) return exp;
  const entries = Object.entries(exp.streams);
  const [name, stream] = entries.find(([n, s]) => (s.prefix ?? defaultPrefix(n)) === "") ?? entries[0]!;
  const left = entries.filter(([n]) => n !== name);
  notes.push(
    `streams: LAVA follows one ordered list, so only stream "${name}" is exported` +
      (left.length
        ? `; left out: ${left.map(([n, s]) => `${n} (${s.milestones.length} milestones)`).join(", ")}, whose lines interleave with it on the console`
        : ""),
  );
  if (stream.after)
    notes.push(`stream ${name}: after ${stream.after} is not mapped: its milestones are awaited from the start`);
  if (stream.silence || stream.within)
    notes.push(`stream ${name}: its own silence/within are not mapped (LAVA has one connection timeout)`);
  const prefix = stream.prefix ?? defaultPrefix(name);
  if (prefix && typeof prefix !== "string")
    notes.push(
      `stream ${name}: patterns are matched on whole lines, its RegExp prefix included (a pattern anchored with ^ will not match)`,
    );
  return {
    ...exp,
    // LAVA names allow no "/": stream.milestone instead of stream/milestone.
    milestones: timed(stream.milestones).map((m) => ({
      ...m,
      id: `${name}.${m.id}`,
      match: typeof prefix === "string" ? withPrefix(m.match, prefix) : m.match,
    })),
    failOn: [...exp.failOn, ...(stream.failOn ?? [])],
  };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** LAVA sees whole lines: a RegExp anchored at the start of the stream's text gets the literal prefix back (a literal matches anywhere anyway). */
function withPrefix(match: Pattern, prefix: string): Pattern {
  if (!prefix || typeof match === "string") return match;
  const re = match instanceof RegExp ? match : new RegExp(match.regex, match.flags);
  return re.source.startsWith("^") ? new RegExp(`^${escapeRegExp(prefix)}${re.source.slice(1)}`, re.flags) : re;
}
