/**
 * The guest's clock: wall time minus the time the host kept QEMU's vCPUs from running. Pure: it is
 * fed readings of QEMU's threads (machines/threads.ts) and reads no clock and no file itself, so
 * recorded readings replay to the same times.
 *
 * Which threads count: the vCPU threads ("CPU n/TCG"), once QEMU has started them. They run the
 * guest; a vCPU thread that waits on a run queue is a guest that cannot print. QEMU's other
 * threads do not gate the console: under TCG the vCPU thread writes the UART's bytes to the
 * chardev itself. Measured (arm64-xen-virt-off on a busy host, tests/fixtures/
 * arm64-xen-virt-off-busy.schedstat.jsonl.gz): in 32 s the main loop ran 0.48 s and waited 3.3 s,
 * call_rcu ran 1 ms, while vCPU 0 ran 4.1 s and waited 25.7 s; counting the main thread's waits
 * (when they overlap the vCPU's, max takes one of them anyway) would only blur the vCPU's. Before the vCPU threads exist
 * (QEMU loading the images) every thread counts; a QEMU whose threads carry no names (built
 * without debug-threads) has every thread counted throughout, and `note` says so.
 *
 * How several vCPUs combine: per interval between two readings, the guest was held back for the
 * longest wait of any one vCPU thread (capped at the interval). Not the sum: two vCPUs waiting in
 * the same second cost the guest one second, not two (the sum exceeds wall time: 21.6 s of waiting
 * in 16 s on a loaded host). Not the mean: an idle vCPU (halted, so never runnable and never
 * waiting) would halve the time the busy one lost. The longest wait is right for a guest whose
 * vCPUs meet (IPIs, stop_machine, spin locks): the one that waits holds up the one that spins.
 * A clock that counts too little time only makes a hang later, never a false one.
 *
 * Waiting not yet in schedstat: the kernel adds a wait to a thread's run_delay only when the thread
 * gets a CPU. A vCPU that has not run since the previous reading and is on a run queue now
 * (`runnable`) is taken to have waited the whole interval; when it finally runs, the wait the
 * kernel then reports is first set against what was taken already, so no wait counts twice (a wait
 * taken that the kernel never reports, the thread having woken just before the reading, made the
 * clock count less: a hang later, never a false one).
 * Without this a guest held off the CPU entirely would keep its clock running at wall speed.
 */
import { isVcpuThread, type ThreadStat } from "../machines/threads.ts";
import type { HostShare, StarvedStretch } from "../result.ts";

/** A moment on both clocks, with QEMU's waiting so far: what a window of time is measured from. */
export interface ClockMark {
  wallS: number;
  countedS: number;
  /** Time QEMU's threads waited for a CPU so far, summed over threads. */
  waitedS: number;
}

/** The boot's share of the host so far; the runner adds PSI and the last silence. */
export type ClockTotals = Omit<HostShare, "pressureS" | "lastSilence">;

/** Shorter starved stretches are jitter, not worth shading on a timeline. */
const MIN_STRETCH_WALL_S = 1;
/** An interval where the guest was denied at least this share of wall time belongs to a starved stretch. */
const STARVED_SHARE = 0.5;

const NS = 1e9;

export class CountedClock {
  private lastWallS = 0;
  private countedS = 0;
  /** The latest time handed out: the clock never runs backwards, even when a reading finds waiting an extrapolation missed. */
  private given = 0;
  private cpuNs = 0;
  private waitNs = 0;
  /** Per thread: its totals at the previous reading, and waiting taken for it that schedstat has not reported yet. */
  private readonly previous = new Map<number, { runNs: number; waitNs: number; aheadNs: number }>();
  private vcpus = new Set<string>();
  private readings = 0;
  private wallReason?: string;
  private readonly stretches: StarvedStretch[] = [];
  private open?: StarvedStretch;

  /** A reading of QEMU's threads `wallS` seconds after its start; returns the guest's clock then. */
  read(wallS: number, threads: readonly ThreadStat[]): number {
    if (this.wallReason !== undefined) return this.at(wallS);
    const dWall = Math.max(0, wallS - this.lastWallS);
    const hasVcpus = threads.some((t) => isVcpuThread(t.name));
    let longestWaitNs = 0;
    for (const t of threads) {
      // A thread first seen now was born since the previous reading: all its time is in this interval.
      const before = this.previous.get(t.tid) ?? { runNs: 0, waitNs: 0, aheadNs: 0 };
      const ran = Math.max(0, t.runNs - before.runNs);
      const reported = Math.max(0, t.waitNs - before.waitNs);
      // What schedstat reports now that was taken already, then the whole interval if it is still waiting.
      const settled = Math.min(reported, before.aheadNs);
      let waited = reported - settled;
      // Once it has run, the kernel has reported its whole wait: what is left was taken too early (the
      // clock then counted less, which only makes a hang later), and is not carried on.
      let aheadNs = ran > 0 ? 0 : before.aheadNs - settled;
      if (ran === 0 && t.runnable && this.previous.has(t.tid)) {
        const interval = dWall * NS;
        waited += interval;
        aheadNs += interval;
      }
      this.previous.set(t.tid, { runNs: t.runNs, waitNs: t.waitNs, aheadNs });
      this.cpuNs += ran;
      this.waitNs += waited;
      const counts = hasVcpus ? isVcpuThread(t.name) : true;
      if (counts && waited > longestWaitNs) longestWaitNs = waited;
      if (hasVcpus && counts) this.vcpus.add(t.name);
    }
    const denied = Math.min(dWall, longestWaitNs / NS);
    const from = this.countedS;
    this.countedS += dWall - denied;
    this.lastWallS = wallS;
    this.readings += 1;
    this.track(from, dWall, denied);
    return (this.given = Math.max(this.given, this.countedS));
  }

  /** Without a reading: wall time advances the clock one for one since the last reading. */
  at(wallS: number): number {
    return (this.given = Math.max(this.given, this.countedS + Math.max(0, wallS - this.lastWallS)));
  }

  /** schedstat cannot be read: from here on the clock is wall time, and the totals say why. */
  fallBack(wallS: number, reason: string): void {
    if (this.wallReason !== undefined) return;
    this.countedS = this.at(wallS);
    this.lastWallS = wallS;
    this.wallReason = reason;
  }

  /** The moment `wallS` on both clocks (from the last reading's waiting). */
  mark(wallS: number): ClockMark {
    return { wallS, countedS: this.at(wallS), waitedS: this.waitNs / NS };
  }

  totals(wallS: number): ClockTotals {
    const stretches = [...this.stretches, ...(this.open ? [{ ...this.open }] : [])];
    const { countedS, waitedS } = this.mark(wallS);
    return {
      wallS,
      countedS,
      waitedS,
      source: this.wallReason === undefined ? "schedstat" : "wall",
      note: this.describe(),
      cpuS: this.cpuNs / NS,
      starved: stretches.filter((s) => s.wallS >= MIN_STRETCH_WALL_S),
    };
  }

  private describe(): string {
    const names = [...this.vcpus].sort();
    const counted = names.length ? `vCPU threads ${names.join(", ")}` : "every QEMU thread (none named as a vCPU)";
    if (this.wallReason === undefined) return `schedstat of ${counted}`;
    if (!this.readings) return `wall time: ${this.wallReason}`;
    return `schedstat of ${counted} for ${this.lastWallS.toFixed(1)} s, then wall time: ${this.wallReason}`;
  }

  /** Starved intervals that follow one another make one stretch. */
  private track(from: number, dWall: number, denied: number): void {
    if (dWall > 0 && denied >= STARVED_SHARE * dWall) {
      if (this.open) {
        this.open.toS = this.countedS;
        this.open.wallS += dWall;
        this.open.deniedS += denied;
      } else this.open = { fromS: from, toS: this.countedS, wallS: dWall, deniedS: denied };
    } else if (dWall > 0 && this.open) {
      this.stretches.push(this.open);
      this.open = undefined;
    }
  }
}
