/**
 * QEMU's threads as the kernel's scheduler sees them: /proc/<pid>/task/<tid>/schedstat holds, per
 * thread, the nanoseconds it ran on a CPU, the nanoseconds it was runnable but waited on a run
 * queue, and its time slices. Only Linux with schedstats (CONFIG_SCHED_INFO) has the file.
 */
import { readdirSync, readFileSync } from "node:fs";

/** One thread's totals since it started. */
export interface ThreadStat {
  tid: number;
  /** The thread's name (`comm`): QEMU names its vCPU threads "CPU 0/TCG", "CPU 1/KVM" with `-name debug-threads=on`. */
  name: string;
  runNs: number;
  waitNs: number;
  /**
   * On a run queue now (state R in /proc/<pid>/task/<tid>/stat). The kernel adds a wait to
   * schedstat only when the thread gets a CPU, so a thread starved since the last reading shows no
   * new waiting yet: this says it is waiting. Absent in readings recorded before it was read.
   */
  runnable?: boolean;
}

/** Appended to QEMU's argv so each vCPU thread carries its name (not part of the reproduce command: it changes nothing in the guest). */
export const THREAD_NAMES_ARGV = ["-name", "debug-threads=on"];

/** A vCPU thread: "CPU 1/TCG" (multi-threaded TCG or KVM, one per vCPU) or "ALL CPUs/TCG" (single-threaded TCG). */
export const isVcpuThread = (name: string): boolean => /^(CPU \d+|ALL CPUs)\/[A-Z]+$/.test(name);

/** "run wait slices" → ns numbers; undefined for anything else. */
export function parseSchedstat(text: string): { runNs: number; waitNs: number } | undefined {
  const m = /^(\d+) (\d+) \d+\s*$/.exec(text);
  return m ? { runNs: Number(m[1]), waitNs: Number(m[2]) } : undefined;
}

/** The state letter of a /proc/…/stat line: the field after the command, which is in parentheses and may hold any byte. */
export const taskState = (stat: string): string | undefined => /\) (\S)/.exec(stat.slice(stat.lastIndexOf(")")))?.[1];

/**
 * Every live thread of `pid` with its schedstat. Throws (naming the file) when the process is gone
 * or the kernel keeps no schedstat; a thread that ends while being read is left out.
 */
export function readThreads(pid: number): ThreadStat[] {
  const dir = `/proc/${pid}/task`;
  const threads: ThreadStat[] = [];
  let missing: Error | undefined;
  for (const tid of readdirSync(dir)) {
    let stat: string;
    let name: string;
    let state: string;
    try {
      stat = readFileSync(`${dir}/${tid}/schedstat`, "latin1");
      name = readFileSync(`${dir}/${tid}/comm`, "latin1").trimEnd();
      state = readFileSync(`${dir}/${tid}/stat`, "latin1");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ESRCH") throw error;
      missing = error as Error; // that thread ended between the listing and the read
      continue;
    }
    const parsed = parseSchedstat(stat);
    if (!parsed)
      throw new Error(`${dir}/${tid}/schedstat: not "run wait slices": ${JSON.stringify(stat.slice(0, 80))}`);
    threads.push({ tid: Number(tid), name, ...parsed, runnable: taskState(state) === "R" });
  }
  // No thread at all: the process is gone, or this kernel keeps no schedstat.
  if (!threads.length) throw missing ?? new Error(`${dir}: no threads`);
  return threads;
}
