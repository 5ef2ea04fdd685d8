/**
 * `bootlog init [dir]`: a project that boots with bootlog. Never overwrites: a file that exists
 * is skipped (and named); package.json only gains the scripts and devDependencies it lacks.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import * as templates from "./templates.ts";

export interface ScaffoldReport {
  dir: string;
  written: string[];
  skipped: { file: string; why: string }[];
  /** What package.json gained ("created" when it is new). */
  packageJson: string[];
}

/** A package.json that cannot be read: nothing is written. */
export class ScaffoldError extends Error {
  override name = "ScaffoldError";
}

/** npm init's placeholder test script counts as none. */
const NPM_PLACEHOLDER_TEST = /no test specified/;

const SCRIPTS: Record<string, string> = {
  test: "vitest run",
  boot: "bootlog run",
  "boot:list": "bootlog list",
  "setup-host": "bootlog setup-host",
};

/** The versions bootlog itself is built and tested with: the scaffold asks for the same. */
function devDependencies(): Record<string, string> {
  const own = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../package.json"), "utf8")) as {
    version: string;
    devDependencies: Record<string, string>;
  };
  return {
    bootlog: `^${own.version}`,
    typescript: own.devDependencies.typescript!,
    vitest: own.devDependencies.vitest!,
  };
}

type PackageJson = Record<string, unknown> & {
  type?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

/** Create or extend package.json; returns whether the project is an ES-module package. */
function packageJson(dir: string, report: ScaffoldReport): boolean {
  const file = join(dir, "package.json");
  const existed = existsSync(file);
  let pkg: PackageJson;
  let indent: string | number = 2;
  if (existed) {
    const text = readFileSync(file, "utf8");
    try {
      pkg = JSON.parse(text) as PackageJson;
    } catch (error) {
      throw new ScaffoldError(`${file}: not JSON (${(error as Error).message}); nothing written`);
    }
    if (!pkg || typeof pkg !== "object" || Array.isArray(pkg))
      throw new ScaffoldError(`${file}: not a package.json object; nothing written`);
    indent = /^\{\n(\s+)"/.exec(text)?.[1] ?? 2;
  } else {
    pkg = {
      name:
        basename(dir)
          .toLowerCase()
          .replace(/[^a-z0-9._-]+/g, "-") || "boots",
      version: "0.0.0",
      private: true,
      type: "module",
    };
    report.packageJson.push("created");
  }
  const scripts = { ...pkg.scripts };
  for (const [name, command] of Object.entries(SCRIPTS)) {
    const current = scripts[name];
    if (current !== undefined && !(name === "test" && NPM_PLACEHOLDER_TEST.test(current))) continue;
    scripts[name] = command;
    if (existed) report.packageJson.push(`scripts.${name}`);
  }
  const dev = { ...pkg.devDependencies };
  for (const [name, range] of Object.entries(devDependencies())) {
    if (pkg.dependencies?.[name] !== undefined || dev[name] !== undefined) continue;
    dev[name] = range;
    if (existed) report.packageJson.push(`devDependencies.${name}`);
  }
  writeFileSync(file, `${JSON.stringify({ ...pkg, scripts, devDependencies: dev }, null, indent)}\n`);
  return pkg.type === "module";
}

export function scaffold(target: string): ScaffoldReport {
  const dir = resolve(target);
  mkdirSync(dir, { recursive: true });
  const report: ScaffoldReport = { dir, written: [], skipped: [], packageJson: [] };
  const esm = packageJson(dir, report);
  const ext = esm ? "ts" : "mts";
  const files: [string, string][] = [
    [`expectations/debian-arm64-linux.${ext}`, templates.debianBoot()],
    [`expectations/my-kernel.${ext}`, templates.userImageBoot()],
    [`tests/boots.test.${ext}`, templates.bootsTest()],
    [`vitest.config.${ext}`, templates.vitestConfig(ext)],
    ["tsconfig.json", templates.tsconfig()],
    [".gitignore", templates.gitignore()],
    [".github/workflows/boots.yml", templates.workflow()],
  ];
  for (const [name, text] of files) {
    const file = join(dir, name);
    if (existsSync(file)) {
      report.skipped.push({ file: name, why: "exists, left as it is" });
      continue;
    }
    mkdirSync(dirname(file), { recursive: true });
    // "wx": a file that appeared since the check is still not overwritten.
    try {
      writeFileSync(file, text, { flag: "wx" });
      report.written.push(name);
    } catch (error) {
      report.skipped.push({ file: name, why: (error as Error).message });
    }
  }
  return report;
}

/** What init says: each file written or skipped, and what to do next. */
export function scaffoldText(report: ScaffoldReport): string[] {
  const where = relative(process.cwd(), report.dir) || ".";
  return [
    ...report.written.map((f) => `  wrote   ${f}`),
    ...report.skipped.map((s) => `  skipped ${s.file} (${s.why})`),
    report.packageJson.length
      ? `  package.json: ${report.packageJson.includes("created") ? "created" : `added ${report.packageJson.join(", ")}`}`
      : "  package.json: has every script and devDependency already",
    "next:",
    ...(where === "." ? [] : [`  cd ${where}`]),
    "  npm install",
    "  sudo npx bootlog setup-host        # QEMU and what else your expectations need (Debian, as root)",
    "  npx bootlog run debian-arm64-linux # one boot, its verdict",
    "  npm test                           # every expectation as vitest tests",
  ];
}
