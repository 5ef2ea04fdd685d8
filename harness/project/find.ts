/**
 * Which project a command works for: the nearest package.json at or above the working directory,
 * and its bootlog.config.* when there is one. Its expectations and artifacts folders are the
 * defaults; bootlog's own expectations are only the default inside bootlog's repository.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { configSchema } from "./config.ts";
import type { Project } from "./current.ts";
import { esModuleInterop, moduleUrl } from "../expectations/ts-loader.ts";

export const CONFIG_NAMES = ["bootlog.config.ts", "bootlog.config.mts", "bootlog.config.mjs", "bootlog.config.js"];

/** A bootlog.config.* that does not load or does not validate: exit 2, naming the file and the field. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The folder of the nearest package.json at or above `from`, else `from` itself. */
export function projectRoot(from: string): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return resolve(from);
  }
}

/** bootlog's own checkout: package.json names bootlog and the sources are there. */
function isBootlogRepo(root: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name?: unknown };
    return pkg.name === "bootlog" && existsSync(join(root, "harness", "cli.ts"));
  } catch {
    return false;
  }
}

async function loadConfig(file: string): Promise<unknown> {
  try {
    const module = esModuleInterop(await import(await moduleUrl(file)));
    return module.default;
  } catch (error) {
    throw new ConfigError(`${file}: cannot be loaded: ${(error as Error).message}`);
  }
}

export async function findProject(from = process.cwd()): Promise<Project> {
  const root = projectRoot(from);
  const configFile = CONFIG_NAMES.map((name) => join(root, name)).find((file) => existsSync(file));
  let config: ReturnType<typeof configSchema.parse> = {};
  if (configFile) {
    const value = await loadConfig(configFile);
    if (value === undefined)
      throw new ConfigError(`${configFile}: has no default export (export default defineConfig({...}))`);
    const parsed = configSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]!] : issue.path;
      const problem = issue.code === "unrecognized_keys" ? `unknown key "${issue.keys[0]}"` : issue.message;
      throw new ConfigError(
        `${relative(process.cwd(), configFile) || configFile}: ${path.join(".") || "(the default export)"}: ${problem}`,
      );
    }
    config = parsed.data;
  }
  return {
    root,
    configFile,
    expectationsDir: resolve(root, config.expectations ?? "expectations"),
    artifactsDir: resolve(root, config.artifacts ?? "artifacts"),
    lanes: config.lanes,
    hostSetup: {
      chromium: config.hostSetup?.chromium ?? false,
      lava: config.hostSetup?.lava ?? false,
      jdk: config.hostSetup?.jdk ?? false,
      packages: config.hostSetup?.packages ?? [],
    },
    isBootlog: isBootlogRepo(root),
  };
}
