import { StringDecoder } from "node:string_decoder";
import stripAnsi from "strip-ansi";

/** What one chunk of console bytes turned into: complete lines and the unterminated tail (a prompt has no newline). */
export interface ConsoleChunk {
  lines: string[];
  tail: string;
}

// Control characters other than tab: NUL floods, ESC left over from a cut sequence, BEL...
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;
const HAS_CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;
// Bytes that make a line need cleanLine (CONTROL but CR and LF, which end lines; ESC included).
// UTF-8 never uses bytes below 0x80 inside a character, so the raw bytes tell.
const NEEDS_CLEANING = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) NEEDS_CLEANING[b] = b === 9 || b === 10 || b === 13 ? 0 : 1;
NEEDS_CLEANING[0x7f] = 1;

const MARK = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;
const MAX_MARKS = 256;
const NO_MARKS: number[] = [];

/** Where in `text` cleanLine has work (ESC, NUL...); undefined when there is too much to list: clean every line. */
function markOffsets(text: string): number[] | undefined {
  const marks: number[] = [];
  MARK.lastIndex = 0;
  while (MARK.exec(text)) {
    if (marks.length === MAX_MARKS) return undefined;
    marks.push(MARK.lastIndex - 1);
  }
  return marks;
}

/** The index of the first mark at or after `from`, searching on from index `m`. */
function nextMark(marks: number[], from: number, m: number): number {
  while (m < marks.length && marks[m]! < from) m++;
  return m;
}

/** What scanRead found in one read. Reused: the splitter runs for every read, often of one byte. */
interface Scan {
  /** Offsets of bytes cleanLine acts on; undefined when there are too many to list. */
  marks: number[] | undefined;
  /** All ASCII: byte offsets are character offsets. */
  ascii: boolean;
  /** A CR or LF: a line ends in this read. */
  ends: boolean;
}

/**
 * One pass over a read, much cheaper than a regex over its text. Most console output is plain
 * and needs no cleaning.
 */
function scanRead(bytes: Uint8Array, scan: Scan): void {
  let high = 0;
  let ends = false;
  let marks: number[] | undefined = NO_MARKS;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    high |= b;
    if (b === 10 || b === 13) ends = true;
    else if (NEEDS_CLEANING[b] && marks) {
      if (marks === NO_MARKS) marks = [];
      if (marks.length === MAX_MARKS) marks = undefined;
      else marks.push(i);
    }
  }
  scan.marks = marks;
  scan.ascii = high < 0x80;
  scan.ends = ends;
}

const NO_LINES: string[] = Object.freeze([]) as unknown as string[];

/** ASCII bytes as a string; for the short reads a serial console mostly delivers, cheaper than a decoder call. */
function asciiText(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}
const SHORT_READ = 12;

// An escape sequence cut by the end of a read: held back from the tail until it completes.
const INCOMPLETE_ESCAPE = /\x1b(\[[0-?]*[ -/]*)?$/;
const MAX_HELD_ESCAPE = 64;

/** The text a pattern sees: no ANSI sequences, no control characters. */
export function cleanLine(raw: string): string {
  const text = raw.includes("\x1b") ? stripAnsi(raw) : raw;
  return HAS_CONTROL.test(text) ? text.replace(CONTROL, "") : text;
}

/**
 * Turns console bytes into lines. CR LF, lone CR and LF all end a line; UTF-8 characters
 * split across reads are joined. A line longer than `maxLineChars` is cut for matching
 * (serial.log keeps it whole), so memory stays bounded for endless output without newline.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";
  private partialTooLong = false;
  private readonly scan: Scan = { marks: NO_MARKS, ascii: true, ends: false };
  /** The decoder may hold the first bytes of a character cut by the end of the last read. */
  private held = false;
  /**
   * Set by push() when the tail it returned is exactly the previous tail plus this text (plain
   * text inside a line): the matcher then looks at the new text only. Undefined otherwise.
   */
  appended: string | undefined;

  constructor(private readonly maxLineChars = 16 * 1024) {}

  push(bytes: Uint8Array): ConsoleChunk {
    const scan = this.scan;
    scanRead(bytes, scan);
    if (scan.ascii && !scan.ends && scan.marks === NO_MARKS && !this.held) {
      // The common read (Xen writes byte by byte): plain text inside a line. Same result as split(), less work.
      const text = bytes.length <= SHORT_READ ? asciiText(bytes) : this.decoder.write(bytes as Buffer);
      // The previous tail was the partial line itself (not a cleaned copy) if it was clean then.
      const wasPlain = !this.partialDirty;
      const before = this.partial.length;
      this.append(text, 0, text.length, false);
      if (this.partialDirty) {
        this.appended = undefined;
        return { lines: NO_LINES, tail: cleanLine(this.partial.replace(INCOMPLETE_ESCAPE, "")) };
      }
      this.appended = wasPlain && this.partial.length === before + text.length ? text : undefined;
      return { lines: NO_LINES, tail: this.partial };
    }
    this.appended = undefined;
    const text =
      scan.ascii && !this.held && bytes.length <= SHORT_READ ? asciiText(bytes) : this.decoder.write(bytes as Buffer);
    this.held = bytes.length > 0 && bytes[bytes.length - 1]! >= 0x80;
    const plainOffsets = scan.ascii && text.length === bytes.length;
    return this.split(text, scan.marks === NO_MARKS || !scan.marks || plainOffsets ? scan.marks : markOffsets(text));
  }

  /** End of stream: the unterminated tail becomes the last line. */
  end(): ConsoleChunk {
    const end = this.decoder.end();
    this.held = false;
    this.appended = undefined;
    const rest = this.split(end, markOffsets(end));
    const last = cleanLine(this.partial);
    this.partial = "";
    this.partialTooLong = false;
    this.partialDirty = false;
    return { lines: last ? [...rest.lines, last] : rest.lines, tail: "" };
  }

  /** Whether the pending partial line holds anything cleanLine would change. */
  private partialDirty = false;

  /** `marks`: where in `text` cleanLine has work (undefined: anywhere); lines without any are used as they are. */
  private split(text: string, marks: number[] | undefined): ConsoleChunk {
    let lines = NO_LINES;
    // No closures here: this runs for every read, often of one byte (and tsx names every closure it creates).
    let m = 0;
    let start = 0;
    let lf = text.indexOf("\n");
    let cr = text.indexOf("\r");
    while (lf >= 0 || cr >= 0) {
      const end = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      if (marks) m = nextMark(marks, start, m);
      const dirty = !marks || (m < marks.length && marks[m]! < end);
      let raw: string;
      if (this.partial || this.partialTooLong) {
        this.append(text, start, end, dirty);
        raw = this.partial;
      } else if (end - start > this.maxLineChars && dirty) {
        // Clean before cutting, so a flood of escapes cannot push the text out of the cap.
        raw = cleanLine(text.slice(start, end)).slice(0, this.maxLineChars);
        this.partialDirty = false;
      } else {
        raw = end - start > this.maxLineChars ? text.slice(start, start + this.maxLineChars) : text.slice(start, end);
        this.partialDirty = dirty;
      }
      const line = this.partialDirty ? cleanLine(raw) : raw;
      if (line) (lines === NO_LINES ? (lines = []) : lines).push(line);
      this.partial = "";
      this.partialTooLong = false;
      this.partialDirty = false;
      start = end + 1;
      if (lf === end) lf = text.indexOf("\n", start);
      if (cr === end) cr = text.indexOf("\r", start);
    }
    if (marks) m = nextMark(marks, start, m);
    this.append(text, start, text.length, !marks || m < marks.length);
    return { lines, tail: this.partialDirty ? cleanLine(this.partial.replace(INCOMPLETE_ESCAPE, "")) : this.partial };
  }

  private append(text: string, from: number, to: number, dirty: boolean): void {
    if (this.partialTooLong || from >= to) return;
    this.partialDirty ||= dirty;
    const room = this.maxLineChars - this.partial.length;
    if (to - from > room && this.partialDirty) {
      // ANSI and NUL floods do not count against the cap: clean what we have before cutting.
      // A sequence cut by the end of this read is kept raw, to be cleaned once it completes.
      const joined = this.partial + text.slice(from, to);
      const cut = INCOMPLETE_ESCAPE.exec(joined);
      const heldBack = cut && joined.length - cut.index <= MAX_HELD_ESCAPE ? joined.slice(cut.index) : "";
      const cleaned = cleanLine(heldBack ? joined.slice(0, cut!.index) : joined);
      this.partialTooLong = cleaned.length > this.maxLineChars;
      this.partial = this.partialTooLong ? cleaned.slice(0, this.maxLineChars) : cleaned + heldBack;
      this.partialDirty = !this.partialTooLong && heldBack !== "";
      return;
    }
    if (to - from > room) {
      this.partial += text.slice(from, from + room);
      this.partialTooLong = true;
    } else {
      this.partial += text.slice(from, to);
    }
  }
}
