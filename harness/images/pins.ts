/**
 * Boot an expectation with chosen package versions (`--pin PACKAGE=VERSION`): the same
 * replacement bisect-versions makes for one image (withPackage), for any image, and the
 * busybox of a busybox initramfs. Reports keep the hash of the expectation as declared, so a
 * pinned run and a plain one of the same file compare as the same expectation.
 */
import type { Expectation } from "../expectations/loader.ts";
import { expectationHash } from "../provenance.ts";
import { UsageError } from "../cli-options.ts";
import { PackageChoiceError, roleFor, withPackage, type Candidate } from "./package-versions.ts";

/** `PACKAGE=VERSION`. */
export function parsePin(spec: string): Candidate {
  const at = spec.indexOf("=");
  if (at < 1 || at === spec.length - 1) throw new UsageError(`--pin: expected PACKAGE=VERSION, got "${spec}"`);
  return { package: spec.slice(0, at), version: spec.slice(at + 1) };
}

/** The image role a package feeds: busybox-static → the busybox initramfs, else as bisect-versions decides. */
export function pinRole(exp: Expectation, pkg: string): string {
  if (pkg === "busybox-static") {
    const roles = Object.entries(exp.images).filter(([, s]) => s.kind === "busybox-initrd");
    if (roles.length === 1) return roles[0]![0];
  }
  return roleFor(exp, pkg);
}

/** The expectation with these images (role → package version) pinned; the rest unchanged. */
export function pinRoles(exp: Expectation, pins: Map<string, Candidate>): Expectation {
  let pinned: Expectation = { ...exp, declaredHash: exp.declaredHash ?? expectationHash(exp) };
  for (const [role, c] of pins) {
    const declared = exp.images[role];
    if (declared?.kind === "busybox-initrd") {
      if (c.package !== "busybox-static")
        throw new UsageError(
          `images.${role} of ${exp.name} is a busybox initramfs: only busybox-static can be pinned there, not ${c.package}`,
        );
      pinned = { ...pinned, images: { ...pinned.images, [role]: { ...declared, version: c.version } } };
    } else pinned = withPackage(pinned, role, c);
  }
  return pinned;
}

/** `--pin` values applied to an expectation: each package to the image it feeds. */
export function pinPackages(exp: Expectation, pins: Candidate[]): Expectation {
  if (!pins.length) return exp;
  const role = (pkg: string) => {
    try {
      return pinRole(exp, pkg);
    } catch (error) {
      throw error instanceof PackageChoiceError ? new UsageError(`--pin ${pkg}: ${error.message}`) : error;
    }
  };
  return pinRoles(exp, new Map(pins.map((c) => [role(c.package), c])));
}

export const pinArgs = (pins: Iterable<Candidate>): string[] =>
  [...pins].flatMap((c) => ["--pin", `${c.package}=${c.version}`]);
