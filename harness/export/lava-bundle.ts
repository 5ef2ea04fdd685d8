/**
 * `bootlog export lava <boot> --bundle DIR`: the job and the files it boots in one directory, for a
 * lab to pick up (the nightly workflow uploads it as an artifact): DIR/job.yaml, and each image
 * under its own name, which the job's URLs name (--url-base where the lab will serve DIR, else
 * file:// URLs of DIR itself, which `lava-run` on this machine reads).
 */
import { constants } from "node:fs";
import { copyFile } from "node:fs/promises";
import { makeDirProblem } from "../make-dir.ts";
import { basename, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Expectation } from "../expectations/loader.ts";
import { writeFileAtomic } from "../artifacts/atomic-write.ts";
import { exportLava, type LavaExport } from "./lava.ts";

export async function writeLavaBundle(exp: Expectation, dir: string, urlBase?: string): Promise<LavaExport> {
  const root = resolve(dir);
  const { export: out, yaml } = await exportLava(exp, { urlBase: urlBase ?? pathToFileURL(root).href });
  const names = new Map<string, string>();
  for (const f of out.files) {
    const name = basename(f.path);
    if (names.has(name))
      throw new Error(
        `${exp.file}: images ${names.get(name)} and ${f.label} are both named ${name}; a bundle keeps one file per name`,
      );
    names.set(name, f.label);
  }
  const problem = makeDirProblem(root);
  if (problem) throw new Error(`cannot create --bundle ${root}: ${problem}`);
  // A copy, cloned where the filesystem can: the bundle may be edited or uploaded, the cache must not change.
  for (const f of out.files) await copyFile(f.path, join(root, basename(f.path)), constants.COPYFILE_FICLONE);
  await writeFileAtomic(join(root, "job.yaml"), yaml);
  return out;
}
