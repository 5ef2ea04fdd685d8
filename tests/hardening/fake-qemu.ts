/**
 * Stand-ins for QEMU in hardening tests: small node scripts that print hostile bytes, die,
 * or exit early, selected with BOOTLOG_QEMU_AARCH64 (the real-boot paths are covered by
 * tests/boot). Each script answers `--version` like QEMU and records its pid in `<script>.pids`,
 * so a test can prove the "QEMU" it started is gone.
 */
import { createHash } from "node:crypto";
import { chmodSync, createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { validateExpectation, type Expectation } from "../../harness/expectations/loader.ts";
import { linuxPanics, xenPanics } from "../../harness/expectations/failure-patterns.ts";
import type { BootSpec } from "../../harness/expectations/schema.ts";

/** The line `lines(n)` repeats: the first n bytes of LINE, LINE, LINE... */
export const LINE = "(XEN) d0v0: hostile console line with some words in it 0123456789 [ 12.345678] \r\n";

/** What a fake prints, in order: text (UTF-8), hex bytes, a file, n bytes of one value, n bytes of LINEs, or a pause. */
export type Step =
  | { text: string }
  | { hex: string }
  | { file: string }
  | { flood: number; bytes: number }
  | { lines: number }
  | { sleepMs: number };

const PRELUDE = `#!/usr/bin/env node
import { appendFileSync, readFileSync } from "node:fs";
if (process.argv.includes("--version")) {
  process.stdout.write("QEMU emulator version 7.2.0 (fake for bootlog hardening tests)\\n");
  process.exit(0);
}
appendFileSync(new URL(import.meta.url).pathname + ".pids", process.pid + "\\n");
process.stdout.on("error", () => process.exit(0));
/** Write with backpressure: a slow reader slows the writer, as a serial port would. */
const out = (data) => new Promise((done) => (process.stdout.write(data) ? done() : process.stdout.once("drain", done)));
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
/** Output that never ends: the harness must stop it. */
const forever = () => new Promise(() => setInterval(() => {}, 1 << 30));
/** The first n bytes of LINE repeated, in writes of whole lines (about 1 MiB). */
async function lines(n) {
  const line = ${JSON.stringify(LINE)};
  const block = Buffer.from(line.repeat(Math.floor((1 << 20) / line.length)));
  for (let left = n; left > 0; left -= block.length) await out(left >= block.length ? block : block.subarray(0, left));
}
/** n bytes of one byte value, in 1 MiB writes. */
async function flood(byte, n) {
  const block = Buffer.alloc(1 << 20, byte);
  for (let left = n; left > 0; left -= block.length) await out(left >= block.length ? block : block.subarray(0, left));
}
async function play(steps) {
  for (const s of steps) {
    if ("sleepMs" in s) await sleep(s.sleepMs);
    else if ("lines" in s) await lines(s.lines);
    else if ("flood" in s) await flood(s.flood, s.bytes);
    else await out("file" in s ? readFileSync(s.file) : "hex" in s ? Buffer.from(s.hex, "hex") : Buffer.from(s.text, "utf8"));
  }
}
`;

/** A fake that prints `steps`, then does `after` (default: stays silent until stopped). */
export function playingQemu(dir: string, name: string, steps: Step[], after = "await forever();"): string {
  return fakeQemu(dir, name, `await play(${JSON.stringify(steps)});\n${after}`);
}

/** The bytes `steps` print, as a SHA-256 and a length: what serial.log must hold. */
export function expectedOutput(steps: Step[]): { sha256: string; bytes: number } {
  const hash = createHash("sha256");
  let bytes = 0;
  const add = (b: Buffer) => {
    hash.update(b);
    bytes += b.length;
  };
  const repeat = (block: Buffer, n: number) => {
    for (let left = n; left > 0; left -= block.length) add(left >= block.length ? block : block.subarray(0, left));
  };
  for (const s of steps) {
    if ("sleepMs" in s) continue;
    if ("lines" in s) repeat(Buffer.from(LINE.repeat(Math.floor((1 << 20) / LINE.length))), s.lines);
    else if ("flood" in s) repeat(Buffer.alloc(1 << 20, s.flood), s.bytes);
    else add("file" in s ? readFileSync(s.file) : "hex" in s ? Buffer.from(s.hex, "hex") : Buffer.from(s.text, "utf8"));
  }
  return { sha256: hash.digest("hex"), bytes };
}

/** SHA-256 and length of a file, read in pieces (serial.log may be hundreds of MB). */
export async function fileDigest(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), bytes };
}

/** Deterministic pseudo-random bytes (xorshift32): "binary garbage" that is the same on every run. */
export function garbage(bytes: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.alloc(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Write an executable fake QEMU whose behaviour is `body` (ES module code; helpers: out, sleep, forever, lines, flood). */
export function fakeQemu(dir: string, name: string, body: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.mjs`);
  writeFileSync(path, `${PRELUDE}\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Pids the fake QEMU at `script` ran as (not counting `--version` probes). */
export function fakePids(script: string): number[] {
  const file = `${script}.pids`;
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).map(Number) : [];
}

/** The milestones every fake boot declares: FAKE-BOOT-1, then FAKE-PROMPT # (no newline, like a shell prompt). */
export const FAKE_MILESTONES = [
  { id: "first", match: "FAKE-BOOT-1" },
  { id: "prompt", match: "FAKE-PROMPT # " },
] as const;

/**
 * An image file bootlog accepts for the role "image" (an ELF header and padding): user images
 * are checked before booting, and the fake QEMU never reads it.
 */
export function fakeImage(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "fake-image.elf");
  if (!existsSync(path))
    writeFileSync(path, Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(56)]));
  return path;
}

/** The spec of a boot on a fake QEMU: firmware "image" with a fake image next to the script, so no image is downloaded. */
export function fakeSpec(script: string, overrides: Partial<BootSpec> = {}): BootSpec {
  return {
    name: "fake-boot",
    machine: { arch: "aarch64", memory: "128M", cpus: 1, firmware: "image" },
    images: { image: { kind: "file", path: fakeImage(dirname(script)) } },
    milestones: FAKE_MILESTONES.map((m) => ({ ...m })),
    failOn: [...linuxPanics, ...xenPanics],
    silence: "3s",
    budget: "60s",
    ...overrides,
  };
}

export function fakeExpectation(script: string, overrides: Partial<BootSpec> = {}): Expectation {
  return validateExpectation(`${script}.expectation`, fakeSpec(script, overrides));
}

/** An expectation file for `bootlog run --expectations DIR`: the spec as a module's default export. */
export function writeExpectationFile(dir: string, file: string, source: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, file);
  writeFileSync(path, source);
  return path;
}

/** Live processes whose parent is `pid` (from /proc; zombies count as gone). */
export function childrenOf(pid: number): { pid: number; comm: string }[] {
  const out: { pid: number; comm: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat && stat.ppid === pid && stat.state !== "Z") out.push({ pid: Number(entry), comm: stat.comm });
  }
  return out;
}

/** Is this process still running (not gone, not a zombie)? */
export function running(pid: number): boolean {
  const stat = procStat(pid);
  return !!stat && stat.state !== "Z" && stat.state !== "X";
}

function procStat(pid: number): { comm: string; state: string; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    const [state, ppid] = text.slice(close + 2).split(" ");
    return { comm: text.slice(text.indexOf("(") + 1, close), state: state!, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

/** Poll until `check` holds or `ms` pass; returns whether it held. */
export async function waitFor(check: () => boolean, ms: number, everyMs = 50): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
