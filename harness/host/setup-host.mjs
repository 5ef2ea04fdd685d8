#!/usr/bin/env node
/**
 * The host packages a set of boots needs, and their installation with apt (idempotent). Plain
 * JavaScript with no imports outside Node: ci/setup-host.sh runs it on a fresh machine, before
 * `npm ci`. `bootlog setup-host` works out the needs from the project's expectations and calls it.
 *
 *   node harness/host/setup-host.mjs [--arch aarch64|arm|x86_64]... [--u-boot] [--chromium] [--lava] [--jdk]
 *                                    [--xen-source] [--package NAME]... [--dry-run]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const QEMU = { aarch64: "qemu-system-arm", arm: "qemu-system-arm", x86_64: "qemu-system-x86" };
const DEB_ARCH = { aarch64: "arm64", arm: "armhf", x86_64: "amd64" };
// fdtput (DTB patches), cpio (initramfs), readelf (image checks), apt's TLS.
const BASE = ["device-tree-compiler", "cpio", "binutils", "ca-certificates"];
const XEN_BUILD = ["gcc", "gcc-aarch64-linux-gnu", "make", "flex", "bison", "python3", "dpkg-dev", "xz-utils", "git"];
const DEB822 = "/etc/apt/sources.list.d/debian.sources";
const SOURCES_LIST = "/etc/apt/sources.list";

/**
 * A deb-src entry for the archive the machine already uses, the way sources.list(5) documents it:
 * "deb-src" added to the Types of each Debian deb822 stanza, or a deb-src twin of each one-line
 * "deb" entry. Returns whether it changed anything (apt-get update is then due).
 */
function enableSourcePackages(log) {
  const stanzas = existsSync(DEB822) ? readFileSync(DEB822, "utf8") : "";
  if (/^Types: deb$/m.test(stanzas)) {
    log(`setup-host: deb-src added to the Types of ${DEB822}`);
    writeFileSync(DEB822, stanzas.replace(/^Types: deb$/gm, "Types: deb deb-src"));
    return true;
  }
  const list = existsSync(SOURCES_LIST) ? readFileSync(SOURCES_LIST, "utf8") : "";
  if (/^deb /m.test(list) && !/^deb-src /m.test(list)) {
    log(`setup-host: deb-src twins of the deb lines added to ${SOURCES_LIST}`);
    const twins = list
      .split("\n")
      .filter((l) => l.startsWith("deb "))
      .map((l) => l.replace(/^deb /, "deb-src "));
    writeFileSync(SOURCES_LIST, `${list.replace(/\n?$/, "\n")}${twins.join("\n")}\n`);
    return true;
  }
  return false;
}

/** Debian packages for these needs, in a stable order. */
export function hostPackages(needs) {
  const unknown = needs.arches.filter((a) => !(a in QEMU));
  if (unknown.length) throw new Error(`unknown architecture ${unknown.join(", ")} (aarch64, arm, x86_64)`);
  return [
    ...new Set([
      ...[...needs.arches].sort().map((a) => QEMU[a]),
      ...BASE,
      ...(needs.uboot ? ["u-boot-qemu"] : []),
      // The HTML report's browser test.
      ...(needs.chromium ? ["chromium"] : []),
      // LAVA's own `lava-run`, which runs exported jobs.
      ...(needs.lava ? ["lava-dispatcher"] : []),
      ...(needs.jdk ? ["openjdk-17-jdk-headless"] : []),
      // xenFromSource: the cross compiler per Xen arch, Kconfig's flex and bison, the build's python3,
      // dpkg-source to unpack Debian's source package, git for a tree's identity.
      ...(needs.xenSource ? XEN_BUILD : []),
      ...(needs.packages ?? []),
    ]),
  ];
}

/** The dpkg architectures guests of these arches need that the host lacks (apt-get download of arm64 packages). */
export function foreignArches(arches, native) {
  return [...new Set(arches.map((a) => DEB_ARCH[a]))].filter((d) => d && d !== native).sort();
}

const installed = (pkg) =>
  spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" }).stdout?.includes("install ok installed");

/** Install what is missing; `log` says what. Returns the packages installed. */
export function setupHost(needs, { dryRun = false, log = console.log } = {}) {
  const packages = hostPackages(needs);
  const native = execFileSync("dpkg", ["--print-architecture"], { encoding: "utf8" }).trim();
  const enabled = execFileSync("dpkg", ["--print-foreign-architectures"], { encoding: "utf8" }).split("\n");
  const addArches = foreignArches(needs.arches, native).filter((a) => !enabled.includes(a));
  const missing = packages.filter((p) => !installed(p));
  log(`setup-host: needs ${packages.join(" ")}${addArches.length ? `; dpkg architecture ${addArches.join(" ")}` : ""}`);
  if (dryRun) {
    log(`setup-host: would install ${missing.join(" ") || "nothing"} (--dry-run)`);
    return missing;
  }
  const foreign = foreignArches(needs.arches, native);
  // apt-get download needs package lists that include the guests' architectures.
  const sourcesAdded = needs.xenSource && process.getuid?.() === 0 ? enableSourcePackages(log) : false;
  const stale =
    sourcesAdded ||
    foreign.some((a) => spawnSync("apt-cache", ["show", `busybox-static:${a}`]).status !== 0) ||
    (needs.xenSource &&
      !/^Package: xen$/m.test(spawnSync("apt-cache", ["showsrc", "xen"], { encoding: "utf8" }).stdout ?? ""));
  if ((addArches.length || missing.length || stale) && process.getuid?.() !== 0)
    throw new Error(`run as root (apt-get install ${missing.join(" ")})`);
  for (const arch of addArches) execFileSync("dpkg", ["--add-architecture", arch], { stdio: "inherit" });
  if (addArches.length || missing.length || stale) execFileSync("apt-get", ["update", "-q"], { stdio: "inherit" });
  if (missing.length) {
    execFileSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    // bootlog only runs lava-run; the worker service would look for a LAVA server that is not there.
    if (missing.includes("lava-dispatcher") && spawnSync("test", ["-d", "/run/systemd/system"]).status === 0)
      spawnSync("systemctl", ["disable", "--now", "lava-worker.service"], { stdio: "inherit" });
  }
  log(`setup-host: ok (${missing.length} packages installed)`);
  return missing;
}

/** The command line above as needs. */
export function parseArgs(argv) {
  const needs = { arches: [], uboot: false, chromium: false, lava: false, jdk: false, xenSource: false, packages: [] };
  let dryRun = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--arch" || arg === "--package") {
      const value = argv[++i];
      if (!value) throw new Error(`${arg}: needs a value`);
      (arg === "--arch" ? needs.arches : needs.packages).push(value);
    } else if (arg === "--u-boot") needs.uboot = true;
    else if (arg === "--chromium") needs.chromium = true;
    else if (arg === "--lava") needs.lava = true;
    else if (arg === "--jdk") needs.jdk = true;
    else if (arg === "--xen-source") needs.xenSource = true;
    else if (arg === "--dry-run") dryRun = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  return { needs, dryRun };
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  try {
    const { needs, dryRun } = parseArgs(process.argv.slice(2));
    setupHost(needs, { dryRun });
  } catch (error) {
    console.error(`setup-host: ${error.message}`);
    process.exit(error.status ? 1 : 2);
  }
}
