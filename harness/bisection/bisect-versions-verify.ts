/**
 * Verifying a version bisection run N times per step, as KernelCI and osstest do: the culprit is
 * booted N more times (it must show the symptom) and its predecessor N more times (it must stay
 * clean); the overall confidence is the product over the good steps of the chance that a bad
 * version failing at the estimated rate would not have looked good there. A culprit whose image
 * is byte-identical to its predecessor's is most likely wrong (syzkaller's no-op check): the
 * change cannot be what the machine booted.
 */
import type { Expectation } from "../expectations/loader.ts";
import { prepareImages } from "../images/prepare.ts";
import { percent } from "../repeat/summary.ts";
import { looksGoodProbability } from "../stats/bisect-rule.ts";
import type { BisectVerdict } from "./bisect.ts";
import type { VersionBisectReport, WalkResult } from "./bisect-versions.ts";
import { candidateName, withPackage, type Candidate } from "../images/package-versions.ts";

export interface Verification {
  runs: number;
  /** Estimated failure rate of a bad version: the bad end's runs, else every bad step's. */
  rate: number | null;
  /** Product over the good steps of 1 - (1 - rate)^runs. */
  confidence: number | null;
  culprit?: { candidate: string; kind: string; ok: boolean };
  predecessor?: { candidate: string; kind: string; ok: boolean };
  noop?: { sha256: string; message: string };
  conclusive: boolean;
  /** "first bad: X" or "inconclusive: one of A..B (why)". */
  conclusion: string;
}

interface VerifyInput {
  exp: Expectation;
  role: string;
  path?: string;
  candidates: Candidate[];
  result: WalkResult;
  boots: VersionBisectReport["boots"];
  runs: number;
  judge: (index: number, role: "confirm-culprit" | "confirm-predecessor") => Promise<BisectVerdict>;
  log: (line: string) => void;
}

async function imageHash(exp: Expectation, role: string, c: Candidate, path?: string): Promise<string | undefined> {
  const prepared = await prepareImages(withPackage(exp, role, c, path)).catch(() => undefined);
  return prepared?.images[role]?.sha256;
}

function estimate(boots: VersionBisectReport["boots"]): number | null {
  const badEnd = boots.find((b) => b.role === "bad-endpoint" && b.runs?.kind === "bad");
  const pool = badEnd ? [badEnd] : boots.filter((b) => b.runs?.kind === "bad");
  const judged = pool.reduce((sum, b) => sum + b.runs!.bad + b.runs!.good, 0);
  return judged ? pool.reduce((sum, b) => sum + b.runs!.bad, 0) / judged : null;
}

export async function verifyCulprit(input: VerifyInput): Promise<Verification> {
  const { exp, role, candidates, result, boots, runs, log } = input;
  const name = (i: number) => candidateName(candidates[i]!);
  const range = (from: number, to: number) =>
    from === to ? `${name(from)} alone, unconfirmed` : `one of ${name(from)}..${name(to)}`;
  const done = (v: Omit<Verification, "runs" | "rate" | "confidence">): Verification => {
    const rate = estimate(boots);
    const goodSteps = boots.filter((b) => b.verdict.kind === "good");
    const confidence =
      rate === null ? null : goodSteps.reduce((c, b) => c * (1 - looksGoodProbability(rate, b.runs?.runs ?? 1)), 1);
    const figures = `${runs} runs per step; estimated failure rate ${rate === null ? "unknown" : percent(rate)}; overall confidence ${confidence === null ? "unknown" : `${(confidence * 100).toFixed(2)} %`} (product over ${goodSteps.length} good step(s) of 1 - (1 - rate)^runs)`;
    log(`bisect-versions: ${v.conclusion}`);
    log(`bisect-versions: ${figures}`);
    return { runs, rate, confidence, ...v };
  };
  if (result.status === "endpoints") return done({ conclusive: false, conclusion: `cannot bisect: ${result.message}` });
  if (result.status === "inconclusive") {
    const among = result.firstBadAmong;
    return done({
      conclusive: false,
      conclusion: `inconclusive: ${range(among[0]!, among.at(-1)!)} (skipped versions hide the answer)`,
    });
  }
  const { firstBad, lastGood } = result;
  const culpritVerdict = await input.judge(firstBad, "confirm-culprit");
  const predecessorVerdict = await input.judge(lastGood, "confirm-predecessor");
  const culprit = { candidate: name(firstBad), kind: culpritVerdict.kind, ok: culpritVerdict.kind === "bad" };
  const predecessor = {
    candidate: name(lastGood),
    kind: predecessorVerdict.kind,
    ok: predecessorVerdict.kind === "good",
  };
  const [culpritHash, predecessorHash] = await Promise.all([
    imageHash(exp, role, candidates[firstBad]!, input.path),
    imageHash(exp, role, candidates[lastGood]!, input.path),
  ]);
  const noop =
    culpritHash && culpritHash === predecessorHash
      ? {
          sha256: culpritHash,
          message: `no-op culprit, most likely wrong: images.${role} of ${name(firstBad)} is byte-identical to ${name(lastGood)}'s (sha256 ${culpritHash.slice(0, 16)}…)`,
        }
      : undefined;
  if (noop) log(`bisect-versions: ${noop.message}`);
  const base = { culprit, predecessor, ...(noop ? { noop } : {}) };
  const goodEnd = boots.find((b) => b.role === "good-endpoint")
    ? candidates.indexOf(boots.find((b) => b.role === "good-endpoint")!.candidate)
    : lastGood;
  const badEnd = boots.find((b) => b.role === "bad-endpoint")
    ? candidates.indexOf(boots.find((b) => b.role === "bad-endpoint")!.candidate)
    : firstBad;
  if (!culprit.ok)
    return done({
      ...base,
      conclusive: false,
      conclusion: `inconclusive: ${range(firstBad, Math.max(badEnd, firstBad))} (the culprit's ${runs} confirmation runs were ${culprit.kind}, not bad)`,
    });
  if (!predecessor.ok)
    return done({
      ...base,
      conclusive: false,
      conclusion: `inconclusive: ${range(Math.min(goodEnd + 1, firstBad), firstBad)} (the predecessor's ${runs} confirmation runs were ${predecessor.kind}, not good)`,
    });
  if (noop)
    return done({
      ...base,
      conclusive: false,
      conclusion: `inconclusive: ${range(Math.min(goodEnd + 1, firstBad), firstBad)} (${noop.message})`,
    });
  return done({
    ...base,
    conclusive: true,
    conclusion: `first bad: ${name(firstBad)} (last good: ${name(lastGood)}), confirmed by ${runs} more runs of each`,
  });
}
