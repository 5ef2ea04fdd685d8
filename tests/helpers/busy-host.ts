/**
 * A busy host on demand, for boot tests and benchmarks: processes that take the CPU from QEMU,
 * bounded in time (each is killed by `timeout` however the caller ends) and stopped by `stop()`
 * (and on exit). Start it only under /work/qemu.lock's holder (the boot tests' lock) and stop it
 * before the lock is released: other boots must not meet it.
 *
 * Why not plain busy loops: this kernel (6.x, sched_autogroup_enabled=1) gives every session its
 * own scheduling group, and QEMU (started detached: a session of its own) gets a whole group's
 * share however many loops another session runs; loops spread over sessions, each with its group
 * at a higher priority (`/proc/self/autogroup` nice, the group-level `nice -n -5`), do starve it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";

export interface LoadSpec {
  /** Busy loops, each in a session (scheduling group) of its own. */
  spinners: number;
  /** The nice value of each spinner's group (negative: ahead of QEMU's). */
  groupNice: number;
  /** Loops that start short-lived processes, each in a session of its own. */
  forkers?: number;
  /** Host CPUs the load may run on (taskset's list, "1"); default all. */
  cpus?: string;
  /** Hard limit: every load process is killed after this long whatever happens to the caller. */
  maxSeconds: number;
}

export interface BusyHost {
  /** End every load process now and wait until they are gone. */
  stop(): Promise<void>;
  /** /proc/pressure/cpu `some total` since start, seconds (the time some task waited for a CPU). */
  pressureS(): number;
}

function pressureTotalS(): number {
  const m = /^some .*total=(\d+)/m.exec(readFileSync("/proc/pressure/cpu", "latin1"));
  return m ? Number(m[1]) / 1e6 : 0;
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of live) if (child.pid) killGroup(child.pid);
});

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** One loop in a new session whose scheduling group gets `nice`, killed after `maxSeconds`. */
function startLoop(body: string, spec: LoadSpec): ChildProcess {
  const pin = spec.cpus ? `taskset -c ${spec.cpus} ` : "";
  const script = `echo ${spec.groupNice} > /proc/self/autogroup; exec ${pin}timeout -s KILL ${spec.maxSeconds} sh -c '${body}'`;
  // detached: setsid(), so a session and scheduling group of its own.
  const child = spawn("sh", ["-c", script], { detached: true, stdio: "ignore" });
  live.add(child);
  child.on("exit", () => live.delete(child));
  return child;
}

export function startBusyHost(spec: LoadSpec): BusyHost {
  const psi0 = pressureTotalS();
  const children = [
    ...Array.from({ length: spec.spinners }, () => startLoop("while :; do :; done", spec)),
    ...Array.from({ length: spec.forkers ?? 0 }, () => startLoop("while :; do /bin/true; done", spec)),
  ];
  return {
    pressureS: () => pressureTotalS() - psi0,
    stop: async () => {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once("exit", () => resolve());
              killGroup(child.pid!);
            }),
        ),
      );
    },
  };
}
