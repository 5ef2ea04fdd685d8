import { describe, expect, test } from "vitest";
import {
  binomialCdf,
  binomialPmf,
  binomialTwoSided,
  binomialUpper,
  runsToRuleOut,
  wilson,
} from "../../harness/stats/binomial.ts";
import { quantile, spreadOf } from "../../harness/stats/spread.ts";
import { badThreshold, looksGoodProbability, missProbability, runsForRate } from "../../harness/stats/bisect-rule.ts";

describe("Wilson interval", () => {
  // Newcombe, "Two-sided confidence intervals for the single proportion", Stat. Med. 1998, Table I (method 3).
  test.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])("%i of %i → [%f, %f] (Newcombe 1998)", (k, n, low, high) => {
    const ci = wilson(k, n);
    expect(ci.low).toBeCloseTo(low, 4);
    expect(ci.high).toBeCloseTo(high, 4);
  });

  test("all failures is [x, 1]; no runs is [0, 1]; bad counts throw", () => {
    expect(wilson(20, 20).high).toBe(1);
    expect(wilson(20, 20).low).toBeCloseTo(1 - 0.1611, 4);
    expect(wilson(0, 0)).toEqual({ low: 0, high: 1 });
    expect(() => wilson(3, 2)).toThrow(/not a count/);
    expect(() => wilson(-1, 2)).toThrow(/not a count/);
  });
});

describe("binomial probabilities", () => {
  test("pmf sums to 1 and matches C(n,k) p^k (1-p)^(n-k)", () => {
    const pmf = binomialPmf(20, 1 / 3);
    expect(pmf.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // C(20,3) = 1140
    expect(pmf[3]).toBeCloseTo(1140 * (1 / 3) ** 3 * (2 / 3) ** 17, 14);
    expect(binomialPmf(5, 0)).toEqual([1, 0, 0, 0, 0, 0]);
    expect(binomialPmf(3, 1)).toEqual([0, 0, 0, 1]);
  });

  test("tails", () => {
    expect(binomialCdf(0, 20, 85 / 256)).toBeCloseTo((171 / 256) ** 20, 14);
    expect(binomialUpper(20, 20, 85 / 256)).toBeCloseTo((85 / 256) ** 20, 24);
    expect(binomialCdf(1, 8, 0.75)).toBeCloseTo(0.25 ** 8 + 8 * 0.75 * 0.25 ** 7, 14);
    expect(binomialCdf(-1, 8, 0.5)).toBe(0);
    expect(binomialUpper(0, 8, 0.5)).toBe(1);
  });

  test("two-sided exact test: R's binom.test(c(682, 243), p = 3/4) p-value 0.3825", () => {
    expect(binomialTwoSided(682, 925, 0.75)).toBeCloseTo(0.3825, 4);
    expect(binomialTwoSided(0, 20, 0.5)).toBeCloseTo(2 * 0.5 ** 20, 12);
  });

  test("runs that rule a rate out: (1 - rate)^N < 0.001", () => {
    expect(runsToRuleOut(1 / 3)).toBe(18); // (2/3)^17 = 0.00101, (2/3)^18 = 0.00068
    expect(runsToRuleOut(0.5)).toBe(10); // 2^-10 = 0.00098
    expect(runsToRuleOut(0.3)).toBe(20);
    expect(() => runsToRuleOut(1)).toThrow(/rate/);
  });
});

describe("bisection rule (syzkaller's)", () => {
  test("bad needs max(2, ⌈N/6⌉) runs; N = 1 decides alone", () => {
    expect([1, 2, 6, 12, 13, 20, 30].map(badThreshold)).toEqual([1, 2, 2, 2, 3, 4, 5]);
  });
  test("probabilities of a wrong step", () => {
    expect(looksGoodProbability(0.75, 8)).toBeCloseTo(0.25 ** 8, 15);
    expect(missProbability(0.75, 8)).toBeCloseTo(0.25 ** 8 + 8 * 0.75 * 0.25 ** 7, 14);
    // 1/3: N = 2..? until the miss chance drops below 0.001.
    const n = runsForRate(1 / 3);
    expect(missProbability(1 / 3, n)).toBeLessThan(0.001);
    expect(missProbability(1 / 3, n - 1)).toBeGreaterThanOrEqual(0.001);
  });
});

describe("spread", () => {
  test("type-7 quantiles as numpy.percentile computes them", () => {
    const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantile(v, 0.95)).toBeCloseTo(9.55, 12); // numpy.percentile(range(1, 11), 95)
    expect(spreadOf([3, 1, 2])).toEqual({ n: 3, min: 1, median: 2, p95: 2.9, max: 3 });
    expect(spreadOf([1.5])).toEqual({ n: 1, min: 1.5, median: 1.5, p95: 1.5, max: 1.5 });
    expect(spreadOf([])).toBeUndefined();
  });
});
