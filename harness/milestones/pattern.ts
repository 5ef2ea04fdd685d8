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
