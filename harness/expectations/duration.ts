/** Durations are written like "15s", "500ms", "2m" or "1.5s"; internally seconds. */
const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;

/** Seconds in a duration string, or undefined when it does not parse. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  const seconds = Number(m[1]) * UNITS[m[2]!]!;
  return seconds > 0 ? seconds : undefined;
}
