import type { Expectation } from "../expectations/loader.ts";
import { expectationPackages } from "../images/prepare.ts";

/**
 * `bootlog export packages <boot>`: one `package=version arch` line per Debian package the boot
 * would use (a CI cache key). Resolved as apt answers now, without downloading.
 */
export async function exportPackages(exp: Expectation): Promise<string> {
  const packages = await expectationPackages(exp);
  return packages.map((p) => `${p.package}=${p.version} ${p.arch}\n`).join("");
}
