/** The spread of a milestone's time across repeated runs: min, median, 95th percentile, max. */
export interface Spread {
  n: number;
  min: number;
  median: number;
  p95: number;
  max: number;
}

/**
 * The q-quantile of sorted values by linear interpolation between closest ranks (Hyndman & Fan
 * type 7: what numpy.percentile, R's quantile() and spreadsheets compute by default).
 */
export function quantile(sorted: number[], q: number): number {
  if (!sorted.length) throw new RangeError("quantile of no values");
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Undefined when there is nothing to spread (a milestone no run reached). */
export function spreadOf(values: number[]): Spread | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    min: sorted[0]!,
    median: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    max: sorted.at(-1)!,
  };
}
