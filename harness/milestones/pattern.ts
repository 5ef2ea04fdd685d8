import type { Pattern } from "../expectations/schema.ts";

export type TextTest = (text: string) => boolean;

/** A literal matches anywhere in the text; a RegExp is tested as written (a `g` or `y` flag is dropped so tests don't carry state). */
export function compilePattern(pattern: Pattern): TextTest {
  if (typeof pattern === "string") return (text) => text.includes(pattern);
  const source = pattern instanceof RegExp ? pattern : new RegExp(pattern.regex, pattern.flags);
  const re = new RegExp(source.source, source.flags.replace(/[gy]/g, ""));
  return (text) => re.test(text);
}

/** How a pattern reads in a message. */
export function describePattern(pattern: Pattern): string {
  if (typeof pattern === "string") return JSON.stringify(pattern);
  if (pattern instanceof RegExp) return String(pattern);
  return `/${pattern.regex}/${pattern.flags ?? ""}`;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Sources that would change meaning inside a bigger alternation (backreferences, named groups). */
const NOT_COMBINABLE = /\\[1-9]|\\k<|\(\?</;

/**
 * One test that is true when any of the patterns may match: the patterns joined into one
 * alternation per flag set, so a line that matches none (nearly every line) costs one regex
 * run instead of one per pattern.
 */
export function compileAny(patterns: Pattern[]): TextTest {
  const groups = new Map<string, string[]>();
  const separate: TextTest[] = [];
  for (const pattern of patterns) {
    const re =
      typeof pattern === "string"
        ? undefined
        : pattern instanceof RegExp
          ? pattern
          : new RegExp(pattern.regex, pattern.flags);
    const source = re ? re.source : escapeRegExp(pattern as string);
    const flags = re ? re.flags.replace(/[gy]/g, "") : "";
    if (NOT_COMBINABLE.test(source)) separate.push(compilePattern(pattern));
    else groups.set(flags, [...(groups.get(flags) ?? []), `(?:${source})`]);
  }
  const combined = [...groups].map(([flags, sources]) => new RegExp(sources.join("|"), flags));
  const tests = [...combined.map((re) => (text: string) => re.test(text)), ...separate];
  if (tests.length === 0) return () => false;
  if (tests.length === 1) return tests[0]!;
  return (text) => tests.some((test) => test(text));
}
