import { appendFileSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { filesUnchanged, memo, recordChecked, setVerifyCache } from "../../harness/images/cache.ts";

describe("memo: answers kept in the image cache", () => {
  let saved: string | undefined;
  let cache: string;
  beforeEach(() => {
    saved = process.env.BOOTLOG_CACHE;
    cache = mkdtempSync(join(tmpdir(), "bootlog-memo-"));
    process.env.BOOTLOG_CACHE = cache;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.BOOTLOG_CACHE;
    else process.env.BOOTLOG_CACHE = saved;
  });

  const counting = () => {
    let calls = 0;
    return { compute: async () => ({ answer: ++calls }), calls: () => calls };
  };
  const always = () => true;

  test("computed once per key; another key is another answer", async () => {
    const c = counting();
    expect(await memo("kind", { k: 1 }, always, c.compute)).toEqual({ answer: 1 });
    expect(await memo("kind", { k: 1 }, always, c.compute)).toEqual({ answer: 1 });
    expect(await memo("kind", { k: 2 }, always, c.compute)).toEqual({ answer: 2 });
    expect(c.calls()).toBe(2);
  });

  test("an answer the caller cannot use, or one that does not parse, is computed again", async () => {
    const c = counting();
    await memo("kind", "key", always, c.compute);
    expect(await memo("kind", "key", () => false, c.compute)).toEqual({ answer: 2 });
    const [file] = readdirSync(join(cache, "kind"));
    writeFileSync(join(cache, "kind", file!), "{ not json");
    expect(await memo("kind", "key", always, c.compute)).toEqual({ answer: 3 });
    expect(await memo("kind", "key", always, c.compute)).toEqual({ answer: 3 });
  });

  test("a cache it cannot write to still answers", async () => {
    writeFileSync(join(cache, "kind"), "a file where the folder would be");
    const c = counting();
    expect(await memo("kind", "key", always, c.compute)).toEqual({ answer: 1 });
    expect(await memo("kind", "key", always, c.compute)).toEqual({ answer: 2 });
  });
});

describe("checked files: a costly check (a source package's hashes) skipped while nothing changed", () => {
  const dir = mkdtempSync(join(tmpdir(), "bootlog-checked-"));
  writeFileSync(join(dir, "a.tar.xz"), "tarball");
  writeFileSync(join(dir, "a.dsc"), "dsc");

  test("unchanged after it is recorded; a grown file, a new mtime, a missing file or --verify-cache check again", async () => {
    expect(filesUnchanged(dir, ["a.dsc", "a.tar.xz"])).toBe(false);
    await recordChecked(dir, ["a.dsc", "a.tar.xz"]);
    expect(filesUnchanged(dir, ["a.dsc", "a.tar.xz"])).toBe(true);
    expect(filesUnchanged(dir, ["a.dsc", "a.tar.xz", "b.tar.xz"])).toBe(false);
    setVerifyCache(true);
    try {
      expect(filesUnchanged(dir, ["a.dsc", "a.tar.xz"])).toBe(false);
    } finally {
      setVerifyCache(false);
    }
    utimesSync(join(dir, "a.dsc"), 1_700_000_000, 1_700_000_000);
    expect(filesUnchanged(dir, ["a.dsc", "a.tar.xz"])).toBe(false);
    await recordChecked(dir, ["a.dsc", "a.tar.xz"]);
    appendFileSync(join(dir, "a.tar.xz"), "!");
    expect(filesUnchanged(dir, ["a.dsc", "a.tar.xz"])).toBe(false);
  });
});
