/**
 * The judge hands the matcher a hint with each read (LineSplitter.appended: the tail only grew
 * by this text), so the matcher looks at new text only. This checks the hinted path against
 * the matcher fed the same chunks without the hint, read by read, on random consoles cut at
 * random places: same milestones (time and text), same sends, same verdict, always.
 */
import { describe, expect, test } from "vitest";
import { LineSplitter } from "../../harness/console/lines.ts";
import { ConsoleJudge } from "../../harness/milestones/judge.ts";
import { BootMatcher, type MatcherSpec } from "../../harness/milestones/matcher.ts";

const PIECES = [
  "a",
  " ",
  "Xen ",
  "Linux version 6.1",
  "\r",
  "\n",
  "\r\n",
  "\x1b[1;31m",
  "\x1b[0m",
  "\x1b",
  "[",
  "\x00",
  "\t",
  "é",
  "🐧",
  "=> ",
  "/ # ",
  "/ ",
  "# ",
  "login: ",
  "=",
  ">",
];

function randomReads(seed: number, size: number): Buffer[] {
  let x = seed;
  const next = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff), x);
  const parts: string[] = [];
  let length = 0;
  while (length < size) {
    const piece = PIECES[next() % PIECES.length]!;
    parts.push(piece);
    length += piece.length;
  }
  const bytes = Buffer.from(parts.join(""), "utf8");
  const reads: Buffer[] = [];
  for (let i = 0; i < bytes.length;) {
    const n = next() % 4 === 0 ? 1 + (next() % 40) : 1 + (next() % 3);
    reads.push(bytes.subarray(i, i + n));
    i += n;
  }
  return reads;
}

const spec = (): MatcherSpec => ({
  milestones: [
    { id: "p1", match: "=> ", send: "one\n" },
    { id: "p2", match: "=> ", send: "two\n" },
    { id: "linux", match: /Linux version 6\.1/ },
    { id: "shell", match: "/ # " },
    { id: "login", match: "login: " },
    { id: "shell-2", match: "/ # " },
    { id: "long", match: "Xen Xen Xen " },
    { id: "never", match: "never printed" },
  ],
  failOn: [],
  silenceS: 1e9,
  budgetS: 1e9,
});

describe("judge hint equivalence", () => {
  test("300 random consoles: hinted and unhinted matchers agree after every read", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const judge = new ConsoleJudge(spec());
      const splitter = new LineSplitter();
      const plain = new BootMatcher(spec());
      let t = 0;
      for (const read of randomReads(seed, 2000)) {
        t += 0.001;
        const hinted = judge.feed(t, read);
        const unhinted = plain.chunk(t, splitter.push(read));
        expect(hinted.sends, `seed ${seed}`).toEqual(unhinted.sends);
        expect(judge.milestones, `seed ${seed}`).toEqual(plain.reached);
        expect(judge.verdict, `seed ${seed}`).toEqual(plain.verdict);
      }
      const end = judge.exit(t + 1, 0, null);
      expect(end.verdict, `seed ${seed} exit`).toEqual(
        plain.chunk(t + 1, splitter.end()).verdict ?? plain.exit(t + 1, 0, null).verdict,
      );
    }
  });
});
