/**
 * The bootlog CLI as a user runs it, for every test that runs it: `node bin/bootlog.mjs ARGS`
 * from the repository root with NO_COLOR, never rejecting (the exit code is what tests check).
 */
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { execa } from "execa";

export const ROOT = join(import.meta.dirname, "../..");
export const BOOTLOG = join(ROOT, "bin/bootlog.mjs");

export interface CliResult {
  /** The exit code; -1 when it was killed by a signal. */
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as printed. */
  all: string;
}

type Env = Record<string, string | undefined>;

/** `bootlog ARGS` to its end (killed after 30 minutes: a bisection boots many times); `env` is added to this process's. */
export async function bootlog(args: string[], env: Env = {}, cwd = ROOT): Promise<CliResult> {
  const r = await execa(process.execPath, [BOOTLOG, ...args], {
    cwd,
    env: { NO_COLOR: "1", ...env },
    reject: false,
    all: true,
    timeout: 1_800_000,
  });
  return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, all: r.all ?? "" };
}

export interface StartedCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `bootlog ARGS` left running: to signal it, or read its output as it comes. */
export function startBootlog(args: string[], env: Env = {}, cwd = ROOT): StartedCli {
  const child = execa(process.execPath, [BOOTLOG, ...args], {
    cwd,
    env: { NO_COLOR: "1", ...env },
    reject: false,
    stdin: "ignore",
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  void child.catch(() => {});
  return { child, stdout: () => out, stderr: () => err, exited };
}
