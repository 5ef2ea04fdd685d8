import { describe, expect, test } from "vitest";
import { cleanLine, LineSplitter, type ConsoleChunk } from "../../harness/console/lines.ts";

/** Push each piece in turn; return every line and the last tail. */
function feed(
  pieces: (string | Buffer | Uint8Array)[],
  splitter = new LineSplitter(),
): ConsoleChunk & { tails: string[] } {
  const lines: string[] = [];
  const tails: string[] = [];
  let tail = "";
  for (const p of pieces) {
    const out = splitter.push(typeof p === "string" ? Buffer.from(p, "utf8") : p);
    lines.push(...out.lines);
    tails.push(out.tail);
    tail = out.tail;
  }
  return { lines, tail, tails };
}

/** The bytes of `text` cut into pieces of `size` bytes. */
function bytesOf(text: string, size: number): Buffer[] {
  const all = Buffer.from(text, "utf8");
  const out: Buffer[] = [];
  for (let i = 0; i < all.length; i += size) out.push(all.subarray(i, i + size));
  return out;
}

describe("line endings", () => {
  test("LF, CR LF and lone CR each end one line; no empty lines", () => {
    expect(feed(["a\nb\r\nc\rd"])).toMatchObject({ lines: ["a", "b", "c"], tail: "d" });
  });

  test("Linux's \\r\\r\\n under Xen gives one line, not blank ones", () => {
    expect(
      feed(["[    1.4] Run /init as init process\r\r\ndom0 init: 6.1.0-56-arm64 xen: xen\r\r\n\r\r\n"]).lines,
    ).toEqual(["[    1.4] Run /init as init process", "dom0 init: 6.1.0-56-arm64 xen: xen"]);
  });

  test("CR LF split across reads is one line ending", () => {
    expect(feed(["(XEN) Freed 348kB init memory.\r", "\n", "Linux version 6.1\r", "\r", "\nnext"])).toMatchObject({
      lines: ["(XEN) Freed 348kB init memory.", "Linux version 6.1"],
      tail: "next",
    });
  });

  test("CR-only lines (progress counters) are separate lines", () => {
    expect(feed(["10%\r20%\r", "30%\rdone\n"]).lines).toEqual(["10%", "20%", "30%", "done"]);
  });

  test("the tail grows across reads and is emptied by the line end", () => {
    const r = feed(["/", " ", "#", " ", "\x1b[6n", "uname -r\r\r\n"]);
    expect(r.tails).toEqual(["/", "/ ", "/ #", "/ # ", "/ # ", ""]);
    expect(r.lines).toEqual(["/ # uname -r"]);
  });

  test("end() turns the unterminated tail into the last line", () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from("(XEN) Reboot in five seconds...\r\n(XEN) last words"))).toEqual({
      lines: ["(XEN) Reboot in five seconds..."],
      tail: "(XEN) last words",
    });
    expect(s.end()).toEqual({ lines: ["(XEN) last words"], tail: "" });
  });

  test("end() with nothing pending gives nothing", () => {
    const s = new LineSplitter();
    s.push(Buffer.from("done\r\n"));
    expect(s.end()).toEqual({ lines: [], tail: "" });
  });

  test("an empty read changes nothing", () => {
    const s = new LineSplitter();
    s.push(Buffer.from("abc"));
    expect(s.push(new Uint8Array(0))).toEqual({ lines: [], tail: "abc" });
  });

  test("tabs are kept", () => {
    expect(feed(["(XEN)\tDom0 kernel:\t64-bit\n"]).lines).toEqual(["(XEN)\tDom0 kernel:\t64-bit"]);
  });
});

describe("UTF-8 split across reads", () => {
  const text = "é € 𝄞 🐧 “quoted” — ünïcode\n";

  test.each([1, 2, 3, 5, 7])("pieces of %i bytes give the same line, and no replacement characters", (size) => {
    const r = feed(bytesOf(text, size));
    expect(r.lines).toEqual([text.trimEnd()]);
    for (const t of r.tails) expect(t).not.toContain("\uFFFD");
  });

  test("a character cut at the end of a read is held back from the tail until complete", () => {
    const penguin = Buffer.from("🐧", "utf8"); // 4 bytes
    const s = new LineSplitter();
    expect(s.push(Buffer.concat([Buffer.from("λ # "), penguin.subarray(0, 2)])).tail).toBe("λ # ");
    expect(s.push(penguin.subarray(2, 3)).tail).toBe("λ # ");
    expect(s.push(penguin.subarray(3)).tail).toBe("λ # 🐧");
  });

  test("Uint8Array input works like Buffer", () => {
    const bytes = new Uint8Array(Buffer.from("Xen ✓\n"));
    expect(new LineSplitter().push(bytes).lines).toEqual(["Xen ✓"]);
  });
});

describe("ANSI sequences and control characters", () => {
  test("SeaBIOS's terminal reset (ESC c, ESC[?7l, ESC[2J, ESC[0m) is stripped", () => {
    expect(feed(["\x1bc\x1b[?7l\x1b[2J\x1b[0mSeaBIOS (version 1.16.2-debian-1.16.2-1)\r\n"]).lines).toEqual([
      "SeaBIOS (version 1.16.2-debian-1.16.2-1)",
    ]);
  });

  test("the cursor query after the busybox prompt is stripped from the tail", () => {
    expect(feed(["\r\n/ # \x1b[6n"]).tail).toBe("/ # ");
  });

  test("an escape sequence split across reads is stripped once complete", () => {
    const r = feed(["\x1b[1", ";3", "2mLinux", "\x1b", "[0m version 6.1\r\n"]);
    expect(r.lines).toEqual(["Linux version 6.1"]);
    expect(r.tails.at(-2)).not.toContain("\x1b");
  });

  test("colour codes inside words do not break them", () => {
    expect(feed(["Run \x1b[33m/init\x1b[39m as \x1b[1minit\x1b[22m process\n"]).lines).toEqual([
      "Run /init as init process",
    ]);
  });

  test("NUL, BEL, backspace and DEL are dropped; a line of only controls is no line", () => {
    expect(feed(["\x00\x00Xen\x07 \x08version\x7f\r\n\x00\x00\x00\r\n\x1b[0m\r\n"]).lines).toEqual(["Xen version"]);
  });

  test("a NUL flood between lines is invisible and the next line matches", () => {
    const s = new LineSplitter();
    const flood = Buffer.alloc(1024 * 1024, 0);
    const r = feed(["(XEN) Xen version 4.17\r\n", flood, flood, "\r\nLinux version 6.1\r\n"], s);
    expect(r.lines).toEqual(["(XEN) Xen version 4.17", "Linux version 6.1"]);
    for (const t of r.tails) expect(t).toBe("");
  });

  test("an ESC flood (complete sequences, lone ESCs) between lines is invisible", () => {
    const small = "\x1b[0m\x1b[2J".repeat(500) + "\x1b".repeat(500); // under the cap
    const big = "\x1b[0m".repeat(50_000); // 200 000 characters, over the cap
    const r = feed(bytesOf(`${small}\r\n${big}\r\nRun /init as init process\r\n`, 4096));
    expect(r.lines).toEqual(["Run /init as init process"]);
    for (const t of r.tails) expect(t).not.toContain("\x1b");
    expect(r.tail).toBe("");
  });

  test("cleanLine strips sequences and controls, keeps text", () => {
    expect(cleanLine("\x1b[1;31mKernel panic\x1b[0m - not syncing\x00")).toBe("Kernel panic - not syncing");
    expect(cleanLine("plain text")).toBe("plain text");
    expect(cleanLine("\x1b")).toBe("");
  });
});

describe("the line cap (memory bound)", () => {
  test("a line longer than the cap is cut for matching; the next line is whole", () => {
    const s = new LineSplitter(100);
    const r = feed(["x".repeat(250), "y".repeat(50), "\r\nnext line\r\n"], s);
    expect(r.lines).toEqual(["x".repeat(100), "next line"]);
    expect(r.tails).toEqual(["x".repeat(100), "x".repeat(100), ""]);
  });

  test("the cap counts across reads, and exactly-at-the-cap lines are whole", () => {
    const s = new LineSplitter(10);
    expect(feed(["0123456789\n", "01234", "56789", "\n"], s).lines).toEqual(["0123456789", "0123456789"]);
  });

  test("10 MB without a newline: the tail never exceeds the default 16 KiB cap", () => {
    const s = new LineSplitter();
    const mb = Buffer.alloc(1024 * 1024, "z");
    let longest = 0;
    for (let i = 0; i < 10; i++) {
      const out = s.push(mb);
      expect(out.lines).toEqual([]);
      longest = Math.max(longest, out.tail.length);
    }
    expect(longest).toBe(16 * 1024);
    const after = s.push(Buffer.from("\r\n(XEN) Xen version 4.17\r\n"));
    expect(after.lines).toEqual(["z".repeat(16 * 1024), "(XEN) Xen version 4.17"]);
    expect(after.tail).toBe("");
  });

  test("a cut line resumes whole after its end: the cap does not leak into the next line", () => {
    const s = new LineSplitter(8);
    const r = feed(["aaaaaaaaaaaa\rbb", "bbbbbbbbbbbbbbbb\n", "ccc\n"], s);
    expect(r.lines).toEqual(["aaaaaaaa", "bbbbbbbb", "ccc"]);
  });
});

describe("floods and cut escapes", () => {
  test("an escape sequence cut by the end of a read leaves nothing in the tail", () => {
    const { tails } = feed(["/ # \x1b[", "6", "n"]);
    expect(tails).toEqual(["/ # ", "/ # ", "/ # "]);
  });

  test("a NUL or ANSI flood before a line does not push the line out of the cap", () => {
    for (const flood of ["\0".repeat(20_000), "\x1b[0m".repeat(5_000)]) {
      const text = `${flood}(XEN) Xen version 4.17\r\n`;
      expect(feed([text], new LineSplitter(1024)).lines, "in one read").toEqual(["(XEN) Xen version 4.17"]);
      expect(feed(bytesOf(text, 4096), new LineSplitter(1024)).lines, "across reads").toEqual([
        "(XEN) Xen version 4.17",
      ]);
    }
  });
});
