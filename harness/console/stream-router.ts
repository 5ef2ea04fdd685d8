import type { StreamPrefix } from "../expectations/streams.ts";

/** A piece of a console line and the stream it belongs to (index into the router's streams; -1: none). */
export interface Routed {
  stream: number;
  /** The text with the stream's prefix taken off. */
  text: string;
}

/** At most this much of an unprefixed line is carried across other streams' lines (a line's own cap). */
const CARRY_CHARS = 16 * 1024;

interface Route {
  stream: number;
  /** The prefix's length when the line starts with it, else -1. */
  match: (line: string) => number;
  literal?: string;
}

/**
 * Tells which stream a console line belongs to by its prefix: Xen's `(XEN) `, a domU's
 * `(XEN) DOM1: `, none for dom0. The longest literal prefix wins, then RegExps in declaration
 * order, then the stream whose prefix is "" (the lines nobody else claims).
 *
 * Consoles share one UART, so one stream's line can start in the middle of another's (dom0's
 * prompt, then Xen's own line): a literal prefix inside a line cuts it there. Xen writes its own
 * and a domU's lines whole, but dom0's (unprefixed) text as it comes, so a dom0 line can be cut
 * by several of them: `[ 4.2] R(XEN) DOM1: …`, `un /init as init(XEN) DOM1: …`, ` process`. Each
 * piece is routed as it comes (a prompt is seen at once), and after the piece that ends the dom0
 * line the whole line is routed too, so that `Run /init as init process` is seen.
 */
export class StreamRouter {
  private readonly routes: Route[];
  private readonly rest: number;
  /** Literal prefixes searched inside a line, longest first (so "(XEN) DOM1: " wins over "(XEN) "). */
  private readonly inner: string[];
  /** Unprefixed text cut short by another stream's line, waiting for the rest of its line. */
  private carry = "";

  constructor(prefixes: StreamPrefix[]) {
    const literal: Route[] = [];
    const regex: Route[] = [];
    prefixes.forEach((prefix, stream) => {
      if (prefix === "") return;
      if (typeof prefix === "string")
        literal.push({ stream, literal: prefix, match: (line) => (line.startsWith(prefix) ? prefix.length : -1) });
      else {
        const source = prefix instanceof RegExp ? prefix : new RegExp(prefix.regex, prefix.flags);
        const re = new RegExp(`^(?:${source.source})`, source.flags.replace(/[gym]/g, ""));
        regex.push({ stream, match: (line) => re.exec(line)?.[0].length ?? -1 });
      }
    });
    literal.sort((a, b) => b.literal!.length - a.literal!.length);
    this.routes = [...literal, ...regex];
    this.rest = prefixes.indexOf("");
    this.inner = literal.map((r) => r.literal!);
  }

  /** A whole line, cut where another stream's literal prefix starts inside it. */
  line(line: string): Routed[] {
    const parts: Routed[] = [];
    let rest = line;
    for (;;) {
      const cut = this.innerPrefixAt(rest);
      if (cut < 0) break;
      const piece = this.route(rest.slice(0, cut));
      if (this.rest >= 0 && piece.stream === this.rest) this.carry = (this.carry + piece.text).slice(-CARRY_CHARS);
      parts.push(piece);
      rest = rest.slice(cut);
    }
    const last = this.route(rest);
    parts.push(last);
    if (this.carry && last.stream === this.rest) {
      parts.push({ stream: last.stream, text: this.carry + last.text });
      this.carry = "";
    }
    return parts;
  }

  /** Where a literal prefix starts inside the text (not at 0); -1 if nowhere. */
  private innerPrefixAt(text: string): number {
    let best = -1;
    for (const prefix of this.inner) {
      const at = text.indexOf(prefix, 1);
      if (at > 0 && (best < 0 || at < best)) best = at;
    }
    return best;
  }

  /** One piece of text (a line, or the unterminated tail) by its start. */
  route(text: string): Routed {
    for (const r of this.routes) {
      const length = r.match(text);
      if (length >= 0) return { stream: r.stream, text: text.slice(length) };
    }
    return { stream: this.rest, text };
  }
}
