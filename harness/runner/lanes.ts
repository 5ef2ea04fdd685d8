/**
 * How many boots run at once by default (`--jobs`), and how many boot test files vitest runs side
 * by side: one lane per machine's worth of host cores. Under TCG every vCPU is a host thread that
 * keeps a core busy whenever the guest's vCPU is not idle: measured with schedstat, QEMU's CPU time
 * per second of the guest's clock was 1.6 s for arm64-xen-dom0 and 1.9 s for x86_64-xen-cpu-max
 * (2 vCPUs each). More lanes than cores / vCPUs only share the same cores: each boot runs slower
 * (its wall time grows with the lanes), the run as a whole is no faster, and the guests starve
 * each other (the host-starved bound, runner/host-starved.ts, turns that into infra).
 */
import { availableParallelism } from "node:os";

export function defaultLanes(vcpus: readonly number[], cores = availableParallelism()): number {
  const widest = Math.max(1, ...vcpus);
  return Math.max(1, Math.floor(cores / widest));
}
