/**
 * vitest setup file: every boot a test file starts (in this process or through the CLI, which
 * inherits the environment) is traced under that file's name when $BOOTLOG_BOOT_TRACE is set
 * (harness/runner/boot-trace.ts; bench/suite-table.ts prints the table).
 */
import { relative } from "node:path";
import { beforeAll, expect } from "vitest";

beforeAll(() => {
  const file = expect.getState().testPath;
  if (file) process.env.BOOTLOG_TRACE_LABEL = relative(process.cwd(), file);
});
