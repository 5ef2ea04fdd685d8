import { statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";

/**
 * Where the guest's RAM can be read after the boot. File-backed RAM on /dev/shm costs nothing
 * measurable and outlives QEMU (even an `exited` boot can be examined); a /dev/shm too small for
 * the guest (Docker's 64 MB default) would make QEMU die of SIGBUS mid-boot, so then RAM stays
 * anonymous and is copied out with QMP `pmemsave` while QEMU still runs.
 */
export type RamPlacement = { kind: "file"; path: string } | { kind: "pmemsave"; path: string; why: string };

export const SHM_DIR = "/dev/shm";
/** Room left on /dev/shm for everyone else besides our guest. */
const SHM_MARGIN = 256 << 20;

export function memoryBytes(memory: string): number {
  const match = /^(\d+)([MG])$/.exec(memory);
  if (!match) throw new Error(`machine.memory: cannot size ${JSON.stringify(memory)}`);
  return Number(match[1]) * (match[2] === "G" ? 2 ** 30 : 2 ** 20);
}

/** Free bytes of a file system, or the error that says why it cannot be used. */
function freeBytes(dir: string): number | Error {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch (error) {
    return error as Error;
  }
}

export function placeRam(
  bytes: number,
  name: string,
  fallbackDir: string,
  shmDir = process.env.BOOTLOG_SHM_DIR || SHM_DIR,
  free: number | Error = freeBytes(shmDir),
): RamPlacement {
  const unique = `bootlog-${process.pid}-${name}-${randomBytes(3).toString("hex")}.ram`;
  if (typeof free === "number" && free >= bytes + SHM_MARGIN) return { kind: "file", path: join(shmDir, unique) };
  const why =
    typeof free === "number"
      ? `${shmDir} has ${Math.floor(free / 2 ** 20)} MiB free, the guest needs ${bytes / 2 ** 20} MiB (+${SHM_MARGIN / 2 ** 20} MiB margin)`
      : `${shmDir} unusable: ${free.message}`;
  return { kind: "pmemsave", path: join(fallbackDir, "guest-ram.bin"), why };
}

/** The QMP socket next to serial.log, or under the temporary directory when that path is too long for sun_path (108 bytes). */
export function qmpSocketPath(dir: string): string {
  const beside = resolve(dir, "qmp.sock");
  return beside.length < 100
    ? beside
    : join(tmpdir(), `bootlog-qmp-${process.pid}-${randomBytes(4).toString("hex")}.sock`);
}

/** The QEMU options that make a boot examinable: RAM in the file (when placed there) and a QMP socket. */
export function postMortemArgv(ram: RamPlacement, bytes: number, qmpSocket: string): string[] {
  const file =
    ram.kind === "file"
      ? [
          "-object",
          `memory-backend-file,id=bootlog-ram,size=${bytes},mem-path=${ram.path},share=on`,
          "-machine",
          "memory-backend=bootlog-ram",
        ]
      : [];
  return [...file, "-qmp", `unix:${qmpSocket},server=on,wait=off`];
}
