import { afterAll, describe, expect, test } from "vitest";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { scanRam } from "../../harness/postmortem/ram-scan.ts";
import { XenRingPass, ringOrder } from "../../harness/postmortem/xen-ring.ts";
import { PrintkPass } from "../../harness/postmortem/printk-ring.ts";
import { loadExcerpt, sparseRam } from "../helpers/ram-excerpt.ts";

/**
 * RAM excerpts from a real boot (arm64-xen-mute-dom0-no-root kept with --keep-ram, cut with
 * tests/fixtures/ram/extract.ts): Xen's console ring, Linux's printk data blocks and
 * printk_info array, and 128 KiB of the dom0 kernel's rodata full of format strings.
 */
const segments = loadExcerpt("arm64-xen-mute-dom0-no-root.ram.gz");
const GiB = 2 ** 30;
const made: string[] = [];
afterAll(() => made.forEach((p) => rmSync(dirname(p), { recursive: true, force: true })));

async function scan(path: string) {
  made.push(path);
  const xen = new XenRingPass();
  const linux = new PrintkPass();
  const stats = await scanRam(path, [xen, linux], performance.now() + 30_000);
  return { stats, xen: xen.result(), linux: linux.result() };
}

const texts = (log: Awaited<ReturnType<typeof scan>>["linux"]) => log!.records.map((r) => r.text);

const found = await scan(sparseRam(segments, GiB));

describe("recovery from a real RAM excerpt, at its real offsets in a sparse 1 GiB file", () => {
  test("Xen's console ring, oldest line first, not wrapped", () => {
    const ring = found.xen!;
    expect(ring.wrapped).toBe(false);
    expect(ring.lines).toHaveLength(85);
    expect(ring.lines).toContain(`(XEN) Unable to find device "/pl011,0x09000000"`);
    const order = [
      /^\(XEN\) Bad console= option 'dtuart'$/,
      /^\(XEN\) \*\*\* LOADING DOMAIN 0 \*\*\*$/,
      /^\(XEN\) Freed \d+kB init memory\.$/,
    ].map((re) => ring.lines.findIndex((l) => re.test(l)));
    expect(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!))).toBe(true);
  });

  test("Linux's kernel log: every record in order, exact lengths from printk_info", () => {
    const log = found.linux!;
    expect(log.lengths).toBe("printk_info");
    expect(log.records).toHaveLength(265);
    expect(log.records[0]!.text).toBe("Booting Linux on physical CPU 0x0000000000 [0x411fd070]");
    expect(log.records.at(-1)!.text).toBe(
      "---[ end Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0) ]---",
    );
    // Leftover bytes after a record's text are not part of it (the block holds "foundnd").
    expect(texts(log)).toContain("Xen 4.17 support found");
    const ids = log.records.map((r) => r.id);
    // Ids go up by one per record; records without text (no data block) leave a gap.
    expect(ids.every((id, i) => i === 0 || (id > ids[i - 1]! && id <= ids[i - 1]! + 4))).toBe(true);
    const times = log.records.map((r) => r.time!);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
  });

  test("format strings in the kernel image are not mistaken for records", () => {
    const rodata = segments.find((s) => s.label === "kernel-rodata")!.bytes.toString("latin1");
    expect(rodata).toContain("Booting Linux on physical CPU 0x%010lx");
    expect(texts(found.linux).filter((t) => /%(s|d|l?x|0\d+l?x)/.test(t))).toEqual([]);
  });

  test("only the blocks that are not zero are looked at", () => {
    expect(found.stats.fileBytes).toBe(GiB);
    expect(found.stats.dataBytes).toBeLessThanOrEqual(8 * 64 * 1024 + segments.reduce((n, s) => n + s.length, 0));
  });
});

test("a ring and a log split across the scanner's 8 MiB reads are recovered whole", async () => {
  // The same bytes, moved so that each crosses a read boundary (8-byte alignment kept).
  const placed = segments.map((s, i) => ({ ...s, offset: (i + 1) * 8 * 2 ** 20 - Math.floor(s.length / 2 / 8) * 8 }));
  const split = await scan(sparseRam(placed, 64 * 2 ** 20));
  expect(split.xen!.lines).toEqual(found.xen!.lines);
  expect(split.linux!.records).toEqual(found.linux!.records);
});

test("no ring at all: only format strings in RAM gives neither log, and no error", async () => {
  const none = await scan(
    sparseRam(
      segments.filter((s) => s.label === "kernel-rodata"),
      64 * 2 ** 20,
    ),
  );
  expect(none.xen).toBeUndefined();
  expect(none.linux).toBeUndefined();
});

describe("wrap-around", () => {
  const realLines = loadExcerpt("arm64-xen-mute-dom0-no-root.ram.gz");
  const ringText = realLines.find((s) => s.label === "xen-ring")!.bytes.toString("latin1");
  const lines = ringText.slice(ringText.indexOf("(XEN)")).split("\0")[0]!.split("\n").filter(Boolean);

  test("Xen's ring after it wrapped: oldest surviving whole line first, newest last", async () => {
    // Xen's ring as conring_puts fills it: the real lines, written 3 times over into 4 KiB.
    const size = 4096;
    const ring = Buffer.alloc(size);
    const written: string[] = [];
    let p = 0;
    for (let round = 0; round < 3; round++)
      for (const line of lines) {
        const text = `${line.replace("(XEN) ", `(XEN) [${round}] `)}\n`;
        for (const c of Buffer.from(text, "latin1")) ring[p++ % size] = c;
        written.push(text.slice(0, -1));
      }
    const wrapped = await scan(sparseRam([{ offset: 0x100000, bytes: ring }], 8 * 2 ** 20));
    expect(wrapped.xen!.wrapped).toBe(true);
    const got = wrapped.xen!.lines;
    expect(got.at(-1)).toBe(written.at(-1));
    // Whatever survived is the newest lines, in order.
    expect(written.slice(-got.length)).toEqual(got);
    expect(got.length).toBeGreaterThan(30);
  });

  test("ringOrder keeps a ring that never filled as it is", () => {
    expect(ringOrder("(XEN) a\n(XEN) b\n")).toEqual({ wrapped: false, lines: ["(XEN) a", "(XEN) b"] });
  });

  test("the printk data ring after it wrapped: records continue from the ring's start, in id order", async () => {
    // The real records (texts and timestamps) re-written by the kernel's rules into a 16 KiB
    // data ring: 8-byte aligned blocks of id + text; a block that does not fit at the end
    // leaves its id there and goes to the start. 4096 descriptors: ids start at 2^32 - 4096.
    const real = found.linux!.records;
    const size = 16 * 1024;
    const data = Buffer.alloc(size);
    const count = 4096;
    const infos = Buffer.alloc(count * 88);
    let pos = 0;
    real.forEach((r, seq) => {
      const id = 2 ** 32 - count + seq;
      const text = Buffer.from(r.text, "utf8");
      const block = 8 + Math.ceil(text.length / 8) * 8;
      if ((pos % size) + block > size) {
        data.writeBigUInt64LE(BigInt(id), pos % size);
        pos += size - (pos % size);
      }
      data.writeBigUInt64LE(BigInt(id), pos % size);
      text.copy(data, (pos % size) + 8);
      pos += block;
      const info = (seq % count) * 88;
      infos.writeBigUInt64LE(BigInt(seq), info);
      infos.writeBigUInt64LE(BigInt(Math.round((r.time ?? 0) * 1e9)), info + 8);
      infos.writeUInt16LE(text.length, info + 16);
    });
    const wrapped = await scan(
      sparseRam(
        [
          { offset: 0x200000, bytes: data },
          { offset: 0x400000, bytes: infos },
        ],
        8 * 2 ** 20,
      ),
    );
    const got = texts(wrapped.linux);
    expect(wrapped.linux!.lengths).toBe("printk_info");
    expect(got.at(-1)).toBe(real.at(-1)!.text);
    // A contiguous run of the newest records, none lost, none out of order.
    expect(real.slice(-got.length).map((r) => r.text)).toEqual(got);
    expect(got.length).toBeGreaterThan(100);
  });
});
