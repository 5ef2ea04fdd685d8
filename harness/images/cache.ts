import { createHash } from "node:crypto";
import { createReadStream, readFileSync, realpathSync, statSync, type Stats } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import writeFileAtomic from "write-file-atomic";
import which from "which";
import { makeDirProblem } from "../make-dir.ts";
import { homedir } from "node:os";
import { join } from "node:path";

/** `$XDG_CACHE_HOME/bootlog`, or `~/.cache/bootlog`; BOOTLOG_CACHE overrides both (tests use it). */
export function cacheRoot(): string {
  if (process.env.BOOTLOG_CACHE) return process.env.BOOTLOG_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "bootlog");
}

/** A short stable hash of anything JSON can say. */
export function keyHash(parts: unknown): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 24);
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Whether anything is at `path` (what stat follows to). */
export async function exists(path: string): Promise<boolean> {
  return statOf(path) !== undefined;
}

/** What stat says of `path`, or undefined when it cannot (missing, unreadable). */
function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** A program on PATH as its file stands (a package upgrade replaces it). */
function programFile(name: string): { path: string; size: number; mtimeMs: number } | undefined {
  const found = which.sync(name, { nothrow: true });
  if (!found) return undefined;
  const path = realpathSync(found);
  const { size, mtimeMs } = statSync(path);
  return { path, size, mtimeMs };
}

/**
 * What `ask` says about programs on PATH (their versions), remembered while their files are the
 * same. With one of them missing it is asked every time, so the error is the asking's own.
 */
export function programAnswer(kind: string, programs: string[], ask: () => Promise<string>): Promise<string> {
  const files = programs.map(programFile);
  if (files.includes(undefined)) return ask();
  return memo(kind, { programs, files }, (known) => typeof known === "string", ask);
}

/**
 * A small cache file's JSON, or the error that kept it from being read. Read synchronously: a warm
 * `prepare` reads hundreds of these, and a thread-pool round trip each cost more than the read.
 */
function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as unknown;
  } catch (error) {
    return error as Error;
  }
}

/**
 * An answer worth keeping (what apt resolved, which files a closure takes), as JSON under its key.
 * A memo only: one that does not parse or that `usable` rejects is computed again, and a
 * read-only cache answers as well, just slower next time.
 */
export async function memo<T>(
  kind: string,
  key: unknown,
  usable: (known: unknown) => Promise<boolean> | boolean,
  compute: () => Promise<T>,
): Promise<T> {
  const file = join(cacheRoot(), kind, `${keyHash(key)}.json`);
  const known = readJson(file);
  if (!(known instanceof Error) && (await usable(known))) return known as T;
  const answer = await compute();
  await mkdir(join(cacheRoot(), kind), { recursive: true })
    .then(() => writeFileAtomic(file, JSON.stringify(answer)))
    .catch(() => {});
  return answer;
}

/** `--verify-cache`: hash every entry in full when used, not only those whose size or mtime changed. */
let verifyEveryEntry = false;
export function setVerifyCache(on: boolean): void {
  verifyEveryEntry = on;
}

/** entry.json: the file an entry holds, its sha256, and the size and mtime it had when hashed (the cheap check). */
export interface EntryMeta {
  file: string;
  sha256: string;
  size?: number;
  mtimeMs?: number;
}

/** Record `name` (a file in the entry being built) in entry.json with its hash, size and mtime. */
export async function writeEntry(dir: string, name: string): Promise<void> {
  const sha256 = await sha256File(join(dir, name));
  const { size, mtimeMs } = await stat(join(dir, name));
  await writeFileAtomic(
    join(dir, "entry.json"),
    JSON.stringify({ file: name, sha256, size, mtimeMs } satisfies EntryMeta),
  );
}

/**
 * An entry's file and hash, verified: size and mtime as recorded (cheap, every use), else (or
 * with --verify-cache) the full sha256. Undefined with the reason when the entry is bad.
 */
export async function verifiedEntry(dir: string): Promise<{ file: string; sha256: string } | { problem: string }> {
  // Garbage in entry.json (a crash mid-write on another filesystem, a hand edit) is a bad entry: rebuilt, never fatal.
  const meta = readJson(join(dir, "entry.json")) as EntryMeta | Error;
  if (meta instanceof Error || typeof meta?.file !== "string" || typeof meta.sha256 !== "string")
    return {
      problem: `${join(dir, "entry.json")} is unreadable (${meta instanceof Error ? meta.message : "no file and sha256 in it"})`,
    };
  const file = join(dir, meta.file);
  const now = statOf(file);
  if (!now?.isFile()) return { problem: `${file} is missing` };
  if (!verifyEveryEntry && now.size === meta.size && now.mtimeMs === meta.mtimeMs) return { file, sha256: meta.sha256 };
  const actual = await sha256File(file);
  if (actual !== meta.sha256)
    return {
      problem: `${file} is corrupted (sha256 ${actual.slice(0, 12)}…, recorded ${meta.sha256.slice(0, 12)}…, ${now.size} bytes)`,
    };
  // Good but touched (or recorded before sizes were kept): remember the new stat so the next use is cheap.
  if (now.size !== meta.size || now.mtimeMs !== meta.mtimeMs)
    await writeFileAtomic(
      join(dir, "entry.json"),
      JSON.stringify({ ...meta, size: now.size, mtimeMs: now.mtimeMs }),
    ).catch(() => {});
  return { file, sha256: meta.sha256 };
}

/**
 * For entries that hold several files checked some other way (a source package against its
 * .dsc): whether `names` in `dir` have the size and mtime recorded when they were last checked,
 * so the costly check can be skipped. Never with --verify-cache.
 */
export function filesUnchanged(dir: string, names: string[]): boolean {
  if (verifyEveryEntry) return false;
  const known = readJson(join(dir, "checked.json")) as Record<string, { size: number; mtimeMs: number }> | Error;
  if (known instanceof Error || typeof known !== "object" || !known) return false;
  return names.every((name) => {
    const now = statOf(join(dir, name));
    return now?.isFile() && now.size === known[name]?.size && now.mtimeMs === known[name]?.mtimeMs;
  });
}

/** Remember `names` in `dir` as checked, as they stand now (see filesUnchanged). */
export async function recordChecked(dir: string, names: string[]): Promise<void> {
  const record = Object.fromEntries(
    names.map((name) => {
      const { size, mtimeMs } = statSync(join(dir, name));
      return [name, { size, mtimeMs }];
    }),
  );
  await writeFileAtomic(join(dir, "checked.json"), JSON.stringify(record));
}

function cacheError(what: string, error: unknown): Error {
  return new Error(`image cache ${cacheRoot()}: cannot ${what}: ${(error as Error).message}`);
}

/**
 * The cache entry `<kind>/<hash of key>`: a directory built once by `build` into a private
 * temp directory and then renamed into place. Concurrent runs may both build; the first rename
 * wins and the others use its result, so nobody ever sees a half-built entry. An entry that
 * `check` finds bad (truncated, edited) is moved away and built again: a cache miss, never a
 * bad image booted.
 */
export async function cachedDir(
  kind: string,
  key: unknown,
  build: (dir: string) => Promise<void>,
  check?: (dir: string) => Promise<string | undefined>,
): Promise<{ dir: string; built: boolean; repaired?: string }> {
  const dir = join(cacheRoot(), kind, keyHash(key));
  let repaired: string | undefined;
  if (await exists(dir)) {
    repaired = check ? await check(dir) : undefined;
    if (!repaired) return { dir, built: false };
    const trash = join(
      cacheRoot(),
      "tmp",
      `bad-${kind}-${keyHash(key)}-${process.pid}-${Math.random().toString(36).slice(2)}`,
    );
    await mkdir(join(cacheRoot(), "tmp"), { recursive: true }).catch(() => {});
    await rename(dir, trash).then(
      () => rm(trash, { recursive: true, force: true }),
      (error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw cacheError(`remove the bad entry ${dir} (${repaired})`, error);
      },
    );
  }
  const tmp = join(cacheRoot(), "tmp", `${kind}-${keyHash(key)}-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const problem = makeDirProblem(tmp);
  if (problem) throw cacheError(`create ${tmp}`, new Error(problem));
  try {
    await build(tmp);
    await mkdir(join(cacheRoot(), kind), { recursive: true });
    await rename(tmp, dir).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
    });
    return { dir, built: true, ...(repaired ? { repaired } : {}) };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * A cachedDir whose build records one file with writeEntry: the file, verified on every use.
 * `legacyFile`: an entry made before entries recorded themselves holds this file and no
 * entry.json; it is recorded as it is (nothing to verify it against) rather than rebuilt under
 * a run that may be using it.
 */
export async function cachedEntry(
  kind: string,
  key: unknown,
  build: (dir: string) => Promise<void>,
  legacyFile?: string,
): Promise<{ file: string; sha256: string; built: boolean; repaired?: string }> {
  // On a hit the check has verified the entry already; only a fresh build needs verifying here.
  let verified: Awaited<ReturnType<typeof verifiedEntry>> | undefined;
  const problemOf = async (dir: string) => {
    if (legacyFile && !(await exists(join(dir, "entry.json"))) && (statOf(join(dir, legacyFile))?.size ?? 0) > 0)
      await writeEntry(dir, legacyFile).catch(() => {});
    verified = await verifiedEntry(dir);
    return "problem" in verified ? verified.problem : undefined;
  };
  const made = await cachedDir(kind, key, build, problemOf);
  const entry = made.built || !verified ? await verifiedEntry(made.dir) : verified;
  if ("problem" in entry) throw cacheError("use the entry just built", new Error(entry.problem));
  return { ...entry, built: made.built, ...(made.repaired ? { repaired: made.repaired } : {}) };
}
