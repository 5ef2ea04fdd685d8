/** Option values shared by every command of the CLI. */
import type { CAC, Command } from "cac";

/** A mistake in the command line: exit 2 (bisect: 128, so that git bisect stops). Nothing has been written yet. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A repeatable option as a list: cac gives undefined, one value, or an array. */
export const list = (value: unknown): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];

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

/** Number options, by camel-cased name: checked for every command before its action runs. */
const NUMBER_OPTIONS: Record<string, { integer: boolean; min: number }> = {
  retries: { integer: true, min: 0 },
  jobs: { integer: true, min: 1 },
  runs: { integer: true, min: 1 },
  history: { integer: true, min: 1 },
  last: { integer: true, min: 1 },
  driftPercent: { integer: false, min: 0 },
  driftSeconds: { integer: false, min: 0 },
};

const camel = (name: string) => name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
const NEGATIVE_NUMBER = /^-[\d.]/;

/** `--flag value` / `--flag=value` occurrences in argv (up to `--`), exactly as typed. */
function rawValues(argv: string[], flag: string): { values: string[]; negatives: string[] } {
  const end = argv.indexOf("--") === -1 ? argv.length : argv.indexOf("--");
  const values: string[] = [];
  const negatives: string[] = [];
  for (let i = 0; i < end; i++) {
    const arg = argv[i]!;
    if (arg.startsWith(`--${flag}=`)) values.push(arg.slice(flag.length + 3));
    else if (arg === `--${flag}` && i + 1 < end) {
      const next = argv[i + 1]!;
      // mri reads "--jobs -1" as a flag -1: a negative number here is this option's (invalid) value.
      if (!next.startsWith("-") || NEGATIVE_NUMBER.test(next)) {
        values.push(next);
        i++;
        if (next.startsWith("-")) negatives.push(next);
      }
    }
  }
  return { values, negatives };
}

function checkNumber(name: string, raw: unknown, rule: { integer: boolean; min: number }): number {
  const text = String(raw).trim();
  const n = text === "" ? NaN : Number(text);
  const kind = rule.integer ? (rule.min >= 1 ? "a positive integer" : "a whole number ≥ 0") : `a number ≥ ${rule.min}`;
  if (!Number.isFinite(n) || n < rule.min || (rule.integer && !Number.isInteger(n)))
    throw new UsageError(`--${name}: expected ${kind}, got "${String(raw)}"`);
  return n;
}

/**
 * cac (through mri) turns option values that look like numbers into numbers: `--artifacts 2024`
 * arrives as 2024, `--good 1.10` as 1.1. Every value option of the matched command is read
 * again from argv as typed; paths must not be empty; number options are checked (and made
 * numbers) here, before any command writes anything.
 */
export function normalizeOptions(cli: CAC, argv: string[]): void {
  const command: Command | undefined = cli.matchedCommand;
  if (!command) return;
  const options = cli.options as Record<string, unknown>;
  for (const option of [...command.options, ...cli.globalCommand.options]) {
    if (option.isBoolean) continue;
    const flag = option.rawName.replace(/^--/, "").split(/[ =]/)[0]!;
    const key = camel(flag);
    const { values, negatives } = rawValues(argv, flag);
    // The short flags mri made of a negative number ("-1" → option "1") are not options.
    for (const negative of negatives) for (const c of negative.slice(1)) delete options[c];
    if (values.length) options[key] = values.length === 1 ? values[0] : values;
    const value = options[key];
    if (value === undefined || value === true) continue;
    const rule = NUMBER_OPTIONS[key];
    if (rule) {
      if (Array.isArray(value)) throw new UsageError(`--${flag}: given ${value.length} times`);
      options[key] = checkNumber(flag, value, rule);
    } else if (list(value).some((v) => v.trim() === "")) throw new UsageError(`--${flag}: empty value`);
  }
}
