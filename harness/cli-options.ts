/** Option values shared by every command of the CLI. */

/** A repeatable option as a list: cac gives undefined, one value, or an array. */
export const list = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

/** `--image role=path` pairs. `invalid` makes the error for a malformed pair (bisect's must stop git bisect, not skip). */
export function imageOverrides(value: unknown, invalid: (message: string) => Error): Record<string, string> {
  return Object.fromEntries(
    list(value).map((pair) => {
      const at = pair.indexOf("=");
      if (at < 1) throw invalid(`--image: expected ROLE=PATH, got "${pair}"`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}
