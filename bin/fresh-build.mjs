/**
 * Which CLI to run: the bundle in dist/ (made by scripts/build-cli.mjs) when every source it was
 * built from still has the same content, so a stale dist never runs old code (an edit, a
 * `git checkout` under git bisect, a pull without `npm ci`). Plain JS: it runs before tsx is loaded.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const sourceHash = (file) => createHash("sha1").update(readFileSync(file)).digest("hex");

/**
 * The absolute path of dist's entry when dist is fresh, else undefined (no dist, or a source
 * changed or went). An installed package (npm pack's files: dist and bin, no harness/) has no
 * sources to go stale: its dist is what it is.
 */
export function freshBuild(root) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(root, "dist", "manifest.json"), "utf8"));
  } catch {
    return undefined;
  }
  if (!existsSync(join(root, "harness"))) return join(root, "dist", manifest.entry);
  try {
    for (const [source, hash] of Object.entries(manifest.sources))
      if (sourceHash(join(root, source)) !== hash) return undefined;
  } catch {
    return undefined;
  }
  return join(root, "dist", manifest.entry);
}
