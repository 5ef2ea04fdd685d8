import { open, type FileHandle } from "node:fs/promises";

/** A part of the file that is not all zeros, handed to the recovery passes. */
export interface RamSpan {
  /** File offset of bytes[0]; a multiple of the zero-check block. */
  offset: number;
  bytes: Buffer;
}

export interface RamScanPass {
  span(span: RamSpan, ram: RandomAccess): void;
}

/** Small reads anywhere in the file, for a pass whose text runs past the span it was found in. */
export interface RandomAccess {
  size: number;
  read(offset: number, length: number): Promise<Buffer>;
  readSync(offset: number, length: number): Buffer;
}

export interface RamScanStats {
  fileBytes: number;
  /** Bytes in 64 KiB blocks that were not all zero: what the passes looked at. */
  dataBytes: number;
  readMs: number;
}

const CHUNK = 8 << 20;
/** Reads in flight: a hole reads back as zeros at memory speed, and libuv's threads copy in parallel. */
const IN_FLIGHT = 4;
const BLOCK = 64 << 10;
const ZERO = Buffer.alloc(BLOCK);

/**
 * Stream the file in 8 MiB reads (four in flight) and hand the passes only its non-zero 64 KiB
 * blocks, merged into spans. Node has no lseek(SEEK_DATA), and a hole in tmpfs reads back as
 * zeros at memory speed, so skipping zero blocks after the read costs about what skipping holes
 * would, and also skips pages the guest zeroed (Xen scrubs all of RAM at boot). Memory use is
 * four chunks, never the file.
 */
export async function scanRam(path: string, passes: RamScanPass[], deadline: number): Promise<RamScanStats> {
  const started = performance.now();
  const file: FileHandle = await open(path, "r");
  try {
    const { size } = await file.stat();
    const fd = file.fd;
    const { readSync } = await import("node:fs");
    const ram: RandomAccess = {
      size,
      read: async (offset, length) => {
        const out = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
        if (out.length) await file.read(out, 0, out.length, offset);
        return out;
      },
      readSync: (offset, length) => {
        const out = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
        if (out.length) readSync(fd, out, 0, out.length, offset);
        return out;
      },
    };
    const buffers = Array.from({ length: IN_FLIGHT }, () => Buffer.allocUnsafe(CHUNK));
    const readChunk = (i: number) =>
      file.read(buffers[i % IN_FLIGHT]!, 0, Math.min(CHUNK, size - i * CHUNK), i * CHUNK);
    const chunks = Math.ceil(size / CHUNK);
    let dataBytes = 0;
    const pending = new Map<number, ReturnType<typeof readChunk>>();
    for (let i = 0; i < Math.min(IN_FLIGHT - 1, chunks); i++) pending.set(i, readChunk(i));
    for (let i = 0; i < chunks; i++) {
      if (performance.now() > deadline) {
        await Promise.allSettled(pending.values());
        throw new Error(`RAM scan of ${path} ran out of time after ${i * (CHUNK >> 20)} MiB`);
      }
      // The chunk IN_FLIGHT-1 ahead is read while this one is looked at, into a buffer no pass holds.
      if (i + IN_FLIGHT - 1 < chunks) pending.set(i + IN_FLIGHT - 1, readChunk(i + IN_FLIGHT - 1));
      const { bytesRead } = await pending.get(i)!;
      pending.delete(i);
      const buffer = buffers[i % IN_FLIGHT]!;
      for (let at = 0; at < bytesRead;) {
        while (at < bytesRead && isZero(buffer, at, Math.min(at + BLOCK, bytesRead))) at += BLOCK;
        const start = at;
        while (at < bytesRead && !isZero(buffer, at, Math.min(at + BLOCK, bytesRead))) at += BLOCK;
        if (at > start) {
          const end = Math.min(at, bytesRead);
          dataBytes += end - start;
          const span = { offset: i * CHUNK + start, bytes: buffer.subarray(start, end) };
          for (const pass of passes) pass.span(span, ram);
        }
      }
    }
    return { fileBytes: size, dataBytes, readMs: performance.now() - started };
  } finally {
    await file.close();
  }
}

function isZero(buffer: Buffer, start: number, end: number): boolean {
  return buffer.compare(ZERO, 0, end - start, start, end) === 0;
}
