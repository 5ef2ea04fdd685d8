import type { RamScanPass, RamSpan } from "./ram-scan.ts";

/**
 * Recovers Linux's kernel log (the printk ringbuffer, Linux >= 5.10) from raw RAM without
 * symbols. A data block is 8-byte aligned: an `unsigned long` descriptor id, then the text.
 * Ids count up by one per record from 2^32 - (number of descriptors), so they sit just below
 * or above 2^32; a record's successor is the next id, in the next block (or, after the data
 * ring wrapped, at its start). Format strings in the kernel image are not preceded by such an
 * id and sit at any alignment, so they never chain. The exact text length is in the record's
 * `struct printk_info` (88 bytes: seq, ts_nsec, text_len u16, ...), found as an array whose
 * consecutive entries carry consecutive seq numbers; without it the text runs to the next NUL.
 */

const ID_LOW = 2 ** 32 - 2 ** 22;
const ID_HIGH = 2 ** 32 + 2 ** 22;
const MAX_TEXT = 1024;
/** Ids a successor may skip: records without text have no data block. */
const MAX_ID_STEP = 4;
const INFO_SIZE = 88;
const INFO_TEXT_LEN = 16;

export interface PrintkRecord {
  id: number;
  /** Seconds since the kernel started (from printk_info), when found. */
  time?: number;
  text: string;
}

export interface PrintkLog {
  /** File offset of the oldest record's data block. */
  offset: number;
  records: PrintkRecord[];
  /** Exact lengths from printk_info, or text cut at the first NUL. */
  lengths: "printk_info" | "nul";
}

interface Block {
  offset: number;
  id: number;
  raw: Buffer;
}

interface Info {
  textLen: number;
  tsNsec: number;
}

const printable = (c: number | undefined) => c !== undefined && ((c >= 0x20 && c < 0x7f) || c === 0x09 || c >= 0xa0);

/** Records that are text, as a log is: a chain of anything else is a coincidence of numbers. */
const TEXT = /^[\t\n\x20-\x7e\u00a0-\uffff]*$/u;
const MIN_RECORDS = 4;

export class PrintkPass implements RamScanPass {
  private readonly blocks: Block[] = [];

  /** @param ignore file offsets that hold loaded images, not logs (a kernel image carries numbers and text too). */
  constructor(private readonly ignore: (offset: number) => boolean = () => false) {}
  /** Entries that begin three consecutive seq numbers at 88-byte strides. */
  private readonly infoHits: (Info & { offset: number; seq: number })[] = [];

  span({ offset, bytes }: RamSpan): void {
    if (offset % 8) throw new Error("printk scan needs 8-byte aligned spans");
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
    for (let w = 0; w + 1 < words.length; w += 2) {
      const lo = words[w]!;
      const hi = words[w + 1]!;
      if (hi <= 1) {
        const id = hi * 2 ** 32 + lo;
        if (id >= ID_LOW && id < ID_HIGH) {
          const at = w * 4 + 8;
          if (printable(bytes[at]) && printable(bytes[at + 1]) && printable(bytes[at + 2])) {
            this.blocks.push({
              offset: offset + w * 4,
              id,
              raw: Buffer.from(bytes.subarray(at, Math.min(at + MAX_TEXT, bytes.length))),
            });
          }
        }
      }
      // printk_info: seq here, seq+1 and seq+2 in the next two entries, a sane text_len.
      if (hi === 0 && lo < 2 ** 31) {
        const n = w + INFO_SIZE / 4;
        if (
          words[n] === lo + 1 &&
          words[n + 1] === 0 &&
          words[n + INFO_SIZE / 4] === lo + 2 &&
          words[n + INFO_SIZE / 4 + 1] === 0
        ) {
          for (let k = 0; k < 3; k++) {
            const at = w * 4 + k * INFO_SIZE;
            const textLen = bytes.readUInt16LE(at + INFO_TEXT_LEN);
            if (textLen <= MAX_TEXT)
              this.infoHits.push({
                offset: offset + at,
                seq: lo + k,
                textLen,
                tsNsec: Number(bytes.readBigUInt64LE(at + 8)),
              });
          }
        }
      }
    }
  }

  result(): PrintkLog | undefined {
    const chain = longestChain(this.blocks.filter((b) => !this.ignore(b.offset)));
    if (chain.length < MIN_RECORDS) return undefined;
    const infos = infoArray(this.infoHits);
    const seqBase = seqOffset(chain, infos);
    // Blocks before the first record the info array knows are leftovers of an earlier buffer.
    while (seqBase !== undefined && chain.length && !infos.has(chain[0]!.id - seqBase)) chain.shift();
    const records = chain.map((block, i) => {
      const info = seqBase === undefined ? undefined : infos.get(block.id - seqBase);
      const capacity = capacityOf(block, chain[i + 1]);
      const nul = block.raw.indexOf(0);
      const length =
        info && info.textLen <= capacity ? info.textLen : Math.min(nul < 0 ? block.raw.length : nul, capacity);
      return {
        id: block.id,
        ...(info ? { time: info.tsNsec / 1e9 } : {}),
        text: block.raw.toString("utf8", 0, length),
      };
    });
    const text = records.filter((r) => r.text && TEXT.test(r.text)).length;
    if (records.length < MIN_RECORDS || text < records.length * 0.9) return undefined;
    return { offset: chain[0]!.offset, records, lengths: seqBase === undefined ? "nul" : "printk_info" };
  }
}

/** Room for text in a block: up to its successor when that follows right after it. */
function capacityOf(block: Block, next: Block | undefined): number {
  if (next && next.offset > block.offset && next.offset - block.offset <= MAX_TEXT + 16)
    return next.offset - block.offset - 8;
  return block.raw.length;
}

/** Link each block to the next id found within the next 2 KiB, join chains across the ring's wrap, keep the longest. */
function longestChain(blocks: Block[]): Block[] {
  const byId = new Map<number, Block[]>();
  for (const b of blocks) byId.set(b.id, [...(byId.get(b.id) ?? []), b]);
  const next = new Map<Block, Block>();
  const hasPrevious = new Set<Block>();
  for (const b of blocks) {
    for (let step = 1; step <= MAX_ID_STEP && !next.has(b); step++) {
      const successor = byId
        .get(b.id + step)
        ?.find((n) => n.offset > b.offset && n.offset - b.offset <= MAX_TEXT + 16 + 8);
      if (successor && !hasPrevious.has(successor)) {
        next.set(b, successor);
        hasPrevious.add(successor);
      }
    }
  }
  let chains: Block[][] = [];
  for (const b of blocks) {
    if (hasPrevious.has(b)) continue;
    const chain = [b];
    for (let n = next.get(b); n; n = next.get(n)) chain.push(n);
    chains.push(chain);
  }
  // The data ring wrapped: a chain ending near the ring's end goes on with a chain at a lower
  // address whose first id follows (the same id too: a block that did not fit at the end
  // leaves its id there and its text at the start).
  const joined: Block[][] = [];
  const used = new Set<Block[]>();
  // Lone blocks are coincidences (numbers in range followed by text): they join nothing.
  chains = chains.filter((c) => c.length > 1);
  for (const chain of chains.sort((a, b) => a[0]!.id - b[0]!.id)) {
    if (used.has(chain)) continue;
    let whole = chain;
    for (;;) {
      const last = whole.at(-1)!;
      const tail = chains.find(
        (c) =>
          !used.has(c) &&
          c !== chain &&
          c[0]!.offset < whole[0]!.offset &&
          c[0]!.id >= last.id &&
          c[0]!.id <= last.id + MAX_ID_STEP &&
          c.length > 1,
      );
      if (!tail) break;
      used.add(tail);
      whole = [...(tail[0]!.id === last.id ? whole.slice(0, -1) : whole), ...tail];
    }
    used.add(chain);
    joined.push(whole);
  }
  return joined.reduce((best, c) => (c.length > best.length ? c : best), [] as Block[]);
}

/** id - seq is the same for every record; find it as the offset that gives the most records a fitting text_len. */
function seqOffset(chain: Block[], infos: Map<number, Info>): number | undefined {
  if (!infos.size) return undefined;
  let best: { base: number; fits: number } | undefined;
  for (let bits = 4; bits <= 22; bits++) {
    const base = 2 ** 32 - 2 ** bits;
    let fits = 0;
    chain.forEach((block, i) => {
      const info = infos.get(block.id - base);
      if (
        info &&
        info.textLen > 0 &&
        info.textLen <= capacityOf(block, chain[i + 1]) &&
        capacityOf(block, chain[i + 1]) - info.textLen < 8 + 8
      )
        fits++;
    });
    if (fits > (best?.fits ?? 0)) best = { base, fits };
  }
  return best && best.fits >= chain.length / 2 ? best.base : undefined;
}

/**
 * The printk_info array: the largest set of entries at 88-byte strides whose seq numbers go up
 * by one (a wrapped array is two such runs, back to back). Other structures with counters at a
 * stride of 88 make only short runs.
 */
function infoArray(hits: (Info & { offset: number; seq: number })[]): Map<number, Info> {
  const unique = new Map<number, Info & { offset: number; seq: number }>();
  for (const hit of hits) unique.set(hit.offset, hit);
  const sorted = [...unique.values()].sort((a, b) => a.offset - b.offset);
  let best: typeof sorted = [];
  let current: typeof sorted = [];
  for (const hit of sorted) {
    const previous = current.at(-1);
    if (previous && hit.offset === previous.offset + INFO_SIZE) current.push(hit);
    else current = [hit];
    if (current.length > best.length) best = current;
  }
  return new Map(best.map((hit) => [hit.seq, { textLen: hit.textLen, tsNsec: hit.tsNsec }]));
}
