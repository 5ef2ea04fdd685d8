/**
 * What differs between two runs of the same boot, from what each recorded: package versions
 * (paired across a changed kernel ABI, which Debian puts in the package name), image hashes,
 * QEMU version, expectation hash and bootlog's git commit. compare prints it next to a
 * regression; culprit narrows a regression down to one of these changes.
 */
import { compareDebianVersions } from "../images/debian-version.ts";
import type { BootRecord } from "../artifacts/records.ts";

export interface PackageRef {
  package: string;
  version: string;
}

export interface PackageChange {
  /** The package name, or a glob when the name itself changed: linux-image-6.1.0-*-arm64. */
  pattern: string;
  old: PackageRef | null;
  new: PackageRef | null;
  /** In Debian version order; "added"/"removed" when only one side has it. */
  direction: "newer" | "older" | "same-version" | "added" | "removed";
}

export interface ValueChange {
  old: string | null;
  new: string | null;
}

export interface BootDifferences {
  packages: PackageChange[];
  /** Image roles whose file changed (sha256), with the package it came from when known. */
  images: (ValueChange & { role: string; package: string | null })[];
  qemuVersion: ValueChange | null;
  expectationHash: ValueChange | null;
  gitCommit: ValueChange | null;
  /** What one of the runs did not record (a hand-written or foreign JUnit): its changes are unknown. */
  unrecorded: string[];
}

/** `linux-image-6.1.0-44-arm64` and `linux-image-6.1.0-56-arm64` → `linux-image-6.1.0-*-arm64`: the digit runs that differ become `*`. */
export function pairPattern(a: string, b: string): string | undefined {
  const ta = a.split(/(\d+)/);
  const tb = b.split(/(\d+)/);
  if (ta.length !== tb.length) return undefined;
  let differs = 0;
  const out = ta.map((t, i) => {
    if (t === tb[i]) return t;
    if (i % 2 === 1) {
      differs++;
      return "*";
    }
    return null;
  });
  return out.includes(null) || differs === 0 ? undefined : out.join("");
}

function direction(old: string, now: string): PackageChange["direction"] {
  const order = compareDebianVersions(old, now);
  return order < 0 ? "newer" : order > 0 ? "older" : "same-version";
}

/** Package changes: same name with another version, or a name whose digits changed (one old, one new of that shape). */
export function packageChanges(old: Record<string, string>, now: Record<string, string>): PackageChange[] {
  const changes: PackageChange[] = [];
  for (const [name, version] of Object.entries(now))
    if (name in old && old[name] !== version)
      changes.push({
        pattern: name,
        old: { package: name, version: old[name]! },
        new: { package: name, version },
        direction: direction(old[name]!, version),
      });
  const gone = Object.keys(old).filter((n) => !(n in now));
  const came = Object.keys(now).filter((n) => !(n in old));
  for (const name of [...came]) {
    const partners = gone.filter((g) => pairPattern(g, name));
    const rivals = came.filter((c) => partners.length === 1 && pairPattern(partners[0]!, c));
    if (partners.length !== 1 || rivals.length !== 1) continue;
    const was = partners[0]!;
    changes.push({
      pattern: pairPattern(was, name)!,
      old: { package: was, version: old[was]! },
      new: { package: name, version: now[name]! },
      direction: direction(old[was]!, now[name]!),
    });
    gone.splice(gone.indexOf(was), 1);
    came.splice(came.indexOf(name), 1);
  }
  for (const name of came)
    changes.push({ pattern: name, old: null, new: { package: name, version: now[name]! }, direction: "added" });
  for (const name of gone)
    changes.push({ pattern: name, old: { package: name, version: old[name]! }, new: null, direction: "removed" });
  return changes;
}

const valueChange = (old: string | null, now: string | null): ValueChange | null =>
  old === now || old === null || now === null ? null : { old, new: now };

export function bootDifferences(old: BootRecord, now: BootRecord): BootDifferences {
  const unrecorded: string[] = [];
  const missing = (what: string, a: unknown, b: unknown) => {
    if (
      a === null ||
      b === null ||
      (typeof a === "object" && !Object.keys(a as object).length) ||
      (typeof b === "object" && !Object.keys(b as object).length)
    )
      unrecorded.push(what);
  };
  missing("package versions", old.packages, now.packages);
  missing("QEMU version", old.qemuVersion, now.qemuVersion);
  missing("expectation hash", old.expectationHash, now.expectationHash);
  missing("git commit", old.gitCommit, now.gitCommit);
  const images = Object.entries(now.images ?? {}).flatMap(([role, image]) => {
    const before = old.images?.[role];
    return before && before.sha256 && image.sha256 && before.sha256 !== image.sha256
      ? [{ role, old: before.sha256, new: image.sha256, package: image.package }]
      : [];
  });
  return {
    packages: unrecorded.includes("package versions") ? [] : packageChanges(old.packages, now.packages),
    images,
    qemuVersion: valueChange(old.qemuVersion, now.qemuVersion),
    expectationHash: valueChange(old.expectationHash, now.expectationHash),
    gitCommit: valueChange(old.gitCommit, now.gitCommit),
    unrecorded,
  };
}

const short = (sha: string | null) => (sha ? sha.slice(0, 12) : "?");

export function describePackageChange(c: PackageChange): string {
  if (!c.old) return `${c.new!.package} ${c.new!.version} (added)`;
  if (!c.new) return `${c.old.package} ${c.old.version} (removed)`;
  const from = c.old.package === c.new.package ? c.old.version : `${c.old.package} ${c.old.version}`;
  const to = c.old.package === c.new.package ? c.new.version : `${c.new.package} ${c.new.version}`;
  return `${c.pattern} ${from} → ${to} (${c.direction})`;
}

/** The changes as phrases: "linux-image-6.1.0-*-arm64 … → … (newer)", "QEMU 7.2.x → 7.2.y". */
export function describeDifferences(d: BootDifferences): string[] {
  const out = d.packages.map(describePackageChange);
  // An image from a package that changed says nothing new; a built or user image does.
  const changedPackages = new Set(d.packages.flatMap((p) => (p.new ? [`${p.new.package}=${p.new.version}`] : [])));
  for (const i of d.images)
    if (!i.package || !changedPackages.has(i.package)) out.push(`image ${i.role} ${short(i.old)} → ${short(i.new)}`);
  if (d.qemuVersion) out.push(`QEMU ${d.qemuVersion.old} → ${d.qemuVersion.new}`);
  if (d.expectationHash) out.push(`expectation ${short(d.expectationHash.old)} → ${short(d.expectationHash.new)}`);
  if (d.gitCommit) out.push(`git commit ${short(d.gitCommit.old)} → ${short(d.gitCommit.new)}`);
  return out;
}

/** One line: "changed: A; B; nothing else", or "nothing recorded changed". */
export function differencesLine(d: BootDifferences): string {
  const parts = describeDifferences(d);
  const unknown = `not recorded by both runs: ${d.unrecorded.join(", ")}`;
  if (!parts.length) return d.unrecorded.length ? `nothing recorded changed (${unknown})` : "nothing recorded changed";
  return `changed: ${parts.join("; ")}; ${d.unrecorded.length ? `unknown, ${unknown}` : "nothing else"}`;
}
