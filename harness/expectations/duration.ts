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

/** The longest duration an expectation may give: a week (a budget of 1e400 s is a typo, not a plan). */
const MAX_SECONDS = 7 * 24 * 3600;

/** Why a duration string is not usable, or undefined. */
export function durationProblem(text: string): string | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return 'not a duration (write e.g. "15s", "500ms", "2m")';
  const seconds = Number(m[1]) * UNITS[m[2]!]!;
  if (seconds <= 0) return `must be > 0 (got "${text}")`;
  if (!(seconds <= MAX_SECONDS)) return `too long (got "${text}"; at most 7 days)`;
  return undefined;
}
