/** Lines kept per milestone for a report: the newest ones, up to this many characters. */
const SLICE_CHARS = 64 * 1024;

/**
 * Cuts the console into slices: the text that led up to each milestone (JUnit system-out),
 * and "end" for what came after the last one. Bounded: older text of a long slice is dropped.
 */
export class SliceRecorder {
  private lines: string[] = [];
  /** lines[0..head) are dropped already (Array#shift on a long array copies it). */
  private head = 0;
  private chars = 0;
  private dropped = 0;
  private readonly slices: Record<string, string> = {};

  add(lines: string[]): void {
    for (const line of lines) {
      this.lines.push(line);
      this.chars += line.length + 1;
    }
    while (this.chars > SLICE_CHARS && this.lines.length - this.head > 1) {
      this.chars -= this.lines[this.head++]!.length + 1;
      this.dropped += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
  }

  /** The milestone `id` was reached: everything since the previous one is its slice. */
  close(id: string, tail = ""): void {
    this.slices[id] = this.take(tail);
  }

  finish(): Record<string, string> {
    const rest = this.take("");
    if (rest) this.slices.end = rest;
    return this.slices;
  }

  private take(tail: string): string {
    const head = this.dropped ? [`[… ${this.dropped} earlier lines in serial.log]`] : [];
    const text = [...head, ...this.lines.slice(this.head), ...(tail ? [tail] : [])].join("\n");
    this.lines = [];
    this.head = 0;
    this.chars = 0;
    this.dropped = 0;
    return text;
  }
}
