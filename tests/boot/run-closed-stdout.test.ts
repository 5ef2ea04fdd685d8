import { expect, test } from "vitest";
import { existsSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { testRunDir } from "../helpers/boot.ts";
import { startBootlog } from "../helpers/cli.ts";

// `bootlog run arm64-xen-dom0 | head -1`: the reader goes away after one line; the boot must
// still reach its verdict, write its JUnit and timeline, and exit with the verdict's code.
test("run … | head -1: the boot finishes, JUnit and timeline are written, the exit code is the verdict's", async () => {
  const artifacts = testRunDir("closed-stdout");
  const { child, stderr, exited } = startBootlog(["run", "arm64-xen-dom0", "--artifacts", artifacts]);
  const first = await new Promise<string>((resolve) =>
    child.stdout!.once("data", (b: Buffer) => resolve(b.toString())),
  );
  child.stdout!.destroy(); // what head does after its line: the pipe's reader is gone
  const { code } = await exited;
  expect(first).toMatch(/arm64-xen-dom0/);
  expect(code, stderr()).toBe(0);
  const run = realpathSync(join(artifacts, "latest"));
  expect(existsSync(join(run, "junit.xml"))).toBe(true);
  expect(existsSync(join(run, "arm64-xen-dom0", "junit.xml"))).toBe(true);
  expect(existsSync(join(run, "arm64-xen-dom0", "timeline.json"))).toBe(true);
}, 240_000);
