/** A mistake in the bisect command line: the same for every commit, so bisect should stop, not skip. */
export class BisectUsageError extends Error {
  override name = "BisectUsageError";
}

/**
 * A mistake bisect stops on: its own, or a package choice that cannot be made (images/'
 * PackageChoiceError, told by name so the CLI's start-up does not load the package code).
 */
export const isBisectUsageError = (error: unknown): error is Error =>
  error instanceof BisectUsageError || (error instanceof Error && error.name === "PackageChoiceError");
