import type { RamScanPass, RamSpan, RandomAccess } from "./ram-scan.ts";

const PREFIX = Buffer.from("(XEN) ");
const MAX_RUN = 4 << 20;
const STEP = 64 << 10;

/** A stretch of text bounded by NUL bytes that holds Xen console lines. */
export interface TextRun {
  offset: number;
  text: string;
}

export interface XenRing {
  /** File offset of the ring text (its physical start, not the oldest line). */
  offset: number;
  bytes: number;
  /** The ring had wrapped: the oldest line was cut by newer ones and is left out. */
  wrapped: boolean;
  /** Oldest first. */
  lines: string[];
}

/**
 * Finds Xen's console ring: Xen copies every console line, `(XEN) ` prefix included, into a
 * character ring in its heap, whether or not a UART took them. Every run of text around a
 * `(XEN) ` is collected; the one with the most such lines is the ring (the Xen image itself holds
 * only the bare prefix and format strings).
 */
export class XenRingPass implements RamScanPass {
  readonly runs: TextRun[] = [];
  private coveredUntil = -1;

  span({ offset, bytes }: RamSpan, ram: RandomAccess): void {
    for (let i = bytes.indexOf(PREFIX); i >= 0; i = bytes.indexOf(PREFIX, i + 1)) {
      const at = offset + i;
      if (at < this.coveredUntil) continue;
      const run = textAround(ram, at);
      this.runs.push(run);
      this.coveredUntil = run.offset + run.text.length;
      if (this.coveredUntil > offset + bytes.length) return;
      i = this.coveredUntil - offset - 1;
    }
  }

  result(): XenRing | undefined {
    let best: TextRun | undefined;
    let bestCount = 0;
    for (const run of this.runs) {
      const count = countLines(run.text);
      if (count > bestCount || (count === bestCount && best && run.offset > best.offset))
        [best, bestCount] = [run, count];
    }
    // A lone prefix or a format string is not a ring.
    if (!best || bestCount < 2) return undefined;
    return { offset: best.offset, bytes: best.text.length, ...ringOrder(best.text) };
  }
}

function countLines(text: string): number {
  let count = text.startsWith("(XEN) ") ? 1 : 0;
  for (let i = text.indexOf("\n(XEN) "); i >= 0; i = text.indexOf("\n(XEN) ", i + 1)) count++;
  return count;
}

/** The NUL-bounded run of bytes around `at`, read in 64 KiB steps either way (it may cross spans and chunks). */
function textAround(ram: RandomAccess, at: number): TextRun {
  let start = at;
  for (;;) {
    const from = Math.max(0, start - STEP);
    const before = ram.readSync(from, start - from);
    const nul = before.lastIndexOf(0);
    if (nul >= 0) {
      start = from + nul + 1;
      break;
    }
    start = from;
    if (from === 0 || at - start >= MAX_RUN) break;
  }
  let end = at;
  for (;;) {
    const after = ram.readSync(end, STEP);
    const nul = after.indexOf(0);
    if (nul >= 0) {
      end += nul;
      break;
    }
    end += after.length;
    if (after.length < STEP || end - at >= MAX_RUN) break;
  }
  return { offset: start, text: ram.readSync(start, end - start).toString("latin1") };
}

/**
 * Ring order, oldest first. A ring that never filled ends with a whole line, right before the
 * zeros it has not reached yet. One that wrapped is text from end to end: its physical end
 * does not end a line (that line goes on at the physical start), and the write position is
 * where a line starts that is not a `(XEN) ` line: the rest of an old line, cut by new ones.
 */
export function ringOrder(text: string): { wrapped: boolean; lines: string[] } {
  const clean = text.replace(/\r/g, "");
  if (clean.endsWith("\n") || !clean.includes("\n")) return { wrapped: false, lines: splitLines(clean) };
  const firstBreak = clean.indexOf("\n") + 1;
  const seam = findSeam(clean, firstBreak);
  if (seam < 0) return { wrapped: false, lines: splitLines(clean) };
  const ordered = clean.slice(seam) + clean.slice(0, seam);
  // The oldest line lost its beginning to the newest ones: drop it.
  return { wrapped: true, lines: splitLines(ordered.slice(ordered.indexOf("\n") + 1)) };
}

function findSeam(text: string, from: number): number {
  for (let at = from; at < text.length;) {
    if (!text.startsWith("(XEN) ", at) && text[at] !== "\n") return at;
    const nl = text.indexOf("\n", at);
    if (nl < 0) return -1;
    at = nl + 1;
  }
  return -1;
}

function splitLines(text: string): string[] {
  return text.split("\n").filter((line) => line.trim() !== "");
}
