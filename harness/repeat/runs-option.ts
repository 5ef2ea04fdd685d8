/** `--runs N`: read as typed (cac would turn `-1` into a flag and `1e3` into a number). */
export class RunsUsageError extends Error {
  override name = "RunsUsageError";
}

/** The raw value after `--runs` (or in `--runs=N`), undefined when the flag is absent. */
export function rawRunsArg(argv: string[] = process.argv): string | undefined {
  const end = argv.indexOf("--") === -1 ? argv.length : argv.indexOf("--");
  let value: string | undefined;
  for (let i = 0; i < end; i++) {
    const arg = argv[i]!;
    if (arg === "--runs") value = i + 1 < end ? argv[++i]! : "";
    else if (arg.startsWith("--runs=")) value = arg.slice("--runs=".length);
  }
  return value;
}

/** A positive whole number of runs, or a clear error naming the flag and the value. */
export function parseRuns(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1)
    throw new RunsUsageError(`--runs: expected a whole number of runs, 1 or more, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n > 1000) throw new RunsUsageError(`--runs: ${n} runs is more than 1000; split the work`);
  return n;
}
