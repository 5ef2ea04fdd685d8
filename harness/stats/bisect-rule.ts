/**
 * How many of N runs must show a symptom before a bisection step calls the commit bad, and what
 * that rule costs: syzkaller's pkg/bisect rule, bad when at least max(2, ⌈N/6⌉) runs reproduce
 * (one crash can be a fluke of the machine; a sixth of the runs scales that with N).
 */
import { binomialCdf } from "./binomial.ts";

export function badThreshold(runs: number): number {
  return runs <= 1 ? 1 : Math.max(2, Math.ceil(runs / 6));
}

/** The chance a bad commit that fails at `rate` shows no failure at all in `runs` runs: it would be called good. */
export function looksGoodProbability(rate: number, runs: number): number {
  return (1 - rate) ** runs;
}

/** The chance a bad commit that fails at `rate` is not called bad (fewer failures than the threshold). */
export function missProbability(rate: number, runs: number): number {
  return binomialCdf(badThreshold(runs) - 1, runs, rate);
}

/**
 * Runs per step for an expectation that fails at `rate`: the fewest (from 2) for which a bad
 * commit is called bad with probability at least 1 - alpha, capped at `max`.
 */
export function runsForRate(rate: number, alpha = 0.001, max = 100): number {
  for (let n = 2; n <= max; n++) if (missProbability(rate, n) < alpha) return n;
  return max;
}
