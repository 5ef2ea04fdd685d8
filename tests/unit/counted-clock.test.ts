import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { BootMatcher } from "../../harness/milestones/matcher.ts";
import type { ThreadStat } from "../../harness/machines/threads.ts";
import { parseSchedstat } from "../../harness/machines/threads.ts";
import { CountedClock } from "../../harness/runner/counted-clock.ts";
import { HostClock } from "../../harness/runner/host-clock.ts";
import { hostBusyNote, hostStarved, STARVED_RATIO } from "../../harness/runner/host-starved.ts";

/** arm64-xen-virt-off (a real hang: no output at all) booted beside 2 spinners at group nice -5 and a host at load ~20: QEMU's threads read every ~1.3 s. */
const recorded = gunzipSync(readFileSync("tests/fixtures/arm64-xen-virt-off-busy.schedstat.jsonl.gz"))
  .toString()
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as { wallS: number; threads: ThreadStat[] });

const vcpu = (tid: number, runS: number, waitS: number, n = tid): ThreadStat => ({
  tid,
  name: `CPU ${n}/TCG`,
  runNs: runS * 1e9,
  waitNs: waitS * 1e9,
});
/** vCPU 0 (tid 2) as read now: its totals and whether it is on a run queue. */
const vcpuNow = (runS: number, waitS: number, runnable: boolean): ThreadStat => ({
  ...vcpu(2, runS, waitS, 0),
  runnable,
});
const main = (runS: number, waitS: number): ThreadStat => ({
  tid: 1,
  name: "qemu-system-aar",
  runNs: runS * 1e9,
  waitNs: waitS * 1e9,
});

describe("the guest's clock over schedstat readings", () => {
  test("a silence is extended by exactly the time the vCPU waited: the hang comes that much later on the wall clock", () => {
    const clock = new CountedClock();
    const matcher = new BootMatcher({
      milestones: [{ id: "banner", match: "never" }],
      failOn: [],
      silenceS: 4,
      budgetS: 100,
    });
    // Every 0.5 s the busy vCPU waits 0.2 s (the other is idle: halted, never runnable, never waiting).
    let verdictWall: number | undefined;
    let waited = 0;
    for (let k = 1; k <= 40 && verdictWall === undefined; k++) {
      waited = 0.2 * k;
      const at = clock.read(0.5 * k, [main(0.01 * k, 0.05 * k), vcpu(2, 0.3 * k, waited, 0), vcpu(3, 0, 0, 1)]);
      if (matcher.tick(at).verdict) verdictWall = 0.5 * k;
    }
    const v = matcher.verdict!;
    expect(v.outcome).toBe("hang");
    expect(v.cause).toMatchObject({ kind: "silence", limitS: 4 });
    // 4 s of the guest's time took 4 / 0.6 = 6.67 s of wall: the next reading (7.0 s) calls it.
    expect(verdictWall).toBe(7);
    expect(v.at).toBeCloseTo(7 - waited, 9);
    expect(verdictWall! - v.at).toBeCloseTo(waited, 9);
  });

  test("a vCPU held off the CPU since the last reading (runnable, nothing run, nothing reported yet) waited the whole interval; the wait the kernel reports when it runs is not counted twice", () => {
    const clock = new CountedClock();
    expect(clock.read(1, [vcpuNow(0.5, 0.5, false)])).toBeCloseTo(0.5, 9);
    // Three seconds on a run queue: schedstat still says 0.5 s of waiting (the kernel adds it on arrival).
    expect(clock.read(2, [vcpuNow(0.5, 0.5, true)])).toBeCloseTo(0.5, 9);
    expect(clock.read(3, [vcpuNow(0.5, 0.5, true)])).toBeCloseTo(0.5, 9);
    expect(clock.read(4, [vcpuNow(0.5, 0.5, true)])).toBeCloseTo(0.5, 9);
    // It ran 0.4 s and the kernel now reports the 3.0 s it waited before that, and 0.6 s since: only the 0.6 s is new.
    expect(clock.read(5, [vcpuNow(0.9, 4.1, false)])).toBeCloseTo(0.9, 9);
    expect(clock.totals(5).waitedS).toBeCloseTo(4.1, 9);
  });

  test("a wait taken too early (the vCPU woke just before the reading) is not carried past its next run", () => {
    const clock = new CountedClock();
    expect(clock.read(1, [vcpuNow(0.1, 0, false)])).toBeCloseTo(1, 9);
    expect(clock.read(2, [vcpuNow(0.1, 0, true)])).toBeCloseTo(1, 9); // halted, then woken at 1.99 s: taken as a whole second
    expect(clock.read(3, [vcpuNow(0.9, 0.01, false)])).toBeCloseTo(2, 9); // the kernel reports 0.01 s: settled against it
    // A real wait later counts in full: the second taken too early is not set against it.
    expect(clock.read(4, [vcpuNow(1.4, 0.51, false)])).toBeCloseTo(2.5, 9);
  });

  test("several vCPUs: the longest wait of one of them, not the sum, capped at the interval", () => {
    const clock = new CountedClock();
    expect(clock.read(1, [vcpu(2, 0.4, 0.6, 0), vcpu(3, 0.5, 0.5, 1)])).toBeCloseTo(0.4, 9);
    // Both waited the whole second and more than it (rounding in the kernel's accounting): the guest lost one second, no more.
    expect(clock.read(2, [vcpu(2, 0.4, 1.7, 0), vcpu(3, 0.5, 1.6, 1)])).toBeCloseTo(0.4, 9);
    const totals = clock.totals(2);
    expect(totals.waitedS).toBeCloseTo(3.3, 9); // summed over threads, as the host measured it
    expect(totals.cpuS).toBeCloseTo(0.9, 9);
    expect(totals.note).toBe("schedstat of vCPU threads CPU 0/TCG, CPU 1/TCG");
  });

  test("QEMU's other threads do not count once vCPU threads exist; before that (loading images) every thread does", () => {
    const clock = new CountedClock();
    expect(clock.read(1, [main(0.5, 0.5)])).toBeCloseTo(0.5, 9);
    // The main thread waits 0.9 s, the vCPU born in this interval 0.1 s: the guest lost 0.1 s.
    expect(clock.read(2, [main(0.6, 1.4), vcpu(2, 0.5, 0.1, 0)])).toBeCloseTo(1.4, 9);
  });

  test("between readings wall time runs one for one, and the clock never runs backwards", () => {
    const clock = new CountedClock();
    clock.read(1, [vcpu(2, 1, 0, 0)]);
    expect(clock.at(1.3)).toBeCloseTo(1.3, 9);
    // The next reading finds the 0.3 s was all waiting: the clock holds still rather than step back.
    expect(clock.read(1.4, [vcpu(2, 1.1, 0.3, 0)])).toBeCloseTo(1.3, 9);
    expect(clock.read(2.4, [vcpu(2, 2.1, 0.3, 0)])).toBeCloseTo(2.1, 9);
  });

  test("stretches where the guest was held back at least half the time are kept for the timeline", () => {
    const clock = new CountedClock();
    clock.read(1, [vcpu(2, 1, 0, 0)]);
    clock.read(2, [vcpu(2, 1.2, 0.8, 0)]);
    clock.read(3, [vcpu(2, 1.4, 1.6, 0)]);
    clock.read(4, [vcpu(2, 2.4, 1.6, 0)]);
    clock.read(4.5, [vcpu(2, 2.5, 2.0, 0)]); // a half-second stall: jitter, not shaded
    const { starved } = clock.totals(4.5);
    expect(starved).toHaveLength(1);
    expect(starved[0]!.fromS).toBeCloseTo(1, 9);
    expect(starved[0]!.toS).toBeCloseTo(1.4, 9);
    expect(starved[0]!.wallS).toBeCloseTo(2, 9);
    expect(starved[0]!.deniedS).toBeCloseTo(1.6, 9);
  });

  test("the recorded busy boot: the guest's clock is wall time minus vCPU 0's waiting, and the bound calls the host starved", () => {
    const clock = new CountedClock();
    let counted = 0;
    for (const r of recorded) counted = clock.read(r.wallS, r.threads);
    const end = recorded.at(-1)!;
    const cpu0 = recorded.findLast((r) => r.threads.some((t) => t.name === "CPU 0/TCG"))!;
    const cpu0Wait = cpu0.threads.find((t) => t.name === "CPU 0/TCG")!.waitNs / 1e9;
    // vCPU 1 never started (virtualization=off): all the guest lost is vCPU 0's waiting, plus the main thread's before vCPU 0 existed.
    const denied = end.wallS - counted;
    expect(denied).toBeGreaterThanOrEqual(cpu0Wait - 0.01);
    expect(denied).toBeLessThan(cpu0Wait + 1.5);
    // No output at all: silence from the start. 8 s of silence on the guest's clock were not reached in 4 × 8 s of wall time.
    const from = { wallS: 0, countedS: 0, waitedS: 0 };
    const now = clock.mark(end.wallS);
    expect(end.wallS).toBeGreaterThanOrEqual(STARVED_RATIO * 8);
    expect(now.countedS).toBeLessThan(8);
    expect(hostStarved(from, now, 8, "silence")).toMatch(
      /^host starved: QEMU waited \d+\.\d s for a CPU during 3\d\.\d s of silence \(the guest's clock counted [0-7]\.\d s of its 8\.0 s limit; the bound is 4 × the limit in wall time\)$/,
    );
    // Short of the bound, or with the limit reached on the guest's clock, it is not the host's fault.
    expect(hostStarved(from, clock.mark(STARVED_RATIO * 8 - 0.1), 8, "silence")).toBeUndefined();
    expect(hostStarved(from, now, 4, "silence")).toBeUndefined();
    expect(hostBusyNote(clock.totals(end.wallS))).toMatch(/^ \(host busy: waited 2\d\.\d s\)$/);
    expect(hostBusyNote({ wallS: 10, countedS: 9.5 })).toBe("");
  });

  test("no schedstat: the clock is wall time and says why", () => {
    const clock = new CountedClock();
    clock.fallBack(0, "ENOENT: no such file or directory, scandir '/proc/1/task'");
    expect(clock.read(5, [vcpu(2, 1, 4, 0)])).toBe(5);
    expect(clock.at(7)).toBe(7);
    expect(clock.totals(7)).toMatchObject({
      source: "wall",
      countedS: 7,
      note: expect.stringMatching(/^wall time: ENOENT/),
    });
    // A process that cannot be read (no such pid) gives the runner's clock the same answer.
    const host = new HostClock(2 ** 22 + 12345);
    host.read();
    const share = host.share(host.mark());
    expect(share.source).toBe("wall");
    expect(share.note).toMatch(/^wall time: ENOENT/);
    expect(share.countedS).toBeCloseTo(share.wallS, 3);
  });

  test("schedstat lines: run and wait nanoseconds, anything else refused", () => {
    expect(parseSchedstat("1154289023 7422088582 1204\n")).toEqual({ runNs: 1154289023, waitNs: 7422088582 });
    expect(parseSchedstat("")).toBeUndefined();
    expect(parseSchedstat("1 2")).toBeUndefined();
  });
});
