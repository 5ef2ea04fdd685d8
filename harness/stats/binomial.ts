/**
 * Exact binomial arithmetic for repeated boots: how often a boot fails, how sure we are, and how
 * likely a given count is under a recorded failure rate. Counts are small (tens to hundreds of
 * runs), so probabilities are summed term by term; no approximation beyond floating point.
 */

/** The z of a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson's score interval for k failures in n runs (Wilson 1927; Brown, Cai & DasGupta 2001):
 * unlike k/n ± z·se it stays inside [0, 1] and is not empty at k = 0 or k = n.
 */
export function wilson(k: number, n: number, z = Z95): Interval {
  checkCount(k, n);
  if (n === 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At k = 0 (or n) the bound is exactly 0 (or 1); rounding must not make it 1e-17.
  return { low: k === 0 ? 0 : Math.max(0, centre - half), high: k === n ? 1 : Math.min(1, centre + half) };
}

function checkCount(k: number, n: number): void {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(k) || k < 0 || k > n)
    throw new RangeError(`not a count: ${k} of ${n}`);
}

function checkRate(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`not a probability: ${p}`);
}

/** P(X = i) for i = 0..n, X ~ Binomial(n, p), by the ratio of successive terms. */
export function binomialPmf(n: number, p: number): number[] {
  checkCount(0, n);
  checkRate(p);
  const pmf = new Array<number>(n + 1).fill(0);
  if (p === 0) return ((pmf[0] = 1), pmf);
  if (p === 1) return ((pmf[n] = 1), pmf);
  // Start from the mode so no term underflows before the ratio brings it back.
  const mode = Math.floor((n + 1) * p) > n ? n : Math.floor((n + 1) * p);
  pmf[mode] = 1;
  for (let i = mode; i < n; i++) pmf[i + 1] = (pmf[i]! * (n - i) * p) / ((i + 1) * (1 - p));
  for (let i = mode; i > 0; i--) pmf[i - 1] = (pmf[i]! * i * (1 - p)) / ((n - i + 1) * p);
  const total = pmf.reduce((a, b) => a + b, 0);
  return pmf.map((x) => x / total);
}

/** P(X ≤ k). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  return Math.min(
    1,
    binomialPmf(n, p)
      .slice(0, k + 1)
      .reduce((a, b) => a + b, 0),
  );
}

/** P(X ≥ k). */
export function binomialUpper(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  return Math.min(
    1,
    binomialPmf(n, p)
      .slice(k)
      .reduce((a, b) => a + b, 0),
  );
}

/**
 * Two-sided exact test of "the rate is p" given k of n: the probability, under p, of a count no
 * more likely than k (the convention of R's binom.test).
 */
export function binomialTwoSided(k: number, n: number, p: number): number {
  checkCount(k, n);
  const pmf = binomialPmf(n, p);
  const observed = pmf[k]! * (1 + 1e-7);
  return Math.min(
    1,
    pmf.filter((x) => x <= observed).reduce((a, b) => a + b, 0),
  );
}

/**
 * The fewest clean runs that rule a failure rate out at level alpha: the smallest N with
 * (1 - rate)^N < alpha. E.g. rate 1/3 → 18 runs for alpha 0.001.
 */
export function runsToRuleOut(rate: number, alpha = 0.001): number {
  if (!(rate > 0 && rate < 1)) throw new RangeError(`not a rate in (0, 1): ${rate}`);
  let n = Math.max(1, Math.ceil(Math.log(alpha) / Math.log(1 - rate)));
  while ((1 - rate) ** n >= alpha) n++;
  while (n > 1 && (1 - rate) ** (n - 1) < alpha) n--;
  return n;
}
