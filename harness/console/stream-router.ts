import type { StreamPrefix } from "../expectations/streams.ts";

/** A piece of a console line and the stream it belongs to (index into the router's streams; -1: none). */
export interface Routed {
  stream: number;
  /** The text with the stream's prefix taken off. */
  text: string;
}

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
 * prompt, then Xen's own line): a literal prefix inside a line cuts it there.
 */
export class StreamRouter {
  private readonly routes: Route[];
  private readonly rest: number;
  /** Literal prefixes searched inside a line, longest first (so "(XEN) DOM1: " wins over "(XEN) "). */
  private readonly inner: string[];

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
      parts.push(this.route(rest.slice(0, cut)));
      rest = rest.slice(cut);
    }
    parts.push(this.route(rest));
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
