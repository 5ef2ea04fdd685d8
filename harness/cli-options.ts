/**
 * The command line, parsed once for every command, and the option values every command shares.
 *
 * Why node:util parseArgs under cac, not cac alone: cac hands argv to mri, which turns values that
 * look like numbers into numbers (`--good 1.10` → 1.1, `--artifacts 2024` → 2024, `--bad-if-line
 * 007` → 7), reads `--jobs -1` as a flag named "1", and cac has no way to declare an option a
 * string. Three commands used to read argv a second time to undo that. parseArgs keeps every value
 * exactly as typed, takes `-1` as the value of the option before it, stops at `--`, and reports
 * each option it met as a token, so every mistake can be named as typed. cac keeps what it does
 * well: the table of commands and options, and the help made from it.
 */
import { parseArgs } from "node:util";
import type { CAC, Command } from "cac";
import { MAX_RUNS } from "./vocabulary.ts";

/** A mistake in the command line: exit 2 (bisect: 128, so that git bisect stops). Nothing has been written yet. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A repeatable option as a list: undefined, one value, or an array. */
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

/** Options that may be given several times (their value is then a list). */
const REPEATABLE = new Set([
  "tag",
  "image",
  "pin",
  "bad-if",
  "bad-if-line",
  "bad-if-testcase",
  "bad-if-message",
  "history-dir",
]);

/**
 * Number options, by flag, with their bounds. The upper bounds keep a typo (`--runs
 * 99999999999999999999`) from becoming an allocation error after a run directory was made:
 * a thousand boots of one expectation, 256 lanes, 100 retries are past any real use.
 */
export const NUMBER_OPTIONS: Record<string, { integer: boolean; min: number; max: number }> = {
  retries: { integer: true, min: 0, max: 100 },
  jobs: { integer: true, min: 1, max: 256 },
  runs: { integer: true, min: 1, max: MAX_RUNS },
  history: { integer: true, min: 1, max: 10_000 },
  last: { integer: true, min: 1, max: 1_000_000 },
  "max-boots": { integer: true, min: 1, max: 10_000 },
  "drift-percent": { integer: false, min: 0, max: 1_000_000 },
  "drift-seconds": { integer: false, min: 0, max: 1_000_000 },
};

/** Options that cannot be given together: each pair says one thing and its opposite, or two places for one output. */
const EXCLUSIVE: [string, string][] = [
  ["json", "markdown"],
  ["bundle", "out"],
];

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** The long flag of a cac option (`--drift-percent <n>` → drift-percent, `--no-verify` → verify) and its short one. */
function flagsOf(rawName: string): { long: string; short?: string } {
  const names = rawName
    .replace(/[<[].*$/, "")
    .split(",")
    .map((n) => n.trim());
  const long = names
    .find((n) => n.startsWith("--"))!
    .slice(2)
    .replace(/^no-/, "");
  const short = names.find((n) => /^-[^-]$/.test(n))?.slice(1);
  return short ? { long, short } : { long };
}

function checkNumber(flag: string, raw: string): number {
  const rule = NUMBER_OPTIONS[flag]!;
  const text = raw.trim();
  const n = text === "" ? NaN : Number(text);
  const kind = rule.integer ? (rule.min >= 1 ? "a positive integer" : "a whole number ≥ 0") : `a number ≥ ${rule.min}`;
  if (!Number.isFinite(n) || n < rule.min || (rule.integer && !Number.isInteger(n)))
    throw new UsageError(`--${flag}: expected ${kind}, got "${raw}"`);
  if (n > rule.max) throw new UsageError(`--${flag}: at most ${rule.max}, got "${raw}"`);
  return n;
}

/** What the command line asked for besides a command's action. */
export interface ParsedCommandLine {
  help: boolean;
  version: boolean;
}

/**
 * Parse argv for `cli`: find the command (its name first, as `bootlog run ...`), check every
 * option against that command's table, keep values as typed, check numbers and bounds, refuse
 * options given twice or together with their opposite, and hand cac the result (`cli.args`,
 * `cli.options`, `cli.matchedCommand`) for `runMatchedCommand`. Arguments after `--` are
 * positional, whatever they look like. Every mistake is a UsageError, before any action runs.
 */
export function parseCommandLine(cli: CAC, argv: string[]): ParsedCommandLine {
  const args = argv.slice(2);
  const name = args[0];
  const command: Command | undefined =
    name === undefined || name.startsWith("-") ? undefined : cli.commands.find((c) => c.isMatched(name));
  if (name !== undefined && !name.startsWith("-") && !command)
    throw new UsageError(`unknown command "${name}" (bootlog --help lists them)`);
  if (command) {
    cli.matchedCommand = command;
    cli.matchedCommandName = name;
  }
  const declared = [...(command?.options ?? []), ...cli.globalCommand.options];
  const config: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> = {};
  const defaults: Record<string, unknown> = {};
  for (const option of declared) {
    const { long, short } = flagsOf(option.rawName);
    const type = option.isBoolean ? "boolean" : "string";
    config[long] = { type, ...(short ? { short } : {}), ...(REPEATABLE.has(long) ? { multiple: true } : {}) };
    if (option.config.default !== undefined) defaults[camel(long)] = option.config.default;
  }
  const { values, positionals, tokens } = parseArgs({
    args: command ? args.slice(1) : args,
    options: config,
    strict: false,
    allowPositionals: true,
    allowNegative: true,
    tokens: true,
  });
  const given = new Map<string, number>();
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const option = config[token.name];
    if (!option) throw new UsageError(`unknown option \`${token.rawName}\``);
    given.set(token.name, (given.get(token.name) ?? 0) + 1);
    if (option.type === "boolean") {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value (got "${token.value}")`);
      continue;
    }
    // `--jobs --json`: the next option is no value; a negative number (`--jobs -1`) is, and is checked below.
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith("--")))
      throw new UsageError(`${token.rawName}: needs a value${token.value ? ` (got the option ${token.value})` : ""}`);
    if (token.value.trim() === "") throw new UsageError(`${token.rawName}: empty value`);
  }
  for (const [flag, count] of given)
    if (count > 1 && !REPEATABLE.has(flag)) throw new UsageError(`--${flag}: given ${count} times (give it once)`);
  for (const [a, b] of EXCLUSIVE)
    if (given.has(a) && given.has(b)) throw new UsageError(`--${a} and --${b} cannot be given together`);
  const options: Record<string, unknown> = { ...defaults };
  for (const [flag, value] of Object.entries(values))
    options[camel(flag)] = NUMBER_OPTIONS[flag] && typeof value === "string" ? checkNumber(flag, value) : value;
  options["--"] = [];
  cli.args = positionals;
  cli.options = options;
  return { help: !!options.help, version: !!options.version };
}
