/** A mistake in the bisect command line: the same for every commit, so bisect should stop, not skip. */
export class BisectUsageError extends Error {
  override name = "BisectUsageError";
}
