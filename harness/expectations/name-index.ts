/**
 * Which file of an expectations folder holds which name, so that `bootlog run NAME` loads that
 * one file rather than every file (0.15 s of each CLI start). It vouches only for compiled
 * modules, whose file is named by their code (compiled.ts): while each file of the folder
 * compiles to a module it has seen loaded, the names are the ones that load gave. Anything else
 * means a full load, which writes it again.
 */
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import writeFileAtomic from "write-file-atomic";
import { cacheRoot, keyHash } from "../images/cache.ts";

/** What a full load found in one file: its expectation's name and its path under the folder. */
export interface IndexedName {
  name: string;
  path: string;
}

const indexFile = (dir: string) => join(cacheRoot(), "expectation-names", `${keyHash(dir)}.json`);
const isCompiled = (url: string) => url.startsWith(`${pathToFileURL(join(cacheRoot(), "expectations")).href}/`);

/** The name and path in each of `urls` (the folder's files, as moduleUrl gives them), when the index knows every one. */
export function indexedNames(dir: string, urls: string[]): IndexedName[] | undefined {
  if (!urls.every(isCompiled)) return undefined;
  let index: Record<string, IndexedName | undefined>;
  try {
    index = JSON.parse(readFileSync(indexFile(dir), "utf8")) as Record<string, IndexedName | undefined>;
  } catch {
    return undefined;
  }
  const known = urls.map((url) => index[url]);
  return known.every((k) => typeof k?.name === "string" && typeof k.path === "string")
    ? (known as IndexedName[])
    : undefined;
}

/** After a full load of the folder: each file's module and what it held (only compiled modules can be vouched for). */
export async function rememberNames(dir: string, loaded: { url: string; found: IndexedName }[]): Promise<void> {
  if (!loaded.every(({ url }) => isCompiled(url))) return;
  const index = Object.fromEntries(loaded.map(({ url, found }) => [url, found]));
  // An optimisation only: a cache it cannot write to costs the next run a full load.
  await mkdir(dirname(indexFile(dir)), { recursive: true })
    .then(() => writeFileAtomic(indexFile(dir), JSON.stringify(index)))
    .catch(() => {});
}
