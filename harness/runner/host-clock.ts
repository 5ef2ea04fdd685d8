/**
 * The runner's clock for one QEMU: the guest's clock (counted-clock.ts) fed from QEMU's
 * /proc/<pid>/task/<tid>/schedstat, read at most every READ_EVERY_S (a console read may come
 * every few microseconds; between readings the clock runs on wall time) and on every deadline.
 */
import { readFileSync } from "node:fs";
import { readThreads } from "../machines/threads.ts";
import type { HostShare } from "../result.ts";
import { CountedClock, type ClockMark } from "./counted-clock.ts";

const READ_EVERY_S = 0.02;

/** /proc/pressure/cpu's `some total` (µs some task waited for a CPU), in seconds; undefined without PSI. */
function psiSomeS(): number | undefined {
  try {
    const m = /^some .*total=(\d+)/m.exec(readFileSync("/proc/pressure/cpu", "latin1"));
    return m ? Number(m[1]) / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

export class HostClock {
  private readonly clock = new CountedClock();
  private readonly t0 = performance.now();
  private readonly psi0 = psiSomeS();
  private lastRead = -Infinity;
  private readable = false;

  constructor(private readonly pid: number) {}

  wall(): number {
    return (performance.now() - this.t0) / 1000;
  }

  /** The guest's clock now: a fresh reading when the last one is older than READ_EVERY_S. */
  now(): number {
    const wall = this.wall();
    return wall - this.lastRead < READ_EVERY_S ? this.clock.at(wall) : this.read(wall);
  }

  /** A fresh reading (deadlines are decided on one). */
  read(wall = this.wall()): number {
    this.lastRead = wall;
    let threads;
    try {
      threads = readThreads(this.pid);
    } catch (error) {
      // Unreadable from the start: wall time, said in the totals. Gone later (QEMU exited): the last reading stands.
      if (!this.readable) this.clock.fallBack(wall, (error as Error).message);
      return this.clock.at(wall);
    }
    this.readable = true;
    return this.clock.read(wall, threads);
  }

  mark(): ClockMark {
    return this.clock.mark(this.wall());
  }

  /** The boot's share of the host, at its end; `lastOutput` is where its last silence began. */
  share(lastOutput: ClockMark): HostShare {
    const end = this.clock.totals(this.wall());
    const psi = psiSomeS();
    return {
      ...end,
      ...(psi !== undefined && this.psi0 !== undefined ? { pressureS: psi - this.psi0 } : {}),
      lastSilence: { wallS: end.wallS - lastOutput.wallS, countedS: end.countedS - lastOutput.countedS },
    };
  }
}
