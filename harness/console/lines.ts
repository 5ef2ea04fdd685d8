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

  constructor(private readonly maxLineChars = 16 * 1024) {}

  push(bytes: Uint8Array): ConsoleChunk {
    return this.split(this.decoder.write(bytes as Buffer));
  }

  /** End of stream: the unterminated tail becomes the last line. */
  end(): ConsoleChunk {
    const rest = this.split(this.decoder.end());
    const last = cleanLine(this.partial);
    this.partial = "";
    return { lines: last ? [...rest.lines, last] : rest.lines, tail: "" };
  }

  private split(text: string): ConsoleChunk {
    const lines: string[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.append(text, start, i);
      const line = cleanLine(this.partial);
      if (line) lines.push(line);
      this.partial = "";
      this.partialTooLong = false;
      start = i + 1;
    }
    this.append(text, start, text.length);
    return { lines, tail: cleanLine(this.partial) };
  }

  private append(text: string, from: number, to: number): void {
    if (this.partialTooLong || from >= to) return;
    const room = this.maxLineChars - this.partial.length;
    if (to - from > room) {
      this.partial += text.slice(from, from + room);
      this.partialTooLong = true;
    } else {
      this.partial += text.slice(from, to);
    }
  }
}
