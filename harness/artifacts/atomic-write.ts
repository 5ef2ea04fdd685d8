import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import writeFileAtomicInPlace from "write-file-atomic";

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Writes a whole file or nothing: a reader (CI, a crashed run's leftovers) never sees half a
 * junit.xml. Temp file + fsync + rename, by write-file-atomic; parent directories are created.
 * Errors name the file asked for, not write-file-atomic's temp file next to it.
 */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomicInPlace(path, data);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    e.message = e.message.replace(new RegExp(`${escapeRegExp(path)}\\.\\d+`, "g"), path);
    if (e.path) e.path = e.path.replace(new RegExp(`^${escapeRegExp(path)}\\.\\d+$`), path);
    throw e;
  }
}
