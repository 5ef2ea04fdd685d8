import type { Options, ResultPromise } from "execa";

/**
 * execa, imported when the first program runs: a warm `prepare` runs none, and importing execa
 * took 60 ms of its half-second start.
 */
export async function execa<const O extends Options = {}>(
  file: string,
  args: readonly string[] = [],
  options?: O,
): Promise<Awaited<ResultPromise<{} & O>>> {
  const { execa: run } = await import("execa");
  return await run(file, args, options);
}
