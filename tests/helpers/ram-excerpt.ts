import { closeSync, mkdtempSync, openSync, readFileSync, writeSync, ftruncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

export interface Segment {
  offset: number;
  length: number;
  label: string;
  bytes: Buffer;
}

/** The segments of a RAM excerpt (tests/fixtures/ram/*.ram.gz, made by extract.ts). */
export function loadExcerpt(name: string): Segment[] {
  const all = gunzipSync(readFileSync(join(import.meta.dirname, "../fixtures/ram", name)));
  const nl = all.indexOf(10);
  const { segments } = JSON.parse(all.subarray(0, nl).toString("utf8")) as { segments: Omit<Segment, "bytes">[] };
  let at = nl + 1;
  return segments.map((s) => {
    const bytes = all.subarray(at, at + s.length);
    at += s.length;
    return { ...s, bytes };
  });
}

/** A sparse file of `size` bytes holding each segment at its offset (moved by `shift[label]` when given). */
export function sparseRam(
  segments: { offset: number; bytes: Buffer; label?: string }[],
  size: number,
  shift: Record<string, number> = {},
): string {
  const path = join(mkdtempSync(join(tmpdir(), "bootlog-ram-")), "guest.ram");
  const fd = openSync(path, "w");
  ftruncateSync(fd, size);
  for (const s of segments) writeSync(fd, s.bytes, 0, s.bytes.length, s.offset + (shift[s.label ?? ""] ?? 0));
  closeSync(fd);
  return path;
}
