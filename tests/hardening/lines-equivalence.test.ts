/**
 * LineSplitter takes fast paths (a byte scan decides which lines need cleaning; plain lines are
 * sliced, not rebuilt). This checks it against the plain reference below — clean every line,
 * char by char — on random hostile input cut at random places: same lines, same tails, always.
 */
import { StringDecoder } from "node:string_decoder";
import { describe, expect, test } from "vitest";
import { cleanLine, LineSplitter, type ConsoleChunk } from "../../harness/console/lines.ts";

/** The straightforward splitter: what LineSplitter must behave like. */
class ReferenceSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";
  constructor(private readonly max = 16 * 1024) {}
  push(bytes: Buffer): ConsoleChunk {
    return this.split(this.decoder.write(bytes));
  }
  end(): ConsoleChunk {
    const rest = this.split(this.decoder.end());
    const last = this.cleaned(this.partial);
    this.partial = "";
    return { lines: last ? [...rest.lines, last] : rest.lines, tail: "" };
  }
  private split(text: string): ConsoleChunk {
    const lines: string[] = [];
    for (const ch of text) {
      if (ch === "\n" || ch === "\r") {
        const line = this.cleaned(this.partial);
        if (line) lines.push(line);
        this.partial = "";
      } else this.partial += ch;
    }
    // An escape sequence cut by the end of a read is not in the tail until it completes.
    return { lines, tail: this.cleaned(this.partial.replace(/\x1b(\[[0-?]*[ -/]*)?$/, "")) };
  }
  /** The cap counts what patterns see: the cleaned text, in UTF-16 units like LineSplitter's. */
  private cleaned(raw: string): string {
    return cleanLine(raw).slice(0, this.max);
  }
}

const PIECES = [
  "a",
  "Xen ",
  "Linux version 6.1",
  "\r",
  "\n",
  "\r\n",
  "\r\r\n",
  "\x1b[1;31m",
  "\x1b[0m",
  "\x1b",
  "[",
  "\x00",
  "\x07",
  "\x08",
  "\x7f",
  "\t",
  "é",
  "✓",
  "🐧",
  "λ # ",
  "/ # ",
  "\x1b[6n",
];

function randomInput(seed: number, size: number): Buffer {
  let x = seed;
  const next = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff), x);
  const parts: Buffer[] = [];
  let length = 0;
  while (length < size) {
    const r = next() % 100;
    const piece =
      r < 3
        ? Buffer.alloc(1 + (next() % 300), next() % 2 ? "x" : "\x00") // runs over a small cap
        : r < 5
          ? Buffer.from([0x80 + (next() % 64), next() % 256]) // invalid UTF-8
          : Buffer.from(PIECES[next() % PIECES.length]!, "utf8");
    parts.push(piece);
    length += piece.length;
  }
  return Buffer.concat(parts);
}

function cuts(bytes: Buffer, seed: number): Buffer[] {
  let x = seed;
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length;) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const size = x % 3 === 0 ? 1 + (x % 4) : 1 + (x % 200);
    out.push(bytes.subarray(i, i + size));
    i += size;
  }
  return out;
}

describe("LineSplitter equals the plain reference on random hostile input", () => {
  test.each([8, 64, 16 * 1024])("line cap %i: 300 random consoles, random read sizes", (cap) => {
    for (let seed = 1; seed <= 300; seed++) {
      const fast = new LineSplitter(cap);
      const reference = new ReferenceSplitter(cap);
      const input = randomInput(seed * 7919, 2000);
      for (const read of cuts(input, seed)) expect(fast.push(read), `seed ${seed}`).toEqual(reference.push(read));
      expect(fast.end(), `seed ${seed} end`).toEqual(reference.end());
    }
  });
});
