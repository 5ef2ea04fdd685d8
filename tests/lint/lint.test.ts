/**
 * Lint, format and dead code as part of `npm test`: Biome's linter (unused variables, imports,
 * parameters), Prettier (printWidth 120: the formatter keeps lines within 120) and knip (unused
 * files, exports and dependencies). `npm run format` fixes what Prettier reports.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const bin = (name: string) => join(ROOT, "node_modules/.bin", name);

async function run(command: string, args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(bin(command), args, {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1" },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe("lint", { timeout: 120_000 }, () => {
  it("biome finds no unused variables, imports or parameters", async () => {
    const r = await run("biome", ["lint", "--max-diagnostics=50"]);
    expect(r.output, r.output).not.toMatch(/Found \d+ error/);
    expect(r.code, r.output).toBe(0);
  });

  it("every source file is formatted by prettier (npm run format)", async () => {
    const r = await run("prettier", ["--check", "**/*.{ts,mjs,json}"]);
    expect(r.code, r.output).toBe(0);
  });

  it("knip finds no unused files, exports or dependencies", async () => {
    const r = await run("knip", ["--no-progress"]);
    expect(r.code, r.output).toBe(0);
  });
});
