/**
 * Where a run keeps each boot: <run>/<boot>/, a retry in <run>/retry-N/<boot>/, run K of
 * `--runs` in <run>/run-K/<boot>/ (its retries in <run>/run-K/retry-N/<boot>/). The runner puts
 * a boot's serial.log there; the writers and readers of artifacts/ find it there.
 */
import { join } from "node:path";

/** Where attempt N of the run's boots writes: the run directory, retries in retry-N/. */
export function attemptDir(runDir: string, attempt: number): string {
  return attempt === 1 ? runDir : join(runDir, `retry-${attempt}`);
}

/** Run K of a repeated run (`--runs N`, N > 1); a single run uses the run directory itself. */
export const repeatDir = (runDir: string, run: number, runs: number) =>
  runs > 1 ? join(runDir, `run-${run}`) : runDir;

/** A boot's own directory inside an attempt directory. */
export const bootDir = (attemptRunDir: string, name: string) => join(attemptRunDir, name);
export const serialLogPath = (dir: string) => join(dir, "serial.log");
