/**
 * How many boots run at once by default (`--jobs`), and how many boot test files vitest runs side
 * by side: two machines per machine's worth of host cores. Under TCG every vCPU is a host thread
 * that keeps a core busy while the guest's vCPU is not idle: measured with schedstat, QEMU's CPU
 * time per second of the guest's clock was 1.6 s for arm64-xen-dom0 and 1.9 s for
 * x86_64-xen-cpu-max (2 vCPUs each). One lane per cores / vCPUs would therefore look right, but a
 * boot also waits (its hang's silence, U-Boot's and the toolstack's pauses, start-up and teardown),
 * and the guest's clock (runner/counted-clock.ts) takes the sharing out of every verdict. Measured
 * on 2 cores, 12 shipped expectations of every kind, `bootlog run --jobs 1/2/3`: 90.6 / 72.8 /
 * 71.5 s, every verdict right each time; so twice cores / vCPUs, where a third lane gains nothing,
 * and never more lanes than cores (not measured beyond: 1-vCPU machines get one lane per core).
 */
import { availableParallelism } from "node:os";

/** Lanes per machine's worth of cores: the measured optimum above. */
const SHARE = 2;

export function defaultLanes(vcpus: readonly number[], cores = availableParallelism()): number {
  const widest = Math.max(1, ...vcpus);
  return Math.max(1, Math.min(cores, Math.floor((SHARE * cores) / widest)));
}
