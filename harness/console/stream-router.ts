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
  /** The length of the prefix when `line` has it at `at`, else -1. */
  match: (line: string, at: number) => number;
  literal?: string;
  /** What to search for inside a line: the literal, or Xen's `(XEN) ` for a prefix of Xen's (a timestamp may follow it). */
  head?: string;
}

/** How every line Xen writes starts: its own, and a dom0less domU's (`(XEN) DOM1: `). */
const XEN_HEAD = "(XEN) ";
/**
 * Xen's `console_timestamps` put the time between its head and the rest: `(XEN) [    1.234] DOM1: `
 * (boot), `(XEN) [2026-12-07 09:00:00.123] ` (date, datems), `(XEN) [000000001234] ` (raw). A prefix
 * of Xen's matches with or without one, and the time is taken off with the prefix.
 */
const XEN_STAMP = /^\[[^\]\r\n]{1,40}\] /;

function stampLength(line: string, at: number): number {
  if (line.charCodeAt(at) !== 0x5b) return 0; // "["
  return XEN_STAMP.exec(line.slice(at, at + 44))?.[0].length ?? 0;
}

/** A literal prefix as a matcher; one that starts with Xen's head also matches with Xen's timestamp after the head. */
function literalMatch(prefix: string): (line: string, at: number) => number {
  if (!prefix.startsWith(XEN_HEAD)) return (line, at) => (line.startsWith(prefix, at) ? prefix.length : -1);
  const rest = prefix.slice(XEN_HEAD.length);
  return (line, at) => {
    if (!line.startsWith(XEN_HEAD, at)) return -1;
    const from = at + XEN_HEAD.length;
    const after = from + stampLength(line, from);
    return line.startsWith(rest, after) ? after + rest.length - at : -1;
  };
}

/**
 * Text typed at a shell prompt, echoed back: `/ # echo (XEN) DOM1: guest up`. Xen cuts into dom0's
 * line between dom0's console writes, and a prompt is one (so `/ # (XEN) DOM1: …` is cut), but
 * what follows the prompt on the same line is the shell echoing its command: a prefix there is
 * dom0's text, not the start of a line Xen wrote.
 */
const PROMPT_THEN_TYPING = /^[^#$]{0,64}[#$] +\S/;

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
 *
 * Which lines are Xen's: a prefix counts at the start of a console line, and inside one where
 * Xen cut into dom0's text, but not after a command typed at a shell prompt on that line (`/ #
 * echo (XEN) DOM1: up` is dom0's line). dom0 can still print a prefix at the start of a line
 * (`xl dmesg` does): the bytes cannot tell that from Xen, so a domU stream should wait for Xen
 * to start its domain (`after: "xen/xen-domu1-loading"`). Xen's console timestamps are part of
 * its prefixes: `(XEN) [    1.234] DOM1: ` is DOM1's line.
 */
export class StreamRouter {
  private readonly routes: Route[];
  private readonly rest: number;
  /** Literal prefixes searched inside a line, longest first (so "(XEN) DOM1: " wins over "(XEN) "). */
  private readonly inner: Route[];
  /** Unprefixed text cut short by another stream's line, waiting for the rest of its line. */
  private carry = "";

  constructor(prefixes: StreamPrefix[]) {
    const literal: Route[] = [];
    const regex: Route[] = [];
    prefixes.forEach((prefix, stream) => {
      if (prefix === "") return;
      if (typeof prefix === "string")
        literal.push({
          stream,
          literal: prefix,
          head: prefix.startsWith(XEN_HEAD) ? XEN_HEAD : prefix,
          match: literalMatch(prefix),
        });
      else {
        const source = prefix instanceof RegExp ? prefix : new RegExp(prefix.regex, prefix.flags);
        const re = new RegExp(`^(?:${source.source})`, source.flags.replace(/[gym]/g, ""));
        regex.push({ stream, match: (line, at) => re.exec(at ? line.slice(at) : line)?.[0].length ?? -1 });
      }
    });
    literal.sort((a, b) => b.literal!.length - a.literal!.length);
    this.routes = [...literal, ...regex];
    this.rest = prefixes.indexOf("");
    this.inner = literal;
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

  /**
   * Where a literal prefix starts inside the text (not at 0); -1 if nowhere, or where the text
   * before it is a command typed at a shell prompt (see PROMPT_THEN_TYPING).
   */
  private innerPrefixAt(text: string): number {
    let best = -1;
    for (const route of this.inner) {
      for (let at = text.indexOf(route.head!, 1); at > 0; at = text.indexOf(route.head!, at + 1)) {
        if (best >= 0 && at >= best) break;
        if (route.match(text, at) >= 0) {
          best = at;
          break;
        }
      }
    }
    return best < 0 || PROMPT_THEN_TYPING.test(text.slice(0, best)) ? -1 : best;
  }

  /** One piece of text (a line, or the unterminated tail) by its start. */
  route(text: string): Routed {
    for (const r of this.routes) {
      const length = r.match(text, 0);
      if (length >= 0) return { stream: r.stream, text: text.slice(length) };
    }
    return { stream: this.rest, text };
  }
}
