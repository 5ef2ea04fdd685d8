import type { Expectation } from "./loader.ts";
import { tree, xenFromSource, type XenSource } from "./xen-source.ts";

/**
 * `--xen-tree DIR`: boot the Xen built from DIR (a checkout being bisected) in place of each
 * expectation's own Xen, keeping the Kconfig options of one built from source. An expectation
 * that boots no Xen cannot take one: `invalid` says so.
 */
export function withXenTree(
  expectations: Expectation[],
  path: string,
  invalid: (message: string) => Error,
): Expectation[] {
  const without = expectations.filter((e) => !e.images.xen).map((e) => e.name);
  if (without.length)
    throw invalid(`--xen-tree: ${without.join(", ")} boot${without.length > 1 ? "" : "s"} no Xen (no images.xen)`);
  return expectations.map((e) => {
    const own = e.images.xen!;
    const options: Pick<XenSource, "config" | "debug"> =
      own.kind === "xen-source"
        ? { ...(own.config ? { config: own.config } : {}), ...(own.debug !== undefined ? { debug: own.debug } : {}) }
        : {};
    return {
      ...e,
      images: { ...e.images, xen: xenFromSource({ source: tree(path), ...options }) },
    };
  });
}
