import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

/** `$XDG_CACHE_HOME/bootlog`, or `~/.cache/bootlog`; BOOTLOG_CACHE overrides both (tests use it). */
export function cacheRoot(): string {
  if (process.env.BOOTLOG_CACHE) return process.env.BOOTLOG_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "bootlog");
}

/** A short stable hash of anything JSON can say. */
export function keyHash(parts: unknown): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 24);
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * The cache entry `<kind>/<hash of key>`: a directory built once by `build` into a private
 * temp directory and then renamed into place. Concurrent runs may both build; the first rename
 * wins and the others use its result, so nobody ever sees a half-built entry.
 */
export async function cachedDir(kind: string, key: unknown, build: (dir: string) => Promise<void>): Promise<{ dir: string; built: boolean }> {
  const dir = join(cacheRoot(), kind, keyHash(key));
  if (await exists(dir)) return { dir, built: false };
  const tmp = join(cacheRoot(), "tmp", `${kind}-${keyHash(key)}-${process.pid}-${Math.random().toString(36).slice(2)}`);
  await mkdir(tmp, { recursive: true });
  try {
    await build(tmp);
    await mkdir(join(cacheRoot(), kind), { recursive: true });
    await rename(tmp, dir).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
    });
    return { dir, built: true };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
