import type { Expectation } from "../expectations/loader.ts";
import { timed } from "../expectations/loader.ts";
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
      (left.length ? `; left out: ${left.map(([n, s]) => `${n} (${s.milestones.length} milestones)`).join(", ")}, whose lines interleave with it on the console` : ""),
  );
  if (stream.after) notes.push(`stream ${name}: after ${stream.after} is not mapped: its milestones are awaited from the start`);
  if (stream.silence || stream.within) notes.push(`stream ${name}: its own silence/within are not mapped (LAVA has one connection timeout)`);
  const prefix = stream.prefix ?? defaultPrefix(name);
  if (prefix) notes.push(`stream ${name}: patterns are matched on whole lines, prefix ${JSON.stringify(prefix)} included (an anchored RegExp will not match)`);
  return {
    ...exp,
    // LAVA names allow no "/": stream.milestone instead of stream/milestone.
    milestones: timed(stream.milestones).map((m) => ({ ...m, id: `${name}.${m.id}` })),
    failOn: [...exp.failOn, ...(stream.failOn ?? [])],
  };
}
