import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import writeFileAtomicInPlace from "write-file-atomic";

/**
 * Writes a whole file or nothing: a reader (CI, a crashed run's leftovers) never sees half a
 * junit.xml. Temp file + fsync + rename, by write-file-atomic; parent directories are created.
 */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomicInPlace(path, data);
}
