import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

/**
 * mkdir -p; on failure the real reason: a recursive mkdir says ENOENT where a read-only or
 * full disk is the cause, so the first missing directory is created alone to hear why.
 */
export function makeDirProblem(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true });
    return undefined;
  } catch (error) {
    let first = dir;
    while (!existsSync(dirname(first)) && dirname(first) !== first) first = dirname(first);
    let reason = (error as Error).message;
    try {
      mkdirSync(first);
    } catch (direct) {
      reason = (direct as Error).message;
    }
    return reason;
  }
}
