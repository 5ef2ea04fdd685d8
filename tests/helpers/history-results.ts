/** BootResult objects for history/ unit tests: what a real boot would have produced, without booting. */
import { join } from "node:path";
import type { KnownBad } from "../../harness/expectations/schema.ts";
import { describeVerdict } from "../../harness/milestones/describe.ts";
import { judgeKnownBad } from "../../harness/milestones/known-bad.ts";
import type { BootOutcome, Cause, MatcherVerdict } from "../../harness/milestones/matcher.ts";
import type { BootResult } from "../../harness/result.ts";

export const IDS = ["xen-banner", "xen-dom0-loading", "linux-banner", "dom0-shell"];
export const TIMES = [0.4, 0.6, 3.5, 5];

export interface BootSpec {
  name?: string;
  /** How many milestones were reached (all for a pass). */
  reached?: number;
  times?: number[];
  ids?: string[];
  knownBad?: KnownBad;
  attempt?: number;
  dir?: string;
  packages?: Record<string, string>;
  gitCommit?: string;
}

const CAUSES: Record<BootOutcome, Cause> = {
  pass: { kind: "all-milestones" },
  fail: {
    kind: "failure-pattern",
    pattern: 'linux-panic "Kernel panic - not syncing"',
    line: "Kernel panic - not syncing: VFS",
  },
  hang: { kind: "silence", silentS: 5, limitS: 5 },
  timeout: { kind: "within", limitS: 10 },
  exited: { kind: "exit", code: 0, signal: null },
};

/** A judged boot: `outcome` after the first `reached` milestones. */
export function bootResult(outcome: BootOutcome, spec: BootSpec = {}): BootResult {
  const ids = spec.ids ?? IDS;
  const times = spec.times ?? TIMES;
  const reached = outcome === "pass" ? ids.length : (spec.reached ?? 0);
  const name = spec.name ?? "arm64-xen";
  const dir = join(spec.dir ?? "/tmp/bootlog-history-test", `attempt-${spec.attempt ?? 1}`, name);
  const milestones = ids.map((id, i) => (i < reached ? { id, at: times[i], line: `${id} line` } : { id }));
  const verdict: MatcherVerdict = {
    outcome,
    at: outcome === "pass" ? times[ids.length - 1]! : (times[reached - 1] ?? 0) + 5,
    cause: CAUSES[outcome],
    after: reached ? ids[reached - 1]! : "start",
    lastLine: "(XEN) Freed 356kB init memory",
    ...(reached < ids.length ? { pending: ids[reached] } : {}),
  };
  const judgement = spec.knownBad ? judgeKnownBad(spec.knownBad, verdict) : undefined;
  return {
    name,
    file: `expectations/${name}.ts`,
    outcome,
    summary: describeVerdict(verdict),
    ok: judgement ? judgement.status === "reproduced" || judgement.status === "clean" : outcome === "pass",
    verdict,
    ...(spec.knownBad ? { knownBad: { ...spec.knownBad, judgement } } : {}),
    milestones,
    slices: {},
    startedAt: "2025-01-02T03:04:05.000Z",
    durationS: verdict.at + 0.5,
    qemu: { binary: "qemu-system-aarch64", version: "7.2.0", argv: ["-machine", "virt"] },
    packages: Object.entries(
      spec.packages ?? { "xen-hypervisor-4.17-arm64": "4.17.7", "linux-image-6.1.0-56-arm64": "6.1.192-2" },
    ).map(([p, version]) => ({
      package: p,
      version,
      arch: "arm64",
    })),
    reproduce: `bootlog run ${name}`,
    expectationHash: "abc123",
    ...(spec.gitCommit ? { gitCommit: spec.gitCommit } : {}),
    dir,
    serialLog: join(dir, "serial.log"),
    attempt: spec.attempt ?? 1,
  };
}

/** A boot that never ran: QEMU missing, image fetch failed. */
export function infraResult(spec: BootSpec = {}): BootResult {
  const { verdict: _verdict, ...rest } = bootResult("hang", spec);
  return {
    ...rest,
    outcome: "infra",
    ok: false,
    summary: "INFRA: QEMU was killed by SIGKILL",
    error: "QEMU was killed by SIGKILL",
  };
}
